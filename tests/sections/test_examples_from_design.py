"""The code examples written from the design (`derive` of the four example sections): they
name only what the spine and the schema define, compile together with the real TypeScript
compiler, and their SQL does what their comments say on a real PostgreSQL."""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
from pathlib import Path

import pytest

from agentspec.assemble import render_context, render_document
from agentspec.checks.typecheck import check_typecheck, compiler_available
from agentspec.spec_document import SpecDocument
from agentspec.agents.packs.integration_requirements.sections import example_api_client, example_database, example_events, example_integration_test
from agentspec.agents.packs.integration_requirements.sections.database_schema import DatabaseSchema, ddl

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded" / "spec.json"
PG_URL = os.environ.get("AGENTSPEC_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")
needs_tsc = pytest.mark.skipif(not compiler_available(), reason="npm ci --prefix agentspec/checks/node not run")
SECTIONS = (example_api_client, example_database, example_events, example_integration_test)


def _state(mutate=None) -> dict:
    spec = json.loads(RECORDED.read_text(encoding="utf-8"))
    state = {"brief": spec["brief"], "description": spec["description"], "options": {}, "sections": spec["sections"],
             "analyses": {}}
    if mutate is not None:
        mutate(state)
    return state


def _derived(state: dict) -> dict:
    ctx = render_context(state)
    return {module.__name__.rsplit(".", 1)[1]: module.derive(ctx) for module in SECTIONS}


def _with_examples(state: dict) -> dict:
    state = copy.deepcopy(state)
    for sid, data in _derived(state).items():
        if data is not None:
            state["sections"][sid] = {"status": "drafted", "data": data.model_dump(mode="json")}
    return state


def _spine(state: dict) -> dict:
    return state["sections"]["design_spine"]["data"]


def _lifecycle(state: dict) -> None:
    """The invoice's status ordered by a lifecycle instead of a provider timestamp (as Twilio's
    message status is): the guard compares places in the lifecycle."""
    for entity in _spine(state)["entities"]:
        if entity["table"] == "stripe_invoices":
            entity["version_column"] = "status"
            entity["version_order"] = ["draft", "open", "paid | uncollectible | void"]


def test_the_recorded_design_gets_all_four_examples_from_code():
    examples = _derived(_state())
    assert all(examples.values()), [sid for sid, data in examples.items() if data is None]
    database, events = examples["example_database"], examples["example_events"]
    assert database.file_path == "src/stripe-event-worker/stripe-invoice-store.ts"
    assert "ON CONFLICT (stripe_invoice_id) DO UPDATE SET" in database.code
    assert "WHERE stripe_invoices.stripe_updated_at < EXCLUDED.stripe_updated_at" in database.code
    assert "ON CONFLICT (stripe_event_id) DO NOTHING" in events.code
    assert "from './stripe-invoice-store'" in events.code  # Example 2's file, by its path
    assert "const RETRIES = 3;" in events.code  # the failure policy's number
    client = examples["example_api_client"].code
    assert "baseURL: 'https://api.stripe.com/'" in client and "const TIMEOUT_MS = 5000;" in client
    assert "auth: { username: setting('STRIPE_API_KEY'), password: '' }" in client  # providers.yaml api
    assert "'Idempotency-Key': randomUUID()" in client and "const mayRetry = true;" in client


def test_another_language_is_left_to_the_model():
    def go(state: dict) -> None:
        state["brief"]["code_language"] = "go"

    def python(state: dict) -> None:
        state["brief"]["code_language"] = "python"

    assert not any(_derived(_state(go)).values())
    # Python gets the client, the store and the webhook worker (test_python_examples_from_design); the test is the model's.
    assert {sid for sid, data in _derived(_state(python)).items() if data is not None} == {
        "example_api_client", "example_database", "example_events"}


