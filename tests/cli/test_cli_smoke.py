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
