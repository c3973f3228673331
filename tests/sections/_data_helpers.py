"""Shared helpers for the data/integration section tests: parse checks for the
generated TypeScript, SQL and mermaid, heading order, placeholders, and a
throwaway PostgreSQL database when AGENTSPEC_TEST_PG_URL is set."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from pydantic import BaseModel
from sqlglot import exp

from agentspec.section import RenderContext

from tests.sections._general_helpers import FENCE, PLACEHOLDER, ROOT, _ts, assert_rejects, headings

# --- registry / rendering ---------------------------------------------------------------


def context() -> RenderContext:
    return RenderContext(brief=None)


def render(module: Any, data: BaseModel) -> str:
    """Validate `data` through the module's MODEL (as the pipeline does with a
    dumped dict) and render it."""
    model = module.MODEL.model_validate(data.model_dump(mode="json"))
    return module.render(model, context())


def assert_section_shape(section_id: str, markdown: str) -> None:
    """The section's headings appear, in order, as whole lines; it starts with the
    first; no other heading lines of the same or higher level intervene; no placeholders."""
    wanted = headings(section_id)
    lines = markdown.splitlines()
    assert lines[0] == wanted[0], f"section must start with {wanted[0]!r}, got {lines[0]!r}"
    heading_lines = [line for line in _outside_fences(markdown) if re.match(r"^#{1,6} ", line)]
    positions = []
    for heading in wanted:
        assert heading in heading_lines, f"missing heading {heading!r}"
        positions.append(heading_lines.index(heading))
    assert positions == sorted(positions), f"headings out of order: {heading_lines}"
    found = PLACEHOLDER.findall(markdown)
    assert not found, f"placeholders left: {found}"
    assert "[PLACEHOLDER" not in markdown


def _outside_fences(markdown: str) -> list[str]:
    out, inside = [], False
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            out.append(line)
    return out


def blocks(markdown: str, lang: str) -> list[str]:
    """Bodies of fenced blocks tagged `lang` (indentation removed)."""
    found = []
    for m in FENCE.finditer(markdown):
        if m.group("lang") == lang:
            indent = len(m.group("indent"))
            found.append("\n".join(line[indent:] for line in m.group("body").splitlines()))
    return found


rejects = assert_rejects


# --- TypeScript -----------------------------------------------------------------------------


def _first_error(node):  # type: ignore[no-untyped-def]
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def assert_ts_parses(code: str) -> None:
    tree = _ts().parse(code.encode())
    if tree.root_node.has_error:
        bad = _first_error(tree.root_node)
        row = bad.start_point[0] if bad is not None else 0
        context_lines = code.splitlines()[max(0, row - 2): row + 3]
        raise AssertionError(f"TypeScript does not parse near line {row + 1}:\n" + "\n".join(context_lines))


# --- SQL ---------------------------------------------------------------------------------------


def split_sql(script: str) -> list[str]:
    """Split a script on top-level semicolons, keeping $$ bodies whole; drop comments."""
    statements, current, in_dollar, in_quote = [], [], False, False
    i = 0
    text = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    while i < len(text):
        ch = text[i]
        if text.startswith("$$", i) and not in_quote:
            in_dollar = not in_dollar
            current.append("$$")
            i += 2
            continue
        if ch == "'" and not in_dollar:
            in_quote = not in_quote
        if ch == ";" and not in_dollar and not in_quote:
            stmt = "".join(current).strip()
            if stmt:
                statements.append(stmt)
            current = []
        else:
            current.append(ch)
        i += 1
    tail = "".join(current).strip()
    if tail:
        statements.append(tail)
    return statements


def assert_sql_parses(script: str, *, allow_do: bool = False) -> list[exp.Expression]:
    """Every statement parses with sqlglot (postgres). DO blocks, which sqlglot
    only knows as opaque commands, are accepted when allow_do is set."""
    parsed = []
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    for statement in split_sql(script):
        expression = sqlglot.parse_one(statement, read="postgres")
        if isinstance(expression, exp.Command):
            assert allow_do and statement.upper().startswith("DO $$"), f"sqlglot fell back to a raw command: {statement[:80]}"
        parsed.append(expression)
    assert parsed, "no SQL statements"
    return parsed


# --- mermaid -------------------------------------------------------------------------------------

NODE_DIR = Path(os.environ.get("AGENTSPEC_NODE_DIR", ROOT / "agentspec" / "checks" / "node"))


def mermaid_results(diagrams: list[str]) -> list[dict[str, Any]] | None:
    """The real mermaid parser's verdicts, or None when it is not installed."""
    script = NODE_DIR / "mermaid_check.mjs"
    if not (shutil.which("node") and script.is_file() and (NODE_DIR / "node_modules" / "mermaid").is_dir()):
        return None
    proc = subprocess.run(["node", str(script)], input=json.dumps(diagrams), capture_output=True, text=True, timeout=120, cwd=NODE_DIR)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)


# --- PostgreSQL ----------------------------------------------------------------------------------


@contextmanager
def throwaway_database() -> Iterator[Any]:
    """A connection to a fresh database (or, without CREATEDB, a fresh schema)
    that is dropped afterwards. Skips when AGENTSPEC_TEST_PG_URL is unset."""
    url = os.environ.get("AGENTSPEC_TEST_PG_URL")
    if not url:
        pytest.skip("AGENTSPEC_TEST_PG_URL not set (scripts/ci_postgres.sh starts a server)")
    psycopg = pytest.importorskip("psycopg")
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"agentspec_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE DATABASE {name}")
            created_db = True
        except psycopg.errors.InsufficientPrivilege:
            created_db = False
        if created_db:
            params = conninfo_to_dict(url)
            params["dbname"] = name
            try:
                with psycopg.connect(make_conninfo(**params), autocommit=True) as conn:
                    yield conn
            finally:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            admin.execute(f"CREATE SCHEMA {name}")
            try:
                admin.execute(f"SET search_path TO {name}, public")
                yield admin
            finally:
                admin.execute("SET search_path TO DEFAULT")
                admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def run_script(conn: Any, script: str) -> None:
    """Execute a multi-statement script exactly as a migration runner would."""
    conn.execute(script)


# --- realistic sample payloads (one feature: Stripe invoicing for a SaaS app) ------------------
# Fresh dicts on every call so tests can mutate them into bad instances.


def schema_payload() -> dict[str, Any]:
    return {
        "tables": [
            {
                "name": "users",
                "purpose": "Application accounts that own billing customers",
                "integration_type": "Application Data",
                "existing": True,
                "columns": [
                    {"name": "id", "type": "uuid", "primary_key": True},
                    {"name": "email", "type": "text"},
                    {"name": "stripe_customer_id", "type": "varchar(255)", "nullable": True, "note": "legacy, moved to billing_customers"},
                ],
            },
            {
                "name": "billing_customers",
                "purpose": "Maps an application user to a Stripe customer",
                "integration_type": "Data Bridge",
                "columns": [
                    {"name": "id", "type": "uuid", "primary_key": True, "default": "gen_random_uuid()"},
                    {"name": "user_id", "type": "uuid", "references": "users.id", "on_delete": "CASCADE", "unique": True},
                    {"name": "stripe_customer_id", "type": "varchar(255)", "unique": True, "note": "cus_... from Stripe"},
                    {"name": "currency", "type": "char(3)", "default": "'USD'"},
                ],
            },
            {
                "name": "invoices",
                "purpose": "One invoice issued to a billing customer and mirrored in Stripe",
                "integration_type": "Data Bridge",
                "columns": [
                    {"name": "id", "type": "uuid", "primary_key": True},
                    {"name": "customer_id", "type": "uuid", "references": "billing_customers.id", "on_delete": "RESTRICT"},
                    {"name": "stripe_invoice_id", "type": "varchar(255)", "nullable": True, "unique": True},
                    {"name": "status", "type": "varchar(50)", "default": "'draft'", "note": "draft, open, paid, void"},
                    {"name": "amount_due", "type": "numeric(12,2)", "default": "0"},
                    {"name": "due_date", "type": "date", "nullable": True},
                    {"name": "paid_at", "type": "timestamptz", "nullable": True},
                    {"name": "updated_at", "type": "timestamptz", "default": "now()"},
                ],
                "indexes": [{"columns": ["customer_id", "status"]}, {"columns": ["due_date"]}],
            },
            {
                "name": "invoice_line_items",
                "purpose": "Billable lines of an invoice",
                "integration_type": "Application Data",
                "columns": [
                    {"name": "id", "type": "bigint", "primary_key": True},
                    {"name": "invoice_id", "type": "uuid", "references": "invoices.id", "on_delete": "CASCADE"},
                    {"name": "description", "type": "text"},
                    {"name": "quantity", "type": "integer", "default": "1"},
                    {"name": "unit_amount", "type": "numeric(12,2)"},
                ],
            },
            {
                "name": "stripe_webhook_events",
                "purpose": "Received Stripe webhook deliveries, for idempotency and audit",
                "integration_type": "Audit/Logging",
                "columns": [
                    {"name": "id", "type": "uuid", "primary_key": True},
                    {"name": "stripe_event_id", "type": "varchar(255)", "unique": True},
                    {"name": "event_type", "type": "varchar(255)"},
                    {"name": "invoice_id", "type": "uuid", "nullable": True, "references": "invoices.id", "on_delete": "SET NULL"},
                    {"name": "payload", "type": "jsonb", "default": "'{}'"},
                    {"name": "processed_at", "type": "timestamptz", "nullable": True},
                ],
                "indexes": [{"columns": ["event_type", "created_at"]}],
            },
        ]
    }


