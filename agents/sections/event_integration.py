"""## Event-Driven Integration / ### Event Architecture / ### Event Definitions
(integration-specialist).

Events, publishers and subscribers are data; validators make the graph closed
(every consumed event is defined and published, every event has a topic and a
producer), and code renders the `eventIntegration` object and the numbered
definitions from the same data."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import ts_const, ts_identifier
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items

EventName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*){1,3}$")]
TopicName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_.-]{1,62}$")]
FieldName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][A-Za-z0-9_]{0,40}$")]
PayloadType = Literal["string", "integer", "number", "boolean", "uuid", "datetime", "object", "string[]"]
SchemaFormat = Literal["JSON Schema", "CloudEvents JSON", "Avro", "Protobuf"]


class PayloadField(SectionModel):
    name: FieldName = Field(description="camelCase payload field, e.g. invoiceId")
    type: PayloadType
    required: bool = True


# Every event carries this envelope; consumers deduplicate on eventId.
ENVELOPE = (("eventId", "uuid"), ("occurredAt", "datetime"))
IDEMPOTENCY_KEY = "eventId"


class EventDef(SectionModel):
    name: EventName = Field(description="dotted lowercase entity.action, e.g. invoice.paid")
    description: ShortText = Field(description="when it is emitted")
    topic: TopicName = Field(description="topic or queue it is published to, e.g. billing.invoices")
    fields: items(PayloadField, 1, 6) = Field(description="domain payload fields, e.g. invoiceId; eventId and occurredAt are added for you")
    ordering_key: FieldName | None = Field(None, description="one of fields, the partition key for per-entity order (e.g. invoiceId); omit if order does not matter")
    max_retries: int = Field(5, ge=0, le=20, description="consumer retries before dead-lettering")
    dead_letter: bool = Field(True, description="failed events go to <topic>.dlq")


class Publisher(SectionModel):
    name: Ident = Field(description="service or component that emits events, e.g. billing_service")
    external: bool = Field(False, description="true for a third party (e.g. stripe_webhooks relayed by our endpoint)")
    events: items(EventName, 1, 5) = Field(description="names from events")


class Subscriber(SectionModel):
    name: Ident = Field(description="consumer service or worker, e.g. notification_worker")
    events: items(EventName, 1, 5) = Field(description="names from events")
    handler: ShortText = Field(description="handler and what it does, e.g. InvoicePaidHandler marks the order paid")
    error_handling: ShortText = Field(description="what happens when handling fails")


class EventIntegration(SectionModel):
    provider: ShortText = Field(description="event bus product, e.g. Apache Kafka (Amazon MSK), RabbitMQ, AWS SNS+SQS")
    configuration: ShortText = Field(description="key settings, e.g. 3 partitions, acks=all, 7-day retention")
    schema_format: SchemaFormat
    events: items(EventDef, 1, 4)
    publishers: items(Publisher, 1, 3)
    subscribers: items(Subscriber, 1, 4)

    @model_validator(mode="after")
    def _closed(self) -> "EventIntegration":
        _unique([e.name for e in self.events], "event")
        _unique([ts_identifier(p.name) for p in self.publishers], "publisher")
        _unique([ts_identifier(s.name) for s in self.subscribers], "subscriber")
        defined = {e.name for e in self.events}
        for event in self.events:
            names = [f.name for f in event.fields]
            _unique(names, f"payload field of {event.name}")
            if event.ordering_key is not None and event.ordering_key not in names:
                raise ValueError(
                    f"ordering_key {event.ordering_key!r} of {event.name} is not one of its payload fields {names}; "
                    "add that field, pick one of them, or omit ordering_key"
                )
        for who, kind in ((self.publishers, "publisher"), (self.subscribers, "subscriber")):
            for member in who:
                _unique(member.events, f"event of {kind} {member.name}")
                unknown = [e for e in member.events if e not in defined]
                if unknown:
                    verb = "publishes" if kind == "publisher" else "consumes"
                    raise ValueError(f"{kind} {member.name} {verb} {unknown}, which are not in events; define them or use one of {sorted(defined)}")
        published = {e for p in self.publishers for e in p.events}
        orphans = [e.name for e in self.events if e.name not in published]
        if orphans:
            consumed = [e for e in orphans if any(e in s.events for s in self.subscribers)]
            what = f"subscribers consume {consumed}" if consumed else f"events {orphans} are defined"
            raise ValueError(
                f"{what} but no publisher publishes them; add them to a publisher's events "
                "(an external publisher, e.g. stripe_webhooks with external true, if a third party produces them)"
            )
        return self


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value.lower() in seen:
            raise ValueError(f"duplicate {what} {value!r}; names must be unique")
        seen.add(value.lower())


MODEL = EventIntegration
MAX_TOKENS = 1600


def topics(data: EventIntegration) -> list[str]:
    """The topics the events use, in first-use order."""
    return list(dict.fromkeys(e.topic for e in data.events))


def _routing(data: EventIntegration, publisher: Publisher) -> dict[str, str]:
    by_name = {e.name: e for e in data.events}
    routes = {}
    for name in publisher.events:
        event = by_name[name]
        routes[name] = event.topic + (f" (key: {event.ordering_key})" if event.ordering_key else "")
    return routes


def event_object(data: EventIntegration) -> str:
    publishers = {}
    for p in data.publishers:
        entry: dict[str, object] = {}
        if p.external:
            entry["external"] = True
        entry.update({
            "events": list(p.events),
            "schema": f"{data.schema_format}, version 1",
            "routing": _routing(data, p),
        })
        publishers[ts_identifier(p.name)] = entry
    subscribers = {
        ts_identifier(s.name): {"events": list(s.events), "handler": s.handler, "errorHandling": s.error_handling}
        for s in data.subscribers
    }
    value = {
        "eventBus": {"provider": data.provider, "configuration": data.configuration, "topics": topics(data)},
        "publishers": publishers,
        "subscribers": subscribers,
    }
    return ts_const("eventIntegration", value, "Event-driven integration")


def payload_fields(event: EventDef) -> list[tuple[str, str, bool]]:
    """(name, type, required): the envelope, then the event's own fields."""
    own = [(f.name, f.type, f.required) for f in event.fields]
    taken = {name for name, _, _ in own}
    return [(n, t, True) for n, t in ENVELOPE if n not in taken] + own


