"""event_integration: a closed event graph rendered as the eventIntegration
object and the numbered Event Definitions."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import event_integration as section

from agentspec.section import RenderContext
from agentspec.agents.spine import DesignSpine

from . import _data_helpers as h

MODEL = section.MODEL


def _spine(broker: bool) -> DesignSpine:
    """A hand-built spine naming the payload's events and parties, with or without a broker."""
    components = [{"id": n, "label": n, "kind": "service", "responsibility": "handles events"}
                  for n in ("billing_service", "notification_worker", "ledger_sync", "webhook_receiver")]
    if broker:
        components.append({"id": "event_bus", "label": "Apache Kafka", "kind": "message_broker", "responsibility": "carries events"})
    return DesignSpine.model_validate({
        "components": components,
        "external_systems": [{"id": "stripe_webhooks", "name": "Stripe", "direction": "inbound_webhook",
                              "connects_to": "webhook_receiver", "purpose": "events", "auth": "signature"}],
        "endpoints": [{"method": "POST", "path": "/api/v1/webhooks/stripe", "kind": "webhook_receiver",
                       "caller": "stripe_webhooks", "purpose": "receive"}],
        "events": [{"name": n, "producer": "stripe_webhooks", "consumer": "ledger_sync", "purpose": "p"}
                   for n in ("invoice.created", "invoice.paid", "payment.failed")],
        "entities": [], "roles": [], "settings": [], "surfaces": [], "limits": [], "not_needed": [],
        "failure_policy": {"retries": 8, "backoff": "exponential from 1 s", "after_retries": "dead_letter_table",
                           "replay": "an operator re-queues failed rows"},
    })


def _render(data, broker: bool = True) -> str:
    return section.render(MODEL.model_validate(data.model_dump(mode="json")),
                          RenderContext(brief=None, sections={"design_spine": _spine(broker)}))


def test_render_shape_and_typescript():
    md = _render(MODEL.model_validate(h.events_payload()))
    h.assert_section_shape("event_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// Event-driven integration\nconst eventIntegration = {")
    for key in ["eventBus: {", "publishers: {", "subscribers: {", "billingService: {", "stripeWebhooks: {",
                "notificationWorker: {", "errorHandling:", "\"invoice.paid\": 'Apache Kafka topic `billing.invoices` (key: invoiceId)'"]:
        assert key in code
    assert "external: true" in code


def test_event_definitions_are_numbered_with_producers_and_consumers():
    md = _render(MODEL.model_validate(h.events_payload()))
    defs = md.split("### Event Definitions")[1]
    assert "1. **invoice.created**: A draft invoice was finalized and sent to Stripe" in defs
    assert "2. **invoice.paid**" in defs and "3. **payment.failed**" in defs
    assert "   - **Producers**: `stripe_webhooks` (external)" in defs
    assert "   - **Consumers**: `notification_worker`, `ledger_sync`" in defs
    assert "`amountDue: number`" in defs  # our own event: the fields this feature defines
    # A third party's event has the sender's format, not CloudEvents with our envelope.
    assert "`invoice.paid`: the sender's own event JSON, as `stripe_webhooks` sends it" in defs and "`receiptUrl?: string`" not in defs
    # Retries and what follows them are the spine's failure policy, the same for every event.
    assert defs.count("8 retries, exponential from 1 s, then dead letter table; replay: an operator re-queues failed rows") == 3
    assert "delivery order is not guaranteed" in defs
    assert "ordered per `invoiceId` (partition key)" in defs


def test_without_a_broker_there_are_no_topics_and_the_webhook_is_the_transport():
    md = _render(MODEL.model_validate(h.events_payload()), broker=False)
    assert "provider: 'none (no message broker)'" in md and "topics:" not in md
    assert "**Transport**: webhook to `POST /api/v1/webhooks/stripe`, stored before it is processed" in md
    assert "partition key" not in md


def test_cross_checks_hold_the_section_to_the_spine():
    data = MODEL.model_validate(h.events_payload())
    assert section.cross_checks(data, {"design_spine": _spine(True)}) == []
    problems = section.cross_checks(data, {"design_spine": _spine(False)})
    assert "topic" not in "\n".join(problems)  # a topic without a broker is ignored, not re-asked
    assert "billing.invoices" not in _render(data, broker=False)
    spine = _spine(True).model_copy(update={"events": _spine(True).events[:1]})
    assert any("event invoice.paid is not in the design spine" in p for p in section.cross_checks(data, {"design_spine": spine}))


def test_event_without_consumer_renders_a_sentence():
    payload = h.events_payload()
    payload["subscribers"][0]["events"] = ["invoice.paid", "payment.failed"]
    md = h.render(section, MODEL.model_validate(payload))
    assert "**Consumers**: no subscriber in this feature" in md


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.events_payload()))
    assert "- invoice.paid on billing.invoices (eventId string, occurredAt datetime, invoiceId uuid" in text
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
    (code,) = h.blocks(_render(data), "typescript")
    assert "topics: [\n      'billing.invoices',\n      'billing.payments'\n    ]" in code
    assert "`eventId: string`, `occurredAt: datetime`, `invoiceId: uuid`" in _render(data)


def test_rejects_bad_ordering_key_and_topic_names():
    payload = h.events_payload()
    payload["events"][0]["topic"] = "Billing Invoices"
    h.rejects(MODEL, payload, "events.0.topic")



def test_an_ordering_key_that_is_not_a_payload_field_is_dropped_not_reasked():
    # the 12-04 recording lost the section on two re-asks over 'stripe_event.created_at'
    for key in ("customerId", "stripe_event.created_at"):
        payload = h.events_payload()
        payload["events"][1]["ordering_key"] = key
        assert MODEL.model_validate(payload).events[1].ordering_key is None
    payload = h.events_payload()
    field = payload["events"][1]["fields"][0]["name"]
    payload["events"][1]["ordering_key"] = field
    assert MODEL.model_validate(payload).events[1].ordering_key == field


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


def test_a_handler_named_after_another_component_is_named_after_its_consumer():
    # The recorded Stripe answer gave stripe_event_worker a `StripeReconcilerHandler`.
    payload = h.events_payload()
    for subscriber in payload["subscribers"]:
        subscriber["handler"] = "NotificationWorkerHandler"
    aligned = section.align(MODEL.model_validate(payload), _spine(False))
    assert [(s.name, s.handler) for s in aligned.subscribers] == [("ledger_sync", "LedgerSyncHandler")]
    for subscriber in payload["subscribers"]:
        subscriber["handler"] = "applyLedgerEntry: posts the invoice to the ledger"  # names no component: kept
    assert section.align(MODEL.model_validate(payload), _spine(False)).subscribers[0].handler == subscriber["handler"]