# The existing tables as they are before the feature ships (users has a legacy
# Stripe id column that the migration moves into billing_customers).
LEGACY_SETUP = """
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL, stripe_customer_id varchar(255));
INSERT INTO users (email, stripe_customer_id) VALUES ('a@example.com', 'cus_A1'), ('b@example.com', NULL), ('c@example.com', 'cus_C3');
"""


def altered_schema_payload() -> dict[str, Any]:
    """schema_payload where the feature also adds columns to the existing users
    table: one NOT NULL without a default (needs a backfill), one with a default
    and one nullable (neither needs one)."""
    payload = schema_payload()
    users = next(t for t in payload["tables"] if t["name"] == "users")
    users["columns"] += [
        {"name": "billing_email", "type": "text", "added": True, "note": "where invoices are sent"},
        {"name": "billing_status", "type": "varchar(50)", "added": True, "default": "'active'", "note": "active, delinquent"},
        {"name": "stripe_synced_at", "type": "timestamptz", "added": True, "nullable": True},
    ]
    return payload


def migration_payload() -> dict[str, Any]:
    """Backfills for altered_schema_payload's users columns."""
    return {
        "planning": [
            "Existing users rows get billing_email from their sign-in email, lower-cased",
            "Users already linked to Stripe get stripe_synced_at so the first sync skips them",
            "Run after the schema DDL and before the invoicing endpoints are enabled",
        ],
        "backfills": [
            {"table": "users", "column": "billing_email", "value": "lower(email)",
             "reason": "invoices go to the address the user signs in with until they choose another"},
            {"table": "users", "column": "stripe_synced_at", "value": "now()", "where": "stripe_customer_id IS NOT NULL",
             "reason": "users with a legacy Stripe id are already known to Stripe"},
        ],
        "validation": [
            "users row count is the same before and after",
            "No users row has a NULL billing_email",
            "stripe_synced_at is set exactly for users with a stripe_customer_id",
        ],
    }


def events_payload() -> dict[str, Any]:
    return {
        "provider": "Apache Kafka (Amazon MSK)",
        "configuration": "3 partitions per topic, acks=all, 7-day retention, idempotent producer",
        "schema_format": "JSON Schema",
        "events": [
            {
                "name": "invoice.created",
                "description": "A draft invoice was finalized and sent to Stripe",
                "topic": "billing.invoices",
                "fields": [
                    {"name": "invoiceId", "type": "uuid"},
                    {"name": "customerId", "type": "uuid"},
                    {"name": "amountDue", "type": "number"},
                ],
                "ordering_key": "invoiceId",
            },
            {
                "name": "invoice.paid",
                "description": "Stripe confirmed payment of an invoice",
                "topic": "billing.invoices",
                "fields": [
                    {"name": "invoiceId", "type": "uuid"},
                    {"name": "paidAt", "type": "datetime"},
                    {"name": "receiptUrl", "type": "string", "required": False},
                ],
                "ordering_key": "invoiceId",
                "max_retries": 8,
            },
            {
                "name": "payment.failed",
                "description": "A payment attempt for an invoice was declined",
                "topic": "billing.payments",
                "fields": [
                    {"name": "eventId", "type": "uuid"},
                    {"name": "invoiceId", "type": "uuid"},
                    {"name": "failureCode", "type": "string"},
                ],
                "dead_letter": False,
                "max_retries": 3,
            },
        ],
        "publishers": [
            {"name": "billing_service", "events": ["invoice.created"]},
            {"name": "stripe_webhooks", "external": True, "events": ["invoice.paid", "payment.failed"]},
        ],
        "subscribers": [
            {
                "name": "notification_worker",
                "events": ["invoice.created", "invoice.paid", "payment.failed"],
                "handler": "BillingNotificationHandler emails the customer a receipt or a payment failure notice",
                "error_handling": "retry with backoff, then dead-letter and alert on-call",
            },
            {
                "name": "ledger_sync",
                "events": ["invoice.paid"],
                "handler": "LedgerSyncHandler records the payment in the accounting ledger",
                "error_handling": "retry; duplicates skipped by eventId",
            },
        ],
    }


