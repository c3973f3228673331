"""Inbound webhooks: a provider that delivers events to the feature gets a service that receives,
verifies and stores each delivery once and a worker that processes it after, a POST endpoint the
provider calls, a signing secret, a deliveries table unique on the provider's event id, a scheduled
read-back of the provider's API for what the webhooks missed, failed deliveries kept longer than
the provider's redelivery window, and the records it syncs (records.py); a "webhook" nothing
receives is a system the feature calls."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import KEEPS_FAILED, SIGNING_WORDS, externals, secret_for, signing_key, signing_key_words
from agentspec.agents.spine import (Component, DesignSpine, Endpoint, Entity, ExternalSystem, Setting, holds_deliveries,
                                    name_tokens, secrets_of)
from agentspec.agents.knowledge.completion._shared import _api_of, _base, _defaults, _room, completes
from agentspec.agents.knowledge.completion.records import (_documented_events, _documented_fields, _provider_ids_unique,
                                                           _synced_records)


def _called_not_calling(spine: DesignSpine) -> list[str]:
    """An "inbound webhook" that nothing receives, in a feature whose description never
    suggests one, is a system the feature calls: the recorded gdpr spines made third-party
    processors an inbound webhook with no receiver endpoint, though the feature sends
    them erasure requests."""
    if any(e.kind == "webhook_receiver" for e in spine.endpoints):
        return []
    notes = []
    for system in externals(spine, "inbound_webhook"):
        system.direction = "outbound_api"
        if system.auth.lower().startswith("signature over the raw request body"):  # the spine's own default for a webhook
            system.auth = f"credentials {system.name} issues, sent with each call"
        notes.append(f"Called systems: {system.name} is called by {system.connects_to} (no endpoint receives from it)")
    return notes


def _kebab(ident: str) -> str:
    return ident.replace("_", "-")


@completes("inbound_webhooks")
def _inbound_webhooks(spine: DesignSpine, description: str) -> list[str]:
    notes: list[str] = _delivered_by_provider(spine, description)
    for system in externals(spine, "inbound_webhook"):
        notes += (_received_by_a_service(spine, system) + _processor_named_for_its_work(spine, system) + _signing_secret(spine, system)
                  + _receiver(spine, system) + _deliveries_table(spine, system) + _synced_records(spine, system, description)
                  + _provider_ids_unique(spine, system) + _read_back(spine, system) + _documented_events(spine, system, description)
                  + _documented_fields(spine, system))
    if spine.failure_policy.after_retries not in KEEPS_FAILED:
        # Deliveries that still fail are kept to replay, never dropped: the provider's own retries end.
        spine.failure_policy.after_retries = "dead_letter_table"
        notes.append("failed deliveries are kept in a dead-letter table after the retries, not dropped")
    return notes + _redelivery_windows(spine)


def _delivered_by_provider(spine: DesignSpine, description: str) -> list[str]:
    """"When a Shopify order is paid": the provider delivers that event to us. An answer that
    made the provider only an API we call (the Shopify draft) gets it as a webhook sender, so
    the rest of this completion adds the receiver, the deliveries table and the processing."""
    from agentspec.agents.knowledge import says
    from agentspec.agents.knowledge.briefing import notes_for, provider_event

    if externals(spine, "inbound_webhook") or provider_event(description) is None:
        return []
    caller = next((x for x in externals(spine, "outbound_api")
                   if any("inbound_webhooks" in p.archetypes for p in notes_for(x)) and says(description, x.name)), None)
    if caller is None:
        return []
    caller.direction = "inbound_webhook"
    caller.purpose = f"delivers its events to us ({provider_event(description)} ...)"[:160]
    caller.auth = "the provider's signature on each request, verified before it is trusted"
    return [f"{caller.name} delivers the event the description starts from: an inbound webhook, not an API we call"]


def _redelivery_windows(spine: DesignSpine) -> list[str]:
    """Each provider's documented redelivery window (providers.yaml `redelivery`) is stated on
    its system, and failed deliveries are kept longer than the longest of them: a delivery
    dropped before the provider stops resending is a gap nobody sees."""
    from agentspec.agents.knowledge.briefing import notes_for

    notes, longest = [], 0.0
    for system in externals(spine, "inbound_webhook"):
        window = next((n.redelivery for n in notes_for(system) if n.redelivery), None)
        if window is None:
            continue
        if system.redelivery_hours is None:
            system.redelivery_hours = window.hours
            notes.append(f"{system.name} resends an undelivered event for up to {window.window:g} {window.unit} ({window.source_url})")
        longest = max(longest, system.redelivery_hours)
    policy = spine.failure_policy
    kept = int(_defaults("inbound_webhooks").get("failed_kept_days", "14"))
    kept = max(kept, -(-int(2 * longest) // 24))  # at least twice the longest window, in whole days
    if policy.kept_days is None or policy.kept_days * 24 < longest:
        policy.kept_days = kept
        notes.append(f"failed deliveries are kept {kept} d for replay" + (", longer than the provider's redelivery window" if longest else ""))
    return notes


_RECEIVING = re.compile(r"receiv|webhook|ingest|endpoint|\bapi\b|gateway", re.I)


def _received_by_a_service(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """A provider's delivery is received by a service that stores it and answers at once;
    a worker processes it after. The eighth-pass Stripe spine connected Stripe straight to
    its worker, left its webhook_receiver service with no edge, and one transaction spanned
    receipt and processing, so a slow write held the provider's request open."""
    kinds = {c.id: c.kind for c in spine.components}
    if kinds.get(system.connects_to) not in ("worker", "scheduler"):
        if system.processed_by is None and kinds.get(system.connects_to) == "service":
            # The worker that consumes the provider's events processes its deliveries; else the first worker.
            consumers = [e.consumer for e in spine.events if e.producer in (system.id, system.connects_to)]
            worker = next((c for c in consumers if kinds.get(c) == "worker"), None) \
                or next((c.id for c in spine.components if c.kind == "worker"), None)
            if worker is not None:
                system.processed_by = worker
                return [f"{system.connects_to} stores each {system.name} delivery; {worker} processes it after"]
        return []
    services = [c for c in spine.components if c.kind == "service"]
    service = next((c for c in services if _RECEIVING.search(f"{c.id} {c.label} {c.responsibility}")), None)
    service = service or (services[0] if services else None)
    if service is None:
        if not _room(spine, "components"):
            return []
        service = Component(id=f"{_base(system)}_webhook_receiver", label=f"{system.name} webhook receiver", kind="service",
                            responsibility="verifies each delivery's signature, stores it once and answers at once")
        spine.components.append(service)
    worker, system.connects_to, system.processed_by = system.connects_to, service.id, system.connects_to
    for entity in spine.entities:
        if entity.owner == worker and ("event" in entity.key or holds_deliveries(entity)):
            entity.owner = service.id  # the deliveries table: the receiver stores each delivery
    return [f"{service.id} receives {system.name}'s deliveries and stores each once; {worker} processes them after"]


