"""Example 2: Database Integration with Transaction Support (implementation-specialist): database access with transaction support.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from agents.sections._examples import CodeExample, example_digest, example_spine_checks, render_example

HEADINGS = ["### Example 2: Database Integration with Transaction Support"]


class DatabaseExample(CodeExample):
    """Database access with transaction support."""


MODEL = DatabaseExample
MAX_TOKENS = 1200


def render(data: DatabaseExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks
