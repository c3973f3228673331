"""## Context: the user's own description plus the brief's framing (static)."""

from __future__ import annotations

from agentspec.render.markdown import bullets, inline, join_blocks
from agentspec.section import RenderContext

from ._headings import headings_of

MODEL = None
HEADINGS = headings_of(__name__)


def render(_data: object, ctx: RenderContext) -> str:
    brief = ctx.brief
    description = inline(ctx.description or brief.summary)  # the user's words: one line, no structure
    (section,) = HEADINGS
    return join_blocks(
        section,
        f"> {description}",
        brief.summary,
        "**Actors**: " + ", ".join(brief.actors),
        "**Assumptions**:\n" + bullets(brief.assumptions) if brief.assumptions else "**Assumptions**: none beyond the description.",
        "**Out of scope**:\n" + bullets(brief.out_of_scope) if brief.out_of_scope else "**Out of scope**: nothing excluded explicitly.",
    )
