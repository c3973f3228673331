"""## Event-Driven Integration / ### Event Architecture / ### Event Definitions
(integration-specialist).

Events, publishers and subscribers are data; validators make the graph closed
(every consumed event is defined and published), and code renders the
`eventIntegration` object and the numbered definitions from the same data.

The transport (a message broker, or none), the retries and what happens after
them are the design spine's decisions and are rendered from it; the event and
component names must be the spine's (cross_checks)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import ts_const, ts_identifier
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items
from agentspec.agents.spine import SPINE_ID, DesignSpine

from ._headings import headings_of

EventName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*){1,3}$")]
TopicName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_.-]{1,62}$")]
FieldName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][A-Za-z0-9_]{0,40}$")]
PayloadType = Literal["string", "integer", "number", "boolean", "uuid", "datetime", "object", "string[]"]
SchemaFormat = Literal["JSON Schema", "CloudEvents JSON", "Avro", "Protobuf"]


class PayloadField(SectionModel):
    name: FieldName = Field(description="camelCase payload field")
    type: PayloadType
    required: bool = True


# Every event carries this envelope; consumers deduplicate on eventId. A string:
# providers' event ids are not UUIDs.
ENVELOPE = (("eventId", "string"), ("occurredAt", "datetime"))
IDEMPOTENCY_KEY = "eventId"


class EventDef(SectionModel):
    name: EventName = Field(description="an event name from the design spine")
    description: ShortText = Field(description="when it is emitted")
    topic: TopicName | None = Field(None, description="the broker topic it is published to; omit when the design has no message broker")
    fields: items(PayloadField, 1, 6) = Field(description="domain payload fields; eventId and occurredAt are added for you")
    ordering_key: FieldName | None = Field(None, description="one of fields, the partition key for per-entity order on a broker; omit otherwise")

    @model_validator(mode="before")
    @classmethod
    def _ordering_key_is_a_payload_field(cls, data: object) -> object:
        # Only a broker partitions by it, and only a payload field can be it; anything else
        # ('stripe_event.created_at', a column path) is dropped, not re-asked: the 12-04
        # recording lost the whole section on two re-asks over this one optional value.
        if isinstance(data, dict) and data.get("ordering_key") is not None:
            names = {f.get("name") for f in data.get("fields") or [] if isinstance(f, dict)}
            if data["ordering_key"] not in names:
                data = {**data, "ordering_key": None}
        return data


class Publisher(SectionModel):
    name: Ident = Field(description="a component or external system id from the design spine")
    external: bool = Field(False, description="true when it is an external system")
    events: items(EventName, 1, 5) = Field(description="names from events")


class Subscriber(SectionModel):
    name: Ident = Field(description="a component id from the design spine")
    events: items(EventName, 1, 5) = Field(description="names from events")
    handler: ShortText = Field(description="handler class or function and what it does with the event")
    error_handling: ShortText = Field(description="what the handler does when the data is invalid or a dependency fails")


class EventIntegration(SectionModel):
    schema_format: SchemaFormat
    events: items(EventDef, 1, 5)  # the design spine's bound
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
                "(an external publisher with external true, if a third party produces them)"
            )
        return self


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value.lower() in seen:
            raise ValueError(f"duplicate {what} {value!r}; names must be unique")
        seen.add(value.lower())


MODEL = EventIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1600


def _spine(ctx: RenderContext) -> DesignSpine | None:
    return ctx.sections.get(SPINE_ID)


def _broker(spine: DesignSpine | None) -> str | None:
    if spine is None:
        return None
    return next((c.label for c in spine.components if c.kind == "message_broker"), None)


def topics(data: EventIntegration, spine: DesignSpine | None = None) -> list[str]:
    """The topics the events use, in first-use order (none when the spine has no broker)."""
    if spine is not None and not _broker(spine):
        return []
    return list(dict.fromkeys(e.topic for e in data.events if e.topic))


def _transport(event: EventDef, spine: DesignSpine | None) -> str:
    broker = _broker(spine)
    if broker and event.topic:
        return f"{broker} topic `{event.topic}`" + (f" (key: {event.ordering_key})" if event.ordering_key else "")
    # A topic without a broker is ignored: the spine decided there is no broker.
    if spine is not None:
        source = next((x for x in spine.external_systems if x.id == _producer_of(event, spine)), None)
        receiver = next((e for e in spine.endpoints if e.kind == "webhook_receiver"), None)
        if source is not None and source.direction == "inbound_webhook" and receiver is not None:
            return f"webhook to `{receiver.method} {receiver.path}`, stored before it is processed"
    return "no message broker: handed from producer to consumer inside our service"


def _producer_of(event: EventDef, spine: DesignSpine) -> str | None:
    return next((e.producer for e in spine.events if e.name == event.name), None)


def _routing(data: EventIntegration, publisher: Publisher, spine: DesignSpine | None) -> dict[str, str]:
    by_name = {e.name: e for e in data.events}
    return {name: _transport(by_name[name], spine) for name in publisher.events}


def event_object(data: EventIntegration, spine: DesignSpine | None = None) -> str:
    publishers = {}
    for p in data.publishers:
        entry: dict[str, object] = {}
        if p.external:
            entry["external"] = True
        entry.update({
            "events": list(p.events),
            "schema": _external_schema(p.name) if p.external else f"{data.schema_format}, version 1",
            "routing": _routing(data, p, spine),
        })
        publishers[ts_identifier(p.name)] = entry
    subscribers = {
        ts_identifier(s.name): {"events": list(s.events), "handler": s.handler, "errorHandling": s.error_handling}
        for s in data.subscribers
    }
    broker = _broker(spine)
    bus: dict[str, object] = {"provider": broker, "topics": topics(data, spine)} if broker else {"provider": "none (no message broker)"}
    if spine is not None:
        p = spine.failure_policy
        bus["retries"] = p.retries
        bus["afterRetries"] = p.after_retries.replace("_", " ")
    value = {"eventBus": bus, "publishers": publishers, "subscribers": subscribers}
    return ts_const("eventIntegration", value, "Event-driven integration")


def payload_fields(event: EventDef) -> list[tuple[str, str, bool]]:
    """(name, type, required): the envelope, then the event's own fields."""
    own = [(f.name, f.type, f.required) for f in event.fields]
    taken = {name for name, _, _ in own}
    return [(n, t, True) for n, t in ENVELOPE if n not in taken] + own


