"""backend_integration: endpoints as the apiIntegration object, plus the
Database and Service Layer bullets."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import backend_integration as section
from agentspec.agents.packs.integration_requirements.sections import event_integration

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.backend_payload()))
    h.assert_section_shape("backend_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// API integration points\nconst apiIntegration = {\n  endpoints: {")
    assert "postInvoicesPayByInvoiceId: {\n      method: 'POST',\n      path: '/api/v1/invoices/:invoiceId/pay'," in code
    for label in ["1. **API Endpoints**", "2. **Database Integration**", "   - **Schema Changes**: as the Database Integration Strategy section defines",
                  "   - **Index Requirements**:", "3. **Service Layer Integration**", "   - **Transaction Management**:",
                  "   - **Cache Integration**: getInvoice reads"]:
        assert label in md
    assert "   ```typescript" in md  # the code block sits inside list item 1


def _spine():
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    return DesignSpine.model_validate(SPINE)


def _with_spine(data, **sections):
    from agentspec.section import RenderContext

    return section.render(data, RenderContext(brief=None, sections={"design_spine": _spine(), **sections}))


def test_align_keeps_exactly_the_spines_endpoints_in_its_order():
    """A route the spine lacks is dropped, a missing one added, each keeps its dependencies."""
    answer = MODEL.model_validate({
        "endpoints": [
            {"method": "GET", "path": "/api/v1/sync-status", "dependencies": ["received_events", "sync_viewer", "worker_queue"]},
            {"method": "POST", "path": "/api/v1/invoices", "dependencies": ["invoices"]},  # not the spine's
        ],
        "business_logic": "SyncService applies stored events.", "transaction_management": "One transaction per event.",
    })
    aligned = section.align(answer, _spine())
    assert [(e.method, e.path, e.dependencies) for e in aligned.endpoints] == [
        ("POST", "/api/v1/webhooks/provider", []), ("GET", "/api/v1/sync-status", ["received_events"])]
    assert section.spine_checks(aligned, _spine()) == []
    problems = section.spine_checks(answer, _spine())
    assert any("POST /api/v1/invoices" in p for p in problems) and any("is missing" in p for p in problems)


def test_integration_kind_is_derived_from_the_spine_not_asked():
    spine = _spine()
    data = section.align(MODEL.model_validate({"endpoints": [
        {"method": "POST", "path": "/api/v1/webhooks/provider", "dependencies": ["received_events"], "background_job": True},
        {"method": "GET", "path": "/api/v1/sync-status", "dependencies": [], "background_job": True}],
        "business_logic": "SyncService applies stored events.", "transaction_management": "One transaction per event."}), spine)
    assert [section.integration(e, spine) for e in data.endpoints] == ["webhook receiver", "synchronous REST"]
    md = _with_spine(data)
    assert "integration: 'webhook receiver'" in md and "purpose: 'status page data'" in md


def test_database_integration_is_stated_from_the_spine_and_schema():
    schema = __import__("agentspec.agents.packs.integration_requirements.sections.database_schema", fromlist=["MODEL"]).MODEL.model_validate(h.schema_payload())
    data = MODEL.model_validate(h.backend_payload())
    md = _with_spine(data, database_schema=schema)
    assert "**Schema Changes**: new tables `received_events`, `synced_records`" in md
    assert "**Migration Strategy**: additive: the release creates `received_events`, `synced_records`" in md
    keys = __import__("agentspec.agents.packs.integration_requirements.sections.database_schema", fromlist=["foreign_keys"]).foreign_keys(schema)
    assert keys and all(f"`{k.child}.{k.column}` references `{k.parent}.{k.parent_column}`" in md for k in keys)
    assert "Expand-only: create the tables" not in md  # the answer's own restatement is never rendered


def test_no_foreign_keys_and_no_endpoints_are_said_plainly():
    from agentspec.section import RenderContext

    data = MODEL.model_validate({"endpoints": [], "business_logic": "A nightly job exports rows.",
                                 "transaction_management": "One transaction per batch."})
    md = section.render(data, RenderContext(brief=None))
    assert "None: the design has no HTTP endpoint of its own." in md
    h.assert_section_shape("backend_integration", md)


def test_digest_and_routes():
    data = MODEL.model_validate(h.backend_payload())
    assert "- POST /api/v1/invoices/:invoiceId/pay (postInvoicesPayByInvoiceId)" in section.digest(data)
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


def test_a_route_said_twice_is_kept_once():
    payload = h.backend_payload()
    payload["endpoints"].append(dict(payload["endpoints"][1], path="/api/v1/invoices/:id"))
    routes = [(e.method, e.path) for e in MODEL.model_validate(payload).endpoints]
    assert routes.count(("GET", "/api/v1/invoices/:invoiceId")) == 1 and ("GET", "/api/v1/invoices/:id") not in routes


def test_rejects_bad_paths():
    # {invoice-id}, /v1/ and capitals are tidied (tests/test_small_model_tolerance.py); these are not.
    for path in ["/invoices/:invoiceId", "/api/v1/invoices/{invoice id}", "/api/invoices", "/api/v1/invoices/"]:
        payload = h.backend_payload()
        payload["endpoints"][0]["path"] = path
        h.rejects(MODEL, payload, "path")
    payload = h.backend_payload()
    payload["endpoints"][0]["path"] = "/api/v1/invoices/:id/lines/:id"
    h.rejects(MODEL, payload, "repeats a :param name")


def test_rejects_an_unknown_method():
    payload = h.backend_payload()
    payload["endpoints"][1]["method"] = "FETCH"
    h.rejects(MODEL, payload, "method")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []


def test_receipt_and_processing_are_two_transactions_when_a_worker_processes_stored_deliveries() -> None:
    from agentspec.agents.packs.integration_requirements.sections.backend_integration import MODEL, transactions

    spine = _spine()
    data = MODEL.model_construct(transaction_management="One transaction from receipt until processed.")
    assert transactions(data, spine) == "One transaction from receipt until processed."  # no hand-over in the spine
    handed = spine.model_copy(deep=True)
    inbound = next(x for x in handed.external_systems if x.direction == "inbound_webhook")
    inbound.processed_by = "sync_worker"
    said = transactions(data, handed)
    assert said.startswith(f"`{inbound.connects_to}` stores each {inbound.name} delivery in `received_events` in one short transaction")
    assert "`sync_worker` then processes each stored delivery in a transaction of its own" in said
