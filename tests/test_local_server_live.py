"""Live: start the real llama.cpp server on the real model and talk to it via openai.

Slow (model load + generation on CPU): run with
    .venv/bin/python -m pytest tests/test_local_server_live.py -m slow -o addopts=""
Skips when llama-cpp-python or the model chunks are not installed.
"""

from __future__ import annotations

import json
import os

import pytest

from agentspec.local import LocalServer, ensure_model
from tests.live_local import REQUIRES_LOCAL_MODEL

pytestmark = REQUIRES_LOCAL_MODEL

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "endpoints": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "auth": {"type": "string", "enum": ["none", "api_key", "oauth2"]},
    },
    "required": ["name", "endpoints", "auth"],
}


@pytest.fixture(scope="module")
def server():
    from openai import OpenAI

    with LocalServer(ensure_model(), startup_timeout=180) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="sk-local", max_retries=0, timeout=300)
        yield srv, client
    assert not srv.is_alive()


def test_models_endpoint_lists_alias(server) -> None:
    srv, client = server
    assert srv.model in [m.id for m in client.models.list()]


def test_chat_completion(server) -> None:
    srv, client = server
    resp = client.chat.completions.create(
        model=srv.model,
        messages=[{"role": "user", "content": "Reply with the single word: pong"}],
        max_tokens=8,
        temperature=0,
    )
    text = resp.choices[0].message.content or ""
    assert "pong" in text.lower()
    assert resp.usage is not None and resp.usage.completion_tokens > 0


def test_grammar_constrained_json(server) -> None:
    srv, client = server
    resp = client.chat.completions.create(
        model=srv.model,
        messages=[{"role": "user", "content": "Describe a REST API for a todo list service as JSON."}],
        # llama.cpp constrains decoding with a grammar built from `schema`.
        # (type "json_schema" is not supported by llama-cpp-python's server: HTTP 500.)
        response_format={"type": "json_object", "schema": SCHEMA},  # type: ignore[arg-type,typeddict-unknown-key]
        max_tokens=200,
        temperature=0.2,
    )
    data = json.loads(resp.choices[0].message.content or "")
    assert set(data) >= {"name", "endpoints", "auth"}
    assert data["auth"] in {"none", "api_key", "oauth2"}
    assert isinstance(data["endpoints"], list) and 1 <= len(data["endpoints"]) <= 3


def test_a_retry_reuses_its_first_prompt_from_the_cache(server) -> None:
    """A second attempt sends its first prompt again with the problems appended; another
    call sits between them. The prompt cache restores the first prompt's state, so only
    the appended lines are evaluated (llama-cpp-python logs the hit and the prefix)."""
    srv, client = server
    prompt = "List three colours as a JSON array. " + " ".join(f"word{i}" for i in range(300))
    ask = lambda content: client.chat.completions.create(  # noqa: E731
        model=srv.model, messages=[{"role": "user", "content": content}], max_tokens=4, temperature=0)
    ask(prompt)
    ask("Something else entirely: name a fruit.")
    ask(prompt + "\nFix: use lowercase.")
    tail = srv.log_tail(40)
    hits = [int(line.split()[1]) for line in tail.splitlines() if line.startswith("Llama.generate:") and "prefix-match hit" in line]
    assert "cache hit" in tail and hits and hits[-1] > 300


def test_is_alive_turns_false_when_server_dies(tmp_path) -> None:
    """What the caller relies on to turn connection errors into a resumable EndpointError."""
    import signal
    import time

    with LocalServer(ensure_model(), startup_timeout=180, log_path=tmp_path / "s.log") as srv:
        assert srv.is_alive()
        assert srv.pid is not None
        os.kill(srv.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while srv.is_alive() and time.time() < deadline:
            time.sleep(0.1)
        assert not srv.is_alive()
