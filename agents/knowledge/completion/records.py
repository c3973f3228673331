"""The provider records a design syncs, as the provider documents them (providers.yaml): the
table that holds the records the description names, unique on the provider's id and applying an
update only when the provider's time is newer, in minor units where the provider's amounts are,
with the fields whose values it documents, and handling its events under the names and for the
state changes the provider documents."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import consent_table
from agentspec.agents.spine import DesignSpine, Entity, Event, ExternalSystem, holds_deliveries
from agentspec.agents.knowledge.completion._shared import _base, _room, _singular


# Words after a provider's name that are not records it holds ("Stripe webhooks", "Stripe API").
_NOT_RECORDS = {"webhooks", "webhook", "api", "apis", "events", "event", "data", "account", "accounts", "integration", "sync", "and"}


def _synced_records(spine: DesignSpine, system: ExternalSystem, description: str) -> list[str]:
    """The records the description says are synced from the provider ("Sync Stripe invoices")
    get a table when the spine has none for them: written by the code that handles the
    deliveries, unique on the provider's id, and in minor units when the provider's
    documentation says its amounts are (providers.yaml)."""
    noun = _documented_record_said(system, description) or _plural_after_name(system, description)
    if noun is None or not _room(spine, "entities"):
        return []
    record = _singular(noun)
    if any(record in e.table for e in spine.entities):
        return []
    handlers = [e.consumer for e in spine.events if e.producer in (system.id, system.connects_to)]
    # The component that processes the deliveries writes the record; the receiver only stores them.
    owner = system.processed_by or next((h for h in handlers if h != system.connects_to), None) or system.connects_to
    base = _base(system)
    table = f"{base}_{noun}"
    holder = _holder(spine, description)
    entity = Entity(table=table, purpose=f"{system.name} {noun} as last delivered or read back",
                    change="new", key="id", unique=[f"{base}_{record}_id"],
                    money="integer_minor_units_with_currency" if _minor_units(system) else "none", owner=owner,
                    version_column=f"{base}_updated_at",
                    required_columns=[f"{_singular(holder.table)}_id"] if holder else [])
    spine.entities.append(entity)
    notes = [f"table {table} holds the synced {noun}, unique on {base}_{record}_id"
             + (f", each row belonging to a {holder.table} row ({_singular(holder.table)}_id)" if holder else "")]
    return notes + (_linked_to_holder(system, record, entity, holder) if holder else [])


def _linked_to_holder(system: ExternalSystem, record: str, entity: Entity, holder: Entity) -> list[str]:
    """A delivered record names its owner by the provider's id (a Stripe subscription's `customer`,
    providers.yaml record_owners), never by our row's key: so the holder table keeps that id, one
    holder per owner, and the record keeps it too. The handler then finds the holder row from the
    delivery; without it the grounded Stripe draft had a user_id no delivery could fill."""
    from agentspec.agents.knowledge.briefing import notes_for

    owned = next((o for note in notes_for(system) for o in note.record_owners if o.record == record), None)
    if owned is None:
        return []
    link = f"{_base(system)}_{owned.owner}_id"
    entity.required_columns = [*entity.required_columns, link]
    if holder.change == "referenced":
        holder.change = "altered"
    holder.required_columns = list(dict.fromkeys([*holder.required_columns, link]))
    holder.unique = list(dict.fromkeys([*holder.unique, link]))[:3]
    return [f"{holder.table}.{link} links each {holder.table} row to its {system.name} {owned.owner}: a delivered "
            f"{record}'s {owned.field} finds the {holder.table} row it belongs to ({owned.source_url})"]


def _documented_record_said(system: ExternalSystem, description: str) -> str | None:
    """A record the provider documents (its values or its events, providers.yaml), when the
    description names it: "Stripe webhooks keep each user's subscription status" is about
    Stripe subscriptions, though no plural follows the provider's name. The plural is returned."""
    from agentspec.agents.knowledge import says
    from agentspec.agents.knowledge.briefing import notes_for

    documented = dict.fromkeys(r.record for note in notes_for(system) for r in (*note.documented_values, *note.webhook_events))
    said = [r for r in documented if says(description, r) or says(description, _plural(r))]
    return _plural(said[0]) if len(said) == 1 else None


