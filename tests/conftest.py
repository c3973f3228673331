"""Shared test setup.

- Every test gets its own user directories (data, cache, config) under tmp, and
  no model configuration leaks in from the developer's environment.
- A network guard fails any test that opens a connection to anything but
  loopback (the fake server, the local model server, a local PostgreSQL).
- Cassettes are matched on method, path and JSON body, with secrets filtered.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

_MODEL_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "AGENTSPEC_MODEL",
              "AGENTSPEC_PROVIDER", "AGENTSPEC_ROLE_MODELS", "AGENTSPEC_INSTRUCTOR_MODE", "AGENTSPEC_CHECKPOINT_URL",
              "AGENTSPEC_LOCAL_MODEL", "AGENTSPEC_CONCURRENCY")


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch, request):
    if request.node.get_closest_marker("live"):
        return  # live tests use the developer's real configuration and caches
    home = tmp_path_factory.mktemp("home")
    for name in _MODEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTSPEC_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("AGENTSPEC_CONFIG_DIR", str(home / "config"))
    if not request.node.get_closest_marker("uses_real_cache"):
        monkeypatch.setenv("AGENTSPEC_CACHE_DIR", str(home / "cache"))


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return isinstance(address, (str, bytes))  # AF_UNIX paths are local


@pytest.fixture(autouse=True)
def no_network(monkeypatch, request):
    """Fail any unplanned connection off this machine (pydantic-ai's ALLOW_MODEL_REQUESTS idea)."""
    if request.node.get_closest_marker("live"):
        return
    original = socket.socket.connect
    original_ex = socket.socket.connect_ex

    def guarded(self, address):
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return original(self, address)

    def guarded_ex(self, address):
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return original_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "filter_headers": ["authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "decode_compressed_response": True,
    }
