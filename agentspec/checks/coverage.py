"""Must-cover concerns, computed: does the spec state what a senior engineer
checks first for the feature's integration archetypes (agents/knowledge)?

The archetypes come from the design spine's structure, plus those the
description declares (agents/knowledge/briefing.py: cue words for archetypes
no structure shows, such as data deletion) and any the run declares. Each concern is
judged by a predicate over the spine and the validated section models in
spec.json, never by searching the prose. Value = covered fraction; the check
fails when a P1 concern is uncovered. Not part of the drafting gate."""

from __future__ import annotations

from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "coverage"


def _sections(spec: SpecDocument) -> dict[str, Any]:
    """Section id -> validated model, for every section in spec.json whose data validates."""
    from pydantic import ValidationError

    from agentspec.agents.registry import registry
    from agentspec.section import validate_stored

    table = (spec.spec_json or {}).get("sections")
    table = table if isinstance(table, dict) else {}
    models = {}
    for section in registry():
        data = (table.get(section.id) or {}).get("data")
        if section.model is None or not isinstance(data, dict):
            continue
        try:
            models[section.id] = validate_stored(section.model, data)
        except ValidationError:
            continue  # an invalid section states nothing
    return models


def _h2_of_sections() -> dict[str, str]:
    """Section id -> the H2 it renders under (its own, or the last one before it in template order)."""
    from agentspec.agents.registry import registry

    current = None
    where = {}
    for section in registry():
        own = next((h[3:].strip() for h in section.headings if h.startswith("## ")), None)
        current = own or current
        if current:
            where[section.id] = current
    return where


def coverage_results(spec: SpecDocument, run: dict[str, Any] | None = None) -> list | None:
    """Every must-cover concern of the spec's design (ConcernResult), or None without a spine."""
    from agentspec.agents.knowledge.briefing import declared_archetypes
    from agentspec.agents.knowledge.coverage import coverage
    from agentspec.agents.spine import DesignSpine

    sections = _sections(spec)
    spine = sections.get("design_spine")
    if not isinstance(spine, DesignSpine):
        return None
    description = str((spec.spec_json or {}).get("description") or "")
    chosen = [*((run or {}).get("archetypes") or ()), *((spec.spec_json or {}).get("archetypes") or ())]
    return coverage(spine, sections, tuple(declared_archetypes(description, chosen)))


def check_coverage(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    results = coverage_results(spec, run)
    if results is None:
        return Score.skip(NAME, "no design spine in spec.json")
    if not results:
        return Score.skip(NAME, "the design matches no integration archetype")
    h2 = _h2_of_sections()
    findings = [Finding(h2.get(r.owner), f"uncovered {r.priority} concern {r.archetype}/{r.concern} "
                                         f"(owner {r.owner}): {r.what}; missing: {r.missing}")
                for r in results if not r.covered and r.priority == "P1"]
    notes = [f"uncovered P2 concern {r.archetype}/{r.concern} (owner {r.owner}): missing: {r.missing}"
             for r in results if not r.covered and r.priority != "P1"]
    notes += [f"covered {r.archetype}/{r.concern}: {r.evidence}" for r in results if r.covered]
    covered = sum(r.covered for r in results)
    summary = f"{covered}/{len(results)} concern(s) covered; archetypes: {', '.join(dict.fromkeys(r.archetype for r in results))}"
    from agentspec.checks.template import template_of

    if template_of(spec, run) is not None:
        # The concerns are owned by the built-in template's sections: a user's template may have
        # no place for them, so there the measure is reported, not a gate.
        return Score(name=NAME, value=round(covered / len(results), 4), passed=True,
                     details=[f"{summary} (reported only: a user's template)", *(str(f) for f in findings), *notes])
    return Score(name=NAME, value=round(covered / len(results), 4), passed=not findings,
                 details=[summary, *(str(f) for f in findings), *notes],
                 section=next((f.heading for f in findings if f.heading), None), findings=findings)
