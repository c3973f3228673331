"""The user's repository in the draft (`draft --repo PATH`): what the scanner found,
kept as a small JSON-able summary in the run's options and in spec.json, given to each
section as only the facts it needs, and used to ground the design spine.

The summary is bounded (tables, columns, routes, names), so a large repository does not
grow every prompt: each section gets the lines of its own kind, and none gets them all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agentspec.agents.spine import Entity
from agentspec.packs.builtin import builtin_pack
from agentspec.repo import RepoContext, scan

MAX_TABLES, MAX_COLUMNS, MAX_ROUTES, MAX_NAMES = 15, 10, 15, 15

# Which facts each section reads (the default pack's facts.yaml): the spine decides with all
# of them; a section gets its kind.
_PARTS: dict[str, tuple[str, ...]] = builtin_pack().repository_fact_readers


def scan_repository(root: Path) -> dict[str, Any]:
    """Scan `root` and keep what a draft uses, each fact with the `path:line` it was found at."""
    return summarise(scan(root), root)


def summarise(context: RepoContext, root: Path) -> dict[str, Any]:
    tables = []
    for table in context.tables[:MAX_TABLES]:
        columns = [{"name": c.name, "type": c.type, "primary_key": c.primary_key} for c in table.columns[:MAX_COLUMNS]]
        key = next((c for c in table.columns if c.primary_key), None)
        tables.append({"name": table.name, "primary_key": key.name if key else None, "key_type": key.type if key else None,
                       "columns": columns, "at": str(table.source)})
    stack = [f"{item.kind.replace('_', ' ')} {item.name}" for item in
             [*context.frameworks, *context.orms, *context.migration_tools, *context.test_runners]]
    return {
        "root": str(root),
        "languages": [lang.name for lang in context.languages[:4] if lang.name.lower() not in {"sql", "prisma"}],
        "stack": list(dict.fromkeys(stack))[:MAX_NAMES],
        # The version constraints the manifests state, by lower-case name: what Compatibility states.
        "versions": {item.name.lower(): item.version for item in
                     [*context.frameworks, *context.orms, *context.migration_tools, *context.test_runners] if item.version},
        "tables": tables,
        "routes": [{"method": r.method, "path": r.path, "at": str(r.source)} for r in context.routes[:MAX_ROUTES]],
        "route_prefix": common_prefix([r.path for r in context.routes]),
        "clients": [{"service": c.service, "package": c.package, "at": str(c.sources[0])} for c in context.clients[:6] if c.sources],
        "env_vars": [v.name for v in context.env_vars[:MAX_NAMES]],
        "alembic_heads": [head.split(" ", 1)[0] for head in context.alembic_heads],
        "files_scanned": context.stats.files_seen,
    }


def common_prefix(paths: list[str]) -> str:
    """The longest leading path (`/api/v1`) that most routes share and that more than one
    resource sits under, or "" when none does. Most, not all: a health check or a root page
    usually sits outside the API's prefix; more than one resource, or `/api/accounts` would
    be the prefix of an API that so far has only accounts."""
    split = [[s for s in p.split("/") if s] for p in paths if p.startswith("/")]
    best = ""
    for depth in (1, 2, 3):
        under: dict[tuple[str, ...], set[str]] = {}
        for parts in split:
            head = tuple(parts[:depth])
            if len(parts) > depth and not any(s.startswith((":", "{", "<")) for s in head):
                under.setdefault(head, set()).add(parts[depth])
        counts = {head: sum(1 for p in split if tuple(p[:depth]) == head) for head in under}
        top = max(counts, key=counts.__getitem__, default=None)
        resources = {s for s in under.get(top, set()) if not s.startswith((":", "{", "<"))} if top else set()
        if top is None or counts[top] * 2 <= len(split) or not resources:
            break
        if len(resources) > 1:  # one child (`/api` above `/v1`) is part of a longer prefix
            best = "/" + "/".join(top)
    return best


def repository_lines(section_id: str, facts: dict[str, Any] | None) -> list[str]:
    """The repository block of one section's prompt: only the kinds of fact it reads."""
    if not facts:
        return []
    lines: list[str] = []
    parts = _PARTS.get(section_id, ())
    if "stack" in parts and (facts.get("languages") or facts.get("stack")):
        lines.append("Stack: " + "; ".join([*facts.get("languages", []), *facts.get("stack", [])]))
    if "tables" in parts and facts.get("tables"):
        lines.append("Existing tables (reference or alter them; never create one again): " + "; ".join(
            f"{t['name']} (primary key {t['primary_key']} {t['key_type'] or ''}".rstrip() + f", {t['at']})"
            for t in facts["tables"]))
    if "table_columns" in parts and facts.get("tables"):
        lines.append("Existing tables, as the repository's migrations leave them (a foreign key uses the key's real type):")
        lines += [f"- {t['name']}: " + ", ".join(f"{c['name']} {c['type'] or ''}".rstrip() + (" primary key" if c["primary_key"] else "")
                                                 for c in t["columns"]) + f" ({t['at']})" for t in facts["tables"]]
    if "routes" in parts and facts.get("routes"):
        prefix = facts.get("route_prefix")
        lines.append("Existing routes" + (f" (new ones go under {prefix})" if prefix else "") + ": "
                     + "; ".join(f"{r['method']} {r['path']} ({r['at']})" for r in facts["routes"]))
    if "clients" in parts and facts.get("clients"):
        lines.append("Existing clients (reuse them): " + "; ".join(f"{c['service']} via {c['package']} ({c['at']})" for c in facts["clients"]))
    if "env_vars" in parts and facts.get("env_vars"):
        lines.append("Environment variables the code already reads: " + ", ".join(facts["env_vars"]))
    return lines


