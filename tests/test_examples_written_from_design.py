"""The examples code writes from the design (a section's `derive`) cost no model call; one
that fails its own section's checks is a bug, and the model drafts the section meanwhile.
Against the fake OpenAI server (a test double) answering with data recorded from a real draft."""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter

import pytest
from rich.console import Console

from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder, written_from_design

pytestmark = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")


def _draft(tmp_path, monkeypatch) -> tuple[Counter, dict]:
    with FakeOpenAIServer(responder=RecordedResponder()) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        runner = Runner(load_settings(), Console(file=io.StringIO(), width=200))
        assert asyncio.run(runner.draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False,
                                        interactive=False, critic=False)) == 0
        calls = Counter(c.section for c in srv.calls)
    return calls, json.loads((tmp_path / "spec" / "spec.json").read_text(encoding="utf-8"))


def test_examples_written_from_the_design_cost_no_call(tmp_path, monkeypatch):
    written = written_from_design()
    assert {"example_api_client", "example_database", "example_events", "example_integration_test"} <= written
    calls, spec = _draft(tmp_path, monkeypatch)
    assert not written & set(calls), calls
    assert all(spec["sections"][sid]["status"] == "drafted" for sid in written)


def test_an_example_code_writes_wrong_is_drafted_by_the_model(tmp_path, monkeypatch):
    import agentspec.agents.nodes as nodes

    real = nodes._derived

    def broken(task, section_id):  # noqa: ANN001, ANN202
        data = real(task, section_id)
        if section_id == "example_database" and data is not None:
            data = {**data, "code": "import { Kafka } from 'kafkajs';\n" + data["code"]}  # a broker the spine does without
        return data

    monkeypatch.setattr(nodes, "_derived", broken)
    calls, spec = _draft(tmp_path, monkeypatch)
    assert calls["example_database"] == 1  # the model drafted it: the written one failed its checks
    assert "kafkajs" not in spec["sections"]["example_database"]["data"]["code"]
