"""What an archetype implies, added to the design spine when the answer left it out.

The spine's prompt lists each suggested archetype's implied elements (briefing.py);
a small model still drops some. What the library says every design of the kind
needs is then completed by code, named after the spine's own systems, and each
addition is noted in the spine (`completed`), so a reader sees what code decided.
Only what the archetype requires is added, never a choice among designs: a
webhook design gets its receiver, its stored-once deliveries, the read-back that
closes gaps and a kept failure; what it stores and shows stays the model's.

One function per archetype (COMPLETIONS); an archetype without one is only
prompted and measured (coverage), never completed.

This module applies the rules in order (`complete`); each job's rules live in a module of
their own: webhooks, records, messaging, files, publishing, search_index, privacy (the
archetype completions, registered with `completes` from _shared.py on import), and structure,
runs, failures, decisions, credentials and access (applied to every design)."""

from __future__ import annotations

from agentspec.agents.knowledge.coverage import archetypes_for
from agentspec.agents.spine import DesignSpine
from agentspec.agents.knowledge.completion._shared import COMPLETIONS, Completion, completes
# The archetype completions register themselves on import, in this order (webhooks, messaging,
# files, publishing, search index, privacy), which is the order they stood in one module.
from agentspec.agents.knowledge.completion import webhooks, messaging, files, publishing, search_index, privacy  # noqa: F401
from agentspec.agents.knowledge.completion.access import (_named_pages, _pages_fed_by_rest, _people_call_the_endpoints,
                                                          _permissions_its_endpoints_need, _roles_name_people)
from agentspec.agents.knowledge.completion.credentials import _called_systems_have_secrets
from agentspec.agents.knowledge.completion.decisions import _decided_rules
from agentspec.agents.knowledge.completion.failures import _failure_store
from agentspec.agents.knowledge.completion.records import _named_as_sent, _record_of
from agentspec.agents.knowledge.completion.runs import _scheduled_runs
from agentspec.agents.knowledge.completion.structure import (_code_does_the_work, _no_http_to_own_store, _own_database,
                                                             _self_events)
from agentspec.agents.knowledge.completion.webhooks import _called_not_calling, rename_component

__all__ = ["COMPLETIONS", "Completion", "complete", "completes", "rename_component", "_record_of"]


def complete(spine: DesignSpine, declared: tuple[str, ...] = (), description: str = "") -> tuple[DesignSpine, list[str]]:
    """A copy of the spine with each applicable archetype's required elements added,
    and one note per addition. The description names the records a sync is about; with a
    description, only archetypes it suggests or `declared` are completed (without one, all)."""
    from agentspec.agents.knowledge.briefing import suggested_archetypes

    spine = spine.model_copy(deep=True)
    notes: list[str] = []
    # Code adds elements only for an archetype the user asked for, not one the model's own
    # structure alone implies: the 12-04 gdpr spine made third-party processors an inbound
    # webhook, and completing it added a receiver, a deliveries table and a reconciler to a
    # design that calls the processors, never hears from them.
    asked = set(declared) | {a.id for a, _ in suggested_archetypes(description)}
    # Whatever the archetypes: an event a provider sends is named as the provider sends it.
    notes += [f"Provider event types: {note}" for system in spine.external_systems for note in _named_as_sent(spine, system)]
    notes += [f"Own data: {note}" for note in _no_http_to_own_store(spine)]
    notes += [f"Who does the work: {note}" for note in _code_does_the_work(spine)]
    if description and "inbound_webhooks" not in asked:
        notes += _called_not_calling(spine)
    # An archetype the description asks for is completed even before the answer has its structure
    # (an SMS feature whose sender the model called a plain API); its completion decides whether
    # the design has what it needs to act on (a messaging provider's sender).
    from agentspec.agents.knowledge import archetypes

    present = {a.id for a in archetypes_for(spine, declared)}
    for archetype in [a for a in archetypes() if a.id in present or (a.id in asked and a.id in COMPLETIONS)]:
        fn = COMPLETIONS.get(archetype.id)
        if fn is not None and (archetype.id in asked or not description):
            notes += [f"{archetype.title}: {note}" for note in fn(spine, description)]
    # Whatever the archetypes: every scheduler runs on a stated period, one run at a time, and a
    # system it reads resumes from a kept position (the seventh-pass Stripe draft's reconciler had
    # neither, and its open P1 concern kept the spec from being ready).
    notes += [f"Scheduled jobs: {note}" for note in _scheduled_runs(spine)]
    notes += [f"Own data: {note}" for note in _own_database(spine, description)]
    notes += [f"Pages: {note}" for note in _named_pages(spine, description)]
    notes += [f"Pages: {note}" for note in _pages_fed_by_rest(spine)]
    notes += [f"Failed work: {note}" for note in _failure_store(spine)]
    notes += [f"Decided: {note}" for note in _decided_rules(spine, description, present | asked)]
    notes += [f"Settings: {note}" for note in _called_systems_have_secrets(spine)]
    notes += [f"Roles: {note}" for note in _roles_name_people(spine)]
    notes += [f"Roles: {note}" for note in _people_call_the_endpoints(spine)]
    notes += [f"Roles: {note}" for note in _permissions_its_endpoints_need(spine)]
    # Last: the handlers code chose above can make a component an event's producer and consumer both.
    notes += [f"Events: {note}" for note in _self_events(spine)]
    spine.completed = list(dict.fromkeys([*spine.completed, *notes]))
    return spine, notes
