"""## Context: the user's own description plus the brief's framing (static)."""

from __future__ import annotations

from agentspec.render.markdown import bullets, join_blocks
from agentspec.section import RenderContext

MODEL = None


def render(_data: object, ctx: RenderContext) -> str:
    brief = ctx.brief
    description = " ".join((ctx.description or brief.summary).split())
    return join_blocks(
        "## Context",
        f"> {description}",
        brief.summary,
        "**Actors**: " + ", ".join(brief.actors),
        "**Assumptions**:\n" + bullets(brief.assumptions),
        "**Out of scope**:\n" + bullets(brief.out_of_scope),
    )
