"""Who does what in the design, whatever its archetypes: a table is written and an event handled
by a component that runs code, a worker reaches its own tables directly rather than over an HTTP
endpoint, the tables live in a database component the diagram shows, and no component sends an
event to itself (a role that held only such events goes with them)."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import externals
from agentspec.agents.spine import Component, DesignSpine, holds_deliveries
from agentspec.agents.knowledge.completion._shared import _doers, _room


_STORE_WORDS = {"database", "db", "datastore", "table", "tables"}


def _no_http_to_own_store(spine: DesignSpine) -> list[str]:
    """A worker or job of the design reads and writes its own database directly: an HTTP
    endpoint it calls to reach that store (`GET /api/v1/billing-database`, called by the sync
    worker, in the eighth-pass Stripe spine) has no caller outside the code, and every section
    was then asked to serve, document and test it. A page's endpoint is never dropped."""
    machines = {c.id for c in spine.components if c.kind in ("worker", "scheduler", "service")}
    shown = {s.endpoint for s in spine.surfaces}
    notes, kept = [], []
    for endpoint in spine.endpoints:
        last = re.split(r"[^a-z0-9]+", endpoint.path.lower().rstrip("/").rsplit("/", 1)[-1])
        if endpoint.caller in machines and endpoint.kind == "rest" and endpoint.path not in shown and _STORE_WORDS & set(last):
            notes.append(f"endpoint {endpoint.method} {endpoint.path} dropped: {endpoint.caller} uses its database directly, not over HTTP")
            continue
        kept.append(endpoint)
    spine.endpoints = kept
    return notes


_RUNS_CODE = ("service", "worker", "scheduler")  # the component kinds that run this feature's code


def _code_does_the_work(spine: DesignSpine) -> list[str]:
    """A table is written, and an event handled, by a component that runs code: the fresh-clone
    Stripe spine of 12-05 had its web page write stripe_invoices and handle every invoice event,
    so no section could say which code does it. A page, a store or a broker named as the doer is
    replaced by the worker that processes the producer's deliveries, else the design's first
    worker or service; a table of received deliveries by the service that receives them."""
    kinds = {c.id: c.kind for c in spine.components}
    doers = _doers(spine)
    if not doers:
        return []
    systems = {s.id: s for s in spine.external_systems}
    receivers = [s.connects_to for s in externals(spine, "inbound_webhook") if kinds.get(s.connects_to) == "service"]
    notes = []
    for event in spine.events:
        if kinds.get(event.consumer, "worker") in _RUNS_CODE:
            continue
        system = systems.get(event.producer)
        doer = system.processed_by if system is not None and kinds.get(system.processed_by or "") in _RUNS_CODE else doers[0]
        notes.append(f"event {event.name} is handled by {doer} (was {event.consumer}, a {kinds[event.consumer].replace('_', ' ')})")
        event.consumer = doer
    for entity in spine.entities:
        if kinds.get(entity.owner, "worker") in _RUNS_CODE:
            continue
        handlers = [e.consumer for e in spine.events if kinds.get(e.consumer) in _RUNS_CODE]
        doer = receivers[0] if holds_deliveries(entity) and receivers else next(iter(handlers), doers[0])
        notes.append(f"table {entity.table} is written by {doer} (was {entity.owner}, a {kinds[entity.owner].replace('_', ' ')})")
        entity.owner = doer
    return notes


def _self_events(spine: DesignSpine) -> list[str]:
    """A component does not send an event to itself: the SFTP spine's importer produced and
    consumed import.success, and every section then had to publish and handle it."""
    kept = [e for e in spine.events if e.producer != e.consumer]
    dropped = [e for e in spine.events if e.producer == e.consumer]
    notes = [f"event {e.name} dropped: {e.producer} would send it to itself" for e in dropped]
    spine.events = kept
    # A permission named after a dropped event (import_success:import_history) grants nothing left;
    # a role with nothing else, that no endpoint or page names, goes with it.
    names = {re.sub(r"[^a-z0-9]+", "_", e.name) for e in dropped}
    used = {e.caller for e in spine.endpoints} | {x.role for x in spine.surfaces}
    for role in list(spine.roles):
        left = [p for p in role.permissions if not set(p.split(":")) & names]
        if left:
            role.permissions = left
        elif role.name not in used:
            spine.roles.remove(role)
            notes.append(f"role {role.name} dropped: it only held the dropped events")
    return notes


_DATABASE_PRODUCTS = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
                      "sqlite": "SQLite", "sql server": "SQL Server", "mongodb": "MongoDB"}


def _own_database(spine: DesignSpine, description: str) -> list[str]:
    """Tables live in a database the diagram shows: the ninth-pass Stripe spine had two tables
    and no database component, so nothing showed where the receiver and the worker write. The
    database is the one the description names, else the feature's own database."""
    if not spine.entities or any(c.kind == "database" for c in spine.components) or not _room(spine, "components"):
        return []
    said = description.lower()
    product = next((name for word, name in _DATABASE_PRODUCTS.items() if re.search(rf"\b{word}\b", said)), None)
    component = Component(id=re.sub(r"[^a-z0-9]+", "_", (product or "app").lower()).strip("_") + "_database",
                          label=f"{product} database" if product else "Application database", kind="database",
                          responsibility="holds " + ", ".join(e.table for e in spine.entities))
    spine.components.append(component)
    return [f"{component.id} holds the design's tables"]
