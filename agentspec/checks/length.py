"""Check 7: each H2 section's length is within bounds.

Too short means a stub the model skipped; too long usually means it looped
or pasted the template's examples wholesale. Words are whitespace-separated
tokens of the section's markdown (subsections and code included, fence lines
excluded). Bounds are per canonical H2 heading; sections not listed get the
defaults. Pass `bounds=` (or use make_length_check) to override.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from agentspec.checks.score import Check, Finding, Score
from agentspec.checks.template import canonical_h2, template_of
from agentspec.packs.builtin import builtin_pack
from agentspec.spec_document import SpecDocument

NAME = "length_bounds"

DEFAULT_MIN_WORDS = 25
DEFAULT_MAX_WORDS = 2500

# (min, max) words per H2: the default pack's configuration (its pack.yaml).
DEFAULT_BOUNDS: dict[str, tuple[int, int]] = builtin_pack().length_bounds


def _not_applicable(markdown: str) -> bool:
    """A section the design has no use for says so in one line per heading: short on purpose."""
    body = [ln.strip() for ln in markdown.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(body) and all(ln.startswith("Not applicable:") for ln in body)


def word_count(markdown: str) -> int:
    return sum(len(line.split()) for line in markdown.splitlines() if not line.lstrip().startswith(("```", "~~~")))


def check_length_bounds(
    spec: SpecDocument,
    run: dict[str, Any] | None = None,
    *,
    bounds: Mapping[str, tuple[int, int]] | None = None,
) -> Score:
    users_template = template_of(spec, run) is not None
    bounds = DEFAULT_BOUNDS if bounds is None else bounds
    sections = spec.h2_sections()
    if not sections:
        return Score.from_findings(NAME, [Finding(None, "no H2 sections found")], checked=1)
    findings = []
    for heading, text in sections:
        # A user's template decides how short a section may be ("## Context" may be one line):
        # only an empty or runaway section fails there.
        low, high = (1, DEFAULT_MAX_WORDS) if users_template else bounds.get(
            canonical_h2(heading.text), (DEFAULT_MIN_WORDS, DEFAULT_MAX_WORDS))
        words = word_count(text)
        if words < low and not _not_applicable(text):
            findings.append(
                Finding(heading.text, f"section has {words} words, fewer than the minimum {low}", heading.line)
            )
        elif words > high:
            findings.append(
                Finding(heading.text, f"section has {words} words, more than the maximum {high}", heading.line)
            )
    return Score.from_findings(NAME, findings, checked=len(sections))


def make_length_check(bounds: Mapping[str, tuple[int, int]]) -> Check:
    """A length check with custom bounds, for the registry or a caller."""
    return partial(check_length_bounds, bounds=bounds)
