"""Example 3: Event-Driven Integration (implementation-specialist): publishing and handling the feature's events.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from agents.sections._examples import CodeExample, example_digest, example_spine_checks, render_example

HEADINGS = ["### Example 3: Event-Driven Integration"]


class EventsExample(CodeExample):
    """Publishing and handling the feature's events."""


MODEL = EventsExample
MAX_TOKENS = 1200


def render(data: EventsExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks
