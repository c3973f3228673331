"""Review through the installed console script: a reviewer reads exactly what they
approve (--show), a failed section cannot be approved, and a reviewer's feedback
stays in every redraft it triggered. The fake OpenAI server is a TEST DOUBLE
answering with recorded real data."""

from __future__ import annotations

import pytest

import json
import re

from tests.doubles.fake_request import message_text
from tests.cli.harness import DESCRIPTION, Tree, agentspec, assert_exit

FAILING = {"api_response_ms": "not a number"}  # schema-invalid data for `performance`


def _run_id(output: str) -> str:
    return re.search(r"run ([0-9a-f]{12})", output).group(1)


def _start_review(workdir, env) -> str:
    """A review run past its first approval: the design spine comes first, alone."""
    result = agentspec("draft", DESCRIPTION, "--review", "--no-wait", env=env, cwd=workdir)
    assert_exit(result, 3, "waiting for approval")
    assert "design_spine" in result.output.split("waiting for approval of:")[-1]
    run = _run_id(result.output)
    assert_exit(agentspec("review", run, "--approve", "design_spine", env=env, cwd=workdir), 3, "waiting for approval")
    return run


@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_show_prints_exactly_what_approval_writes(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    run = _start_review(workdir, endpoint_env)
    shown = agentspec("review", run, "--show", "frontend_integration", env=endpoint_env, cwd=workdir)
    assert_exit(shown, 3)
    assert "#### Frontend Integration" in shown.stdout and "not drafted yet" not in shown.stdout
    listing = agentspec("review", run, env=endpoint_env, cwd=workdir)
    assert_exit(listing, 3, "pending review")
    approved = agentspec("review", run, "--approve", "frontend_integration", env=endpoint_env, cwd=workdir)
    assert_exit(approved, 3)
    again = agentspec("review", run, "--show", "frontend_integration", env=endpoint_env, cwd=workdir)
    assert again.stdout == shown.stdout  # what was shown is what was approved
    assert "frontend_integration" in agentspec("review", run, env=endpoint_env, cwd=workdir).stdout
    tree.assert_unchanged(workdir / "specs", tmp_path / "home")


def test_show_unknown_section_is_bad_input(workdir, endpoint_env):
    run = _start_review(workdir, endpoint_env)
    assert_exit(agentspec("review", run, "--show", "no_such_section", env=endpoint_env, cwd=workdir), 2, "unknown section")


def test_a_failed_section_cannot_be_approved(workdir, endpoint_env, fake_server, tmp_path):
    fake_server.responder.overrides["performance"] = FAILING
    tree = Tree(tmp_path)
    result = agentspec("draft", DESCRIPTION, env=endpoint_env, cwd=workdir)
    assert_exit(result, 5, "performance")
    run = _run_id(result.output)
    out = next((workdir / "specs").iterdir())
    before = (out / "run.json").read_text()
    refused = agentspec("review", run, "--approve", "performance", env=endpoint_env, cwd=workdir)
    assert_exit(refused, 2, "cannot approve performance")
    assert "--edit" in refused.output and "--revise" in refused.output
    assert (out / "run.json").read_text() == before
    assert "performance" in json.loads(before)["failed_sections"]
    tree.assert_unchanged(out, tmp_path / "home")


@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_review_all_skips_a_failed_pending_section_and_says_so(workdir, endpoint_env, fake_server):
    fake_server.responder.overrides["performance"] = FAILING
    run = _start_review(workdir, endpoint_env)
    listing = agentspec("review", run, env=endpoint_env, cwd=workdir)
    assert_exit(listing, 3, "edit or revise")
    assert_exit(agentspec("review", run, "--approve", "performance", env=endpoint_env, cwd=workdir), 2, "cannot approve")
    step = agentspec("review", run, "--all", env=endpoint_env, cwd=workdir)
    assert_exit(step, 3, "skipped performance")
    assert "performance" in step.output.split("waiting for approval of:")[-1]
    # It can still be fixed by an edit.
    fixed = workdir / "performance.md"
    fixed.write_text("### Performance\n\nResponses within 200 ms at p95.\n", encoding="utf-8")
    edited = agentspec("review", run, "--edit", "performance", "--file", str(fixed), env=endpoint_env, cwd=workdir)
    assert edited.code in (0, 3, 5), edited.output
    assert "performance" not in edited.output.split("waiting for approval of:")[-1]


def test_reviewer_feedback_stays_in_every_redraft_it_triggered(workdir, endpoint_env, fake_server):
    responder = fake_server.responder
    prompts: list[str] = []
    recorded = responder.data["performance"]

    def performance(request):  # noqa: ANN001, ANN202
        text = "\n".join(message_text(m) for m in request.messages)
        if "FEEDBACK-MARK-42" in text:
            prompts.append(text)
            if len(prompts) == 1:
                return FAILING  # the revision's first attempt fails: a repair redraft follows
        return recorded

    responder.overrides["performance"] = performance
    env = {**endpoint_env, "AGENTSPEC_REASK_RETRIES": "0"}
    run = _start_review(workdir, env)
    result = agentspec("review", run, "--revise", "performance", "--feedback", "FEEDBACK-MARK-42", env=env, cwd=workdir)
    assert_exit(result, 3)
    assert len(prompts) == 2, f"want the revision and one repair, got {len(prompts)} prompts with the feedback"
    assert "no valid output" in prompts[1]  # the repair carries the check failure too
