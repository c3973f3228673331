"""Example 5: Cache Integration Pattern (implementation-specialist): the caching layer.
The model writes the code; it must parse before it is rendered."""

from __future__ import annotations

from agentspec.section import RenderContext
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of

HEADINGS = headings_of(__name__)


class CacheExample(CodeExample):
    """The caching layer."""


MODEL = CacheExample
MAX_TOKENS = 1200


def render(data: CacheExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks
