from pathlib import Path

from agentspec.checks import check_headings
from agentspec.checks.template import required_headings
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_template_requires_all_h2_and_h3_but_no_h4():
    labels = [r.label for r in required_headings()]
    assert labels[:3] == ["## Context", "## AI Development Notes", "### Context for AI Agents"]
    assert "### Cache Integration" in labels and "## Testing & Validation" in labels
    assert not any(label.startswith("####") for label in labels)
    # "# Deployment integration pipeline" inside the template's YAML block is not a heading.
    assert all("pipeline" not in label.lower() for label in labels if label.startswith("## "))


def test_good_spec_passes():
    score = check_headings(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed and score.value == 1.0 and score.details == []


def test_missing_wrong_level_and_out_of_order_headings_are_reported():
    score = check_headings(SpecDocument.load(FIXTURES / "bad_headings.md"), None)
    assert not score.passed
    assert score.details == [
        "AI Development Notes: missing heading '### Constraints'; found '#### Constraints' at line 15 (wrong level)",
        "Data Integration: missing heading '### Cache Integration'",
        "Overview: heading '## Overview' is out of template order "
        "(template puts it after '### Agent Collaboration') (line 30)",
    ]
    assert score.section == "AI Development Notes"
    # "Risk Assessment and Mitigation", "17. Testing & Validation" and the extra
    # "#### Stripe Billing" are accepted.
    assert 0.9 < score.value < 1.0
