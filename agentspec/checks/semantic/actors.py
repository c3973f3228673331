"""Who does the work, in the spine: a table's writer and an event's handler
must be components that run code. It reads only the spine, not the prose, so
it shares nothing with the sentence rules."""

from __future__ import annotations

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import LANDSCAPE_H3, Context, Outcome

# --------------------------------------------------------------------- who does the work, in the spine

_ACTORS = {"service", "worker", "scheduler"}  # component kinds that run code


def spine_actors(ctx: Context) -> Outcome:
    """A table is written, and an event handled, by code: a database, cache, broker,
    bucket or page named as the writer or the handler leaves nobody to implement it."""
    out = Outcome()
    kinds = {c.id: c.kind for c in ctx.spine.components}
    landscape = ctx.spec.find_heading(LANDSCAPE_H3, level=3)
    h2, line = (ctx.spec.h2_at(landscape.line), landscape.line) if landscape is not None else (None, None)
    said = [(f"table {e.table} is written by", e.owner) for e in ctx.spine.entities]
    said += [(f"event {e.name} is handled by", e.consumer) for e in ctx.spine.events]
    for what, who in said:
        out.checked += 1
        kind = kinds.get(who)
        if kind is not None and kind not in _ACTORS:
            out.findings.append(Finding(h2, f"no actor: {what} `{who}`, a {kind.replace('_', ' ')}, which runs no code "
                                            "of this feature", line))
    return out
