"""Batch files moved between the feature and a partner (SFTP, a bucket): the system is a file
import or export reached with a secret credential, a scheduler starts each run on the period the
description says, each file is recorded once by its checksum and each row once within its file,
and a file over the size limit is rejected whole."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import externals, secret_for
from agentspec.agents.spine import Component, DesignSpine, Entity, ExternalSystem, Limit, Setting, holds_deliveries
from agentspec.agents.knowledge.completion._shared import _base, _defaults, _room, completes
from agentspec.agents.knowledge.completion.credentials import _credential_name


_FILE_WORDS = re.compile(r"s?ftp|files?|csv|bucket|\bs3\b|storage|blob|drop", re.I)
_EXPORTS = re.compile(r"\b(?:export|upload|send|deliver|drop)\w*\b.{0,60}\b(?:to|onto|into)\b", re.I)
_RUN_LOG = re.compile(r"(?:^|_)(?:history|histories|runs?|logs?|batch(?:es)?|files?|uploads?)$")
_PERIODS = {"hourly": "1 h", "nightly": "1 d", "daily": "1 d", "every day": "1 d", "every night": "1 d", "weekly": "7 d"}


@completes("batch_file_transfer")
def _batch_files(spine: DesignSpine, description: str) -> list[str]:
    """Files that move between us and a partner: the system is a file import or export (the
    12-05 SFTP spine called the partner's SFTP server an API, with no credentials), a job starts
    each run on the period the description says, each file is applied once (a files table unique
    on its checksum) and each row once within its file, and a file has a size limit."""
    notes: list[str] = []
    systems = externals(spine, "file_import", "file_export")
    if not systems:
        found = next((x for x in externals(spine, "outbound_api", "polling")
                      if _FILE_WORDS.search(f"{x.id} {x.name} {x.purpose}")), None)
        if found is None:
            return notes
        exports = bool(_EXPORTS.search(description)) and not re.search(r"\bimport", description, re.I)
        found.direction = "file_export" if exports else "file_import"
        notes.append(f"{found.name} is a file {'export' if exports else 'import'}: files move through it, not API calls")
        systems = [found]
    for system in systems:
        notes += _file_credentials(spine, system) + _file_runs(spine, system, description) + _files_once(spine, system)
    return notes + _file_size_limit(spine)


def _file_credentials(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """We log in to the partner's server or bucket: an `auth` of none is a missing decision."""
    if system.auth.strip().lower() not in ("none", "", "n/a") and secret_for(spine, system) is not None:
        return []
    sftp = bool(re.search(r"s?ftp", f"{system.id} {system.name}", re.I))
    name = f"{_base(system).upper()}_SSH_PRIVATE_KEY" if sftp else _credential_name(system)
    if system.auth.strip().lower() in ("none", "", "n/a"):
        system.auth = f"{'an SSH key pair (the partner holds the public key)' if sftp else 'credentials the partner issues'}, held in {name}"
    if secret_for(spine, system) is None and _room(spine, "settings"):
        spine.settings.append(Setting(name=name, secret=True, purpose=f"logs in to {system.name} to {'fetch' if system.direction == 'file_import' else 'deliver'} files"))
        return [f"{system.name} is reached with {system.auth}"]
    return []


def _file_runs(spine: DesignSpine, system: ExternalSystem, description: str) -> list[str]:
    """A run starts on the period the description says ("nightly"), by a job of its own."""
    if any(c.kind == "scheduler" for c in spine.components) or not _room(spine, "components"):
        return []
    period = next((p for word, p in _PERIODS.items() if re.search(rf"\b{word}\b", description, re.I)), None)
    if period is None:
        return []
    job = Component(id=f"{_base(system)}_{'import' if system.direction == 'file_import' else 'export'}_schedule",
                    label=f"{system.name} schedule", kind="scheduler",
                    responsibility=f"starts {system.connects_to}'s run every {period}", schedule=f"every {period}")
    spine.components.append(job)
    return [f"{job.id} starts {system.connects_to}'s run every {period}, as the description says"]


def _files_once(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """Each file is recorded once, unique on its checksum, so a file the partner sends again is not
    applied twice; a row table is unique on its file and row together (row_key), never on the file
    alone: the SFTP spine's import_rows was unique on file_id, which allows one row per file."""
    notes = []
    table = "import_files" if system.direction == "file_import" else "export_files"
    own = next((e for e in spine.entities if e.change == "new" and e.owner == system.connects_to and not e.unique
                and _RUN_LOG.search(e.table)), None)
    if own is not None and not any(e.table == table for e in spine.entities):
        # The answer's own record of runs (the SFTP spine's import_history) is the files table: two
        # tables of the same runs would disagree on which file was applied.
        own.unique = ["checksum_sha256"]
        own.required_columns = list(dict.fromkeys([*own.required_columns, "file_name", "row_count", "status"]))
        table = own.table
        notes.append(f"table {table} records each file once, unique on checksum_sha256")
    if not any(e.table == table for e in spine.entities) and _room(spine, "entities"):
        spine.entities.append(Entity(table=table, change="new", key="id", unique=["checksum_sha256"], money="none",
                                     owner=system.connects_to, required_columns=["file_name", "row_count", "status"],
                                     purpose=f"each file {'taken from' if system.direction == 'file_import' else 'sent to'} "
                                             f"{system.name}, once: a file whose checksum is here is not applied again"))
        notes.append(f"table {table} records each file once, unique on checksum_sha256")
    for entity in spine.entities:
        if entity.change != "new" or entity.owner != system.connects_to or entity.table == table or holds_deliveries(entity):
            continue
        if len(entity.unique) > 1 or any("file" in c for c in entity.unique):
            kept = [c for c in entity.unique if c not in entity.required_columns]
            entity.required_columns = [*entity.required_columns, *kept]
            notes.append(f"table {entity.table} is unique on row_key (the file and the row number together), "
                         f"not on {', '.join(entity.unique)} each alone")
            entity.unique = ["row_key"]
    return notes


def _file_size_limit(spine: DesignSpine) -> list[str]:
    if any(lim.unit == "MB" for lim in spine.limits) or len(spine.limits) >= 4:
        return []
    largest = float(_defaults("batch_file_transfer").get("max_file_mb", "500"))
    spine.limits.append(Limit(name="max_file_size", value=largest, unit="MB", meaning="a larger file is rejected whole and reported"))
    return [f"a file over {largest:g} MB is rejected whole and reported"]
