"""Where each registry section sits in a rendered spec.

The assembler writes sections in registry order, each starting with its first
template heading (a failed section keeps its headings), so a section's text
runs from its first heading to the next section's first heading. The eval uses
this to judge sections by family and to attribute check findings to sections.
"""

from __future__ import annotations

from functools import lru_cache

from agentspec.spec_document import SpecDocument, normalize_heading


def _first_headings() -> tuple[tuple[str, int, str], ...]:
    """(section id, heading level, normalized heading text) in template order."""
    from agentspec.agents.registry import registry

    return _first_headings_of(registry())


@lru_cache(maxsize=8)
def _first_headings_of(specs: tuple) -> tuple[tuple[str, int, str], ...]:  # tuple[SectionSpec, ...]
    out = []
    for spec in specs:
        if not spec.headings:
            continue
        first = spec.headings[0]
        level = len(first) - len(first.lstrip("#"))
        out.append((spec.id, level, normalize_heading(first.lstrip("#").strip())))
    return tuple(out)


def section_spans(doc: SpecDocument) -> dict[str, tuple[int, int]]:
    """Section id -> 1-based lines [start, end) of its markdown."""
    starts: list[tuple[str, int]] = []
    cursor = 0
    headings = doc.headings
    for sid, level, key in _first_headings():
        for index in range(cursor, len(headings)):
            h = headings[index]
            if h.level == level and h.key == key:
                starts.append((sid, h.line))
                cursor = index + 1
                break
    spans: dict[str, tuple[int, int]] = {}
    last = len(doc.lines) + 1
    for i, (sid, line) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else last
        spans[sid] = (line, end)
    return spans


def section_texts(doc: SpecDocument) -> dict[str, str]:
    """Section id -> its markdown (headings included)."""
    return {sid: "\n".join(doc.lines[start - 1 : end - 1]).strip() for sid, (start, end) in section_spans(doc).items()}


def section_at(spans: dict[str, tuple[int, int]], line: int | None) -> str | None:
    """The section whose lines [start, end) hold `line`: the one way a finding is mapped to
    its section, on a parsed spec (section_spans) or on the assembler's spans."""
    if line is None:
        return None
    for sid, (start, end) in spans.items():
        if start <= line < end:
            return sid
    return None


def section_for_heading(doc: SpecDocument, heading: str | None) -> str | None:
    """The section that renders an H2 heading (the first one under it)."""
    if not heading:
        return None
    found = doc.find_heading(heading, level=2)
    return section_at(section_spans(doc), found.line) if found else None
