"""api_specifications: a typed REST client over backend_integration's endpoints,
GraphQL and WebSocket rendered as code when they apply and as a note when not."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import api_specifications as section
from agentspec.agents.packs.integration_requirements.sections import backend_integration

from . import _data_helpers as h

MODEL = section.MODEL


def _payload(**overrides):
    payload = h.api_payload()
    payload.update(overrides)
    return payload


def test_render_shape_rest_and_websocket():
    md = h.render(section, MODEL.model_validate(h.api_payload()))
    h.assert_section_shape("api_specifications", md)
    rest, ws = h.blocks(md, "typescript")
    h.assert_ts_parses(rest)
    h.assert_ts_parses(ws)
    assert "class BillingApiClient {" in rest and "interface LineItem {" in rest
    assert "  lineItems?: LineItem[];" in rest
    assert "async listCustomerInvoices(customerId: string, limit: number, status?: string): Promise<Invoice[]> {" in rest
    assert "if (status !== undefined) query.set('status', String(status));" in rest
    assert "`${this.baseUrl}/api/v1/customers/${encodeURIComponent(String(customerId))}/invoices?${query.toString()}`" in rest
    assert "body: JSON.stringify({ lineItems, dueDate })" in rest
    assert "'Authorization': `Bearer ${await this.getToken()}`" in rest
    assert "Not applicable: The billing API is REST-only" in md
    assert "class InvoiceSocket {" in ws and "private maxReconnectAttempts: number = 6;" in ws
    assert "case 'payment.failed':" in ws and "this.ws = new WebSocket('wss://api.acme.com/ws/invoices');" in ws


def test_graphql_renders_gql_documents():
    md = h.render(section, MODEL.model_validate(_payload(graphql=h.graphql_payload())))
    h.assert_section_shape("api_specifications", md)
    blocks = h.blocks(md, "typescript")
    assert len(blocks) == 3
    gql = blocks[1]
    h.assert_ts_parses(gql)
    assert "import { gql } from '@apollo/client';" in gql
    assert "const billingGraphql = {" in gql
    assert "query CustomerInvoices($customerId: ID!, $statuses: [String!]) {" in gql
    assert "customerInvoices(customerId: $customerId, statuses: $statuses) {" in gql
    assert "mutation PayInvoice($invoiceId: ID!) {" in gql and "subscription InvoiceUpdated($invoiceId: ID!) {" in gql


def test_websocket_not_applicable_renders_note():
    ws = {"applicable": False, "reason": "Payment status is polled; no push channel is needed"}
    md = h.render(section, MODEL.model_validate(_payload(websocket=ws)))
    h.assert_section_shape("api_specifications", md)
    assert "Not applicable: Payment status is polled" in md
    assert len(h.blocks(md, "typescript")) == 1


def test_void_return_and_single_object_body():
    payload = h.api_payload()
    payload["rest"]["methods"][0]["params"] = [{"name": "draft", "type": "Invoice", "location": "body"}]
    payload["rest"]["methods"][3]["returns"] = "void"
    rest = h.blocks(h.render(section, MODEL.model_validate(payload)), "typescript")[0]
    h.assert_ts_parses(rest)
    assert "body: JSON.stringify(draft)" in rest
    assert "async payInvoice(invoiceId: string): Promise<void> {" in rest
    pay = rest.split("async payInvoice")[1]
    assert "response.json()" not in pay


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.api_payload()))
    assert "- getInvoice(invoiceId: string): GET /api/v1/invoices/:invoiceId -> Invoice" in text
    assert "GraphQL: not used" in text and "WebSocket InvoiceSocket at wss://api.acme.com/ws/invoices" in text
    prompt = h.prompt_text("api_specifications")
    assert "### backend_integration" in prompt and "POST /api/v1/invoices/:invoiceId/pay" in prompt


def test_cross_check_paths_are_backend_endpoints():
    backend = backend_integration.MODEL.model_validate(h.backend_payload())
    data = MODEL.model_validate(h.api_payload())
    assert section.cross_checks(data, {"backend_integration": backend}) == []
    payload = h.api_payload()
    payload["rest"]["methods"][1]["path"] = "/api/v1/invoice/:invoiceId"
    problems = section.cross_checks(MODEL.model_validate(payload), {"backend_integration": backend})
    assert len(problems) == 1 and "getInvoice calls GET /api/v1/invoice/:invoiceId" in problems[0]


def test_path_params_follow_the_path():
    # A :param the model left out, or listed under another location, is the path's parameter.
    payload = h.api_payload()
    payload["rest"]["methods"][1]["params"] = []
    payload["rest"]["methods"][3]["params"] = [{"name": "invoiceId", "type": "string", "location": "query", "required": False}]
    data = MODEL.model_validate(payload)
    for method in (data.rest.methods[1], data.rest.methods[3]):
        assert [(p.name, p.location, p.required) for p in method.params] == [("invoiceId", "path", True)]
    assert "async getInvoice(invoiceId: string)" in h.render(section, data)
    # One the path does not have is not a slip with one meaning: rejected.
    payload = h.api_payload()
    payload["rest"]["methods"][0]["params"].append({"name": "invoiceId", "type": "string", "location": "path"})
    h.rejects(MODEL, payload, "['invoiceId'] are not in the path")


def test_rejects_undeclared_types_and_get_with_body():
    payload = h.api_payload()
    payload["rest"]["methods"][1]["returns"] = "InvoiceDto[]"  # a name never declared: an open object, not a lost section
    assert MODEL.model_validate(payload).rest.methods[1].returns == "Record<string, unknown>[]"
    payload = h.api_payload()
    payload["rest"]["types"][0]["fields"][3]["type"] = "Line[]"
    h.rejects(MODEL, payload, "undeclared type 'Line[]'")
    payload = h.api_payload()
    payload["rest"]["methods"][2]["params"][2]["location"] = "body"
    h.rejects(MODEL, payload, "sends no body")


def test_rejects_duplicates_and_reserved_names():
    payload = h.api_payload()
    payload["rest"]["methods"].append(dict(payload["rest"]["methods"][1], name="fetchInvoice"))
    h.rejects(MODEL, payload, "two methods call GET /api/v1/invoices/:invoiceId")
    payload = h.api_payload()
    payload["rest"]["methods"][2]["params"][0]["name"] = "query"
    h.rejects(MODEL, payload, "'query'")
    payload = h.api_payload()
    payload["rest"]["methods"][2]["params"][0]["name"] = "delete"
    h.rejects(MODEL, payload, "reserved")
    payload = h.api_payload()
    payload["rest"]["methods"][0]["name"] = "headers"
    h.rejects(MODEL, payload, "clashes with the client")


def test_rejects_inconsistent_applicability():
    h.rejects(MODEL, _payload(graphql={"applicable": False}), "one-line reason")
    # Not applicable: what it lists anyway is never rendered, so it is dropped, not re-asked.
    unused = dict(h.graphql_payload(), applicable=False, reason="not used")
    assert MODEL.model_validate(_payload(graphql=unused)).graphql.queries == []
    socket = dict(h.api_payload()["websocket"], applicable=False, reason="not used")
    socket["messages"] = [{"type": "Not-A.Type here", "description": "x"}]
    assert MODEL.model_validate(_payload(websocket=socket)).websocket.messages == []
    h.rejects(MODEL, _payload(graphql={"applicable": True, "subscriptions": h.graphql_payload()["subscriptions"]}), "at least one query or mutation")
    h.rejects(MODEL, _payload(websocket={"applicable": True, "class_name": "InvoiceSocket"}), "url", "messages")
    ws = dict(h.api_payload()["websocket"], class_name="BillingApiClient")
    h.rejects(MODEL, _payload(websocket=ws), "clashes with the REST client")
    gql = h.graphql_payload()
    gql["mutations"].append(dict(gql["queries"][0]))
    h.rejects(MODEL, _payload(graphql=gql), "duplicate GraphQL operation 'Invoice'")


def test_rejects_graphql_list_type_that_looks_like_a_placeholder():
    gql = h.graphql_payload()
    gql["queries"][1]["args"][1]["type"] = "[UUID]"
    h.rejects(MODEL, _payload(graphql=gql), "[UUID!]")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []


def test_other_languages_type_names_are_typescript_s() -> None:
    from pydantic import TypeAdapter

    from agentspec.agents.packs.integration_requirements.sections.api_specifications import TsType

    adapter = TypeAdapter(TsType)
    assert [adapter.validate_python(t) for t in ("integer", "object[]", "array", "list", "Invoice[]")] == [
        "number", "Record<string, unknown>[]", "Record<string, unknown>[]", "Record<string, unknown>[]", "Invoice[]"]


def test_a_call_returning_another_calls_response_type_returns_its_own():
    # The recorded Stripe draft: getAdminSyncStatus(): Promise<StripeWebhookReceiverResponse>.
    payload = h.api_payload()
    payload["rest"]["types"] = [{"name": "AdminSyncStatusResponse", "fields": [{"name": "syncStatus", "type": "string"}]},
                                {"name": "WebhookReceiverResponse", "fields": [{"name": "status", "type": "string"}]},
                                {"name": "Invoice", "fields": [{"name": "id", "type": "string"}]}]
    payload["rest"]["methods"] = [
        {"name": "getAdminSyncStatus", "http_method": "GET", "path": "/api/v1/admin/sync-status", "params": [],
         "returns": "WebhookReceiverResponse"},
        {"name": "listInvoices", "http_method": "GET", "path": "/api/v1/invoices", "params": [], "returns": "Invoice[]"},
    ]
    methods = {m.name: m.returns for m in MODEL.model_validate(payload).rest.methods}
    assert methods["getAdminSyncStatus"] == "AdminSyncStatusResponse"
    assert methods["listInvoices"] == "Invoice[]"  # no `InvoicesResponse` declared: left as answered


def test_a_call_with_an_id_segment_the_spine_path_lacks_takes_the_id_as_a_query_parameter():
    # The recorded gdpr section failed three times on GET /api/v1/deletion-confirmation/:requestId
    # where the design has GET /api/v1/deletion-confirmation.
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    spine = DesignSpine.model_validate(SPINE)
    payload = h.api_payload()
    payload["rest"]["types"] = [{"name": "SyncStatusResponse", "fields": [{"name": "status", "type": "string"}]}]
    payload["rest"]["methods"] = [
        {"name": "getSyncStatus", "http_method": "GET", "path": "/api/v1/sync-status/:runId",
         "params": [{"name": "runId", "type": "string", "location": "path", "required": True}], "returns": "SyncStatusResponse"},
    ]
    aligned = section.align(MODEL.model_validate(payload), spine)
    (method,) = aligned.rest.methods
    assert (method.path, [(p.name, p.location) for p in method.params]) == ("/api/v1/sync-status", [("runId", "query")])
    MODEL.model_validate(aligned.model_dump(mode="json"))
    assert not [p for p in section.spine_checks(aligned, spine) if "sync-status" in p]
