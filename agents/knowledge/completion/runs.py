"""Scheduled runs, whatever the archetypes: every scheduler runs on a stated period (the design's
own period limit, else the scheduled-jobs default), one run at a time, and a system it reads
resumes from a kept position (the newest provider time stored, else a sync_cursors row)."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import externals
from agentspec.agents.spine import Component, DesignSpine, Entity
from agentspec.agents.knowledge.completion._shared import _base, _defaults, _room


_PERIOD = re.compile(r"interval|period|every|schedul|cron|frequen|run|reconcil|poll", re.I)


def _scheduled_runs(spine: DesignSpine) -> list[str]:
    defaults = _defaults("scheduled_jobs")
    notes = []
    for job in (c for c in spine.components if c.kind == "scheduler"):
        if job.schedule is None:
            own = next((lim for lim in spine.limits if lim.unit in ("min", "h", "d") and _PERIOD.search(f"{lim.name} {lim.meaning}")), None)
            if own is not None:
                job.schedule = f"every {own.value:g} {own.unit}"  # the design's own period, restated where the job is
            elif "period" in defaults:
                job.schedule = f"every {defaults['period']}"
                notes.append(f"{job.id} runs every {defaults['period']}")
        if job.overlap is None and "overlap" in defaults:
            job.overlap = defaults["overlap"]
            notes.append(f"{job.id}: {defaults['overlap']}")
        notes += _cursors(spine, job)
    return notes


def _cursors(spine: DesignSpine, job: Component) -> list[str]:
    """A system the job reads resumes from the newest provider time already stored (the
    version column that orders deliveries), or else from a row of a cursor table, so a
    restart neither starts over nor skips what changed while it was down."""
    notes = []
    for system in externals(spine, "outbound_api", "polling"):
        if system.connects_to != job.id or system.cursor is not None:
            continue
        # The provider's own tables, whichever of its systems (webhooks, API reader) named them.
        bases = {_base(x) for x in spine.external_systems if x.name.lower() == system.name.lower()}
        ordered = next((e for e in spine.entities if e.version_column and any(e.version_column.startswith(b) for b in bases)), None)
        if ordered is not None:
            system.cursor = f"the newest {ordered.version_column} in {ordered.table}; each run reads from there, less one period"
        elif (have := any(e.table == "sync_cursors" for e in spine.entities)) or _room(spine, "entities"):
            if not have:
                spine.entities.append(Entity(table="sync_cursors", change="new", key="source", unique=[], money="none", owner=job.id,
                                             purpose="the last synced position (timestamp or page token) of each scheduled read",
                                             required_columns=["position"]))
            system.cursor = f"sync_cursors row '{system.id}'; each run resumes from it and saves the new position when it ends"
        else:
            continue
        notes.append(f"{system.id} is read from a kept position: {system.cursor}")
    return notes
