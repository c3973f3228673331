"""## Overview (static, from the brief)."""

from __future__ import annotations

from agentspec.render.markdown import join_blocks
from agentspec.section import RenderContext

MODEL = None


def render(_data: object, ctx: RenderContext) -> str:
    brief = ctx.brief
    systems = ", ".join(brief.external_systems) if brief.external_systems else "internal services only"
    return join_blocks(
        "## Overview",
        f"System integration and compatibility requirements for {brief.name}, ensuring seamless operation "
        "within the existing ecosystem and future scalability.",
        f"**Stack**: {', '.join(brief.stack)}. **External systems**: {systems}. "
        f"**Complexity**: {brief.complexity}.",
    )
