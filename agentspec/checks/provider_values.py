"""A provider's record holds only the values its documentation lists: a spec that stores
a Stripe invoice as "pending" states a fact about Stripe that is wrong (the README
example's reviewed draft did; Stripe's invoices are draft, open, paid, uncollectible or
void). The documented values are data (agents/knowledge/providers.yaml,
`documented_values`, each with its source page), so the check carries over to any
provider the library describes.

What the spec states is read from its SQL (a CHECK ... IN list or an ENUM type on the
field's column, in a table named after the record) and, for the built-in template,
from the schema section's column notes in spec.json ("the allowed values
comma-separated"). Providers are the ones the description or the design spine names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "provider_values"
_CREATE_TABLE = re.compile(r"create\s+table\s+(?:if\s+not\s+exists\s+)?[\w.\"]*?\"?(\w+)\"?\s*\((.*?)\)\s*;", re.I | re.S)
_ENUM_TYPE = re.compile(r"create\s+type\s+[\w.\"]*?\"?(\w+)\"?\s+as\s+enum\s*\(([^)]*)\)", re.I)
_LITERALS = re.compile(r"'([^']*)'")


def _providers(spec: SpecDocument) -> list:
    from agentspec.agents.knowledge import providers_named_in
    from agentspec.agents.spine import spine_of

    said = [str((spec.spec_json or {}).get("description") or "")]
    sections = (spec.spec_json or {}).get("sections")
    spine = spine_of(sections) if isinstance(sections, dict) else None
    if spine is not None:
        said += [f"{x.name} {x.id.replace('_', ' ')}" for x in spine.external_systems]
    return [p for p in providers_named_in(said) if p.documented_values or p.webhook_events]


def _names_record(table: str, record: str) -> bool:
    return re.search(rf"(^|_){re.escape(record)}(s|es)?($|_)", table.lower()) is not None


def _sql_values(spec: SpecDocument, record: str, field: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line, table, values) for each CHECK list or ENUM on `field` of a table named after `record`."""
    for block in spec.blocks("sql", "postgresql", "postgres", "psql"):
        enums = {m.group(1).lower(): _LITERALS.findall(m.group(2)) for m in _ENUM_TYPE.finditer(block.content)}
        for table in _CREATE_TABLE.finditer(block.content):
            if not _names_record(table.group(1), record):
                continue
            body = table.group(2)
            line = block.content_line + block.content.count("\n", 0, table.start())
            check = re.search(rf"\b{re.escape(field)}\b[^,]*?\bin\s*\(([^)]*)\)", body, re.I)
            if check:
                yield line, table.group(1), _LITERALS.findall(check.group(1))
            typed = re.search(rf"(?:^|,)\s*\"?{re.escape(field)}\"?\s+\"?(\w+)\"?", body, re.I)
            if typed and typed.group(1).lower() in enums:
                yield line, table.group(1), enums[typed.group(1).lower()]


def _noted_values(spec: SpecDocument, record: str, field: str) -> Iterator[tuple[str, list[str]]]:
    """(table, values) from the schema section's column notes (built-in template)."""
    schema = (((spec.spec_json or {}).get("sections") or {}).get("database_schema") or {}).get("data") or {}
    for table in schema.get("tables") or []:
        if not _names_record(str(table.get("name", "")), record):
            continue
        for column in table.get("columns") or []:
            note = column.get("note") if column.get("name") == field else None
            if note and "," in note:
                values = [v.strip().strip("'\"`").lower() for v in note.split(",")]
                if all(re.fullmatch(r"[a-z0-9_.-]{1,40}", v) for v in values):
                    yield table["name"], values


def _event_findings(spec: SpecDocument, notes: list) -> tuple[int, list[Finding]]:
    """Each design-spine event a provider sends about a record it documents the events of
    ("stripe_invoice.created", "invoice.pending") must be one of those documented types."""
    from agentspec.agents.spine import spine_of

    sections = (spec.spec_json or {}).get("sections")
    spine = spine_of(sections) if isinstance(sections, dict) else None
    if spine is None:
        return 0, []
    checked, findings = 0, []
    for note in notes:
        names = [note.name.lower(), *(a.lower() for a in note.aliases)]
        senders = {x.id for x in spine.external_systems if any(n in f"{x.name} {x.id.replace('_', ' ')}".lower() for n in names)}
        for documented in note.webhook_events:
            known = {*documented.types, *documented.others}
            for event in spine.events:
                if event.producer not in senders or not re.search(rf"(^|_){re.escape(documented.record)}s?\.", event.name):
                    continue
                checked += 1
                if event.name not in known:
                    findings.append(Finding(None, f"event {event.name} is not a {note.name} event type: {note.name} sends "
                                                  f"{', '.join(documented.types)} (and {len(documented.others)} other "
                                                  f"{documented.record} types) ({documented.source_url})"))
    return checked, findings


def check_provider_values(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    notes = _providers(spec)
    if not notes:
        return Score.skip(NAME, "no named provider with documented values (agents/knowledge/providers.yaml)")
    checked, findings = _event_findings(spec, notes)
    for note in notes:
        for documented in note.documented_values:
            allowed = set(documented.values)
            stated = [(line, table, values) for line, table, values in _sql_values(spec, documented.record, documented.field)]
            stated += [(None, table, values) for table, values in _noted_values(spec, documented.record, documented.field)]
            for line, table, values in stated:
                checked += 1
                wrong = [v for v in values if v not in allowed]
                if wrong:
                    findings.append(Finding(spec.h2_at(line) if line else None,
                                            f"{table}.{documented.field} allows {', '.join(repr(v) for v in wrong)}: "
                                            f"{note.name} documents {documented.record} {documented.field} values as "
                                            f"{', '.join(documented.values)} ({documented.source_url})", line))
    if checked == 0:
        return Score.skip(NAME, "the spec states no values for a field the provider documents")
    return Score.from_findings(NAME, findings, checked=checked)