def _external_schema(producer: str) -> str:
    """An event a third party sends has the sender's format, not one this feature picks: the
    seventh- and eighth-pass Stripe drafts called Stripe's events "CloudEvents JSON" with an
    `eventId` envelope, which a handler written from them would never find."""
    return f"the sender's own event JSON, as `{producer}` sends it (not a format this feature chooses)"


def _schema_text(data: EventIntegration, event: EventDef, spine: DesignSpine | None = None) -> str:
    external = next((p.name for p in data.publishers if p.external and event.name in p.events), None)
    if external is not None:
        return f"`{event.name}`: {_external_schema(external)}; the handler keys on the event's own id and type"
    fields = ", ".join(f"`{n}{'' if required else '?'}: {t}`" for n, t, required in payload_fields(event))
    where = f" on topic `{event.topic}`" if event.topic and (spine is None or _broker(spine)) else ""
    return f"`{event.name}` v1 ({data.schema_format}){where}: {fields}"


def _rules(event: EventDef, spine: DesignSpine | None) -> str:
    rules = ["at-least-once delivery", f"consumers are idempotent on `{IDEMPOTENCY_KEY}`"]
    if _broker(spine) and event.ordering_key:
        rules.append(f"ordered per `{event.ordering_key}` (partition key)")
    else:
        rules.append("delivery order is not guaranteed: handlers tolerate duplicate and out-of-order events")
    if spine is not None:
        p = spine.failure_policy
        rules.append(f"{p.retries} retries, {p.backoff}, then {p.after_retries.replace('_', ' ')}; replay: {p.replay}")
    return "; ".join(rules)


def definitions(data: EventIntegration, spine: DesignSpine | None = None) -> str:
    out = []
    for number, event in enumerate(data.events, 1):
        producers = [f"`{p.name}`" + (" (external)" if p.external else "") for p in data.publishers if event.name in p.events]
        consumers = [f"`{s.name}`" for s in data.subscribers if event.name in s.events]
        out.append("\n".join([
            f"{number}. **{event.name}**: {' '.join(event.description.split())}",
            field("Schema", _schema_text(data, event, spine), indent=3),
            field("Transport", _transport(event, spine), indent=3),
            field("Producers", ", ".join(producers), indent=3),
            field("Consumers", ", ".join(consumers) if consumers else "no subscriber in this feature (kept for audit and future consumers)", indent=3),
            field("Processing Rules", _rules(event, spine), indent=3),
        ]))
    return "\n\n".join(out)


