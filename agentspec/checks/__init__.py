"""Deterministic checks on a drafted Integration Requirements spec.

Each check is a pure function ``(spec: SpecDocument, run: dict | None) -> Score``
registered in CHECKS under its name. The drafting pipeline uses them as its
repair gate (failures_by_heading tells it which H2 sections to redraft);
``agentspec eval`` / ``agentspec check`` report them.

    from agentspec.spec_document import SpecDocument
    from agentspec.checks import run_checks, failures_by_heading

    spec = SpecDocument.load("specs/my-feature")
    scores = run_checks(spec, run={"repo": None})
    redraft = failures_by_heading(scores)   # {"Data Integration": ["sql: ...", ...]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentspec.checks.code_blocks import check_code_blocks
from agentspec.checks.consistency import (
    check_erd_ddl_orm,
    check_event_flow,
    check_example_endpoints,
    check_expectations,
)
from agentspec.checks.coverage import check_coverage
from agentspec.checks.file_refs import check_file_refs
from agentspec.checks.headings import check_headings
from agentspec.checks.length import check_length_bounds, make_length_check
from agentspec.checks.mermaid import check_mermaid
from agentspec.checks.placeholders import check_placeholders
from agentspec.checks.score import DOCUMENT, Check, Finding, Score
from agentspec.checks.semantic import check_semantic
from agentspec.checks.lints import check_lints
from agentspec.checks.provider_values import check_provider_values
from agentspec.checks.sql import check_sql
from agentspec.checks.typecheck import check_typecheck
from agentspec.checks.template import canonical_h2
from agentspec.checks.traceability import check_p1_traceability
from agentspec.spec_document import SpecDocument

# Order is the order reports list them in: structure first, then content.
CHECKS: dict[str, Check] = {
    "headings": check_headings,
    "placeholders": check_placeholders,
    "mermaid": check_mermaid,
    "sql": check_sql,
    "code_blocks": check_code_blocks,
    # TypeScript examples compiled against real typings (agentspec/checks/node); reported, not gated.
    "typecheck": check_typecheck,
    "file_refs": check_file_refs,
    "length_bounds": check_length_bounds,
    "p1_traceability": check_p1_traceability,
    # Cross-section consistency over spec.json (skip when it is absent), then
    # the eval dataset's expectations (skip unless run["expect"] is given).
    "erd_ddl_orm": check_erd_ddl_orm,
    "example_endpoints": check_example_endpoints,
    "event_flow": check_event_flow,
    # Semantic defects: names outside the design spine, contradictions between
    # sections, and sections whose content disagrees with whether they apply.
    "semantic_defects": check_semantic,
    # Must-cover concerns of the feature's integration archetypes (agents/knowledge),
    # judged from structured fields; reported only, not part of the drafting gate.
    "coverage": check_coverage,
    # Named lints code can decide (HTTP verb vs name, one-to-one keys, live credentials
    # before production, time units, out of scope yet required); reported, not gated.
    "lints": check_lints,
    # A provider record's values against its documented ones (agents/knowledge/providers.yaml).
    "provider_values": check_provider_values,
    "expectations": check_expectations,
}


def run_checks(
    spec: SpecDocument,
    run: dict[str, Any] | None = None,
    names: Iterable[str] | None = None,
    checks: Mapping[str, Check] | None = None,
) -> list[Score]:
    """Run the named checks (default: all) and return their scores in order.

    `run` defaults to the spec's run.json. A check that raises becomes a
    failed Score instead of aborting the gate: one broken check must not
    hide the others' findings.
    """
    registry = CHECKS if checks is None else checks
    selected = list(registry) if names is None else list(names)
    unknown = [n for n in selected if n not in registry]
    if unknown:
        raise KeyError(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(registry)}")
    run = run if run is not None else spec.run
    scores = []
    for name in selected:
        try:
            scores.append(registry[name](spec, run))
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            scores.append(Score(name, 0.0, False, [f"check crashed: {type(exc).__name__}: {exc}"]))
    return scores


def failures_by_heading(scores: Iterable[Score]) -> dict[str, list[str]]:
    """Failing findings grouped by canonical H2 heading, as "check: message".

    Document-level findings (no H2) are grouped under DOCUMENT. Details of a
    failed score without structured findings (e.g. "mermaid parser not
    installed") also land under DOCUMENT.
    """
    grouped: dict[str, list[str]] = {}
    for score in scores:
        if score.passed:
            continue
        if not score.findings:
            grouped.setdefault(DOCUMENT, []).extend(f"{score.name}: {d}" for d in score.details)
            continue
        for finding in score.findings:
            heading = canonical_h2(finding.heading) if finding.heading else DOCUMENT
            where = f" (line {finding.line})" if finding.line else ""
            grouped.setdefault(heading, []).append(f"{score.name}: {finding.message}{where}")
    return grouped


def all_passed(scores: Iterable[Score]) -> bool:
    return all(s.passed for s in scores)


__all__ = [
    "CHECKS",
    "DOCUMENT",
    "Check",
    "Finding",
    "Score",
    "SpecDocument",
    "all_passed",
    "check_code_blocks",
    "check_coverage",
    "check_lints",
    "check_provider_values",
    "check_typecheck",
    "check_erd_ddl_orm",
    "check_event_flow",
    "check_example_endpoints",
    "check_expectations",
    "check_file_refs",
    "check_headings",
    "check_length_bounds",
    "check_mermaid",
    "check_p1_traceability",
    "check_placeholders",
    "check_semantic",
    "check_sql",
    "failures_by_heading",
    "make_length_check",
    "run_checks",
]
