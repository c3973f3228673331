"""Example 1: API Client Integration (implementation-specialist): the API client for the feature's main external service.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from agents.sections._examples import CodeExample, example_digest, example_spine_checks, render_example

HEADINGS = ["## Code Examples", "### Example 1: API Client Integration"]


class ApiClientExample(CodeExample):
    """The API client for the feature's main external service."""


MODEL = ApiClientExample
MAX_TOKENS = 1200


def _intro(ctx: RenderContext) -> str:
    return f"This section provides practical code examples for integrating {ctx.brief.name} with existing systems and external services."


def render(data: ApiClientExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, _intro(ctx))


digest = example_digest
spine_checks = example_spine_checks
