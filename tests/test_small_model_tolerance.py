"""What a 1.5B local model gets wrong that code can put right without a re-ask
(each case was a re-ask in the recorded real drafts), and the rules that must
still be enforced after the fix."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from agentspec.gateway.grammar import grammar_schema
from agentspec.render.code import syntax_error, typescript_error
from agentspec.render.reflow import reflow_typescript
from agentspec.settings import load_settings
from agentspec.agents.nodes import _cross_failures
from agentspec.agents.packs.integration_requirements.sections import api_specifications, data_migration, frontend_integration, reusability
from agentspec.agents.packs.integration_requirements.sections._examples import CodeExample

from tests.fakes import RECORDED
from tests.sections import _data_helpers as h
from tests.sections.test_reusability import DATA as REUSABILITY

ONE_LINE_TS = (
    "import { Pool } from 'pg'; const pool = new Pool({ connectionString: process.env.DATABASE_URL }); "
    "export async function upsertInvoice(id: string, amount: number): Promise<void> { const client = await pool.connect(); "
    "try { await client.query('BEGIN'); await client.query('INSERT INTO stripe_invoices (id, amount) VALUES ($1, $2) "
    "ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount', [id, amount]); if (amount < 0) { throw new Error('negative; amount'); } "
    "else { console.log(`stored {${id}}`); } await client.query('COMMIT'); } catch (err) { await client.query('ROLLBACK'); throw err; } "
    "finally { client.release(); } } for (let i = 0; i < 3; i++) { setTimeout(() => { void upsertInvoice(`in_${i}`, i); }, 100); }"
)


def test_one_line_typescript_is_laid_out_and_still_parses():
    out = reflow_typescript(ONE_LINE_TS)
    assert typescript_error(out) is None
    lines = out.splitlines()
    assert len(lines) >= 20
    assert "    await client.query('BEGIN');" in lines  # statement per line, blocks indented
    stripped = [line.strip() for line in lines]
    assert "} else {" in stripped and "} finally {" in stripped  # continuations stay on the brace's line
    assert "for (let i = 0; i < 3; i++) {" in lines  # a for header is not split at its semicolons
    assert "throw new Error('negative; amount');" in out  # strings are never split
    # Same tokens, only whitespace changed.
    assert "".join(out.split()) == "".join(ONE_LINE_TS.split())


def test_code_that_does_not_parse_is_laid_out_for_the_syntax_gate_to_name_a_line():
    # A function left unclosed, on one line: "the code has 1 lines" hid it, and the re-ask
    # repeated the same program (seventh-pass Stripe draft). Laid out, the gate names a line.
    broken = "export async function f() { try { const r = await g(); return r; } catch (e) { log(e); } export const x = 1;"
    out = reflow_typescript(broken)
    assert len(out.splitlines()) >= 5 and "".join(out.split()) == "".join(broken.split())
    problem = syntax_error(out, "typescript", path="a.ts")
    assert problem is not None and "line" in problem
    with pytest.raises(ValidationError, match="does not parse"):
        CodeExample.model_validate({"purpose": "Fetch the invoice", "file_path": "src/invoice/fetch.ts",
                                    "code": broken + " " + " ".join(f"export const v{i} = {i};" for i in range(9)),
                                    "key_points": ["a", "b"]})


def test_a_bullet_list_after_the_program_is_not_code():
    program = "\n".join(["import { render } from '@testing-library/react';", "test('x', () => {",
                         *[f"  const v{i} = {i};" for i in range(9)], "  render(<Page />);", "});"])
    example = CodeExample.model_validate({"purpose": "Renders the page", "file_path": "tests/page_test.ts",
                                          "code": program + "\n\n// Key points:\n- Mocks the API.\n- Renders the page.",
                                          "key_points": ["renders", "mocks"]})
    assert example.code == program and example.file_path == "tests/page_test.tsx"
    # The key_points field begun inside the code (eighth-pass Stripe recording): not code either.
    for leaked in ("\n\nconst key_points = [\n  ", "\n\nkey_points: "):
        example = CodeExample.model_validate({"purpose": "Renders the page", "file_path": "tests/page_test.tsx",
                                              "code": program + leaked, "key_points": ["renders", "mocks"]})
        assert example.code == program


def test_code_example_accepts_a_one_line_program_and_stores_it_laid_out():
    example = CodeExample.model_validate({
        "purpose": "Store a Stripe invoice idempotently", "file_path": "src/billing/upsert_invoice.ts",
        "code": ONE_LINE_TS, "key_points": ["one transaction", "idempotent upsert"],
    })
    assert len(example.code.splitlines()) >= 20


def test_raw_newlines_inside_json_strings_are_accepted_other_bad_json_is_not():
    raw = '{"purpose": "Store an invoice", "file_path": "src/a.ts", "code": "' + reflow_typescript(ONE_LINE_TS) + '", "key_points": ["a b", "c d"]}'
    assert "\n" in raw
    example = CodeExample.model_validate_json(raw)
    assert example.code.count("\n") >= 20
    with pytest.raises(ValidationError, match="json_invalid"):
        CodeExample.model_validate_json('{"purpose": "x", "code": "unterminated')


def test_base_url_with_a_path_becomes_origin_plus_path_prefix():
    payload = h.api_payload()
    payload["rest"]["base_url"] = "https://API.acme.com/api/v1"
    for method in payload["rest"]["methods"]:
        method["path"] = method["path"].removeprefix("/api/v1")
    data = api_specifications.MODEL.model_validate(payload)
    assert data.rest.base_url == "https://api.acme.com"
    assert all(m.path.startswith("/api/v1/") for m in data.rest.methods)


def test_base_url_with_a_non_version_path_is_still_rejected():
    payload = h.api_payload()
    payload["rest"]["base_url"] = "https://api.acme.com/billing"
    h.rejects(api_specifications.MODEL, payload, "path")


def test_no_middleware_and_no_lazy_loading_are_answers_not_filler():
    payload = json.loads(RECORDED.read_text())["sections"]["frontend_integration"]["data"]
    data = frontend_integration.MODEL.model_validate({**payload, "middleware": "None", "lazy_loading": "None."})
    assert data.middleware is None and data.lazy_loading is None
    md = frontend_integration.render(data, h.context())
    assert "none: plain data fetching" in md and "none: the feature's routes load with the app shell" in md
    # Filler is still filler where a value is required.
    h.rejects(frontend_integration.MODEL, {**payload, "navigation_flow": "None"}, "filler")


def test_reuse_as_is_needs_no_detail_but_a_change_does():
    data = copy.deepcopy(REUSABILITY)
    data["existing_patterns"][1]["modification_detail"] = ""
    model = reusability.Reusability.model_validate(data)
    assert "None - reuse as is" in reusability.render(model, h.context())
    data["existing_patterns"][0]["modification_detail"] = ""
    h.rejects(reusability.Reusability, data, "say what changes")


def test_where_to_look_with_a_real_location_is_still_rejected():
    data = copy.deepcopy(REUSABILITY)
    data["existing_patterns"][0]["where_to_look"] = "src/http/client.ts:42"
    h.rejects(reusability.Reusability, data, "claims an existing line")


def test_grammar_requires_every_property_and_keeps_nullability():
    schema = grammar_schema(frontend_integration.MODEL.model_json_schema())
    assert set(schema["required"]) == set(schema["properties"])
    assert {"type": "null"} in schema["properties"]["middleware"]["anyOf"]


def test_retry_budget_is_smaller_on_the_embedded_model(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert load_settings(provider="local").retry_budget() == (1, 1)
    assert load_settings(provider="openai", openai_api_key="sk-test").retry_budget() == (2, 2)
    assert load_settings(provider="local", reask_retries=3, max_repairs=0).retry_budget() == (3, 0)


def test_migration_tables_must_exist_in_the_schema_and_the_gate_says_so():
    migration = h.migration_payload()
    schema = h.altered_schema_payload()
    task = {"sections": {"database_schema": {"status": "drafted", "data": schema}}}
    assert _cross_failures(task, "data_migration", migration) == []
    bad = copy.deepcopy(migration)
    bad["backfills"][1]["table"] = "invoices_legacy"
    failures = _cross_failures(task, "data_migration", bad)
    assert len(failures) == 1 and "invoices_legacy" in failures[0] and "database_schema" in failures[0]
    # Without the schema (failed or not drafted) there is nothing to check against.
    assert _cross_failures({"sections": {}}, "data_migration", bad) == []
    assert data_migration.cross_checks is not None


def test_embedded_model_gets_one_call_at_a_time_unless_asked(monkeypatch):
    monkeypatch.delenv("AGENTSPEC_CONCURRENCY", raising=False)
    assert load_settings().parallel_calls("local") == 1
    assert load_settings().parallel_calls("openai") == 4
    assert load_settings(concurrency=3).parallel_calls("local") == 3


def test_empty_string_in_an_optional_field_means_absent():
    from agentspec.agents.packs.integration_requirements.sections import database_schema

    payload = h.schema_payload()
    column = next(c for t in payload["tables"] for c in t["columns"] if not c.get("references"))
    column["references"] = ""
    data = database_schema.MODEL.model_validate(payload)
    assert all(c.references is None or c.references for t in data.tables for c in t.columns)
    # A required field stays required: "" is still rejected there.
    payload = h.schema_payload()
    payload["tables"][0]["name"] = ""
    h.rejects(database_schema.MODEL, payload, "name")


def test_a_line_comment_on_a_one_line_program_is_closed_at_the_block_end():
    # From the recorded stripe draft: `// ...` swallowed the rest of the program.
    code = ("async function handlePaid(id: string) { // mark the invoice paid } "
            "const url = 'https://api.example.com//x'; void handlePaid(url);")
    out = reflow_typescript(code)
    assert typescript_error(out) is None
    assert out.splitlines() == [
        "async function handlePaid(id: string) {",
        "  /* mark the invoice paid */",
        "}",
        "const url = 'https://api.example.com//x';",
        "void handlePaid(url);",
    ]


def test_a_line_comment_that_cannot_be_closed_leaves_the_code_unchanged():
    code = "const a = 1; // the rest ) is ( broken"
    assert reflow_typescript(code) in {code, "const a = 1;\n/* the rest ) is ( broken */"}
    assert typescript_error(reflow_typescript(code)) is None or reflow_typescript(code) == code


def test_url_path_slips_with_one_meaning_are_tidied_and_the_rest_rejected():
    from pydantic import TypeAdapter

    from agentspec.agents.http_api import ApiPath

    path = TypeAdapter(ApiPath)
    assert path.validate_python("/api/v1/webhooks/billing.invoices/invoice.paid") == "/api/v1/webhooks/billing-invoices/invoice-paid"
    assert path.validate_python("/api/v1/Sync_Status/{invoiceId}") == "/api/v1/sync-status/:invoiceId"
    assert path.validate_python("/api/v1/users/{user-id}/delete") == "/api/v1/users/:userId/delete"
    assert path.validate_python("/api/v1/users/{user_id}") == "/api/v1/users/:userId"
    assert path.validate_python("/api/v1/users/:user_id") == "/api/v1/users/:userId"
    assert path.validate_python("/v1/billing/history") == "/api/v1/billing/history"
    for bad in ("/invoices", "/api/invoices", "/api/v1/invoices/:id/:id", "/api/v1/invoices/"):
        with pytest.raises(ValidationError):
            path.validate_python(bad)


def test_update_from_on_is_rewritten_to_where_and_sql_errors_carry_no_terminal_codes():
    from agentspec.render.sql import check_statement

    fixed = check_statement("UPDATE stripe_invoices SET customer_id = customers.id FROM customers "
                            "ON stripe_invoices.customer_id = customers.stripe_id;", ["update"])
    assert fixed.endswith("FROM customers WHERE stripe_invoices.customer_id = customers.stripe_id")
    with pytest.raises(ValueError) as info:
        check_statement("UPDATE a SET x = b.y FROM b ON a.id = b.id WHERE (", ["update"])
    assert "\x1b" not in str(info.value) and "does not parse" in str(info.value)


def test_cache_key_may_name_the_entity_of_a_prefixed_table():
    # From the recorded stripe draft: {invoice_id} for rows of stripe_invoices.
    recorded = json.loads(RECORDED.read_text())["sections"]
    task = {"sections": {"database_schema": recorded["database_schema"]}}
    # The recorded draft's spine has no cache, so the hand-written cache payload stands in.
    cache = copy.deepcopy(recorded["cache_integration"].get("data") or h.cache_payload())
    cache["cached_tables"] = ["stripe_invoices"]
    cache["keys"] = ["billing:invoice:{invoice_id}"]
    cache["invalidation"] = [{"trigger": "invoice.paid event", "keys": ["billing:invoice:{invoice_id}"]}]
    assert _cross_failures(task, "cache_integration", cache) == []
    cache["keys"] = cache["invalidation"][0]["keys"] = ["billing:invoice:{colour_id}"]
    failures = _cross_failures(task, "cache_integration", cache)
    assert len(failures) == 1 and "{colour_id}" in failures[0]


def test_identifiers_in_another_spelling_are_snake_cased():
    from pydantic import TypeAdapter

    from agentspec.section import Ident

    ident = TypeAdapter(Ident)
    assert ident.validate_python("third-party_processor") == "third_party_processor"
    assert ident.validate_python("invoiceLines") == "invoice_lines"
    assert ident.validate_python("Sync Status") == "sync_status"
    for bad in ("billing:invoice", "2fa_codes", "invoices.id"):
        with pytest.raises(ValidationError):
            ident.validate_python(bad)


def test_a_bare_word_default_on_a_text_column_is_the_quoted_literal():
    from agentspec.agents.packs.integration_requirements.sections.database_schema import Column

    assert Column.model_validate({"name": "status", "type": "text", "default": "pending"}).default == "'pending'"
    assert Column.model_validate({"name": "status", "type": "text", "default": "'pending'"}).default == "'pending'"
    assert Column.model_validate({"name": "paid", "type": "boolean", "default": "false"}).default == "false"
    with pytest.raises(ValidationError):
        Column.model_validate({"name": "amount", "type": "integer", "default": "pending"})


def test_an_unset_reconnect_delay_means_the_default_and_a_tiny_one_is_still_rejected():
    payload = h.api_payload()
    payload["websocket"]["reconnect_delay_ms"] = 0
    data = api_specifications.MODEL.model_validate(payload)
    assert data.websocket.reconnect_delay_ms == api_specifications.DEFAULT_RECONNECT_DELAY_MS
    payload["websocket"]["reconnect_delay_ms"] = 50
    h.rejects(api_specifications.MODEL, payload, "greater than or equal to 100")


def test_a_type_qualified_by_its_client_names_the_declared_type():
    payload = h.api_payload()
    declared = payload["rest"]["types"][0]["name"]
    payload["rest"]["types"][0]["name"] = f"{payload['rest']['class_name']}.{declared}"
    payload["rest"]["methods"][0]["returns"] = f"Billing.{declared}[]"
    fixed = api_specifications.MODEL.model_validate(payload)
    assert fixed.rest.types[0].name == declared and fixed.rest.methods[0].returns == f"{declared}[]"
    payload["rest"]["types"][0]["name"] = "Sync Status"  # not a qualified name: still rejected
    with pytest.raises(ValidationError):
        api_specifications.MODEL.model_validate(payload)


def test_a_scenario_name_said_twice_is_told_apart_and_a_repeat_dropped():
    from agentspec.agents.analyses.scenarios import ScenarioExploration

    def scenario(name: str, category: str, description: str, impact: str = "High") -> dict:
        return {"name": name, "category": category, "description": description, "likelihood": "Likely", "impact": impact,
                "current_handling": "Unhandled", "effort": "Small",
                "mitigation": {"prevention": "A unique key on the event id", "detection": "An alert on the failure count",
                               "degradation": "The second delivery is a no-op", "recovery": "Replay from the provider"}}

    answer = [scenario("Provider rate limit exceeded", "Scale", "Backfill calls get 429 for minutes"),
              scenario("Provider rate limit exceeded", "Failure", "Retries after 429 pile up in the queue"),
              scenario("Forged delivery", "Security", "An unsigned request reaches the receiver"),
              scenario("Forged delivery", "Security", "An unsigned request reaches the receiver"),
              scenario("Out-of-order events", "Integration", "An older update overwrites a newer one")]
    names = [s.name for s in ScenarioExploration.model_validate({"scenarios": answer}).scenarios]
    assert names == ["Provider rate limit exceeded", "Provider rate limit exceeded (Failure)", "Forged delivery",
                     "Out-of-order events"]

    # Scenarios of one category are kept, and the analysis says what was not explored (the
    # eighth-pass Stripe recording lost the analysis to a re-ask that changed nothing).
    from agentspec.agents.analyses.scenarios import render
    from tests.sections._general_helpers import context

    one = ScenarioExploration.model_validate({"scenarios": [scenario(f"Failure {i}", "Failure", f"case {i}") for i in range(3)]})
    assert "**One category only**: every scenario is a Failure scenario" in render(one, context())


def test_other_languages_type_names_map_to_their_typescript_type():
    payload = h.api_payload()
    payload["rest"]["types"][0]["fields"][0]["type"] = "object"
    payload["rest"]["types"][0]["fields"][1]["type"] = "integer[]"
    fixed = api_specifications.MODEL.model_validate(payload)
    assert [f.type for f in fixed.rest.types[0].fields[:2]] == ["Record<string, unknown>", "number[]"]
    assert typescript_error(api_specifications.render(fixed, h.context()).split("```typescript", 1)[1].split("```", 1)[0]) is None
    payload["rest"]["types"][0]["fields"][0]["type"] = "Object"  # capitalised: a declared-type name, checked as one
    with pytest.raises(ValidationError, match="undeclared type"):
        api_specifications.MODEL.model_validate(payload)


def test_a_host_given_as_a_url_is_its_host():
    from agentspec.agents.packs.integration_requirements.sections.auth_integration import AuthIntegration

    AUTH = h.auth_payload()
    assert AuthIntegration.model_validate(dict(AUTH, domain="https://Acme-Billing.eu.auth0.com/")).domain == "acme-billing.eu.auth0.com"
    with pytest.raises(ValidationError):
        AuthIntegration.model_validate(dict(AUTH, domain="not a host"))


def test_a_rate_said_in_words_is_a_performance_bound():
    from agentspec.agents.packs.integration_requirements.sections.ai_development_notes import AiDevelopmentNotes

    notes = {k: ["Transactional outbox for the sync worker"] for k in AiDevelopmentNotes.model_fields}
    notes["performance_requirements"] = ["reconciler API call frequency: once every hour"]
    assert AiDevelopmentNotes.model_validate(notes)
    notes["performance_requirements"] = ["the sync is fast and reliable"]
    with pytest.raises(ValidationError, match="need numbers"):
        AiDevelopmentNotes.model_validate(notes)


def test_two_learnings_under_one_generic_name_are_told_apart():
    payload = copy.deepcopy(REUSABILITY)
    first = dict(payload["knowledge"][0], name="pattern")
    second = dict(first, description="Verify the signature before parsing the body")
    payload["knowledge"] = [first, second]
    names = [k.name for k in reusability.MODEL.model_validate(payload).knowledge]
    assert names == ["pattern", "Verify the signature before parsing the body"]
    payload["knowledge"] = [first, dict(first)]  # an exact repeat is dropped
    assert len(reusability.MODEL.model_validate(payload).knowledge) == 1


def test_a_filler_entry_in_a_list_is_dropped_and_the_bounds_judge_the_rest():
    """The sixth-pass gdpr review listed "None" among its important improvements and lost
    the analysis to the filler check: the entry says there is nothing more, so it goes."""
    from pydantic import BaseModel, ValidationError

    from agentspec.section import Text, items

    class Review(BaseModel):
        improvements: items(Text, 1, 3)

    assert Review.model_validate({"improvements": ["Index sync_runs.status", "None", " "]}).improvements == ["Index sync_runs.status"]
    with pytest.raises(ValidationError, match="at least 1 item"):
        Review.model_validate({"improvements": ["n/a"]})
    with pytest.raises(ValidationError, match="placeholder"):  # a placeholder is not an empty answer: still re-asked
        Review.model_validate({"improvements": ["Index sync_runs.status", "[NAME]"]})


def test_a_kebab_case_websocket_message_type_is_the_same_type():
    """Both seventh-pass recordings lost api_specifications to `stripe-invoice.sync-status`."""
    from agentspec.agents.packs.integration_requirements.sections.api_specifications import WsMessage

    assert WsMessage.model_validate({"type": "Stripe-Invoice.sync-status", "description": "refresh"}).type == "stripe_invoice.sync_status"
    # The seventh-pass gdpr recording's PascalCase type, twice re-asked.
    assert WsMessage.model_validate({"type": "DeleteDeletionRequest", "description": "refresh"}).type == "delete_deletion_request"


def test_a_permission_with_a_dotted_object_is_the_same_permission():
    """The eighth-pass gdpr recording lost its whole design spine to `entity:deletion_request.created`."""
    from pydantic import TypeAdapter

    from agentspec.agents.spine import Permission

    assert TypeAdapter(Permission).validate_python("entity:deletion_request.created") == "entity:deletion_request_created"
    assert TypeAdapter(Permission).validate_python("read:invoices") == "read:invoices"
