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


def test_a_diagram_label_a_users_template_left_is_a_placeholder_left():
    from pathlib import Path

    from agentspec.checks.placeholders import check_placeholders
    from agentspec.spec_document import SpecDocument

    template = (Path(__file__).resolve().parents[1] / "evals" / "datasets" / "templates" / "incident-postmortem.md").read_text(encoding="utf-8")
    copied = "## Root Cause\n\n```mermaid\ngraph TD\n    A[TRIGGER_EVENT] --> B[FAILING_COMPONENT]\n```\n"
    written = "## Root Cause\n\n```mermaid\ngraph TD\n    A[Certificate expired] --> B[Checkout API]\n```\n"
    spec_json = {"template": {"name": "incident-postmortem", "markdown": template}}
    score = check_placeholders(SpecDocument.from_markdown(copied, spec_json=spec_json))
    assert [f.message for f in score.findings] == ["template placeholder [TRIGGER_EVENT] left in mermaid block",
                                                  "template placeholder [FAILING_COMPONENT] left in mermaid block"]
    assert check_placeholders(SpecDocument.from_markdown(written, spec_json=spec_json)).passed