REPOSITORY_NOTE = "Repository: "  # prefix of the spine's `completed` notes that come from the scan, not the library


def ground_spine(spine: Any, facts: dict[str, Any] | None, description: str | None = None) -> list[str]:  # DesignSpine
    """A table the design calls new that the repository already has is that table: the
    feature references it (or alters it, when the design said so) instead of creating a
    second one of the same name. Given the description (before completion), a repository
    table the design calls altered with nothing decided to add, and that the description does
    not name, is referenced: the fixture's `users` was "altered" in a feature about workspaces,
    and the schema section failed twice asking the model which columns it adds."""
    if not facts:
        return []
    existing = {t["name"]: t for t in facts.get("tables") or []}
    notes = []
    for entity in spine.entities:
        found = existing.get(entity.table)
        if found and entity.change == "new":
            entity.change = "referenced"
            notes.append(f"table {entity.table} exists in the repository ({found['at']}): referenced, not created")
        if (found and description is not None and entity.change == "altered" and not entity.required_columns
                and not _named_in(entity.table, description)):
            entity.change = "referenced"
            notes.append(f"table {entity.table} exists in the repository ({found['at']}) and nothing in the design adds "
                         "to it: referenced")
        if found and entity.change != "new":
            entity.existing_columns = [c["name"] for c in found.get("columns") or []]
        if found and found.get("primary_key") and entity.key != found["primary_key"]:
            entity.key = found["primary_key"]  # its real key, which foreign keys to it point at
            notes.append(f"table {entity.table} is keyed on {found['primary_key']}, as in the repository")
    return notes


# The kinds of the summary's stack entries ("test runner Playwright") that name the repository's
# own tools, never a service the feature calls.
_TOOL_KINDS = ("framework ", "orm ", "migration tool ", "test runner ")


def repository_tools_are_not_systems(spine: Any, facts: dict[str, Any] | None, description: str) -> list[str]:  # DesignSpine
    """An external system named after one of the repository's own tools (its framework, ORM,
    migration tool or test runner) is part of the repository, not a service the feature
    integrates with: the grounded draft of full-stack-fastapi-template made its Playwright
    test runner an outbound API of the billing page, and External Services failed asking
    for Playwright's base URL and rate limit. Kept when the description names it."""
    tools = {entry[len(kind):].strip().lower() for entry in (facts or {}).get("stack") or []
             for kind in _TOOL_KINDS if entry.startswith(kind)}
    dropped = [s for s in spine.external_systems
               if s.name.strip().lower() in tools and not _named_in(s.name.lower(), description)]
    if not dropped:
        return []
    spine.external_systems = [s for s in spine.external_systems if s not in dropped]
    return [f"external system {s.name} dropped: it is the repository's own tool, not a service this feature calls"
            for s in dropped]


