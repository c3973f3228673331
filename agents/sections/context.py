"""## Context: the user's own description plus the brief's framing (static)."""

from __future__ import annotations

from agentspec.render.markdown import bullets, inline, join_blocks
from agentspec.section import RenderContext

MODEL = None


def render(_data: object, ctx: RenderContext) -> str:
    brief = ctx.brief
    description = inline(ctx.description or brief.summary)  # the user's words: one line, no structure
    return join_blocks(
        "## Context",
        f"> {description}",
        brief.summary,
        "**Actors**: " + ", ".join(brief.actors),
        "**Assumptions**:\n" + bullets(brief.assumptions),
        "**Out of scope**:\n" + bullets(brief.out_of_scope),
    )
