"""The design spine as a registry entry (agents/spine.py holds the model).

It has no headings of its own: the spine is drafted first, every drafted
section depends on it, and the System Landscape renders it where the template
asks for architecture."""

from __future__ import annotations

from agentspec.section import RenderContext
from agentspec.agents.spine import DesignSpine, slice_digest

MODEL = DesignSpine
MAX_TOKENS = 2600


def render(data: DesignSpine, ctx: RenderContext) -> str:
    return ""  # shown by system_landscape


def digest(data: DesignSpine) -> str:
    return slice_digest(data)