def test_a_provider_without_an_idempotency_key_retries_reads_only():
    def unknown(state: dict) -> None:
        spine = _spine(state)
        spine["external_systems"] = [dict(x, id="acme_ledger", name="Acme Ledger")
                                     for x in spine["external_systems"] if x["direction"] == "outbound_api"]
        spine["settings"] = [dict(s, name="ACME_LEDGER_API_KEY") for s in spine["settings"] if s["name"] == "STRIPE_API_KEY"]
        spine["events"] = []
        state["sections"]["external_services"]["data"]["services"][0]["name"] = "Acme Ledger"

    code = _derived(_state(unknown))["example_api_client"].code
    assert "const mayRetry = method === 'get';" in code
    assert "Idempotency-Key" not in code
    assert "Bearer is shown, confirm it" in code  # no provider note: the guess is said


def test_without_an_outbound_api_there_is_no_generated_client():
    def inbound_only(state: dict) -> None:
        _spine(state)["external_systems"] = [x for x in _spine(state)["external_systems"] if x["direction"] == "inbound_webhook"]

    assert _derived(_state(inbound_only))["example_api_client"] is None


def test_a_lifecycle_orders_updates_by_place_not_by_time():
    code = _derived(_state(_lifecycle))["example_database"].code
    assert "const LIFECYCLE_JSON = JSON.stringify({" in code
    assert "draft: 1, open: 2, paid: 3, uncollectible: 3, void: 3" in code
    assert "($1::jsonb ->> EXCLUDED.status)::int > coalesce(($1::jsonb ->> stripe_invoices.status)::int, 0)" in code


@needs_tsc
def test_the_examples_compile_together_and_a_broken_call_between_them_is_caught():
    state = _with_examples(_state())
    markdown = render_document(state).markdown
    score = check_typecheck(SpecDocument.from_markdown(markdown))
    assert score.passed, score.details
    assert not any("surroundings" in d for d in score.details)  # every import between examples resolved
    broken = markdown.replace("await saveStripeInvoice(client, stripeInvoiceRowOf(work.payload));",
                              "await saveStripeInvoice(stripeInvoiceRowOf(work.payload));")
    assert broken != markdown
    score = check_typecheck(SpecDocument.from_markdown(broken))
    assert not score.passed
    assert any("TS2554" in f.message for f in score.findings)


# ----------------------------------------------------------------------------- the SQL, executed
def _statements(code: str) -> list[str]:
    return re.findall(r"`((?:INSERT|UPDATE|SELECT)\b[^`]*)`", code)


@pytest.fixture
def database():
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS derived_examples CASCADE")
        conn.execute("CREATE SCHEMA derived_examples")
        conn.execute("SET search_path TO derived_examples")
        yield conn
        conn.execute("DROP SCHEMA derived_examples CASCADE")


_PREPARED = itertools.count()


def _execute(conn, statement: str, *args) -> int:  # noqa: ANN001 - psycopg connection
    from psycopg import sql

    name = f"example_{next(_PREPARED)}"
    conn.execute(f"PREPARE {name} AS {statement}")
    call = sql.SQL("EXECUTE {} ({})").format(sql.Identifier(name), sql.SQL(", ").join(sql.Literal(a) for a in args))
    return conn.execute(call).rowcount


def _invoice(state: dict, status: str, when: str) -> list:
    """One stripe_invoices row as the generated upsert takes it: its values in the order of the
    columns it writes (read from the recorded schema, whatever the model named them)."""
    from agentspec.agents.packs.integration_requirements.sections._example_design import design_of, written_record
    from agentspec.agents.packs.integration_requirements.sections.example_database import written_columns

    design = design_of(render_context(state))
    values = {"stripe_invoice_id": "in_1", "status": status, "stripe_updated_at": when, "currency": "usd"}
    return [values.get(c.name, 1000) for c in written_columns(design, written_record(design).table)]


