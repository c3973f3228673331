"""Messages sent through a provider (SMS, e-mail, push): the sender is an outbound notification
system that calls back with delivery statuses and replies, each message sent is a row written
before the send and updated in the provider's documented status order, and each recipient's
consent per channel is a table written by the code that processes the replies."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import consent_table, externals
from agentspec.agents.spine import DesignSpine, Entity, ExternalSystem, holds_deliveries, name_tokens, update_rule
from agentspec.agents.knowledge.completion._shared import _base, _doers, _room, completes
from agentspec.agents.knowledge.completion.webhooks import _inbound_webhooks


@completes("messaging_notifications")
def _messaging(spine: DesignSpine, description: str) -> list[str]:
    """A feature that sends messages through a provider hears back from it (delivery statuses,
    and replies such as STOP) and keeps each recipient's consent per channel, written where
    those replies are processed, so every send can check it first."""
    from agentspec.agents.knowledge.briefing import notes_for

    notes: list[str] = []
    senders = externals(spine, "outbound_notification") or [
        x for x in externals(spine, "outbound_api")
        if any("messaging_notifications" in p.archetypes for p in notes_for(x))]
    for sender in senders[:1]:
        if sender.direction != "outbound_notification":
            sender.direction = "outbound_notification"
            notes.append(f"{sender.name} sends the feature's messages (outbound notification)")
        inbound = next((x for x in externals(spine, "inbound_webhook") if name_tokens(x.name) & name_tokens(sender.name)), None)
        if inbound is None and _room(spine, "external_systems"):
            inbound = ExternalSystem(id=f"{_base(sender)}_webhooks", name=sender.name, direction="inbound_webhook",
                                     connects_to=sender.connects_to, purpose="delivery status callbacks and replies such as STOP",
                                     auth="the provider's signature on each request, verified before it is trusted")
            spine.external_systems.append(inbound)
            notes.append(f"{sender.name} calls back with each message's delivery status and the recipients' replies")
        notes += _sent_messages(spine, sender)
        if inbound is not None:
            # The callbacks are deliveries like any webhook's, whether code or the answer added them: the
            # Twilio draft's answer had its own, received by a GET that a worker answered, and nothing
            # stored a callback once.
            notes += _inbound_webhooks(spine, description)
        notes += _consent(spine, inbound)
    return notes


_MESSAGES = re.compile(r"(?:^|_)(messages?|notifications?|sms|texts?|emails?)(?:_|$)")


def _sent_messages(spine: DesignSpine, sender: ExternalSystem) -> list[str]:
    """Each message sent is a row, written before the send under the notification's own key (so
    a retried job never sends twice), holding the provider's id of the message and its latest
    delivery status, which the status callbacks update. The status applies in the provider's
    documented lifecycle order when its callbacks carry no timestamp (providers.yaml `lifecycle`).
    The Twilio draft stored the callbacks and nothing per message, so no status could be shown."""
    base = _base(sender)
    message_id = f"{base}_message_id"
    consent = consent_table(spine)
    table = next((e for e in spine.entities if e.change == "new" and _MESSAGES.search(e.table) and e is not consent
                  and not holds_deliveries(e)), None)
    notes = []
    if table is None:
        if not _room(spine, "entities") or sender.connects_to is None:
            return []
        table = Entity(table=f"{base}_messages", change="new", key="id", unique=[], money="none", owner=sender.connects_to,
                       purpose=f"each message sent through {sender.name}: written before the send, then its {sender.name} id "
                               "and latest delivery status")
        spine.entities.append(table)
        notes.append(f"table {table.table} holds each message sent and its latest delivery status")
    # The provider's id of the message, as the answer named it when it has one (twilio_message_sid).
    message_id = next((c for c in table.unique if c.startswith(f"{base}_")), message_id)
    for column in (message_id, "notification_key"):  # the callbacks find the row by the provider's id
        if column not in table.unique and len(table.unique) < 3:
            table.unique = [*table.unique, column]
    for column in ("recipient", "status"):
        if column not in table.required_columns:
            table.required_columns = [*table.required_columns, column]
    if table.version_column is None:
        lifecycle = _lifecycle(sender, "status")
        table.version_column = "status" if lifecycle else f"{base}_updated_at"
        table.version_order = [" | ".join(stage) for stage in lifecycle]
        notes.append(f"table {table.table}: {update_rule(table)}")
    return notes


def _lifecycle(system: ExternalSystem, field: str) -> list[list[str]]:
    """The provider's documented order of a message's values of `field`, if its note has one."""
    from agentspec.agents.knowledge.briefing import notes_for

    return next((list(d.lifecycle) for n in notes_for(system) for d in n.documented_values
                 if d.field == field and d.lifecycle), [])


def _consent(spine: DesignSpine, inbound: ExternalSystem | None) -> list[str]:
    """Each recipient's consent per channel is a table, written by the code that processes the
    provider's replies (a STOP reply is an opt-out) when the design hears from the provider."""
    writer = (inbound.processed_by or inbound.connects_to) if inbound is not None else next(iter(_doers(spine)), None)
    table = consent_table(spine)
    if table is None:
        if writer is None or not _room(spine, "entities"):
            return []
        spine.entities.append(Entity(table="notification_consents", change="new", key="id", unique=[], money="none", owner=writer,
                                     purpose="each recipient's consent per channel; every send checks it first",
                                     required_columns=["recipient", "channel", "opted_out_at"]))
        return [f"table notification_consents holds each recipient's consent per channel, written by {writer}"]
    notes = []
    missing = [c for c in ("recipient", "channel", "opted_out_at") if c not in table.required_columns]
    if missing and table.change == "new":
        table.required_columns = [*table.required_columns, *missing]
        notes.append(f"{table.table} keeps {', '.join(missing)}, so consent is per channel and an opt-out is dated")
    if inbound is not None and table.owner not in (inbound.connects_to, inbound.processed_by) \
            and not any(re.search(r"unsubscrib|opt-?out|consent|preference", e.path, re.I) for e in spine.endpoints):
        notes.append(f"table {table.table} is written by {writer}, which processes {inbound.name}'s replies (was {table.owner})")
        table.owner = writer
    return notes