def _plural_after_name(system: ExternalSystem, description: str) -> str | None:
    """"Sync Stripe invoices": the plural noun after the provider's name."""
    names = {system.name.lower(), _base(system).replace("_", " ")}
    return next((m.group(1) for n in names for m in re.finditer(rf"\b{re.escape(n)}\s+([a-z]+)\b", description.lower())
                 if m.group(1).endswith("s") and m.group(1) not in _NOT_RECORDS), None)


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


# "each user's", "for every workspace", "per account", "for users": whose record it is.
_HOLDER = re.compile(r"\beach\s+([a-z_]+)'s\b|\b(?:for|per)\s+(?:each\s+|every\s+)?([a-z_]+)\b")


def _holder(spine: DesignSpine, description: str) -> Entity | None:
    """The existing table the synced record belongs to, when the description says whose it is
    ("each user's subscription status") and the design lists that table: the record then carries
    its key (`user_id`), so the billing page can find a user's subscription. A grounded draft of
    full-stack-fastapi-template kept no subscription at all; its `user` table is the holder."""
    existing = {e.table: e for e in spine.entities if e.change != "new"}
    for match in _HOLDER.finditer(description.lower()):
        word = _singular(match.group(1) or match.group(2))
        holder = next((e for t, e in existing.items() if _singular(t) == word), None)
        if holder is not None:
            return holder
    return None