def auth_payload() -> dict[str, Any]:
    return {
        "provider": "Auth0",
        "client_id_env_var": "AUTH0_CLIENT_ID",
        "client_secret_env_var": "AUTH0_CLIENT_SECRET",
        "domain": "acme-billing.us.auth0.com",
        "audience": "https://api.acme.com/billing",
        "scopes": ["openid", "profile", "offline_access", "read:invoices", "pay:invoices", "manage:billing"],
        "token_storage": "httpOnly secure cookie",
        "refresh_strategy": "rotating refresh tokens",
        "access_token_minutes": 15,
        "refresh_token_days": 7,
        "permission_model": "RBAC + resource ownership",
        "permission_claim": "permissions claim in the Auth0 access token, checked by a route guard on every billing endpoint",
        "roles": [
            {"name": "customer", "description": "a signed-in account holder", "permissions": ["read:invoices", "pay:invoices"]},
            {"name": "billing_admin", "description": "finance staff", "permissions": ["read:invoices", "manage:billing"]},
        ],
        "resource_rules": [
            "Customers read and pay only invoices whose billing customer belongs to their user id",
            "Billing admins read all invoices and can void open invoices; they cannot pay on a customer's behalf",
        ],
        "integration_points": [
            "API gateway validates the JWT signature, issuer and audience",
            "InvoiceService guard checks permission and invoice ownership",
            "Stripe webhook endpoint is exempt from JWT and verifies the Stripe signature instead",
        ],
    }


def backend_payload() -> dict[str, Any]:
    return {
        "endpoints": [
            {
                "id": "createInvoice",
                "method": "POST",
                "path": "/api/v1/invoices",
                "purpose": "Create a draft invoice for the caller's billing customer",
                "integration": "synchronous REST",
                "dependencies": ["invoices", "invoice_line_items", "invoice.created"],
            },
            {
                "id": "getInvoice",
                "method": "GET",
                "path": "/api/v1/invoices/:invoiceId",
                "purpose": "Read one invoice with its line items",
                "integration": "synchronous REST",
                "dependencies": ["invoices", "Redis cache"],
            },
            {
                "id": "listCustomerInvoices",
                "method": "GET",
                "path": "/api/v1/customers/:customerId/invoices",
                "purpose": "List a customer's invoices, newest first, filterable by status",
                "integration": "synchronous REST",
                "dependencies": ["invoices", "billing_customers"],
            },
            {
                "id": "payInvoice",
                "method": "POST",
                "path": "/api/v1/invoices/:invoiceId/pay",
                "purpose": "Start payment of an open invoice through Stripe",
                "integration": "asynchronous (202 + job)",
                "background_job": True,
                "dependencies": ["Stripe API", "invoices"],
            },
            {
                "id": "receiveStripeWebhook",
                "method": "POST",
                "path": "/api/v1/webhooks/stripe",
                "purpose": "Verify and record Stripe webhook deliveries, then publish billing events",
                "integration": "webhook receiver",
                "dependencies": ["stripe_webhook_events", "invoice.paid", "payment.failed"],
            },
        ],
        "schema_changes": "New tables billing_customers, invoices, invoice_line_items and stripe_webhook_events; users is unchanged.",
        "migration_strategy": "Expand-only: create the tables, backfill billing_customers from users.stripe_customer_id in one transaction, roll back by deleting the backfilled rows.",
        "index_requirements": "invoices(customer_id, status) for customer listings, invoices(due_date) for the dunning job, unique stripe_webhook_events(stripe_event_id) for webhook idempotency.",
        "relationship_management": "invoice_line_items cascade with their invoice; invoices restrict deletion of a billing customer; webhook rows keep history with invoice_id set to NULL.",
        "business_logic": "InvoiceService owns invoice state transitions (draft, open, paid, void); StripeGateway wraps the Stripe API with retries.",
        "transaction_management": "Each write runs in one transaction with an outbox row; webhook handling is idempotent on stripe_event_id.",
        "event_handling": "InvoiceService publishes invoice.created; the webhook receiver publishes invoice.paid and payment.failed after committing.",
        "cache_strategy": "getInvoice reads billing:invoice:{invoice_id} from Redis (5 min TTL); invoice.paid and any invoice update delete the key.",
    }


