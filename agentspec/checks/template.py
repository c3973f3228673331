"""Facts taken from the default pack's template itself (its template.md).

Checks compare drafts against the shipped template instead of hard-coded
lists, so editing the template updates the checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from agentspec.packs.builtin import builtin_pack
from agentspec.spec_document import SpecDocument, normalize_heading

from agentspec.packs.placeholders import (  # noqa: F401 - the one definition, re-exported for the checks
    BRACKET_RE,
    is_checkbox_or_footnote,
    looks_like_placeholder,
    strong_placeholder_shape,
)


@dataclass(frozen=True)
class RequiredHeading:
    level: int  # 2 or 3
    text: str  # as written in the template
    h2: str  # the H2 it belongs to (itself for an H2)

    @property
    def key(self) -> tuple[str, str]:
        """(normalised H2, normalised H3 or "")."""
        if self.level == 2:
            return normalize_heading(self.text), ""
        return normalize_heading(self.h2), normalize_heading(self.text)

    @property
    def label(self) -> str:
        return f"{'#' * self.level} {self.text}"


@lru_cache(maxsize=1)
def template_markdown() -> str:
    return builtin_pack().template_markdown()


def template_of(spec: SpecDocument, run: dict | None = None) -> str | None:
    """The markdown of the user's template a spec was drafted over (the run's, else the one
    its spec.json carries); None for the built-in template."""
    given = (run or {}).get("template")
    if given:
        return given
    return ((spec.spec_json or {}).get("template") or {}).get("markdown")


@lru_cache(maxsize=8)
def template_document(markdown: str | None = None) -> SpecDocument:
    return SpecDocument.from_markdown(markdown if markdown is not None else template_markdown())


@lru_cache(maxsize=8)
def required_headings(markdown: str | None = None) -> tuple[RequiredHeading, ...]:
    """Every H2/H3 of the template, in order. H4s are per-feature placeholders, and so is
    any heading that holds one ("### [SERVICE_1]")."""
    out: list[RequiredHeading] = []
    h2 = ""
    for h in template_document(markdown).headings:
        if any(looks_like_placeholder(m.group(1)) for m in BRACKET_RE.finditer(h.text)):
            continue
        if h.level == 2:
            h2 = h.text
            out.append(RequiredHeading(2, h.text, h.text))
        elif h.level == 3:
            out.append(RequiredHeading(3, h.text, h2))
    return tuple(out)


@lru_cache(maxsize=1)
def canonical_h2s() -> dict[str, str]:
    """Normalised H2 text -> the template's spelling."""
    return {normalize_heading(r.text): r.text for r in required_headings() if r.level == 2}


def canonical_h2(text: str) -> str:
    return canonical_h2s().get(normalize_heading(text), text)


@lru_cache(maxsize=8)
def template_placeholders(markdown: str | None = None) -> frozenset[str]:
    """Bracket tokens the template uses as placeholders, e.g. "[TIMEOUT_VALUE]".

    In the template's prose every bracket is a placeholder. In its code the
    brackets are also real syntax (``pool.query(query, [id])``, mermaid
    ``B3[Routing]``), so only strongly placeholder-shaped tokens count there.
    """
    doc = template_document(markdown)
    tokens: set[str] = set()
    for run in doc.inline_texts:
        for m in BRACKET_RE.finditer(run.text):
            if not is_checkbox_or_footnote(m.group(1)):
                tokens.add(m.group(0))
    for block in doc.code_blocks:
        for m in BRACKET_RE.finditer(block.content):
            if strong_placeholder_shape(m.group(1)):
                tokens.add(m.group(0))
    return frozenset(tokens)


# Placeholders in the template that are not bracketed.
LITERAL_PLACEHOLDERS = ("file:line",)
