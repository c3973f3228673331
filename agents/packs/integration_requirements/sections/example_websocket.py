"""Example 4: WebSocket Integration (implementation-specialist): a real-time WebSocket client with reconnection.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of

HEADINGS = headings_of(__name__)


class WebSocketExample(CodeExample):
    """A real-time WebSocket client with reconnection."""


MODEL = WebSocketExample
MAX_TOKENS = 1200


def render(data: WebSocketExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks
