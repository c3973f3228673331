"""Rules the library decides (archetypes.yaml `decision`): for each concern of the design's
archetypes that has one and no rule yet, the rule stated on every element it governs, filled
with the design's own names; a rule whose names the design cannot fill is not made."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import consent_table
from agentspec.agents.spine import DesignRule, DesignSpine, Entity, ExternalSystem, holds_deliveries


_FORMATS = re.compile(r"\b(csv|tsv|json|jsonl|ndjson|xml|parquet|avro|xlsx|excel|fixed[- ]width)\b", re.I)


def _decided_rules(spine: DesignSpine, description: str, archetype_ids: set[str]) -> list[str]:
    """The library's rule for each concern of the design's archetypes that has one
    (archetypes.yaml `decision`) and no rule yet, on every element it governs: the 12-05 SFTP
    import had no field that could state its file contract, so that P1 concern stayed open for
    every batch-import feature. A rule whose names the design cannot fill is not made."""
    from agentspec.agents.knowledge import archetypes

    notes = []
    for archetype in (a for a in archetypes() if a.id in archetype_ids):
        for concern in (c for c in archetype.concerns if c.decision is not None):
            decided = {r.applies_to for r in spine.rules if r.concern == concern.id}
            for subject in _governed(spine, concern.decision.applies_to):
                name = subject.id if isinstance(subject, ExternalSystem) else subject.table
                rule = None if name in decided else _rule(spine, concern.id, concern.decision.statement, subject, description)
                if rule is not None:
                    spine.rules.append(rule)
                    notes.append(f"{name}: {rule.statement}")
    return notes


def _governed(spine: DesignSpine, applies_to: list[str]) -> list[ExternalSystem | Entity]:
    systems: list[ExternalSystem | Entity] = [x for x in spine.external_systems if x.direction in applies_to]
    own = [e for e in spine.entities if e.change == "new" and not holds_deliveries(e) and e.table not in
           (spine.failure_policy.store, "sync_cursors") and e is not consent_table(spine)]
    services = {c.id for c in spine.components if c.kind == "service"}
    if "synced_table" in applies_to:
        systems += [e for e in own if e.unique][:2]
    if "edited_table" in applies_to:
        systems += [e for e in own if e.owner in services][:1]
    return systems


def _rule(spine: DesignSpine, concern: str, template: str, subject: ExternalSystem | Entity, description: str) -> DesignRule | None:
    fills: dict[str, str] = {}
    refers: list[str] = []
    if isinstance(subject, ExternalSystem):
        fills["system"] = subject.name
        found = _FORMATS.search(description)
        fills["format"] = found.group(1).upper().replace("EXCEL", "Excel (XLSX)") if found else "in the format agreed with the partner"
    else:
        fills["table"] = subject.table
        if subject.unique:
            fills["key"] = subject.unique[0]
            refers.append(f"{subject.table}.{subject.unique[0]}")
        if "{version}" in template:
            subject.version_column = subject.version_column or "version"
            fills["version"] = subject.version_column
            refers.append(f"{subject.table}.{subject.version_column}")
    if spine.failure_policy.store and any(e.table == spine.failure_policy.store for e in spine.entities):
        fills["store"] = spine.failure_policy.store
        if "{store}" in template:
            refers.append(spine.failure_policy.store)
    try:
        statement = template.format(**fills)
    except KeyError:
        return None  # the design lacks what the rule names: the concern stays open, and says what is missing
    applies_to = subject.id if isinstance(subject, ExternalSystem) else subject.table
    return DesignRule(concern=concern, applies_to=applies_to, statement=statement, refers_to=refers)
