"""Durable runs on a real PostgreSQL (AGENTSPEC_CHECKPOINT_URL), and the graph as
LangGraph Server loads it from langgraph.json (compiled without a checkpointer)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import os
import uuid
from pathlib import Path

import pytest
from rich.console import Console

from agentspec.errors import ReviewPending
from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder

ROOT = Path(__file__).resolve().parents[1]
needs_fixture = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json")


@pytest.fixture
def pg_url():
    url = os.environ.get("AGENTSPEC_TEST_PG_URL")
    if not url:
        pytest.skip("AGENTSPEC_TEST_PG_URL not set (scripts/ci_postgres.sh starts one)")
    import psycopg

    name = f"agentspec_ckpt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@needs_fixture
@pytest.mark.postgres
def test_review_run_survives_process_restarts_on_postgres(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTSPEC_CHECKPOINT_URL", pg_url)
    with FakeOpenAIServer(responder=RecordedResponder()) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        with pytest.raises(ReviewPending):
            asyncio.run(Runner(load_settings(), Console(file=io.StringIO())).draft(
                DESCRIPTION, out=tmp_path / "spec", force=False, review=True, interactive=False))
        thread = Runner(load_settings(), Console(file=io.StringIO())).runs()[0]["thread_id"]
        for _ in range(20):  # every review is a fresh Runner, as a new process would be
            try:
                code = asyncio.run(Runner(load_settings(), Console(file=io.StringIO())).review(
                    thread, approve=[], approve_all=True, revise=None, feedback=None, edit=None, edit_file=None,
                    interactive=False))
                break
            except ReviewPending:
                continue
        assert code == 0
        assert max(__import__("collections").Counter(c.section for c in srv.calls).values()) == 1
    import psycopg

    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (thread,)).fetchone()[0] > 5
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
    assert all(e["status"] in ("approved", "not_applicable") for e in spec["sections"].values())


def _load_like_langgraph_server():
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, attr = config["graphs"]["draft"].split(":")
    spec = importlib.util.spec_from_file_location("langgraph_server_draft", ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attr)


def test_langgraph_json_exports_a_graph_without_checkpointer():
    graph = _load_like_langgraph_server()
    assert graph.checkpointer is None
    assert {"intake", "plan", "draft_section", "analyze", "check", "assemble"} <= set(graph.nodes)


@needs_fixture
def test_exported_graph_runs_with_a_server_supplied_checkpointer(monkeypatch):
    from langgraph.checkpoint.memory import InMemorySaver

    graph = _load_like_langgraph_server()
    with FakeOpenAIServer(responder=RecordedResponder()) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        import agentspec.agents.tasks

        monkeypatch.setattr(agentspec.agents.tasks, "_server_gateways", {})
        served = graph.copy(update={"checkpointer": InMemorySaver()}) if hasattr(graph, "copy") else graph
        state = asyncio.run(served.ainvoke({"description": DESCRIPTION, "options": {"max_repairs": 1}},
                                           {"configurable": {"thread_id": "server-1"}}))
    assert state["brief"]["name"]
    assert all(e["status"] in ("drafted", "not_applicable") for e in state["sections"].values()), \
        {sid: e.get("failures") for sid, e in state["sections"].items() if e["status"] not in ("drafted", "not_applicable")}
