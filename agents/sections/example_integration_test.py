"""Integration Testing Example (qa-specialist): an integration test against a mocked external service.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from agents.sections._examples import CodeExample, example_digest, example_spine_checks, render_example

HEADINGS = ["### Integration Testing Example"]


class IntegrationTestExample(CodeExample):
    """An integration test against a mocked external service."""


MODEL = IntegrationTestExample
MAX_TOKENS = 1200


def render(data: IntegrationTestExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks
