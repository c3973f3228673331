"""Semantic defects: what a reader would call wrong in a spec whose every
syntactic check passes.

Four families, each a count of findings (the H2 heading they sit under, and a
message that quotes the text):

1. names outside the design spine: a table, endpoint or piece of infrastructure
   the spine lacks (agents.spine_gate.outside_spine, per H2 section);
2. contradictions: statements that disagree with the spine, or, where there is
   no spine, with each other (no new tables vs CREATE TABLE, no cache vs Redis,
   dropped vs dead-lettered, a role nobody defines, one quantity with two values);
3. sections that apply but are empty (failed, or no data, while the spine says
   the section applies);
4. sections that do not apply but carry content beyond their headings and the
   one "Not applicable:" line.

The reference rule: with a spine, the spine is the design, so a statement is a
defect when it disagrees with the spine (the statement that agrees is never
counted, and a name the spine lacks is counted once, by family 1). Without a
spine, two statements that disagree are one defect: the later one, quoting the
earlier.

Context and Overview restate the user's description and brief, and the System
Landscape renders the spine itself (when there is one): none of them is read
for statements. Rules that need spec.json or the spine skip without it and say
so in the score's notes; the rules that read only the markdown still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.checks.semantic.actors import spine_actors
from agentspec.checks.semantic.applicability import content_in_not_applicable, empty_applicable_sections
from agentspec.checks.semantic.contradictions import (
    failure_handling,
    foreign_script,
    no_cache_claim,
    no_tables_claim,
    overlapping_runs,
)
from agentspec.checks.semantic.money import money_representation
from agentspec.checks.semantic.names import names_outside_spine
from agentspec.checks.semantic.quantities import quantity_values
from agentspec.checks.semantic.roles import undefined_roles
from agentspec.checks.semantic.statements import Context, Outcome, _context, _sections_json, computed_readiness_lines
from agentspec.spec_document import SpecDocument

NAME = "semantic_defects"

__all__ = ["NAME", "RULES", "Rule", "check_semantic", "computed_readiness_lines", "defect_count"]


# --------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Rule:
    label: str
    run: Callable[[Context], Outcome]
    needs: str  # "markdown" | "spine" | "spec_json" | "spine+spec_json"


RULES: tuple[Rule, ...] = (
    Rule("names outside the spine", names_outside_spine, "spine"),
    Rule("no-tables claims", no_tables_claim, "markdown"),
    Rule("no-cache claims", no_cache_claim, "markdown"),
    Rule("failure handling", failure_handling, "markdown"),
    Rule("overlapping runs", overlapping_runs, "spine"),
    Rule("another script", foreign_script, "spec_json"),
    Rule("undefined roles", undefined_roles, "spine"),
    Rule("quantities", quantity_values, "markdown"),
    Rule("money representation", money_representation, "spine"),
    Rule("actors in the spine", spine_actors, "spine"),
    Rule("empty applicable sections", empty_applicable_sections, "spine+spec_json"),
    Rule("content in not-applicable sections", content_in_not_applicable, "spec_json"),
)


def _spine(spec: SpecDocument) -> Any:
    from agentspec.agents.spine import spine_of

    return spine_of(_sections_json(spec)) if spec.spec_json is not None else None


def check_semantic(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """Semantic defects (see the module docstring): each finding is one defect."""
    if not spec.markdown.strip() or not any(h.level == 2 for h in spec.headings):
        return Score.skip(NAME, "the document has no H2 sections to read")
    has_json = spec.spec_json is not None
    spine = _spine(spec)
    missing = {"markdown": None,
               "spine": None if spine is not None else "no design spine",
               "spec_json": None if has_json else "no spec.json",
               "spine+spec_json": None if has_json and spine is not None else ("no spec.json" if not has_json else "no design spine")}
    ctx = _context(spec, spine)
    findings: list[Finding] = []
    notes: list[str] = []
    checked = 0
    counts: list[str] = []
    ran = 0
    for rule in RULES:
        if missing[rule.needs]:
            notes.append(f"skipped {rule.label}: {missing[rule.needs]}")
            continue
        ran += 1
        outcome = rule.run(ctx)
        findings += outcome.findings
        checked += outcome.checked
        if outcome.findings:
            counts.append(f"{rule.label} {len(outcome.findings)}")
    if ran == 0:
        return Score.skip(NAME, "; ".join(notes))
    if spine is None:
        if has_json:
            notes.append("design spine absent or invalid in spec.json: contradictions are judged between statements")
        else:
            notes.append("no spec.json: contradictions are judged between statements")
    notes += ctx.notes
    notes.insert(0, f"{len(findings)} defect(s)" + (f": {', '.join(counts)}" if counts else ""))
    return Score.from_findings(NAME, findings, checked=max(checked, len(findings), 1), notes=notes)


def defect_count(checks: Iterable[dict[str, Any]]) -> int | None:
    """The semantic-defect count from a case's check dicts (report.json), None when it did not run."""
    row = next((c for c in checks if c.get("name") == NAME), None)
    if row is None or row.get("skipped"):
        return None
    if isinstance(row.get("findings"), int):
        return row["findings"]
    return None
