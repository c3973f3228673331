"""The happy path through the installed console script: a draft against the fake server."""

from __future__ import annotations

import json

from tests.cli.harness import DESCRIPTION, Tree, agentspec, assert_exit


def test_draft_writes_the_spec_and_nothing_else(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", DESCRIPTION, env=endpoint_env, cwd=workdir)
    assert_exit(result, 0, "wrote")
    out = next((workdir / "specs").iterdir())
    assert (out / "integration-requirements.md").is_file()
    assert json.loads((out / "run.json").read_text())["thread_id"]
    tree.assert_unchanged(out, tmp_path / "home")


def test_a_chosen_archetype_is_declared_shown_and_measured(workdir, endpoint_env, tmp_path):
    """`--archetype` adds an archetype no structure shows; the spec names it and counts its concerns."""
    result = agentspec("draft", DESCRIPTION, "--archetype", "data_deletion_compliance", "--out", str(tmp_path / "spec"),
                       env=endpoint_env, cwd=workdir)
    assert result.code in (0, 5), result.output  # 5: the fake answers leave some parts failed; the spec is still written
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
    assert spec["archetypes"] == ["data_deletion_compliance"]
    text = (tmp_path / "spec" / "integration-requirements.md").read_text()
    assert "- Data deletion and compliance: chosen with --archetype" in text
    assert "(data deletion compliance, " in text  # its concerns are listed under Integration Readiness
    bad = agentspec("draft", DESCRIPTION, "--archetype", "kafka", env=endpoint_env, cwd=workdir)
    assert_exit(bad, 2, "unknown archetype(s) kafka")
