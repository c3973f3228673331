"""`--template` and `agentspec templates` through the installed console script: a missing
file, a file without `## ` sections and a non-UTF-8 file are bad input (exit 2, the file
named, nothing written); a template that compiles is shown section by section."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import Tree, agentspec, assert_exit

TEMPLATES = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "templates"


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    (b"# Title only\n\nSome [TEXT].\n", "has no H2 (`## `) headings"),
    (b"## Section\n\nbad \xff byte\n", "line 3: not valid UTF-8"),
], ids=["missing", "no-sections", "non-utf8"])
def test_a_bad_template_file_is_bad_input_before_any_call(tmp_path, content, message):
    template = tmp_path / "ours.md"
    if content is not None:
        template.write_bytes(content)
    tree = Tree(tmp_path)
    result = agentspec("draft", "Sync Stripe invoices into Postgres", "--template", str(template), "--out",
                       str(tmp_path / "out"), cwd=tmp_path)
    assert_exit(result, 2, message)
    assert str(template) in result.output and "Traceback" not in result.output
    tree.assert_unchanged()


def test_templates_lists_project_templates_before_the_built_in(tmp_path):
    project = tmp_path / ".agentspec" / "templates"
    project.mkdir(parents=True)
    (project / "postmortem.md").write_text((TEMPLATES / "incident-postmortem.md").read_text(encoding="utf-8"), encoding="utf-8")
    (project / "integration-lean.md").write_text("# Lean: [FEATURE_NAME]\n\n## Summary\n[SUMMARY]\n", encoding="utf-8")
    result = agentspec("templates", cwd=tmp_path)
    assert_exit(result, 0)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert [line.split()[:2] for line in lines] == [["integration-lean", "project"], ["postmortem", "project"],
                                                    ["integration-requirements", "built-in:"]]
    assert lines[0].endswith("(used instead of the built-in)")
    # A built-in pack says what it is for (its pack.yaml).
    assert "the full Integration Requirements spec" in lines[2]


def test_templates_init_copies_a_built_in_template_once_and_an_unedited_copy_drafts_as_the_built_in(tmp_path):
    result = agentspec("templates", "init", "integration-lean", cwd=tmp_path)
    assert_exit(result, 0)
    copy = tmp_path / ".agentspec" / "templates" / "integration-lean.md"
    assert copy.read_text(encoding="utf-8").startswith("# Integration Spec (lean): [FEATURE_NAME]")
    copy.write_text(copy.read_text(encoding="utf-8") + "\n## Team Notes\n\n[NOTES]\n", encoding="utf-8")
    edited = copy.read_text(encoding="utf-8")
    again = agentspec("templates", "init", "integration-lean", cwd=tmp_path)
    assert_exit(again, 2, "already exists; nothing was overwritten")
    assert copy.read_text(encoding="utf-8") == edited
    assert_exit(agentspec("templates", "init", "nope", cwd=tmp_path), 2, "no built-in template 'nope'")

    import os

    from agentspec.inputs import check_template

    assert_exit(agentspec("templates", "init", "integration-requirements", "--as", "ours", cwd=tmp_path), 0)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert check_template("ours") is None  # unedited: the built-in sections draft it
        assert check_template("integration-lean")["markdown"] == edited  # the project's edited copy wins
    finally:
        os.chdir(here)


def test_templates_show_gives_each_section_and_the_fields_its_placeholders_become(tmp_path):
    result = agentspec("templates", "show", str(TEMPLATES / "incident-postmortem.md"), cwd=tmp_path)
    assert_exit(result, 0)
    assert "## Timeline  (timeline)" in result.output
    assert "time_utc_rows: rows of (time_utc, event, owner)" in result.output
    assert "severity: SEV1 | SEV2 | SEV3" in result.output and "mermaid_code: mermaid code" in result.output

