from pathlib import Path

from agentspec.checks import check_p1_traceability
from agentspec.checks.traceability import p1_scenarios
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_p1_scenarios_come_only_from_the_p1_heading():
    text = (FIXTURES / "good_spec" / "analysis-scenarios.md").read_text()
    assert p1_scenarios(text) == ["Duplicate webhook delivery", "Stripe API outage", "Webhook signature forgery"]


def test_long_template_format_is_accepted():
    text = (
        "## High Risk Scenarios (Must Address)\n\n### Scenario 1: Token replay\n\n"
        "## Medium Risk Scenarios\n\n### Scenario 2: Slow page\n"
    )
    assert p1_scenarios(text) == ["Token replay"]


def test_good_spec_traces_every_p1():
    score = check_p1_traceability(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed and not score.skipped and score.value == 1.0


def test_missing_risk_row_and_missing_test_are_reported():
    score = check_p1_traceability(SpecDocument.load(FIXTURES / "bad_traceability"), None)
    assert not score.passed and score.value == 0.0
    assert score.details == [
        "Testing & Validation: P1 scenario 'Duplicate webhook delivery' is not covered in testing (line 12)",
        # Prose under the risk heading does not count: it must be in the table.
        "Risk Assessment & Mitigation: P1 scenario 'Token refresh race' is not in the risk table (line 3)",
    ]


def test_without_analysis_the_check_is_skipped():
    score = check_p1_traceability(SpecDocument.load(FIXTURES / "bad_length.md"), None)
    assert score.passed and score.skipped
    assert score.details == ["skipped: no analysis-scenarios.md"]


def test_missing_risk_table_names_the_scenarios():
    spec = SpecDocument.from_markdown(
        "## Risk Assessment & Mitigation\nNo table here.\n",
        analyses={"scenarios": "### High Risk (P1): 1\n\n#### Scenario: Token replay\n"},
    )
    score = check_p1_traceability(spec, None)
    assert score.details == [
        "Risk Assessment & Mitigation: no risk table; it must list the P1 scenarios 'Token replay' (line 1)",
        "Testing & Validation: section missing; it must test the P1 scenarios 'Token replay'",
    ]