def unknown_existing_tables(spine: Any, facts: dict[str, Any] | None, description: str) -> list[str]:  # DesignSpine
    """A table the design calls existing is one the repository has or the description names;
    any other is a guess about the user's system that every section would build on. A guessed
    table the feature writes (altered, or where failed work is kept) is the feature's own new
    table: the gdpr spines called deletion_requests altered, and the migration then gave each
    "existing" request a random user_id. A guessed table it only reads is dropped: the
    fresh-clone Stripe spine of 12-05 referenced a `sync_status_page_data` nobody had
    mentioned, and its data flow failed on it."""
    known = {t["name"] for t in (facts or {}).get("tables") or []}
    where = "the repository does not have it and " if facts else ""
    kept, notes = [], []
    for entity in spine.entities:
        if entity.change == "new" or entity.table in known or _named_in(entity.table, description):
            kept.append(entity)
        elif entity.change == "altered" or entity.table == spine.failure_policy.store:
            entity.change = "new"
            kept.append(entity)
            notes.append(f"table {entity.table} is new: {where}the description does not name it, so this feature creates it")
        else:
            notes.append(f"table {entity.table} dropped: {where}the description does not name it, so it is not known to exist")
    if len(kept) == len(spine.entities):
        return notes
    dropped = {e.table for e in spine.entities} - {e.table for e in kept}
    spine.entities = kept
    for role in spine.roles:
        # A grant on a dropped table goes with it (a role keeps at least one grant).
        left = [p for p in role.permissions if not set(p.split(":")) & dropped]
        role.permissions = left or role.permissions
    return notes


def repository_tables_named(spine: Any, facts: dict[str, Any] | None, description: str) -> list[str]:  # DesignSpine
    """A repository table the description names ("each user's subscription status", "billing for
    workspaces") is part of the design, referenced with its real key, when the design left it out:
    the feature's own records then carry its key (completion's holder rule), instead of a model's
    guess at a users table. Within the spine's bound on tables."""
    notes = []
    listed = {e.table for e in spine.entities}
    writer = next((c.id for c in spine.components if c.kind in ("service", "worker")), None)
    for table in (facts or {}).get("tables") or []:
        if len(spine.entities) >= 5 or writer is None:
            break
        if table["name"] in listed or not table.get("primary_key") or not _named_in(table["name"], description):
            continue
        spine.entities.append(Entity(table=table["name"], purpose=f"the repository's {table['name']}, which the description names",
                                     change="referenced", key=table["primary_key"], unique=[], money="none", owner=writer))
        notes.append(f"table {table['name']} is named by the description and exists in the repository ({table['at']}): referenced")
    return notes


def _named_in(table: str, description: str) -> bool:
    """Whether the description names the table: its words in order, joined by spaces, hyphens or
    underscores, the last one singular or plural (`users` for "user", `order_items` for "order items")."""
    *head, last = table.lower().split("_")
    if last.endswith(("ies", "y")):
        tail = re.escape(last[:-3] if last.endswith("ies") else last[:-1]) + "(?:y|ies)"
    else:
        stem = re.sub(r"(s|x|z|ch|sh)es$", r"\1", last)
        stem = stem[:-1] if stem == last and last.endswith("s") and not last.endswith("ss") else stem
        tail = re.escape(stem) + "(?:s|es)?"
    phrase = r"[\s_-]+".join([*map(re.escape, head), tail])
    # What a page is to show ("show the import history to catalog managers") is what the feature
    # makes, not a table the user already has: the 12-05 SFTP spine altered an `import_history`
    # nobody had, and its migration failed on backfilling columns of rows that do not exist.
    shown = rf"\b(?:show|shows|showing|display|displays|list|lists|view|see)\s+(?:the\s+|an?\s+|its\s+|their\s+)?{phrase}\b"
    said = [m for m in re.finditer(rf"\b{phrase}\b", description.lower())]
    return any(not re.search(shown + r"$", description.lower()[:m.end()]) for m in said)
