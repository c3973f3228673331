"""FeatureBrief: what intake makes of the one-line description. It feeds every
section and fills the template's AI Development Notes context."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import Field, computed_field

from agentspec.section import SectionModel, ShortText, Text, items

Complexity = Literal["Low", "Medium", "High", "Very High"]
CodeLanguage = Literal["typescript", "python", "go", "java", "ruby", "csharp", "kotlin", "php"]
# The test runner and HTTP-mocking library of the languages the examples are checked in.
TEST_TOOLS: dict[str, tuple[str, str]] = {"typescript": ("vitest", "msw"), "python": ("pytest", "respx")}


class FeatureBrief(SectionModel):
    name: ShortText = Field(description="feature name in Title Case, at most 8 words")
    summary: Text = Field(description="2-3 sentences: what is built, for whom, and why")
    complexity: Complexity = Field(description="integration complexity")
    domains: items(ShortText, 1, 6) = Field(description="areas of domain knowledge this feature needs, each a short Title Case noun phrase taken from the description")
    stack: items(ShortText, 2, 6) = Field(description="tech stack the description names or implies: languages, runtimes, frameworks, databases, by product name")
    code_language: CodeLanguage = Field(description="language for code examples, as the feature calls for")
    actors: items(ShortText, 1, 5) = Field(description="who uses or triggers the feature")
    external_systems: items(ShortText, 0, 3) = Field(description="third-party systems involved, by product name")
    assumptions: items(Text, 0, 5) = Field(default_factory=list, description="assumptions made where the description is silent; empty if it leaves nothing open")
    out_of_scope: items(Text, 0, 4) = Field(default_factory=list, description="what this feature explicitly does not do; empty if nothing is excluded")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def test_tools(self) -> tuple[str, str] | None:
        """(runner, HTTP mock) the integration-test example uses and Testing & Validation names,
        one source for both: the prompt once offered "vitest (or jest) with msw", and the review
        pass then flagged msw as a dependency no part of the spec named."""
        return TEST_TOOLS.get(self.code_language)


def slugify(text: str, max_length: int = 60) -> str:
    """A file-system-safe slug: ASCII letters, digits and single dashes only, so a
    description can never steer a path out of the output directory."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "feature"