def _signing_secret(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """A delivery is verified with a secret setting named after its provider: the credential the
    provider signs with when its note says it signs with one our calls also use (Twilio signs with
    the account Auth Token, and has no webhook secret to hold), else the webhook's own signing secret."""
    key = signing_key(system)
    words = signing_key_words(system)
    if key and words:
        return _shared_signing_key(spine, system, key, words)
    if secret_for(spine, system) is not None or not _room(spine, "settings"):
        return []
    name = f"{_base(system).upper()}_WEBHOOK_SECRET"
    purpose = f"verifies the signature of {system.name}'s requests" + (f": holds {key}, which {system.name} signs with" if key else "")
    spine.settings.append(Setting(name=name, secret=True, purpose=purpose[:160]))
    return [f"secret setting {name} {purpose}"]


def _shared_signing_key(spine: DesignSpine, system: ExternalSystem, key: str, words: set[str]) -> list[str]:
    """The one setting that holds the credential the provider signs with; a "webhook secret"
    beside it (the Twilio spine had TWILIO_WEBHOOK_SECRET holding the Auth Token that
    TWILIO_AUTH_TOKEN also held) is a second copy of one secret, and goes."""
    notes = []
    shared = next((x for x in secrets_of(spine, system) if words <= name_tokens(x.name)), None)
    name = shared.name if shared is not None else \
        "_".join([_base(system).upper(), *(w.upper() for w in sorted(words, key=key.lower().find))])
    for stale in [x for x in secrets_of(spine, system) if name_tokens(x.name) & SIGNING_WORDS]:
        spine.settings.remove(stale)
        system.auth = system.auth.replace(stale.name, name)
        notes.append(f"setting {stale.name} is dropped: {system.name} signs with {key}, held in {name}")
    if shared is None and _room(spine, "settings"):
        spine.settings.append(Setting(name=name, secret=True,
                                      purpose=f"{key}: authenticates calls to {system.name} and verifies its requests' signatures"[:160]))
        notes.append(f"secret setting {name} holds {key}, which {system.name} signs its requests with")
    return notes


def _processor_named_for_its_work(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """The worker that processes what the receiving service stored is not called a receiver:
    the tenth-pass Stripe spine had a worker `webhook_receiver` beside the receiving service
    `stripe_webhook_receiver`, and a reader could not tell which one answers Stripe."""
    worker = system.processed_by
    if worker is None or worker == system.connects_to or not re.search(r"receiv", worker):
        return []
    new = f"{_base(system)}_event_worker"
    if any(c.id == new for c in spine.components):
        return []
    rename_component(spine, worker, new, f"{system.name} event worker")
    return [f"worker {worker} is named {new}: it processes the deliveries {system.connects_to} receives"]


def rename_component(spine: DesignSpine, old: str, new: str, label: str) -> None:
    """Every reference to a component follows its new id."""
    for component in spine.components:
        if component.id == old:
            component.id, component.label = new, label
    for system in spine.external_systems:
        system.connects_to = new if system.connects_to == old else system.connects_to
        system.processed_by = new if system.processed_by == old else system.processed_by
    for entity in spine.entities:
        entity.owner = new if entity.owner == old else entity.owner
    for endpoint in spine.endpoints:
        endpoint.caller = new if endpoint.caller == old else endpoint.caller
    for event in spine.events:
        event.producer = new if event.producer == old else event.producer
        event.consumer = new if event.consumer == old else event.consumer
    spine.failure_policy.replay = re.sub(rf"\b{re.escape(old)}\b", new, spine.failure_policy.replay)


def _receiver(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    own = [e for e in spine.endpoints if e.kind == "webhook_receiver"]
    notes = []
    for endpoint in own:
        if endpoint.method != "POST":
            # A provider POSTs its deliveries (the Twilio draft's answer received its callbacks with a GET).
            notes.append(f"endpoint {endpoint.method} {endpoint.path} receives deliveries, so it is a POST")
            endpoint.method = "POST"
    return notes + _receiver_called_by(spine, system, own)


def _receiver_called_by(spine: DesignSpine, system: ExternalSystem, own: list[Endpoint]) -> list[str]:
    if len(own) == 1 and own[0].caller != system.id and own[0].caller not in {x.id for x in spine.external_systems}:
        # The provider calls its receiver (the ninth-pass Stripe spine named the worker as the caller).
        own[0].caller = system.id
        return [f"endpoint {own[0].method} {own[0].path} is called by {system.name}"]
    if own or not _room(spine, "endpoints"):
        return []
    path = f"/api/v1/webhooks/{_kebab(_base(system))}"
    spine.endpoints.append(Endpoint(method="POST", path=path, kind="webhook_receiver", caller=system.id,
                                    purpose=f"receives {system.name}'s deliveries"))
    return [f"endpoint POST {path} receives {system.name}'s deliveries"]


def _deliveries_table(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """Every delivery stored once, unique on the provider's event id, by the component that receives it."""
    receiver = system.connects_to
    provider_id = f"{_base(system)}_event_id"
    for entity in spine.entities:
        if entity.owner == receiver and "event" in entity.key and not holds_deliveries(entity):
            # Keyed on "an event id" says nothing of whose: the 12-04 Stripe answer made event_id a
            # generated uuid, so a redelivery got a new row. The provider's id is the unique column.
            entity.key, entity.unique = "id", [provider_id, *entity.unique]
            return [f"table {entity.table} stores each delivery once, unique on {provider_id}"]
    if any(e.owner == receiver and holds_deliveries(e) for e in spine.entities) or not _room(spine, "entities"):
        return []  # a table the receiver writes, unique on an event id, is that table
    said = re.compile(rf"{re.escape(system.name.lower())}|callback|deliver|webhook|received", re.I)
    kept = next((e for e in spine.entities if e.change == "new" and ("event" in e.key or holds_deliveries(e))
                 and said.search(f"{e.table} {e.purpose}")), None)
    if kept is not None:
        # The answer's own table of received events, written by another part (the 12-05 Twilio answer
        # had a worker write received_events): it is the one deliveries table, written where they arrive.
        kept.owner = receiver
        if "event" in kept.key and not holds_deliveries(kept):
            kept.key, kept.unique = "id", [provider_id, *kept.unique]
        return [f"table {kept.table} stores each delivery once, written by {receiver} where they arrive"]
    table = f"{_base(system)}_webhook_events"
    if any(e.table == table for e in spine.entities):
        return []
    spine.entities.append(Entity(table=table, purpose=f"each {system.name} delivery, stored once before it is processed",
                                 change="new", key="id", unique=[provider_id], money="none", owner=receiver))
    return [f"table {table} stores each delivery once, unique on {provider_id}"]


_SIGNING = re.compile(r"WEBHOOK|SIGNING|SIGNATURE|WHSEC")


def _read_back(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """A scheduled read of the same provider's API fetches what the webhooks missed."""
    notes = []
    scheduler = next((c for c in spine.components if c.kind == "scheduler"), None)
    if scheduler is None and _room(spine, "components"):
        scheduler = Component(id=f"{_base(system)}_reconciler", label=f"{system.name} reconciler", kind="scheduler",
                              responsibility=f"reads {_api_of(system)} on a schedule for what the webhooks missed")
        spine.components.append(scheduler)
        notes.append(f"scheduler {scheduler.id} reconciles on a schedule")
    same = {system.name.lower(), system.id}
    readers = [x for x in externals(spine, "outbound_api", "polling") if x.name.lower() in same or x.id.startswith(_base(system))]
    taken = {x.id for x in spine.external_systems} | {c.id for c in spine.components}
    # None when every name is taken: then a reader of this provider is already listed under one of them.
    reader_id = next((i for i in (f"{_base(system)}_api", f"{_base(system)}_api_reader", f"{system.id}_reader") if i not in taken), None)
    if scheduler is not None and not readers and reader_id is not None and _room(spine, "external_systems"):
        # The provider's API credential the design already keeps (TWILIO_AUTH_TOKEN), else an API key.
        held = next((s.name for s in spine.settings if s.secret and _base(system).upper() + "_" in s.name + "_"
                     and not _SIGNING.search(s.name)), None)
        key = held or f"{_base(system).upper()}_API_KEY"
        spine.external_systems.append(ExternalSystem(
            id=reader_id, name=system.name, direction="outbound_api", connects_to=scheduler.id,
            purpose="reads back events or objects the webhooks missed", auth=f"{'credentials' if held else 'API key'} from {key}"))
        if not any(s.name == key for s in spine.settings) and _room(spine, "settings"):
            spine.settings.append(Setting(name=key, secret=True, purpose=f"reads {_api_of(system)}"))
        notes.append(f"{_api_of(system)} is read back by {scheduler.id}")
    return notes
