"""event_integration: a closed event graph rendered as the eventIntegration
object and the numbered Event Definitions."""

from __future__ import annotations

from agents.sections import event_integration as section

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.events_payload()))
    h.assert_section_shape("event_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// Event-driven integration\nconst eventIntegration = {")
    for key in ["eventBus: {", "publishers: {", "subscribers: {", "billingService: {", "stripeWebhooks: {",
                "notificationWorker: {", "errorHandling:", "\"invoice.paid\": 'billing.invoices (key: invoiceId)'"]:
        assert key in code
    assert "external: true" in code


def test_event_definitions_are_numbered_with_producers_and_consumers():
    md = h.render(section, MODEL.model_validate(h.events_payload()))
    defs = md.split("### Event Definitions")[1]
    assert "1. **invoice.created**: A draft invoice was finalized and sent to Stripe" in defs
    assert "2. **invoice.paid**" in defs and "3. **payment.failed**" in defs
    assert "   - **Producers**: `stripe_webhooks` (external)" in defs
    assert "   - **Consumers**: `notification_worker`, `ledger_sync`" in defs
    assert "`receiptUrl?: string`" in defs
    assert "up to 8 retries with exponential backoff, then dead-letter topic `billing.invoices.dlq`" in defs
    assert "no ordering guarantee required" in defs and "logged and dropped" in defs


def test_event_without_consumer_renders_a_sentence():
    payload = h.events_payload()
    payload["subscribers"][0]["events"] = ["invoice.paid", "payment.failed"]
    md = h.render(section, MODEL.model_validate(payload))
    assert "**Consumers**: no subscriber in this feature" in md


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.events_payload()))
    assert "- invoice.paid on billing.invoices (eventId uuid, occurredAt datetime, invoiceId uuid" in text
    assert section.event_names(MODEL.model_validate(h.events_payload())) == {"invoice.created", "invoice.paid", "payment.failed"}
    prompt = h.prompt_text("event_integration")
    assert "external true" in prompt and "ordering_key" in prompt


def test_rejects_consumed_event_that_is_not_defined():
    payload = h.events_payload()
    payload["subscribers"][1]["events"].append("invoice.refunded")
    h.rejects(MODEL, payload, "subscriber ledger_sync consumes ['invoice.refunded']", "not in events")


def test_rejects_consumed_event_without_publisher():
    payload = h.events_payload()
    payload["publishers"] = [payload["publishers"][0]]
    h.rejects(MODEL, payload, "subscribers consume", "no publisher publishes", "external true")


def test_rejects_defined_event_without_publisher_or_subscriber():
    payload = h.events_payload()
    payload["publishers"][1]["events"] = ["invoice.paid"]
    payload["subscribers"][0]["events"] = ["invoice.created"]
    h.rejects(MODEL, payload, "['payment.failed'] are defined but no publisher publishes them")


def test_topics_come_from_the_events():
    data = MODEL.model_validate(h.events_payload())
    assert section.topics(data) == ["billing.invoices", "billing.payments"]
    (code,) = h.blocks(h.render(section, data), "typescript")
    assert "topics: [\n      'billing.invoices',\n      'billing.payments'\n    ]" in code
    assert "`eventId: uuid`, `occurredAt: datetime`, `invoiceId: uuid`" in h.render(section, data)


def test_rejects_bad_ordering_key_and_topic_names():
    payload = h.events_payload()
    payload["events"][0]["topic"] = "Billing Invoices"
    h.rejects(MODEL, payload, "events.0.topic")
    payload = h.events_payload()
    payload["events"][1]["ordering_key"] = "customerId"
    h.rejects(MODEL, payload, "ordering_key 'customerId'")


def test_rejects_duplicates_and_bad_names():
    payload = h.events_payload()
    payload["events"].append(dict(payload["events"][0]))
    h.rejects(MODEL, payload, "duplicate event 'invoice.created'")
    payload = h.events_payload()
    payload["subscribers"].append(dict(payload["subscribers"][1]))
    h.rejects(MODEL, payload, "duplicate subscriber")
    payload = h.events_payload()
    payload["events"][0]["name"] = "InvoiceCreated"
    h.rejects(MODEL, payload, "events.0.name")
    payload = h.events_payload()
    payload["events"][0]["fields"].append({"name": "invoiceId", "type": "string"})
    h.rejects(MODEL, payload, "duplicate payload field of invoice.created 'invoiceId'")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []
