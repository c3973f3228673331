from pathlib import Path

from agentspec.checks import check_placeholders
from agentspec.checks.template import template_document, template_placeholders
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_template_placeholder_set():
    tokens = template_placeholders()
    assert {"[FEATURE_NAME]", "[RATE_LIMIT_1]", "[Low/Medium/High/Very High]", "[Name]", "[field_1]"} <= tokens
    # Real syntax in the template's code is not a placeholder.
    assert "[Routing]" not in tokens and "[id]" not in tokens


def test_good_spec_passes():
    # Contains `[MAX_RETRIES]` in TS, mermaid labels, links and checkboxes.
    score = check_placeholders(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed, score.details


def test_leftover_placeholders_are_reported_with_heading_and_line():
    score = check_placeholders(SpecDocument.load(FIXTURES / "bad_placeholders.md"), None)
    assert not score.passed
    assert score.details == [
        "(document): template placeholder [FEATURE_NAME] left in text (line 1)",
        "Context: template placeholder [FEATURE_NAME] left in text (line 4)",
        "AI Development Notes: template placeholder [Low/Medium/High] left in text (line 9)",
        "AI Development Notes: template placeholder [Name] left in text (line 10)",
        "External Service Integration: template placeholder [EXTERNAL_SERVICE_1] left in text (line 15)",
        "External Service Integration: template placeholder [RATE_LIMIT_1] left in text (line 16)",
        "External Service Integration: template placeholder [API_CLIENT_FILE_PATH] left in text (line 18)",
        "Reusability Analysis: template placeholder file:line left in text (line 35)",
        "Risk Assessment & Mitigation: template placeholder [RISK_CATEGORY_1] left in text (line 41)",
        "External Service Integration: template placeholder [TIMEOUT_VALUE] left in typescript block (line 24)",
        "Data Integration: template placeholder [FEATURE_NAME] left in mermaid block (line 31)",
    ]
    text = "\n".join(score.details)
    # Legitimate code, links, checkboxes and footnotes are not flagged.
    for legit in ("[MAX_RETRIES]", "[table_name]", "[Routing]", "[runbook]", "[ ]", "[x]", "[^1]"):
        assert legit not in text


def test_raw_template_fails_everywhere():
    score = check_placeholders(template_document(), None)
    assert not score.passed and score.value == 0.0
    assert len(score.details) > 300