def api_payload() -> dict[str, Any]:
    return {
        "rest": {
            "class_name": "BillingApiClient",
            "base_url": "https://api.acme.com",
            "types": [
                {
                    "name": "Invoice",
                    "fields": [
                        {"name": "id", "type": "string"},
                        {"name": "status", "type": "string"},
                        {"name": "amountDue", "type": "number"},
                        {"name": "lineItems", "type": "LineItem[]", "optional": True},
                    ],
                },
                {"name": "LineItem", "fields": [{"name": "description", "type": "string"}, {"name": "quantity", "type": "number"}]},
                {"name": "PaymentJob", "fields": [{"name": "jobId", "type": "string"}, {"name": "status", "type": "string"}]},
            ],
            "methods": [
                {
                    "name": "createInvoice",
                    "http_method": "POST",
                    "path": "/api/v1/invoices",
                    "params": [{"name": "lineItems", "type": "LineItem[]", "location": "body"}, {"name": "dueDate", "type": "string", "location": "body", "required": False}],
                    "returns": "Invoice",
                },
                {
                    "name": "getInvoice",
                    "http_method": "GET",
                    "path": "/api/v1/invoices/:invoiceId",
                    "params": [{"name": "invoiceId", "type": "string", "location": "path"}],
                    "returns": "Invoice",
                },
                {
                    "name": "listCustomerInvoices",
                    "http_method": "GET",
                    "path": "/api/v1/customers/:customerId/invoices",
                    "params": [
                        {"name": "status", "type": "string", "location": "query", "required": False},
                        {"name": "customerId", "type": "string", "location": "path"},
                        {"name": "limit", "type": "number", "location": "query"},
                    ],
                    "returns": "Invoice[]",
                },
                {
                    "name": "payInvoice",
                    "http_method": "POST",
                    "path": "/api/v1/invoices/:invoiceId/pay",
                    "params": [{"name": "invoiceId", "type": "string", "location": "path"}],
                    "returns": "PaymentJob",
                },
            ],
        },
        "graphql": {"applicable": False, "reason": "The billing API is REST-only; no GraphQL gateway exists in this stack"},
        "websocket": {
            "applicable": True,
            "class_name": "InvoiceSocket",
            "url": "wss://api.acme.com/ws/invoices",
            "messages": [
                {"type": "invoice.paid", "description": "mark the invoice paid in the open view and show the receipt link"},
                {"type": "payment.failed", "description": "show the decline reason and a retry button"},
            ],
            "max_reconnect_attempts": 6,
            "reconnect_delay_ms": 1500,
        },
    }


def graphql_payload() -> dict[str, Any]:
    return {
        "applicable": True,
        "queries": [
            {"name": "invoice", "args": [{"name": "invoiceId", "type": "ID!"}], "fields": ["id", "status", "amountDue"]},
            {"name": "customerInvoices", "args": [{"name": "customerId", "type": "ID!"}, {"name": "statuses", "type": "[String!]"}], "fields": ["id", "status"]},
        ],
        "mutations": [{"name": "payInvoice", "args": [{"name": "invoiceId", "type": "ID!"}], "fields": ["jobId", "status"]}],
        "subscriptions": [{"name": "invoiceUpdated", "args": [{"name": "invoiceId", "type": "ID!"}], "fields": ["id", "status"]}],
    }


def cache_payload() -> dict[str, Any]:
    return {
        "provider": "Redis 7 (Amazon ElastiCache)",
        "ttl_seconds": 300,
        "keys": ["billing:invoice:{invoice_id}", "billing:customer:{customer_id}:invoices"],
        "eviction": "volatile-lru",
        "cached_tables": ["invoices", "billing_customers"],
        "db_provider": "PostgreSQL shared_buffers with a partial index on open invoices",
        "db_strategy": "Keep hot open invoices in memory; no materialized views",
        "invalidation": [
            {"trigger": "invoice.paid event", "keys": ["billing:invoice:{invoice_id}", "billing:customer:{customer_id}:invoices"]},
            {"trigger": "any UPDATE of invoices by InvoiceService", "keys": ["billing:invoice:{invoice_id}"]},
        ],
        "cache_aside": {"used": True, "how": "getInvoice reads Redis first; on a miss it loads invoices by id and sets the key with the TTL"},
        "write_through": {"used": False, "how": "invoice writes are rare; deleting the key on write is simpler than updating it"},
        "write_back": {"used": False, "how": "payment state must be durable in PostgreSQL before it is acknowledged"},
    }