def render(data: EventIntegration, ctx: RenderContext) -> str:
    spine = _spine(ctx)
    section, architecture_heading, definitions_heading = HEADINGS
    return join_blocks(
        section,
        architecture_heading,
        fence("typescript", event_object(data, spine)),
        definitions_heading,
        definitions(data, spine),
    )


def digest(data: EventIntegration) -> str:
    lines = [f"Topics: {', '.join(topics(data)) or 'none (no message broker)'}"]
    for event in data.events:
        producers = [p.name for p in data.publishers if event.name in p.events]
        consumers = [s.name for s in data.subscribers if event.name in s.events]
        fields = ", ".join(f"{n} {t}" for n, t, _ in payload_fields(event))
        lines.append(
            f"- {event.name}{' on ' + event.topic if event.topic else ''} ({fields}); producers: {', '.join(producers)}; "
            f"consumers: {', '.join(consumers) or 'none'}"
        )
    return "\n".join(lines)


def event_names(data: EventIntegration) -> set[str]:
    return {e.name for e in data.events}


def align(data: EventIntegration, spine: DesignSpine) -> EventIntegration:
    """Who publishes and who handles each event is the spine's decision (its producer and
    consumer): the publishers and subscribers are rebuilt from it for the answer's events
    that the spine has. A subscriber keeps the handler and error handling the answer gave
    for the same events; one the answer left out gets the spine's failure policy."""
    decided = {e.name: e for e in spine.events}
    events = [e.name for e in data.events if e.name in decided]
    if not events:
        return data  # nothing the spine knows: cross_checks say so
    externals = {x.id for x in spine.external_systems}
    publishers: dict[str, list[str]] = {}
    consumers: dict[str, list[str]] = {}
    for name in events:
        publishers.setdefault(decided[name].producer, []).append(name)
        consumers.setdefault(decided[name].consumer, []).append(name)
    policy = spine.failure_policy
    fallback = (f"retries {policy.retries} times ({policy.backoff}), then {policy.after_retries.replace('_', ' ')}")
    subscribers = []
    for consumer, handled in consumers.items():
        given = next((s for s in data.subscribers if set(handled) & set(s.events)), None)
        subscribers.append(Subscriber(name=consumer, events=handled,
                                      handler=_handler_of(consumer, given.handler, spine) if given else f"{consumer} applies {', '.join(handled)}",
                                      error_handling=given.error_handling if given else fallback))
    return data.model_copy(update={
        "events": [e for e in data.events if e.name in decided],
        "publishers": [Publisher(name=p, external=p in externals, events=evs) for p, evs in publishers.items()],
        "subscribers": subscribers,
    })


def _handler_of(consumer: str, handler: str, spine: DesignSpine) -> str:
    """The handler is the consumer's: one named after another component (the recorded Stripe
    answer gave stripe_event_worker a `StripeReconcilerHandler`) is renamed after its own."""
    def named(component: str) -> bool:
        return ts_identifier(component, pascal=True).lower() in handler.replace("_", "").lower()

    others = [c.id for c in spine.components if c.id != consumer]
    if named(consumer) or not any(named(other) for other in others):
        return handler
    return f"{ts_identifier(consumer, pascal=True)}Handler"


def cross_checks(data: EventIntegration, sections: dict) -> list[str]:
    """Events and their producers and consumers are the design spine's; topics only on its broker."""
    spine: DesignSpine | None = sections.get(SPINE_ID)
    if spine is None:
        return []
    problems = []
    known = {e.name for e in spine.events}
    for event in data.events:
        if event.name not in known:
            problems.append(f"event {event.name} is not in the design spine; use only: {', '.join(sorted(known)) or 'none'}")
    parties = {c.id for c in spine.components} | {x.id for x in spine.external_systems}
    for member in [*data.publishers, *data.subscribers]:
        if member.name not in parties:
            problems.append(f"{member.name} is not a component or external system of the design spine; use one of: "
                            f"{', '.join(sorted(parties))}")
    return problems
