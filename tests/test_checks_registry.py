from pathlib import Path

import pytest

from agentspec.checks import CHECKS, DOCUMENT, Finding, Score, failures_by_heading, run_checks
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_registry_names_and_order():
    assert list(CHECKS) == [
        "headings",
        "placeholders",
        "mermaid",
        "sql",
        "code_blocks",
        "typecheck",
        "file_refs",
        "length_bounds",
        "p1_traceability",
        "erd_ddl_orm",
        "example_endpoints",
        "event_flow",
        "semantic_defects",
        "coverage",
        "lints",
        "provider_values",
        "expectations",
    ]


def test_good_spec_passes_every_check(monkeypatch):
    monkeypatch.delenv("AGENTSPEC_PG_URL", raising=False)
    spec = SpecDocument.load(FIXTURES / "good_spec")
    names = [n for n in CHECKS if n != "mermaid"]  # mermaid has its own node-gated tests
    scores = run_checks(spec, names=names)
    assert [s.name for s in scores] == names
    assert all(s.passed for s in scores), [s.details for s in scores if not s.passed]


def test_failures_are_grouped_by_canonical_h2():
    spec = SpecDocument.load(FIXTURES / "bad_placeholders.md")
    grouped = failures_by_heading(run_checks(spec, {"repo": None}, names=["placeholders", "file_refs"]))
    assert grouped[DOCUMENT] == ["placeholders: template placeholder [FEATURE_NAME] left in text (line 1)"]
    assert grouped["Reusability Analysis"] == ["placeholders: template placeholder file:line left in text (line 35)"]
    assert "External Service Integration" in grouped and "Context" in grouped


def test_findings_use_the_template_spelling_of_the_h2():
    score = Score.from_findings("x", [Finding("risk assessment and mitigation", "too short", 3)], checked=1)
    passed = Score("y", 1.0, True)
    assert failures_by_heading([score, passed]) == {"Risk Assessment & Mitigation": ["x: too short (line 3)"]}


def test_failed_score_without_findings_lands_under_document():
    score = Score("mermaid", 0.0, False, ["mermaid parser not installed: run npm ci --prefix agentspec/checks/node"])
    assert failures_by_heading([score]) == {
        DOCUMENT: ["mermaid: mermaid parser not installed: run npm ci --prefix agentspec/checks/node"]
    }


def test_crashing_check_becomes_a_failed_score():
    def boom(spec, run):
        raise ValueError("bad input")

    (score,) = run_checks(SpecDocument.from_markdown(""), checks={"boom": boom})
    assert not score.passed and score.details == ["check crashed: ValueError: bad input"]


def test_unknown_check_name_is_an_error():
    with pytest.raises(KeyError, match="unknown check"):
        run_checks(SpecDocument.from_markdown(""), names=["nope"])
