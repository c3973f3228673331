"""backend_integration: endpoints as the apiIntegration object, plus the
Database and Service Layer bullets."""

from __future__ import annotations

from agents.sections import backend_integration as section
from agents.sections import event_integration

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.backend_payload()))
    h.assert_section_shape("backend_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// API integration points\nconst apiIntegration = {\n  endpoints: {")
    assert "payInvoice: {\n      method: 'POST',\n      path: '/api/v1/invoices/:invoiceId/pay'," in code
    assert "purpose: 'Create a draft invoice for the caller\\'s billing customer'" in code
    for label in ["1. **API Endpoints**", "2. **Database Integration**", "   - **Schema Changes**: as the Database Integration Strategy section defines",
                  "   - **Index Requirements**:", "3. **Service Layer Integration**", "   - **Transaction Management**:",
                  "   - **Cache Integration**: getInvoice reads"]:
        assert label in md
    assert "   ```typescript" in md  # the code block sits inside list item 1


def test_digest_and_routes():
    data = MODEL.model_validate(h.backend_payload())
    assert "- POST /api/v1/invoices/:invoiceId/pay (payInvoice)" in section.digest(data)
    assert ("GET", "/api/v1/customers/:customerId/invoices") in section.routes(data)


def test_prompt_includes_schema_and_events():
    prompt = h.prompt_text("backend_integration")
    assert "### database_schema" in prompt and "### event_integration" in prompt
    assert "invoice.paid on billing.invoices" in prompt


def test_cross_check_event_dependencies():
    events = event_integration.MODEL.model_validate(h.events_payload())
    data = MODEL.model_validate(h.backend_payload())
    assert section.cross_checks(data, {"event_integration": events}) == []
    payload = h.backend_payload()
    payload["endpoints"][0]["dependencies"].append("invoice.finalized")
    problems = section.cross_checks(MODEL.model_validate(payload), {"event_integration": events})
    assert len(problems) == 1 and "invoice.finalized" in problems[0]


def test_rejects_duplicate_endpoint():
    payload = h.backend_payload()
    payload["endpoints"].append(dict(payload["endpoints"][1], id="fetchInvoice", path="/api/v1/invoices/:id"))
    h.rejects(MODEL, payload, "duplicate endpoint GET /api/v1/invoices/:id", "same route as GET /api/v1/invoices/:invoiceId")
    # one name for two routes: the second is named after its route, which is unique
    payload = h.backend_payload()
    payload["endpoints"].append(dict(payload["endpoints"][1], method="DELETE", id="getInvoice"))
    assert MODEL.model_validate(payload).endpoints[-1].id == "deleteInvoices"


def test_operation_name_slips_with_one_meaning_are_fixed():
    payload = h.backend_payload()
    payload["endpoints"][0]["id"] = "rest_get_billing_history"
    payload["endpoints"][1]["id"] = "get-invoice"
    fixed = MODEL.model_validate(payload)
    assert [e.id for e in fixed.endpoints[:2]] == ["restGetBillingHistory", "getInvoice"]
    payload["endpoints"][0]["id"] = "Get Invoices!"
    h.rejects(MODEL, payload, "endpoints.0.id")


def test_rejects_bad_paths():
    # {invoice-id}, /v1/ and capitals are tidied (tests/test_small_model_tolerance.py); these are not.
    for path in ["/invoices/:invoiceId", "/api/v1/invoices/{invoice id}", "/api/invoices", "/api/v1/invoices/"]:
        payload = h.backend_payload()
        payload["endpoints"][0]["path"] = path
        h.rejects(MODEL, payload, "path")
    payload = h.backend_payload()
    payload["endpoints"][0]["path"] = "/api/v1/invoices/:id/lines/:id"
    h.rejects(MODEL, payload, "repeats a :param name")


def test_rejects_inconsistent_integration_types():
    payload = h.backend_payload()
    payload["endpoints"][4]["method"] = "PUT"
    h.rejects(MODEL, payload, "webhook receiver receiveStripeWebhook must use POST")
    payload = h.backend_payload()
    payload["endpoints"][1]["integration"] = "asynchronous (202 + job)"
    h.rejects(MODEL, payload, "start jobs with POST")
    payload = h.backend_payload()
    payload["endpoints"][1]["method"] = "FETCH"
    h.rejects(MODEL, payload, "method")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []
