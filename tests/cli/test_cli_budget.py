"""Budgets are ceilings, through the installed console script against the fake
OpenAI server (a TEST DOUBLE answering with recorded real data and reporting usage).
AGENTSPEC_MODEL=gpt-4o-mini gives the run a known price."""

from __future__ import annotations

import pytest

import json
import re

from tests.cli.harness import DESCRIPTION, Tree, agentspec, assert_exit


def _priced(env):  # noqa: ANN001, ANN202
    return {**env, "AGENTSPEC_MODEL": "gpt-4o-mini"}


def _run_json(workdir):  # noqa: ANN001, ANN202
    out = next((workdir / "specs").iterdir())
    return out, json.loads((out / "run.json").read_text())


@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_token_budget_is_a_ceiling_and_resume_continues_with_a_raised_one(workdir, endpoint_env, fake_server, tmp_path):
    tree = Tree(tmp_path)
    env = _priced(endpoint_env)
    result = agentspec("draft", DESCRIPTION, "--max-tokens", "20000", "--yes", env=env, cwd=workdir)
    assert_exit(result, 5, "stopped at the budget")
    assert "--max-tokens" in result.output and "agentspec resume" in result.output
    run = re.search(r"run ([0-9a-f]{12})", result.output).group(1)
    out, stopped = _run_json(workdir)
    spent = stopped["totals"]["input_tokens"] + stopped["totals"]["output_tokens"]
    assert 0 < spent <= 20000
    assert sum(c.prompt_tokens + c.completion_tokens for c in fake_server.calls) <= 20000
    assert stopped["failed_sections"]  # what was not drafted is marked, the rest is kept
    done = agentspec("resume", run, "--max-tokens", "10000000", env=env, cwd=workdir)
    assert_exit(done, 0, "wrote")
    _, finished = _run_json(workdir)
    assert finished["failed_sections"] == []
    tree.assert_unchanged(out, tmp_path / "home")


def test_cost_budget_is_a_ceiling(workdir, endpoint_env):
    result = agentspec("draft", DESCRIPTION, "--max-cost", "0.003", "--yes", env=_priced(endpoint_env), cwd=workdir)
    assert_exit(result, 5, "cost budget reached")
    _, stopped = _run_json(workdir)
    assert 0 < stopped["totals"]["cost_usd"] <= 0.003


def test_estimate_over_the_budget_stops_before_any_call(workdir, endpoint_env, fake_server, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", DESCRIPTION, "--max-tokens", "20000", env=_priced(endpoint_env), cwd=workdir)
    assert_exit(result, 2, "exceeds the budget")
    assert re.search(r"\d+ tokens > --max-tokens 20000", result.output), result.output
    assert "--yes" in result.output
    assert fake_server.calls == []
    tree.assert_unchanged(tmp_path / "home")


@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_max_cost_with_an_unpriced_model_is_bad_input_unless_prices_are_given(workdir, endpoint_env, fake_server):
    env = {**endpoint_env, "AGENTSPEC_MODEL": "llama3.1:8b"}
    refused = agentspec("draft", DESCRIPTION, "--max-cost", "1", env=env, cwd=workdir)
    assert_exit(refused, 2, "no price is known for llama3.1:8b")
    assert "AGENTSPEC_PRICE_INPUT_PER_MTOK" in refused.output
    assert fake_server.calls == []
    priced = {**env, "AGENTSPEC_PRICE_INPUT_PER_MTOK": "0.2", "AGENTSPEC_PRICE_OUTPUT_PER_MTOK": "0.8"}
    result = agentspec("draft", DESCRIPTION, "--max-cost", "1", env=priced, cwd=workdir)
    assert_exit(result, 0, "wrote")
    _, done = _run_json(workdir)
    assert done["totals"]["cost_usd"] > 0  # the given prices are what the run was charged
    flags = agentspec("draft", DESCRIPTION, "--max-cost", "1", "--out", str(workdir / "b"), "--price-input-per-mtok", "0.2",
                      "--price-output-per-mtok", "0.8", env=env, cwd=workdir)
    assert_exit(flags, 0, "wrote")
