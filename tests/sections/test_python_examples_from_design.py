"""The Python code examples written from the design (a Python repository's drafts): the store
and the webhook worker name only what the spine and the schema define, type-check together with
mypy and SQLAlchemy's own types, and do what their comments say when they run, through
SQLAlchemy, on a real PostgreSQL."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import pytest

from agentspec.agents.packs.integration_requirements.sections import example_database, example_events
from agentspec.agents.packs.integration_requirements.sections._example_py import module_of, package_root
from agentspec.agents.packs.integration_requirements.sections.database_schema import DatabaseSchema, ddl
from agentspec.assemble import render_context

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded" / "spec.json"
PG_URL = os.environ.get("AGENTSPEC_TEST_PG_URL")

# A test double for the module the examples import and the spec leaves to the provider's SDK:
# "verifying" compares the header with the secret, and the row is the payload's `row`.
PAYLOADS_DOUBLE = '''
from types import SimpleNamespace
from typing import Any


def verify_stripe_delivery(raw_body: bytes, headers: Any, secret: str) -> Any:
    if headers.get("signature") != secret:
        return None
    payload = __import__("json").loads(raw_body)
    return SimpleNamespace(id=payload["id"], payload=payload)


def event_type_of(payload: dict) -> str:
    return payload["type"]


def stripe_invoice_row_of(payload: dict) -> Any:
    if payload.get("broken"):
        raise ValueError("the payload has no invoice")
    return payload["row"]
'''


def _state(repo: dict | None = None) -> dict:
    spec = json.loads(RECORDED.read_text(encoding="utf-8"))
    spec["brief"]["code_language"] = "python"
    return {"brief": spec["brief"], "description": spec["description"], "options": {"repo": repo} if repo else {},
            "sections": spec["sections"], "analyses": {}}


def _examples(state: dict):
    ctx = render_context(state)
    return example_database.derive(ctx), example_events.derive(ctx)


def _write(folder: Path, *examples) -> None:  # noqa: ANN002 - CodeExample
    for example in examples:
        path = folder / example.file_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(example.code, encoding="utf-8")
        for parent in path.relative_to(folder).parents:
            if str(parent) != ".":
                (folder / parent / "__init__.py").touch()


def test_a_python_design_gets_the_store_and_the_webhook_worker_from_code() -> None:
    store, events = _examples(_state())
    assert store.file_path == "app/stripe_event_worker/stripe_invoice_store.py"
    assert events.file_path == "app/stripe_event_worker/stripe_events.py"
    assert "ON CONFLICT (stripe_invoice_id) DO UPDATE SET" in store.code and "RETURNING id" in store.code
    assert "with Session(engine) as session, session.begin():" in store.code
    assert "from app.stripe_event_worker.stripe_invoice_store import save_stripe_invoice" in events.code
    assert "RETRIES = 3" in events.code and "FOR UPDATE SKIP LOCKED" in events.code
    assert "APIRouter" not in events.code  # no repository says the framework is FastAPI


def test_the_files_go_where_the_repository_keeps_its_package_and_fastapi_gets_the_route() -> None:
    repo = {"stack": ["framework FastAPI", "orm SQLModel"],
            "routes": [{"method": "GET", "path": "/api/v1/items/", "at": "backend/app/api/routes/items.py:13"}],
            "clients": [{"service": "Sentry", "package": "sentry_sdk", "at": "backend/app/main.py:3"}]}
    assert package_root(repo) == "backend/app"
    assert package_root({"routes": [{"at": "app/routers/users.py:4"}]}) == "app"
    assert module_of("backend/app/billing/store.py", "backend/app") == "app.billing.store"
    store, events = _examples(_state(repo))
    assert store.file_path.startswith("backend/app/") and events.file_path.startswith("backend/app/")
    assert "from app.stripe_event_worker.stripe_invoice_store import" in events.code
    assert "@router.post('/api/v1/stripe/webhooks/receiver')" in events.code


def test_the_python_examples_type_check_together(tmp_path: Path) -> None:
    from agentspec.agents.packs.integration_requirements.sections import example_api_client

    mypy = pytest.importorskip("mypy.api")
    pytest.importorskip("sqlalchemy")
    store, events = _examples(_state())
    client = example_api_client.derive(render_context(_state()))
    _write(tmp_path, store, events, client)
    out, _err, code = mypy.run([str(tmp_path / store.file_path), str(tmp_path / events.file_path),
                                str(tmp_path / client.file_path), "--strict",
                                "--ignore-missing-imports", "--cache-dir", str(tmp_path / ".cache")])
    assert code == 0, out
    # A call that breaks the contract between the two files is caught.
    (tmp_path / events.file_path).write_text(events.code.replace("save_stripe_invoice(session, ", "save_stripe_invoice("))
    out, _err, code = mypy.run([str(tmp_path / store.file_path), str(tmp_path / events.file_path), "--strict",
                                "--ignore-missing-imports", "--cache-dir", str(tmp_path / ".cache")])
    assert code == 1 and "save_stripe_invoice" in out


@pytest.fixture
def engine():
    if not PG_URL:
        pytest.skip("AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg")
    admin = sqlalchemy.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS python_examples CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA python_examples")
    engine = sqlalchemy.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                                      connect_args={"options": "-csearch_path=python_examples"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA python_examples CASCADE")
    admin.dispose()


def _delivery(event_id: str, when: str, status: str, **extra) -> bytes:  # noqa: ANN003
    row = {"stripe_invoice_id": "in_1", "amounts": 1000, "currency": "usd", "status": status, "stripe_updated_at": when}
    kind = {"paid": "invoice.paid", "open": "invoice.finalized", "void": "invoice.voided"}[status]  # Stripe's names
    return json.dumps({"id": event_id, "type": kind, "row": row, **extra}).encode()


def test_the_python_examples_receive_once_apply_newer_state_and_retry_failures(tmp_path: Path, engine, monkeypatch) -> None:
    state = _state()
    store, events = _examples(state)
    _write(tmp_path, store, events)
    (tmp_path / "app" / "stripe_event_worker" / "stripe_payloads.py").write_text(PAYLOADS_DOUBLE, encoding="utf-8")
    with engine.begin() as conn:
        conn.exec_driver_sql(ddl(DatabaseSchema.model_validate(state["sections"]["database_schema"]["data"])))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_test")
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        monkeypatch.delitem(sys.modules, name)
    worker = importlib.import_module(events.file_path[:-3].replace("/", "."))
    signed = {"signature": "whsec_test"}

    assert worker.receive_stripe_delivery(engine, _delivery("evt_1", "2026-01-02T00:00:00Z", "paid"), {}).status == 400
    assert worker.receive_stripe_delivery(engine, _delivery("evt_1", "2026-01-02T00:00:00Z", "paid"), signed).status == 200
    assert worker.receive_stripe_delivery(engine, _delivery("evt_1", "2026-01-02T00:00:00Z", "paid"), signed).status == 200
    assert worker.receive_stripe_delivery(engine, _delivery("evt_0", "2026-01-01T00:00:00Z", "open"), signed).status == 200
    assert worker.receive_stripe_delivery(engine, _delivery("evt_x", "2026-01-03T00:00:00Z", "void", broken=True), signed).status == 200
    assert worker.process_due(engine) == 3  # the redelivery of evt_1 was stored once

    with engine.connect() as conn:
        invoices = conn.exec_driver_sql("SELECT stripe_invoice_id, status FROM stripe_invoices").all()
        work = dict(conn.exec_driver_sql("SELECT stripe_event_id, status || ':' || attempts FROM received_events").all())
    assert invoices == [("in_1", "paid")]  # the older "open" arriving after "paid" changed nothing
    assert work == {"evt_1": "processed:0", "evt_0": "processed:0", "evt_x": "pending:1"}
    assert worker.process_due(engine) == 0  # the failed row's first retry waits RETRY_BASE_SECONDS


def test_the_python_api_client_retries_a_write_once_with_one_idempotency_key(tmp_path: Path, monkeypatch) -> None:
    """The generated client against a local HTTP server (a test double of the provider's API): a 429
    is retried with the same Idempotency-Key, the body is form-encoded and the key is the basic-auth
    username, as providers.yaml says of Stripe; a 400 is never retried."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from agentspec.agents.packs.integration_requirements.sections import example_api_client

    pytest.importorskip("httpx")
    seen: list[tuple[str, str, str, str]] = []
    answers = [429, 200, 400]

    class Provider(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append((self.path, self.headers.get("Idempotency-Key", ""), body, self.headers.get("Authorization", "")))
            status = answers.pop(0)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "cus_1"}')

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = example_api_client.derive(render_context(_state()))
        assert client.file_path == "app/stripe_reconciler/stripe_api_client.py"
        code = client.code.replace("base_url='https://api.stripe.com/'", f"base_url='http://127.0.0.1:{server.server_port}/'")
        module = tmp_path / "stripe_api_client.py"
        module.write_text(code.replace("FIRST_RETRY_S = 0.5", "FIRST_RETRY_S = 0.01"), encoding="utf-8")
        monkeypatch.setenv("STRIPE_API_KEY", "sk_test_1")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, "stripe_api_client", raising=False)
        api = importlib.import_module("stripe_api_client")
        assert api.call_stripe("POST", "/v1/customers", {"email": "a@b.c"}) == {"id": "cus_1"}
        (first, second) = seen
        assert first[1] and first[1] == second[1]  # the retried write carries the same key
        assert first[2] == "email=a%40b.c"  # form-encoded
        assert first[3] == "Basic " + base64.b64encode(b"sk_test_1:").decode()
        import httpx

        with pytest.raises(httpx.HTTPStatusError):
            api.call_stripe("POST", "/v1/customers", {"email": "a@b.c"})
        assert len(seen) == 3  # the 400 was not retried
    finally:
        server.shutdown()
