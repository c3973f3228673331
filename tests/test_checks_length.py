from pathlib import Path

from agentspec.checks import check_length_bounds, make_length_check
from agentspec.checks.length import word_count
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_good_spec_is_within_default_bounds():
    score = check_length_bounds(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed, score.details


def test_stub_section_fails_default_minimum():
    score = check_length_bounds(SpecDocument.load(FIXTURES / "bad_length.md"), None)
    assert score.details == ["Context: section has 2 words, fewer than the minimum 15 (line 3)"]
    assert score.section == "Context" and score.value == 0.5


def test_custom_bounds_flag_long_sections():
    check = make_length_check({"Context": (1, 10), "Overview": (5, 20)})
    score = check(SpecDocument.load(FIXTURES / "bad_length.md"), None)
    assert score.details == ["Overview: section has 39 words, more than the maximum 20 (line 6)"]


def test_fence_lines_do_not_count():
    assert word_count("one two\n```sql\nSELECT 1;\n```\n") == 4


def test_a_section_that_does_not_apply_is_not_too_short():
    from agentspec.checks.length import check_length_bounds
    from agentspec.spec_document import SpecDocument

    text = "# T\n\n## Event-Driven Integration\n\n### Event Architecture\n\nNot applicable: the design has no events.\n"
    assert check_length_bounds(SpecDocument.from_markdown(text)).passed
    short = "# T\n\n## Event-Driven Integration\n\n### Event Architecture\n\nSome events.\n"
    assert not check_length_bounds(SpecDocument.from_markdown(short)).passed