def _schema_text(data: EventIntegration, event: EventDef) -> str:
    fields = ", ".join(f"`{n}{'' if required else '?'}: {t}`" for n, t, required in payload_fields(event))
    return f"`{event.name}` v1 ({data.schema_format}) on topic `{event.topic}`: {fields}"


def _rules(event: EventDef) -> str:
    rules = ["at-least-once delivery", f"consumers are idempotent on `{IDEMPOTENCY_KEY}`"]
    rules.append(f"ordered per `{event.ordering_key}` (partition key)" if event.ordering_key else "no ordering guarantee required")
    retry = f"up to {event.max_retries} retries with exponential backoff" if event.max_retries else "no retries"
    retry += f", then dead-letter topic `{event.topic}.dlq`" if event.dead_letter else ", then the failure is logged and dropped"
    rules.append(retry)
    return "; ".join(rules)


def definitions(data: EventIntegration) -> str:
    out = []
    for number, event in enumerate(data.events, 1):
        producers = [f"`{p.name}`" + (" (external)" if p.external else "") for p in data.publishers if event.name in p.events]
        consumers = [f"`{s.name}`" for s in data.subscribers if event.name in s.events]
        out.append("\n".join([
            f"{number}. **{event.name}**: {' '.join(event.description.split())}",
            field("Schema", _schema_text(data, event), indent=3),
            field("Producers", ", ".join(producers), indent=3),
            field("Consumers", ", ".join(consumers) if consumers else "no subscriber in this feature (kept for audit and future consumers)", indent=3),
            field("Processing Rules", _rules(event), indent=3),
        ]))
    return "\n\n".join(out)


def render(data: EventIntegration, ctx: RenderContext) -> str:
    return join_blocks(
        "## Event-Driven Integration",
        "### Event Architecture",
        fence("typescript", event_object(data)),
        "### Event Definitions",
        definitions(data),
    )


def digest(data: EventIntegration) -> str:
    lines = [f"Event bus: {data.provider}; topics: {', '.join(topics(data))}"]
    for event in data.events:
        producers = [p.name for p in data.publishers if event.name in p.events]
        consumers = [s.name for s in data.subscribers if event.name in s.events]
        fields = ", ".join(f"{n} {t}" for n, t, _ in payload_fields(event))
        lines.append(
            f"- {event.name} on {event.topic} ({fields}); producers: {', '.join(producers)}; "
            f"consumers: {', '.join(consumers) or 'none'}"
        )
    return "\n".join(lines)


def event_names(data: EventIntegration) -> set[str]:
    return {e.name for e in data.events}
