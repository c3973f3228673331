"""Runs the real mermaid parser (Node + jsdom); install with npm ci --prefix agentspec/checks/node."""

from pathlib import Path

import pytest

from agentspec.checks import check_mermaid
from agentspec.checks import mermaid as mermaid_check
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"

needs_parser = pytest.mark.skipif(
    not mermaid_check.parser_available(),
    reason="mermaid parser not installed: run npm ci --prefix agentspec/checks/node (needs Node 20)",
)


@needs_parser
def test_good_spec_passes():
    score = check_mermaid(SpecDocument.load(FIXTURES / "good_spec"), None)
    assert score.passed and score.value == 1.0, score.details


@needs_parser
def test_broken_diagrams_report_parse_error_with_line():
    score = check_mermaid(SpecDocument.load(FIXTURES / "bad_mermaid.md"), None)
    assert not score.passed
    assert score.value == pytest.approx(1 / 3, abs=1e-3)
    flow, er = score.findings
    assert flow.heading == "Integration Architecture"
    assert flow.message.startswith("mermaid block does not parse: Parse error on line 5:")
    assert flow.line == 14  # end-of-input error clamped to the block's last line
    assert er.heading == "Data Integration"
    assert er.message.startswith("mermaid block does not parse: Parse error on line 3:")
    assert "Expecting 'COLON'" in er.message
    assert er.line == 22


@needs_parser
def test_one_node_process_checks_many_diagrams():
    results = mermaid_check.parse_diagrams(["graph TD\n  A-->B", "sequenceDiagram\n  A->>B: hi", "nope"])
    assert [r["ok"] for r in results] == [True, True, False]
    assert "No diagram type detected" in results[2]["error"]


def test_missing_parser_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(mermaid_check, "NODE_DIR", tmp_path)
    score = check_mermaid(SpecDocument.load(FIXTURES / "bad_mermaid.md"), None)
    assert not score.passed and score.value == 0.0
    assert score.details == ["mermaid parser not installed: run npm ci --prefix agentspec/checks/node"]


def test_no_mermaid_blocks_is_skipped():
    score = check_mermaid(SpecDocument.from_markdown("## Context\nNo diagrams.\n"), None)
    assert score.passed and score.skipped


def test_the_draft_gate_skips_a_missing_parser_instead_of_failing_sections(monkeypatch, tmp_path):
    """A fresh install has no Node packages; a redraft could not fix that, so the
    gate reports a skip. `agentspec check` / eval still fail (test above)."""
    from agentspec.quality import section_failures

    monkeypatch.setattr(mermaid_check, "NODE_DIR", tmp_path)
    markdown = (FIXTURES / "bad_mermaid.md").read_text()
    assert section_failures(markdown, repo=None) == []
    score = check_mermaid(SpecDocument.from_markdown(markdown), {"parser_missing": "skip"})
    assert score.passed and score.skipped and "not installed" in score.details[0]


def test_the_node_tools_are_found_in_the_clone_when_the_package_has_none(tmp_path, monkeypatch):
    from agentspec.checks import mermaid

    monkeypatch.delenv("AGENTSPEC_NODE_DIR", raising=False)
    monkeypatch.setattr(mermaid, "__file__", str(tmp_path / "site" / "agentspec" / "checks" / "mermaid.py"))
    (tmp_path / "clone" / "agentspec" / "checks" / "node" / "node_modules").mkdir(parents=True)
    assert mermaid.node_dir(tmp_path / "clone") == tmp_path / "clone" / "agentspec" / "checks" / "node"
    assert mermaid.node_dir(tmp_path / "elsewhere") == tmp_path / "site" / "agentspec" / "checks" / "node"
    monkeypatch.setenv("AGENTSPEC_NODE_DIR", "/opt/node-tools")
    assert mermaid.node_dir(tmp_path / "clone") == Path("/opt/node-tools")