def flow_payload() -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": "stripe_webhooks",
                "type": "Webhook",
                "format": "JSON",
                "frequency": "real-time, per Stripe event",
                "transformation": "verify signature, map Stripe invoice status to ours, drop duplicates by event id",
                "feeds": ["billing_database", "billing_events"],
            },
            {
                "name": "billing_ui",
                "type": "User Input",
                "format": "JSON",
                "frequency": "on user action",
                "transformation": "validate line items, convert amounts to numeric(12,2)",
                "feeds": ["billing_database"],
            },
        ],
        "destinations": [
            {
                "name": "billing_database",
                "type": "PostgreSQL table",
                "format": "SQL rows",
                "schedule": "immediately, inside the request or webhook transaction",
                "tables": ["invoices", "invoice_line_items", "stripe_webhook_events"],
            },
            {"name": "billing_events", "type": "Event Stream", "format": "JSON", "schedule": "after commit, via the outbox relay"},
        ],
    }


# --- prompts ----------------------------------------------------------------------------------------


def brief() -> Any:
    from agentspec.agents.brief import FeatureBrief

    return FeatureBrief(
        name="Stripe Invoice Payments",
        summary="Customers pay their invoices by card through Stripe; finance staff track payment status in the app.",
        complexity="High",
        domains=["Payments", "Webhook Systems"],
        stack=["TypeScript", "Node.js", "PostgreSQL", "React"],
        code_language="typescript",
        actors=["customer", "billing admin"],
        external_systems=["Stripe"],
        assumptions=["Stripe is the only payment provider"],
        out_of_scope=["Refunds and credit notes"],
    )


PAYLOADS = {
    "database_schema": schema_payload,
    "data_migration": migration_payload,
    "event_integration": events_payload,
    "auth_integration": auth_payload,
    "backend_integration": backend_payload,
    "api_specifications": api_payload,
    "cache_integration": cache_payload,
    "data_flow": flow_payload,
}


def prompt_text(section_id: str) -> str:
    """The user message the drafting agent gets for this section, with the
    sample data of its dependencies as digests."""
    from agentspec.agents.drafting import digest_of, section_messages
    from agentspec.agents.registry import by_id

    specs = by_id()
    spec = specs[section_id]
    deps = [
        {"id": dep, "digest": digest_of(specs[dep], PAYLOADS[dep]())}
        for dep in spec.depends_on
        if dep in PAYLOADS
    ]
    messages = section_messages(spec, description="Let customers pay invoices with Stripe", brief=brief(),
                                dependencies=deps, feedback=[], repo_given=False)
    return messages[-1]["content"]


# --- local model grammar ------------------------------------------------------------------------

_GBNF_ESCAPES = set('xuUtrn\\"[]')  # what llama.cpp's grammar parser accepts after a backslash


def gbnf_problems(model: type[BaseModel]) -> list[str]:
    """Escapes in the llama.cpp grammar built from the model's JSON schema that
    llama.cpp cannot parse. The server segfaults on such a grammar (a regex `\\.`
    in a pattern becomes the literal "\\." — write `[.]` instead)."""
    converter = pytest.importorskip("llama_cpp.llama_grammar")
    grammar = converter.json_schema_to_gbnf(json.dumps(model.model_json_schema()))
    problems, state, i = [], None, 0
    while i < len(grammar):
        ch = grammar[i]
        if state is None:
            if ch in '"[':
                state = ch
            elif ch == "#":
                i = grammar.find("\n", i) if "\n" in grammar[i:] else len(grammar)
                continue
        elif ch == "\\":
            if grammar[i + 1] not in _GBNF_ESCAPES:
                problems.append(grammar[max(0, i - 30): i + 10])
            i += 2
            continue
        elif (state == '"' and ch == '"') or (state == "[" and ch == "]"):
            state = None
        i += 1
    return problems