@needs_pg
def test_the_upsert_keeps_the_newer_invoice_and_one_row_per_provider_id(database):
    state = _state()
    schema = DatabaseSchema.model_validate(state["sections"]["database_schema"]["data"])
    database.execute(ddl(schema))
    upsert = _statements(_derived(state)["example_database"].code)[0]
    newer, older = _invoice(state, "paid", "2026-01-02T00:00:00Z"), _invoice(state, "open", "2026-01-01T00:00:00Z")
    assert _execute(database, upsert, *newer) == 1
    assert _execute(database, upsert, *older) == 0  # an older delivery arriving last changes nothing
    assert _execute(database, upsert, *newer) == 0  # the same delivery again changes nothing
    assert database.execute("SELECT stripe_invoice_id, status FROM stripe_invoices").fetchall() == [("in_1", "paid")]


@needs_pg
def test_the_lifecycle_guard_never_moves_a_status_back(database):
    state = _state(_lifecycle)
    schema = DatabaseSchema.model_validate(state["sections"]["database_schema"]["data"])
    database.execute(ddl(schema))
    code = _derived(state)["example_database"].code
    ranks = json.dumps({"draft": 1, "open": 2, "paid": 3, "uncollectible": 3, "void": 3})
    upsert = _statements(code)[0]
    assert _execute(database, upsert, ranks, *_invoice(state, "paid", "2026-01-01T00:00:00Z")) == 1
    assert _execute(database, upsert, ranks, *_invoice(state, "open", "2026-01-02T00:00:00Z")) == 0
    assert database.execute("SELECT status FROM stripe_invoices").fetchall() == [("paid",)]


@needs_pg
def test_the_receiver_stores_a_delivery_once_and_the_worker_takes_only_due_rows(database):
    state = _state()
    schema = DatabaseSchema.model_validate(state["sections"]["database_schema"]["data"])
    database.execute(ddl(schema))
    insert, due, done, failed = _statements(_derived(state)["example_events"].code)
    assert _execute(database, insert, "evt_1", '{"type": "invoice.paid"}') == 1
    assert _execute(database, insert, "evt_1", '{"type": "invoice.paid"}') == 0  # a redelivery is stored once
    assert _execute(database, due, 10, 30) == 1
    (row_id,) = database.execute("SELECT id FROM received_events").fetchone()
    assert _execute(database, failed, row_id, 1, "pending", "boom") == 1
    assert _execute(database, due, 10, 30) == 0  # the first retry waits 30 s after arrival
    database.execute("UPDATE received_events SET created_at = now() - interval '31 seconds'")
    assert _execute(database, due, 10, 30) == 1
    assert _execute(database, done, row_id) == 1
    assert database.execute("SELECT status, attempts, last_error FROM received_events").fetchall() == [("processed", 1, "boom")]


def test_the_integration_test_first_inserts_the_row_a_foreign_key_points_at():
    def with_customer(state: dict) -> None:
        tables = state["sections"]["database_schema"]["data"]["tables"]
        column = dict(tables[0]["columns"][0], name="id", type="uuid", primary_key=True, unique=False, default=None,
                      references=None, note=None, nullable=False)
        tables.insert(0, dict(tables[0], name="stripe_customers", purpose="Stripe customers", columns=[
            column, dict(column, name="stripe_customer_id", type="varchar(255)", primary_key=False, unique=True)], indexes=[]))
        invoices = next(t for t in tables if t["name"] == "stripe_invoices")
        invoices["columns"].append(dict(column, name="customer_id", primary_key=False, references="stripe_customers.id"))
        _spine(state)["entities"].append(dict(_spine(state)["entities"][-1], table="stripe_customers", unique=["stripe_customer_id"],
                                              money="none", version_column=None, required_columns=[], documented_values={}))

    code = _derived(_state(with_customer))["example_integration_test"].code
    assert "'INSERT INTO stripe_customers (stripe_customer_id) VALUES ($1) RETURNING id'" in code
    assert "[`stripe_customer_id-1-${randomUUID()}`]" in code  # unique: a rerun must not collide
    assert "row.customerId = stripeCustomersCustomerId.rows[0].id;" in code
