"""## Overview (static, from the brief)."""

from __future__ import annotations

from agentspec.render.markdown import join_blocks
from agentspec.section import RenderContext
from agentspec.agents.spine import SPINE_ID

from ._headings import headings_of

MODEL = None
HEADINGS = headings_of(__name__)


def render(_data: object, ctx: RenderContext) -> str:
    brief = ctx.brief
    spine = ctx.sections.get(SPINE_ID)
    # The design's external systems once it has them: intake's list also names the team's own
    # stores ("Postgres"), which the spine makes components.
    named = list(dict.fromkeys(x.name for x in spine.external_systems)) if spine is not None else list(brief.external_systems)
    systems = ", ".join(named) if named else "internal services only"
    libraries = getattr(brief, "libraries", None) or []
    used = ("**Libraries**: " + ", ".join(f"{package} ({job})" for package, job in libraries)
            + "; the code in this spec uses these and no others.") if libraries else ""
    (section,) = HEADINGS
    return join_blocks(
        section,
        f"System integration and compatibility requirements for {brief.name}, ensuring seamless operation "
        "within the existing ecosystem and future scalability.",
        f"**Stack**: {', '.join(brief.stack)}. **External systems**: {systems}. "
        f"**Complexity**: {brief.complexity}.",
        *([used] if used else []),
    )
