from pathlib import Path

from agentspec.checks import check_code_blocks
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_good_spec_passes():
    score = check_code_blocks(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed and score.value == 1.0, score.details


def test_each_language_reports_its_parse_error():
    score = check_code_blocks(SpecDocument.load(FIXTURES / "bad_code_blocks.md"), None)
    assert not score.passed
    assert score.value == 0.2  # 1 of 5 checked blocks is fine; bash is not checked
    assert score.details == [
        "API Integration Specifications: typescript block does not parse: "
        "syntax error: missing 'identifier' at column 13 (line 11)",
        "Code Examples: python block does not parse: syntax error: invalid syntax (line 18)",
        "Code Examples: yaml block does not parse: YAML error: expected <block end>, "
        "but found '<block mapping start>' (line 25)",
        "Code Examples: json block does not parse: JSON error: "
        "Expecting property name enclosed in double quotes at column 9 (line 29)",
    ]


def test_raw_template_typescript_fails():
    from agentspec.checks.template import template_document

    score = check_code_blocks(template_document(), None)
    assert not score.passed
    assert any("class [API_CLIENT_NAME]" in d for d in score.details)


def test_python_that_parses_but_never_compiles_is_an_error():
    """The grounded draft's pytest example awaited inside a plain `def`: ast accepts it, Python does not."""
    from agentspec.render.code import python_error

    assert python_error("def test_it():\n    response = await client.get('/')\n") == \
        "Python syntax error at line 2: 'await' outside async function: `response = await client.get('/')`"
    assert python_error("async def test_it():\n    response = await client.get('/')\n") is None
