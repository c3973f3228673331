"""Endpoint behaviour through the installed console script, against the fake OpenAI
server (a TEST DOUBLE): visible retries, bounded waits, redacted keys, a web page
instead of an API, and `agentspec doctor`."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.doubles import FakeOpenAIServer, Fault, FaultKind, FaultPlan
from tests.cli.harness import DEAD_ENDPOINT, DESCRIPTION, Tree, agentspec, assert_exit, fake_endpoint_env
from tests.fakes import RecordedResponder

SECRET = "zq-TopSecretKeyValue-0123456789"


def _env(srv: FakeOpenAIServer, **extra: str) -> dict[str, str]:
    return fake_endpoint_env(srv, SECRET, **extra)


def _server(plan: FaultPlan) -> FakeOpenAIServer:
    return FakeOpenAIServer(responder=RecordedResponder(), faults=plan)


def test_retries_of_a_503_and_of_a_stall_are_shown_on_the_progress_output(workdir):
    # One draft: the first intake request gets 503, its retry stalls past the timeout, the third answers.
    plan = FaultPlan(by_call={0: Fault(FaultKind.SERVER_ERROR, status=503), 1: Fault(FaultKind.TIMEOUT, hold_s=4.0)})
    with _server(plan) as srv:
        result = agentspec("draft", DESCRIPTION, cwd=workdir, env=_env(
            srv, AGENTSPEC_REQUEST_TIMEOUT_S="2", AGENTSPEC_TRANSPORT_RETRIES="2"))
    assert_exit(result, 0, "intake: retrying (attempt 2 of 3, HTTP 503, waiting")
    assert "intake: retrying (attempt 3 of 3, timed out, waiting" in result.output


def test_a_stalled_endpoint_ends_in_exit_4_within_the_timeout(workdir):
    plan = FaultPlan(by_call={0: Fault(FaultKind.TIMEOUT, hold_s=2.0)})
    with _server(plan) as srv:
        result = agentspec("draft", DESCRIPTION, cwd=workdir, timeout=60, env=_env(
            srv, AGENTSPEC_REQUEST_TIMEOUT_S="0.5", AGENTSPEC_TRANSPORT_RETRIES="0"))
    assert_exit(result, 4, "AGENTSPEC_REQUEST_TIMEOUT_S")
    assert "THREAD" not in result.output


@pytest.mark.parametrize("status", [500, 400])
def test_an_echoed_key_reaches_neither_the_terminal_nor_the_data_dir(workdir, tmp_path, status):
    tree = Tree(tmp_path)
    plan = FaultPlan(by_call={0: Fault(FaultKind.ECHO_AUTH, status=status)})
    with _server(plan) as srv:
        result = agentspec("draft", DESCRIPTION, env=_env(srv, AGENTSPEC_TRANSPORT_RETRIES="0"), cwd=workdir)
    assert_exit(result, 4, "Authorization")
    assert SECRET not in result.output
    data_dir = Path(os.environ["AGENTSPEC_DATA_DIR"])
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name.startswith("runs.sqlite") for p in files), files  # the run was checkpointed
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    for path in workdir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    tree.assert_unchanged(workdir)


@pytest.mark.parametrize("kind, fragment", [("html", "text/html"), ("not_json", "not JSON")])
def test_a_non_json_200_is_an_endpoint_that_is_not_openai_compatible(workdir, kind, fragment):
    with _server(FaultPlan(by_call={0: kind})) as srv:
        result = agentspec("draft", DESCRIPTION, env=_env(srv), cwd=workdir)
    assert_exit(result, 4, "not OpenAI-compatible")
    assert fragment.lower() in result.output.lower()
    assert "could not produce" not in result.output


# ----------------------------------------------------------------------------- doctor
class _Page(BaseHTTPRequestHandler):
    status, ctype, body = 200, "text/html", b"<html><body>It works</body></html>"

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.ctype)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_server():
    servers = []

    def start(status: int, ctype: str, body: bytes) -> str:
        handler = type("Handler", (_Page,), {"status": status, "ctype": ctype, "body": body})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _doctor_json(env: dict[str, str], code: int) -> dict:
    result = agentspec("doctor", "--json", env={"AGENTSPEC_DOCTOR_TIMEOUT_S": "3", **env}, timeout=60)
    assert_exit(result, code)
    report = json.loads(result.stdout)
    assert set(report) >= {"provider", "model", "base_url", "key", "checks", "verdict"}
    assert SECRET not in result.output
    return report


def test_doctor_says_ready_for_a_working_endpoint(fake_server):
    report = _doctor_json(_env(fake_server), 0)
    assert report["verdict"].startswith("ready") and all(c["ok"] for c in report["checks"])
    assert report["key"] != SECRET and report["base_url"] == fake_server.base_url
    result = agentspec("doctor", env=_env(fake_server))
    assert_exit(result, 0, "verdict: ready")


def test_doctor_reports_an_unknown_model_as_configuration(fake_server):
    report = _doctor_json(_env(fake_server, AGENTSPEC_MODEL="no-such-model"), 2)
    bad = [c for c in report["checks"] if not c["ok"]]
    assert bad and bad[0]["name"] == "model served" and "AGENTSPEC_MODEL" in bad[0]["fix"]


def test_doctor_reports_an_unreachable_endpoint_as_exit_4():
    report = _doctor_json({"OPENAI_BASE_URL": DEAD_ENDPOINT, "OPENAI_API_KEY": SECRET}, 4)
    assert report["checks"][0]["name"] == "endpoint reachable" and report["checks"][0]["fix"]
    result = agentspec("doctor", env={"OPENAI_BASE_URL": DEAD_ENDPOINT, "OPENAI_API_KEY": SECRET})
    assert_exit(result, 4, "verdict: not usable")
    assert "fix:" in result.output


def test_doctor_reports_a_web_page_as_not_openai_compatible(page_server):
    url = page_server(200, "text/html", b"<!DOCTYPE html><html>Welcome</html>")
    report = _doctor_json({"OPENAI_BASE_URL": url, "OPENAI_API_KEY": SECRET}, 4)
    bad = [c for c in report["checks"] if not c["ok"]]
    assert bad[0]["name"] == "OpenAI-compatible" and "text/html" in bad[0]["detail"]


def test_doctor_reports_a_rejected_key_and_redacts_its_echo(page_server):
    body = json.dumps({"error": {"message": f"invalid key: Bearer {SECRET}"}}).encode()
    url = page_server(401, "application/json", body)
    report = _doctor_json({"OPENAI_BASE_URL": url, "OPENAI_API_KEY": SECRET}, 2)
    bad = [c for c in report["checks"] if not c["ok"]]
    assert bad[0]["name"] == "API key accepted" and "OPENAI_API_KEY" in bad[0]["fix"]


def test_doctor_on_the_local_provider_starts_nothing(tmp_path):
    # Nothing configured: the embedded model. Doctor only looks at it (no server, no assembly).
    result = agentspec("doctor", "--json", env={"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None}, timeout=60)
    report = json.loads(result.stdout)
    assert report["provider"] == "local" and report["base_url"] is None
    names = {c["name"] for c in report["checks"]}
    assert names == {"llama_cpp importable", "local model assembled"}
    ready = all(c["ok"] for c in report["checks"])
    assert_exit(result, 0 if ready else 2)
    assert not (Path(os.environ["AGENTSPEC_CACHE_DIR"]) / "logs" / "llama-server.log").exists()