def _documented_fields(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """A synced record's field whose values the provider documents (providers.yaml
    `documented_values`: a Stripe invoice's status) is a column of the table that holds the
    record, with those values: the eighth-pass Stripe schema kept invoices with no status."""
    from agentspec.agents.knowledge.briefing import notes_for

    notes = []
    for provider, documented in ((n.name, d) for n in notes_for(system) for d in n.documented_values):
        record = documented.record.lower()
        for entity in spine.entities:
            if entity.change != "new" or not re.search(rf"(?:^|_){re.escape(record)}s?(?:_|$)", entity.table):
                continue
            if documented.field not in entity.required_columns:
                entity.required_columns = [*entity.required_columns, documented.field]
                notes.append(f"{entity.table}.{documented.field} holds {provider}'s documented values: "
                             f"{', '.join(documented.values)} ({documented.source_url})")
            entity.documented_values = {**entity.documented_values, documented.field: list(documented.values)}
    return notes


def _documented_events(spine: DesignSpine, system: ExternalSystem, description: str) -> list[str]:
    """The provider's documented event types for a record the description names replace the
    generic events the design gave its deliveries, when none is about that record (the 12-04
    Stripe spine had one `received.event` for a sync of invoices)."""
    from agentspec.agents.knowledge.briefing import notes_for
    from agentspec.agents.knowledge import says

    documented = [e for note in notes_for(system) for e in note.webhook_events
                  if says(description, e.record) or says(description, f"{e.record}s")]
    if not documented:
        return []
    types = list(dict.fromkeys(t for e in documented for t in e.types))
    records = {e.record for e in documented}
    notes: list[str] = []
    ours = [e for e in spine.events if e.producer == system.id]
    if any(e.name in types or any(r in e.name for r in records) for e in ours):
        return notes + _state_changes_left_out(spine, system, types)
    consumer = next((e.consumer for e in ours), system.connects_to)
    others = [e for e in spine.events if e.producer != system.id]
    room = 5 - len(others)
    if room <= 0:
        return []
    spine.events = others + [_delivery(system, t, consumer) for t in types[:room]]
    return notes + [f"events {', '.join(types[:room])} are the {system.name} deliveries handled"
                    + (f" (in place of {', '.join(e.name for e in ours)})" if ours else "")]


def _named_as_sent(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    from agentspec.agents.knowledge.briefing import notes_for

    documented = [e for note in notes_for(system) for e in note.webhook_events]
    if not documented:
        return []
    return _provider_type_names(spine, system, {t for e in documented for t in (*e.types, *e.others)},
                                {e.record for e in documented})


def _delivery(system: ExternalSystem, event_type: str, consumer: str) -> Event:
    return Event(name=event_type, producer=system.id, consumer=consumer,
                 purpose=f"{system.name}'s {event_type} delivery; the handler upserts the record")


def _state_changes_left_out(spine: DesignSpine, system: ExternalSystem, types: list[str]) -> list[str]:
    """A sync of the record handles every documented change of its state: the seventh-pass
    Stripe spine handled invoice.created and invoice.paid, so a voided or uncollectible invoice
    was never synced. The ones it left out are added beside its own, while the design has room."""
    ours = [e for e in spine.events if e.producer == system.id]
    names = {e.name for e in spine.events}
    consumer = next((e.consumer for e in ours), system.connects_to)
    missing = [t for t in types if t not in names][: max(0, 5 - len(spine.events))]
    spine.events += [_delivery(system, t, consumer) for t in missing]
    return [f"events {', '.join(missing)} added: a sync of the record handles each documented change of its state"] if missing else []


def _provider_type_names(spine: DesignSpine, system: ExternalSystem, documented: set[str], records: set[str]) -> list[str]:
    """An event the provider sends is named as the provider names it. The sixth-pass Stripe
    spine had `stripe_invoice.paid`: an undocumented name the handler would never match, so
    `invoice.paid` replaces it. An event about the record with no documented counterpart
    (`stripe_invoice.synced`) is not something the provider sends, and is dropped."""
    notes, kept, seen = [], [], set()
    prefixes = {f"{_base(system)}.", f"{system.name.lower()}."}
    for event in spine.events:
        prefix = next((p for p in prefixes if event.name.startswith(p)), None)
        if prefix and event.name[len(prefix):] in documented and system.direction in ("inbound_webhook", "inbound_stream"):
            # `stripe.invoice.paid` from a component (ninth-pass Stripe spine) is Stripe's own
            # `invoice.paid`: the provider sends it, and the handler matches its name.
            notes.append(f"event {event.name} is named {event.name[len(prefix):]}, as {system.name} sends it")
            event = event.model_copy(update={"name": event.name[len(prefix):], "producer": system.id})
        record = next((r for r in sorted(records, key=len, reverse=True) if r in event.name), None)
        if event.producer != system.id or event.name in documented or record is None:
            if event.name not in seen:  # a renamed one may already stand for it
                kept.append(event)
                seen.add(event.name)
            continue
        suffix = f"{record}.{event.name.rsplit('.', 1)[-1]}"
        # Stripe names a subscription's events under the customer: customer.subscription.updated.
        named = next((t for t in sorted(documented) if t == suffix or t.endswith(f".{suffix}")), suffix)
        if named not in documented:
            notes.append(f"event {event.name} dropped: {system.name} sends no such event type")
        elif named not in seen:
            notes.append(f"event {event.name} is named {named}, as {system.name} sends it")
            kept.append(event.model_copy(update={"name": named}))
            seen.add(named)
    spine.events = kept
    return notes


def _minor_units(system: ExternalSystem) -> bool:
    from agentspec.agents.knowledge.briefing import notes_for

    return any(f.topic == "money_units" for note in notes_for(system) for f in note.facts)


def _provider_ids_unique(spine: DesignSpine, system: ExternalSystem) -> list[str]:
    """A new table filled from the provider's deliveries is unique on the provider's id of
    its record, so a redelivery or a read-back updates the row instead of adding one."""
    writers = {system.connects_to} | {e.consumer for e in spine.events if e.producer in (system.id, system.connects_to)}
    notes = []
    for entity in spine.entities:
        if entity.change != "new" or entity.unique or entity.owner not in writers or "event" in entity.key \
                or entity is consent_table(spine):
            continue  # a table keyed on an event id is the deliveries table: its key already makes it unique; consent is ours
        column = f"{_record_of(entity.table, _base(system))}_id"
        entity.unique = [column]
        notes.append(f"table {entity.table} is unique on {column}, {system.name}'s id of the record")
    for entity in spine.entities:
        if entity.change == "new" and entity.owner in writers and entity.version_column is None and entity.unique \
                and "event" not in entity.key and not holds_deliveries(entity):
            # Deliveries arrive out of order: an update applies only when the provider's time is newer.
            entity.version_column = f"{_base(system)}_updated_at"
            notes.append(f"table {entity.table} applies an update only when {entity.version_column} is newer")
    return notes


def _record_of(table: str, provider: str) -> str:
    """`stripe_invoices` -> `stripe_invoice`, `invoices` -> `stripe_invoice`: the provider's record, singular."""
    return _singular(table if table.startswith(f"{provider}_") else f"{provider}_{table}")
