"""Failure made boring: a full draft through 429s, 500s, timeouts and broken JSON;
an endpoint that is down at the start or dies mid-run; budgets."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
from collections import Counter

import pytest
from rich.console import Console

from agentspec.errors import EndpointError, PartialResult
from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer, FaultPlan
from agentspec.agents.registry import registry
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder, not_applicable

pytestmark = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")
LLM_SECTIONS = {s.id for s in registry() if s.needs_llm} - not_applicable()  # what a draft from the fixture drafts


def runner() -> Runner:
    return Runner(load_settings(), Console(file=io.StringIO(), width=200))


def draft(out, **kwargs) -> int:
    kwargs.setdefault("critic", False)  # call counts below are of the drafting itself, not the review pass
    return asyncio.run(runner().draft(DESCRIPTION, out=out, force=False, review=False, interactive=False, **kwargs))


def test_full_draft_survives_transport_faults_and_malformed_json(tmp_path, monkeypatch):
    plan = FaultPlan(rates={"rate_limit": 0.08, "server_error": 0.07, "timeout": 0.05, "truncated": 0.05, "invalid": 0.05},
                     seed=7, retry_after_s=0.05, timeout_hold_s=3.0)
    monkeypatch.setenv("AGENTSPEC_REQUEST_TIMEOUT_S", "1.5")
    monkeypatch.setenv("AGENTSPEC_TRANSPORT_RETRIES", "6")
    with FakeOpenAIServer(responder=RecordedResponder(), faults=plan) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        started = time.monotonic()
        assert draft(tmp_path / "spec") == 0
        elapsed = time.monotonic() - started
        faults = Counter(c.fault for c in srv.calls if c.fault)
        per_section = Counter(c.section for c in srv.calls)
    assert sum(faults.values()) >= 6, faults  # the faults really happened...
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
    assert {sid for sid, e in spec["sections"].items() if e["status"] == "drafted"} == LLM_SECTIONS  # ...and nothing was lost
    # Bounded: at most (1 + transport retries) x (1 + re-asks) requests per call.
    assert max(per_section.values()) <= 7 * 3
    assert elapsed < 120


def test_retry_after_is_honoured(tmp_path, monkeypatch):
    plan = FaultPlan(by_section={"intake": ["rate_limit", None]}, retry_after_s=1.0)
    with FakeOpenAIServer(responder=RecordedResponder(), faults=plan) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        draft(tmp_path / "spec")
        intake = [c for c in srv.calls if c.section == "intake"]
    assert [c.status for c in intake] == [429, 200]
    assert intake[1].start - intake[0].end >= 0.9  # waited for retry-after, not just the SDK's short backoff


def test_endpoint_down_at_start_is_a_clear_resumable_error(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTSPEC_TRANSPORT_RETRIES", "1")
    with pytest.raises(EndpointError) as info:
        draft(tmp_path / "spec")
    assert "resume" in info.value.hint and info.value.exit_code == 4
    assert not (tmp_path / "spec").exists()
    assert runner().runs()[0]["status"] == "endpoint_error"  # resumable; `runs` says why it stopped


def test_endpoint_dies_mid_run_then_resume_finishes(tmp_path):
    """The draft runs in its own process, as a user's does: the endpoint dies
    under it, it exits 4, and `resume` in another process finishes the spec."""
    import subprocess
    import sys

    from tests.doubles import Latency

    responder = RecordedResponder()
    env = {**os.environ, "OPENAI_API_KEY": "sk-test", "AGENTSPEC_TRANSPORT_RETRIES": "1"}
    srv = FakeOpenAIServer(responder=responder, latency=Latency(ttft_s=0.05, tokens_per_s=5000)).start()
    port = srv.port
    proc = subprocess.Popen([sys.executable, "-m", "agentspec.cli", "draft", DESCRIPTION, "--out", str(tmp_path / "spec"), "--no-critic"],
                            env={**env, "OPENAI_BASE_URL": srv.base_url}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while sum(1 for c in srv.calls if c.status == 200) < 8:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "slow"
        time.sleep(0.01)
    srv.stop()  # the endpoint dies: connections are refused from now on
    finished = {c.section for c in srv.calls if c.status == 200}
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 4, out
    assert "resume" in out and "Traceback" not in out, out
    thread = runner().runs()[0]["thread_id"]
    with FakeOpenAIServer(responder=responder, port=port) as srv2:
        resume = subprocess.run([sys.executable, "-m", "agentspec.cli", "resume", thread],
                                env={**env, "OPENAI_BASE_URL": srv2.base_url}, capture_output=True, text=True, timeout=120)
        assert resume.returncode == 0, resume.stdout + resume.stderr
        again = {c.section for c in srv2.calls} & finished
    assert not again, f"finished sections requested again: {again}"
    assert (tmp_path / "spec" / "integration-requirements.md").is_file()


def test_token_budget_stops_before_the_call_that_would_cross_it(tmp_path, monkeypatch):
    with FakeOpenAIServer(responder=RecordedResponder()) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        with pytest.raises(PartialResult):
            draft(tmp_path / "spec", max_tokens=9000, yes=True)  # the estimate is above it: go on to the ceiling
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
    stopped = [e for e in spec["sections"].values() if any("budget" in f for f in e["failures"])]
    drafted = [e for e in spec["sections"].values() if e["status"] == "drafted"]
    assert stopped and drafted  # some sections done, the rest visibly not started
    assert all(e["data"] is None for e in stopped)  # never half a section
    text = (tmp_path / "spec" / "integration-requirements.md").read_text()
    assert "token budget reached" in text
