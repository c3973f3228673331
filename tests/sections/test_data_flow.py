"""data_flow: sources and destinations as the dataFlow object, as a closed graph."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import data_flow as section
from agentspec.agents.packs.integration_requirements.sections import database_schema

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


def test_a_feed_naming_a_table_names_its_store_and_the_schema_still_decides():
    payload = h.flow_payload()
    payload["sources"][1]["feeds"] = ["invoices"]  # a table of billing_database: that destination
    assert MODEL.model_validate(payload).sources[1].feeds == ["billing_database"]
    assert payload["sources"][1]["feeds"] == ["invoices"]  # the answer itself is not changed
    payload["sources"][1]["feeds"] = ["warehouse"]  # not a destination: a table of its own, held to the schema
    flow = MODEL.model_validate(payload)
    assert flow.destinations[-1].model_dump() == {"name": "warehouse", "type": "PostgreSQL table", "format": "SQL rows",
                                                   "schedule": "immediately, inside the request or webhook transaction",
                                                   "tables": ["warehouse"]}
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    assert any("writes table 'warehouse'" in p for p in section.cross_checks(flow, {"database_schema": schema}))
    payload["destinations"] += [dict(payload["destinations"][1], name=f"stream_{i}") for i in range(2)]
    payload["sources"][0]["feeds"] += ["stream_0", "stream_1"][:1]
    payload["sources"][1]["feeds"] = ["stream_1", "lake"]  # no room for a fifth store: still rejected
    h.rejects(MODEL, payload, "feeds ['lake'], which are not destinations")


def test_none_as_a_transformation_means_stored_as_received():
    payload = h.flow_payload()
    payload["sources"][0]["transformation"] = "none"
    assert MODEL.model_validate(payload).sources[0].transformation == "none: stored as received"


def test_rejects_unfed_destination():
    payload = h.flow_payload()
    payload["sources"][0]["feeds"] = ["billing_database"]
    h.rejects(MODEL, payload, "['billing_events'] are fed by no source")


def test_a_feed_naming_the_code_in_between_goes_on_to_the_stores_nothing_feeds():
    """Both sixth-pass Stripe answers fed the worker that writes the store, not the store,
    and re-asked returned the same answer: the data goes on to the unfed stores."""
    payload = h.flow_payload()
    payload["sources"][0]["feeds"] = ["billing_database"]
    payload["sources"][1]["feeds"] = ["worker_invoice_sync"]  # neither a destination nor a table
    flow = MODEL.model_validate(payload)
    assert flow.sources[1].feeds == ["billing_events"]
    assert [d.name for d in flow.destinations] == [d["name"] for d in payload["destinations"]]  # no store invented
    payload["sources"][0]["feeds"] = ["billing_database", "billing_events"]  # every store fed: a table of its own, as before
    assert MODEL.model_validate(payload).destinations[-1].name == "worker_invoice_sync"


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


def test_sources_arrive_as_the_spine_says_and_every_postgres_destination_is_its_database():
    """The tenth-pass Stripe answer had the webhook arriving "every 1 h", the scheduled read "real-time",
    and the receiving service as a second PostgreSQL destination."""
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = {**SPINE, "components": [*SPINE["components"], {"id": "provider_reconciler", "label": "Reconciler", "kind": "scheduler",
                                                           "responsibility": "reads back"}],
            "external_systems": [*SPINE["external_systems"], {"id": "provider_api", "name": "Provider", "direction": "outbound_api",
                                                               "connects_to": "provider_reconciler", "purpose": "reads back",
                                                               "auth": "API key"}]}
    spine = DesignSpine.model_validate(data)
    spine.components[-1].schedule = "every 1 h"
    spine.external_systems[0].processed_by = "sync_worker"
    answer = section.MODEL.model_construct(
        sources=[section.Source.model_construct(name="sync_worker", type="Webhook", format="JSON", frequency="every 1 h",
                                                transformation="store", feeds=["webhook_receiver"]),
                 section.Source.model_construct(name="provider_api", type="REST API", format="JSON",
                                                frequency="real-time per message", transformation="map", feeds=["app_database"])],
        destinations=[section.Destination.model_construct(name="app_database", type="PostgreSQL table", format="SQL rows",
                                                          schedule="in the request", tables=["synced_records"]),
                      section.Destination.model_construct(name="webhook_receiver", type="PostgreSQL table", format="SQL rows",
                                                          schedule="in the request", tables=["received_events"])])
    aligned = section.align(answer, spine)
    assert [(s.name, s.frequency) for s in aligned.sources] == [("sync_worker", "real-time, per delivery"), ("provider_api", "every 1 h")]
    assert [(d.name, list(d.tables)) for d in aligned.destinations] == [("app_db", ["synced_records", "received_events"])]
    assert all(s.feeds == ["app_db"] for s in aligned.sources)


def test_a_nightly_file_arrives_on_its_run_and_a_page_is_user_input_not_a_webhook() -> None:
    """The unseen SFTP draft: its nightly CSV source said "real-time per message", and the catalog
    manager's page was a "Webhook" source though the design receives no webhook."""
    from tests.knowledge.conftest import OUTBOUND_SPINE, spine

    design = spine(OUTBOUND_SPINE, components=[*OUTBOUND_SPINE["components"],
                                               {"id": "nightly_import", "label": "Nightly", "kind": "scheduler", "responsibility": "runs",
                                                "schedule": "every 1 d"},
                                               {"id": "catalog_page", "label": "Page", "kind": "web_ui", "responsibility": "shows"}],
                   external_systems=[{**OUTBOUND_SPINE["external_systems"][0], "direction": "file_import"}])
    answer = section.DataFlow.model_validate({
        "sources": [{"name": "crm", "type": "REST API", "format": "CSV", "frequency": "real-time per message",
                     "transformation": "validate", "feeds": ["app_db"]},
                    {"name": "catalog_page", "type": "Webhook", "format": "JSON", "frequency": "user action",
                     "transformation": "validate", "feeds": ["app_db"]}],
        "destinations": [{"name": "app_db", "type": "PostgreSQL table", "format": "SQL rows", "schedule": "per run",
                          "tables": ["crm_contacts"]}]})
    sources = {s.name: s for s in section.align(answer, design).sources}
    assert (sources["crm"].type, sources["crm"].frequency) == ("File Import", "every 1 d, one run of nightly_import")
    assert sources["catalog_page"].type == "User Input"


def test_an_event_name_where_a_flow_name_belongs_is_the_same_name():
    # The recorded Twilio draft's data flow failed twice on `order_shipment_sms_notification.delivered`.
    flow = section.DataFlow.model_validate({
        "sources": [{"name": "order_sms.delivered", "type": "Webhook", "format": "JSON", "frequency": "real-time per message",
                     "transformation": "none", "feeds": ["delivery.log"]}],
        "destinations": [{"name": "delivery.log", "type": "External API", "format": "JSON", "schedule": "in the request transaction"}],
    })
    assert (flow.sources[0].name, flow.sources[0].feeds, flow.destinations[0].name) == \
        ("order_sms_delivered", ["delivery_log"], "delivery_log")
