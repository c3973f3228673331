"""The dataflow scheduler starts a section when its own inputs are done, not when
the slowest section of its wave is; and its answer memo replays by content."""

from __future__ import annotations

import asyncio
import io
import json

import httpx2
import pytest
from rich.console import Console

from agentspec.gateway.memo import CallMemo, MemoTransport, memo_attempt, memo_scope
from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer, FaultPlan, Latency
from agentspec.agents.registry import by_id, dependents, registry
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder

SLOW_S = 5.0


def _slow_leaf_and_early_dependent() -> tuple[str, str]:
    """A first-wave section nothing depends on (made slow), and a section whose
    inputs are all first-wave sections other than that one."""
    specs = by_id()
    # Every section depends on the design spine, which is drafted first: the first wave
    # of sections is those that depend on nothing else.
    first_wave = [s.id for s in registry() if s.needs_llm and s.stage == "draft" and set(s.depends_on) <= {"design_spine"}
                  and s.id != "design_spine" and s.applies_when is None]
    slow = next(sid for sid in first_wave if not dependents(sid))
    early = next(s.id for s in registry() if s.needs_llm and s.stage == "draft" and set(s.depends_on) - {"design_spine"}
                 and s.applies_when is None
                 and all((d in first_wave and d != slow) or d == "design_spine" for d in s.depends_on))
    assert specs[early].depends_on
    return slow, early


def _draft(tmp_path, monkeypatch, scheduler: str):
    slow, early = _slow_leaf_and_early_dependent()
    plan = FaultPlan(by_section={slow: ["slow"]}, slow_delay_s=SLOW_S)
    with FakeOpenAIServer(responder=RecordedResponder(), faults=plan, latency=Latency(ttft_s=0.05, tokens_per_s=5000)) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("AGENTSPEC_CONCURRENCY", "8")
        monkeypatch.setenv("AGENTSPEC_SCHEDULER", scheduler)
        runner = Runner(load_settings(), Console(file=io.StringIO(), width=200))
        code = asyncio.run(runner.draft(DESCRIPTION, out=tmp_path / scheduler, force=False, review=False, interactive=False))
        calls = list(srv.calls)
    assert code == 0
    first = {}
    for call in calls:
        first.setdefault(call.section, call)
    return first[slow], first[early], tmp_path / scheduler


@pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")
@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_a_section_starts_when_its_inputs_are_done_not_when_its_wave_is(tmp_path, monkeypatch):
    slow, early, out = _draft(tmp_path, monkeypatch, "dataflow")
    assert early.start < slow.end - 1.0, "the dependent waited for an unrelated slow section"
    spec = json.loads((out / "spec.json").read_text())
    assert {sid for sid, e in spec["sections"].items() if e["status"] not in ("drafted", "not_applicable")} == set()
    # The waves scheduler (review mode's) holds it back until the whole wave is done.
    slow, early, _ = _draft(tmp_path, monkeypatch, "waves")
    assert early.start >= slow.end - 0.05


def test_memo_answers_the_same_request_of_the_same_run_only(tmp_path):
    asked: list[bytes] = []

    def upstream(request: httpx2.Request) -> httpx2.Response:
        asked.append(request.content)
        return httpx2.Response(200, json=json.loads(next(answers)))

    memo = CallMemo(tmp_path / "memo.sqlite")
    client = httpx2.AsyncClient(transport=MemoTransport(httpx2.MockTransport(upstream)))

    async def post(body: dict, thread: str | None, attempt: int = 0) -> dict:
        headers = {"authorization": "Bearer sk-canary-123", "x-agentspec-section": "monitoring"}
        if thread is None:
            return (await client.post("http://x/v1/chat/completions", json=body, headers=headers)).json()
        with memo_scope(memo, thread), memo_attempt("monitoring", attempt):
            return (await client.post("http://x/v1/chat/completions", json=body, headers=headers)).json()

    async def scenario() -> list[dict]:
        return [await post({"q": "a"}, "t1"), await post({"q": "a"}, "t1"), await post({"q": "b"}, "t1"),
                await post({"q": "a"}, "t2"), await post({"q": "a"}, "t1", attempt=1)]

    answers = iter([b'{"n": 1}', b'{"n": 2}', b'{"n": 3}', b'{"n": 4}'])
    results = asyncio.run(scenario())
    # Same run, attempt and body: answered from the memo. Another run or a redraft (next attempt) asks anew.
    assert results == [{"n": 1}, {"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]
    assert len(asked) == 4
    assert memo.count("t1") == 3 and memo.count("t2") == 1
    reopened = CallMemo(tmp_path / "memo.sqlite")  # durable: another process finds it
    assert reopened.count() == 4
    assert all(b"sk-canary-123" not in f.read_bytes() for f in tmp_path.glob("memo.sqlite*"))
    # Outside a dataflow run the memo is not consulted.
    answers = iter([b'{"n": 5}'])
    assert asyncio.run(post({"q": "a"}, None)) == {"n": 5}
