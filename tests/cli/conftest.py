"""Fixtures for the CLI tests (tests/cli/harness.py has the helpers)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.doubles import FakeOpenAIServer
from tests.fakes import RecordedResponder


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """The fake server answering every section with recorded real data."""
    with FakeOpenAIServer(responder=RecordedResponder()) as srv:
        yield srv


@pytest.fixture
def endpoint_env(fake_server) -> dict[str, str]:  # noqa: ANN001
    """Environment that points the CLI at the fake server."""
    return {"OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "AGENTSPEC_MODEL": "fake-model", "AGENTSPEC_INSTRUCTOR_MODE": "tools"}


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """The user's working directory for the command (specs/ goes under it)."""
    work = tmp_path / "work"
    work.mkdir()
    return work
