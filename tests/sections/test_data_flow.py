"""data_flow: sources and destinations as the dataFlow object, as a closed graph."""

from __future__ import annotations

from agents.sections import data_flow as section
from agents.sections import database_schema

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.flow_payload()))
    h.assert_section_shape("data_flow", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// Data flow configuration\nconst dataFlow = {")
    for text in ["sources: {", "stripeWebhooks: {", "type: 'Webhook'", "transformation: 'verify signature",
                 "destinations: {", "billingDatabase: {", "schedule: 'immediately", "'invoice_line_items'", "'billingEvents'"]:
        assert text in code


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.flow_payload()))
    assert "source stripe_webhooks (Webhook, JSON" in text and "tables invoices, invoice_line_items" in text
    prompt = h.prompt_text("data_flow")
    assert "### database_schema" in prompt and "exact table names" in prompt


def test_cross_check_against_schema():
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    data = MODEL.model_validate(h.flow_payload())
    assert section.cross_checks(data, {"database_schema": schema}) == []
    payload = h.flow_payload()
    payload["destinations"][0]["tables"].append("payments")
    problems = section.cross_checks(MODEL.model_validate(payload), {"database_schema": schema})
    assert len(problems) == 1 and "'payments'" in problems[0]
    assert section.cross_checks(data, {}) == []


def test_rejects_feed_to_unknown_destination_and_unfed_destination():
    payload = h.flow_payload()
    payload["sources"][1]["feeds"] = ["warehouse"]
    h.rejects(MODEL, payload, "feeds ['warehouse'], which are not destinations")
    payload = h.flow_payload()
    payload["sources"][0]["feeds"] = ["billing_database"]
    h.rejects(MODEL, payload, "['billing_events'] are fed by no source")


def test_rejects_database_destination_without_tables_and_duplicates():
    payload = h.flow_payload()
    payload["destinations"][0]["tables"] = []
    h.rejects(MODEL, payload, "list the tables it writes")
    payload = h.flow_payload()
    payload["sources"][1]["name"] = "billing_database"
    h.rejects(MODEL, payload, "duplicate source/destination name")
    payload = h.flow_payload()
    payload["sources"][0]["format"] = "YAML"
    h.rejects(MODEL, payload, "format")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []
