"""Data deletion (erasure) requests: the deadline the description states becomes a limit, the
existing table of the people whose data is erased is part of the design, and a new audit table
records who asked for each deletion, when, and what was removed where, without personal data."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import AUDIT_TABLE
from agentspec.agents.spine import DesignSpine, Entity, Limit
from agentspec.agents.knowledge.completion._shared import _doers, _room, _singular, completes


@completes("data_deletion_compliance")
def _data_deletion(spine: DesignSpine, description: str) -> list[str]:
    """Erasure needs proof: a table recording who asked, when, and what was removed where,
    written by the code that carries out the deletions and holding no personal data itself."""
    notes = _deadline(spine, description) + _data_subjects(spine, description)
    for entity in spine.entities:
        if AUDIT_TABLE.search(entity.table) and _ERASURE.search(entity.table) and entity.change != "new":
            # The record of this feature's own deletions cannot exist before the feature (the
            # ninth-pass gdpr spine called deletion_audit_log altered, and the migration then
            # backfilled its user_id with random uuids).
            entity.change = "new"
            notes.append(f"table {entity.table} is new: it records this feature's deletions")
    if any(AUDIT_TABLE.search(e.table) for e in spine.entities) or not _room(spine, "entities"):
        # The model drafted the audit table itself, new or existing (the seventh-pass gdpr spine
        # called it altered, and a second deletion_audit_log was added beside it); the deadline still counts.
        return notes
    requests = next((e for e in spine.entities if e.change == "new" and re.search(r"delet|eras|request", e.table)), None)
    workers = _doers(spine)
    owner = requests.owner if requests is not None else (workers[0] if workers else None)
    if owner is None:
        return notes
    table = "deletion_audit_log"
    spine.entities.append(Entity(table=table, change="new", key="id", unique=[], money="none", owner=owner,
                                 purpose="who asked for each deletion, when, and what was removed in each store, without personal data"))
    return [*notes, f"table {table} records who asked for each deletion, when, and what was removed"]


_ERASURE = re.compile(r"delet|eras|anonymi[sz]|forget", re.I)


# The people whose data an erasure removes, as a description names them.
_SUBJECTS = ("users", "customers", "accounts", "members", "patients", "employees", "subscribers", "contacts", "students")


def _data_subjects(spine: DesignSpine, description: str) -> list[str]:
    """The table of the people whose data is erased is part of the design: it already exists,
    and the deletion removes or anonymises their rows (referenced, not altered: its columns stay). The seventh-pass gdpr spine
    left `users` out, and the schema section was rejected three times for naming it."""
    text = description.lower()
    subject = next((s for s in _SUBJECTS if re.search(rf"\b{s}\b", text)), None)
    # Only an existing table can be the subjects' own: the ninth-pass gdpr spine's new `user_data`
    # table hid that `users` was missing, and the schema section was rejected for naming `users`.
    if subject is None or any(e.change != "new" and (subject in e.table or _singular(subject) in e.table) for e in spine.entities) \
            or not _room(spine, "entities"):
        return []
    workers = _doers(spine)
    if not workers:
        return []
    spine.entities.append(Entity(table=subject, change="referenced", key="id", unique=[], money="none", owner=workers[0],
                                 purpose=f"the existing {subject} table: the deletion removes or anonymises each requester's row"))
    return [f"existing table {subject} is part of the design: the deletion removes or anonymises its rows"]


_WITHIN = re.compile(r"\bwithin (\d{1,4}) (day|hour)s?\b", re.I)


def _deadline(spine: DesignSpine, description: str) -> list[str]:
    """The deadline the description states ("within 30 days") becomes a limit of the design."""
    found = _WITHIN.search(description)
    if found is None or len(spine.limits) >= 4:
        return []
    value, unit = float(found.group(1)), "d" if found.group(2).lower() == "day" else "h"
    if any(lim.value == value and lim.unit == unit for lim in spine.limits):
        return []
    spine.limits.append(Limit(name="completion_deadline", value=value, unit=unit,
                              meaning=f"each request is completed within {found.group(1)} {found.group(2).lower()}s of being filed"))
    return [f"limit completion_deadline = {found.group(1)} {unit}, as the description states"]
