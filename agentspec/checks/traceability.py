"""Check 8: every P1 scenario from the scenario analysis is carried into the spec.

analysis-scenarios.md (ultra-thinking "Analysis 2") lists P1 scenarios as
``#### Scenario: NAME`` under ``### High Risk (P1): N``. Each name must show
up (case-insensitive substring) in the risk table of "Risk Assessment &
Mitigation" and somewhere in "Testing & Validation"; otherwise the analysis
found a must-handle failure mode that the spec neither mitigates nor tests.
"""

from __future__ import annotations

import re
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.packs.builtin import builtin_pack
from agentspec.spec_document import SpecDocument, normalize_heading

NAME = "p1_traceability"
# The H2 sections a P1 scenario is mitigated in and tested in: the default pack's pack.yaml.
RISK_SECTION, TESTING_SECTION = builtin_pack().trace_p1_into

_SCENARIO_RE = re.compile(r"^scenario(?:\s+\d+)?\s*[:\-\u2013\u2014]\s*(.+)$", re.IGNORECASE)


def _is_p1_heading(text: str) -> bool:
    key = normalize_heading(text)
    return "p1" in key.split() or key.startswith("high risk")


def p1_scenarios(analysis_markdown: str) -> list[str]:
    """Scenario names under the P1 / high-risk heading, in document order.

    Also accepts the longer template's "## High Risk Scenarios" with
    "### Scenario 1: NAME" children.
    """
    doc = SpecDocument.from_markdown(analysis_markdown)
    names: list[str] = []
    p1_level: int | None = None
    for h in doc.headings:
        if p1_level is not None and h.level <= p1_level:
            p1_level = None
        if p1_level is None:
            if _is_p1_heading(h.text) and not _SCENARIO_RE.match(h.text):
                p1_level = h.level
            continue
        m = _SCENARIO_RE.match(h.text)
        if m:
            names.append(m.group(1).strip())
    return names


def _norm(text: str) -> str:
    # Emphasis/code markers and spacing differ between analysis and spec.
    return " ".join(re.sub(r"[*`_]", "", text).lower().split())


def check_p1_traceability(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    from agentspec.checks.template import template_of

    if template_of(spec, run) is not None:
        return Score.skip(NAME, "a user's template: it has no built-in risk table to trace the P1 scenarios to")
    analysis = spec.analyses.get("scenarios")
    if analysis is None:
        return Score.skip(NAME, "no analysis-scenarios.md")
    names = p1_scenarios(analysis)
    if not names:
        return Score.skip(NAME, "analysis-scenarios.md lists no P1 scenarios")

    risk = spec.find_heading(RISK_SECTION, level=2)
    testing = spec.find_heading(TESTING_SECTION, level=2)
    risk_tables = ""
    if risk is not None:
        start, end = spec.section_range(risk)
        risk_tables = "\n".join(t.text for t in spec.tables if start <= t.line < end)
    testing_text = spec.section_text(testing) if testing is not None else None

    # Name the scenarios in every message: the redraft needs them.
    listed = ", ".join(f"'{n}'" for n in names)
    findings: list[Finding] = []
    if risk is None:
        findings.append(Finding(RISK_SECTION, f"section missing; its risk table must list the P1 scenarios {listed}"))
    elif not risk_tables:
        findings.append(Finding(RISK_SECTION, f"no risk table; it must list the P1 scenarios {listed}", risk.line))
    if testing is None:
        findings.append(Finding(TESTING_SECTION, f"section missing; it must test the P1 scenarios {listed}"))

    failed = 0
    for name in names:
        missing_here = False
        if risk_tables and _norm(name) not in _norm(risk_tables):
            findings.append(
                Finding(RISK_SECTION, f"P1 scenario '{name}' is not in the risk table", risk.line if risk else None)
            )
            missing_here = True
        if testing_text is not None and _norm(name) not in _norm(testing_text):
            findings.append(
                Finding(
                    TESTING_SECTION,
                    f"P1 scenario '{name}' is not covered in testing",
                    testing.line if testing else None,
                )
            )
            missing_here = True
        failed += missing_here
    if risk is None or not risk_tables or testing is None:
        failed = len(names)
    return Score.from_findings(NAME, findings, checked=len(names), failed=failed)
