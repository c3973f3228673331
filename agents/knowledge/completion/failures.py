"""Failed work that is kept: a named failure store (the deliveries table, a table of work items,
else `<worker>_failures`) with the columns a triage and a replay need, and a stated way to
replay a failed row."""

from __future__ import annotations

import re
from typing import get_args

from agentspec.agents.spine import AfterRetries, DesignSpine, Entity, FAILURE_COLUMNS, failure_store, holds_deliveries
from agentspec.agents.knowledge.completion._shared import _room


# A table whose rows are units of work ("deletion_requests", "export_jobs"), by a word of its name.
_WORK_ITEMS = re.compile(r"(?:^|_)(?:request|job|task|deliver(?:y|ie)|event|outbox|queue|run|attempt)s?(?:_|$)")
_NO_REPLAY = {"none", *get_args(AfterRetries)}


def _failure_store(spine: DesignSpine) -> list[str]:
    """Failed work that is kept (a dead-letter table) is kept in a named table with what a
    replay and a triage need: the payload, a status, the attempts and the last error. The
    eighth-pass Stripe spine kept failures in a "dead-letter table" no section created, and
    its deliveries table held only the event id. The store is the deliveries table when the
    design has one (its rows are the work), else a new table of work items its worker writes,
    else a new `<worker>_failures` table."""
    policy = spine.failure_policy
    if policy.after_retries not in ("dead_letter_table", "alert_and_keep_failed"):
        return []
    notes: list[str] = []
    worker = next((c.id for c in spine.components if c.kind in ("worker", "scheduler")), None)
    store = failure_store(spine)
    if store is None:
        new = [e for e in spine.entities if e.change == "new"]
        machines = {c.id for c in spine.components if c.kind in ("worker", "scheduler", "service")}
        store = (next((e for e in new if holds_deliveries(e)), None)
                 or next((e for e in new if e.owner in machines and _WORK_ITEMS.search(e.table)), None))
        if store is None:
            if worker is None or not _room(spine, "entities"):
                return []
            store = Entity(table=f"{worker}_failures", purpose="work that failed after its retries, kept for replay",
                           change="new", key="id", unique=[], money="none", owner=worker)
            spine.entities.append(store)
        policy.store = store.table
        notes.append(f"failed work is kept in {store.table} for replay")
    wanted = [c for c in FAILURE_COLUMNS if c != "payload" or holds_deliveries(store) or store.table.endswith("_failures")]
    missing = [c for c in wanted if c not in store.required_columns]
    if missing and store.change == "new":
        store.required_columns = [*store.required_columns, *missing]
        notes.append(f"{store.table} keeps {', '.join(missing)} for each row, so a failure can be triaged and replayed")
    if policy.replay.strip().lower() in _NO_REPLAY:
        policy.replay = f"an operator sets a failed {store.table} row back to pending; {worker or 'the worker'} retries it"
        notes.append(f"replay: {policy.replay}")
    return notes
