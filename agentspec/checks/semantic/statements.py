"""The document as statements: what every rule reads.

The markdown's readable lines (with their H2 and heading path), the sentences
split from them and the SQL statements of its ```sql blocks, gathered once into
a Context; the Outcome each rule returns; and the helpers the rules share to
quote a sentence, say where it stands and tell a negated mention from a real
one. The lines Integration Readiness computes, the DDL patterns and spec.json's
sections table sit here too, since both the check and more than one rule read
them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentspec.checks.score import Finding
from agentspec.spec_document import SpecDocument, normalize_heading

ECHO_H2 = {normalize_heading(h) for h in ("Context", "Overview")}  # restate the description
READINESS_H4 = "Integration Readiness"
# Lines of that block that code writes: ticks, concern and open-question lists, the verdict.
_COMPUTED_READINESS = re.compile(r"^\s*(- \[[ x]\]|- \*\*(critical|major|minor)\*\*|\*\*(Must-cover concerns|Open questions|"
                                 r"Not ready|Ready for implementation))")
LANDSCAPE_H3 = "System Landscape"

def computed_readiness_lines(spec: SpecDocument) -> set[int]:
    """The lines of Integration Readiness that code writes from this run: they quote findings
    (a package no list names, a contradiction), so a check reading them as the spec's own
    statements would be satisfied, or contradicted, by its own report."""
    readiness = spec.find_heading(READINESS_H4, level=4)
    if readiness is None:
        return set()
    return {n for n in range(readiness.line, spec.section_range(readiness)[1]) if _COMPUTED_READINESS.match(spec.lines[n - 1])}


# --------------------------------------------------------------------- the document as statements


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line in the markdown
    h2: str | None
    text: str
    path: tuple[str, ...]  # enclosing headings, outermost first


@dataclass(frozen=True)
class Sentence:
    line: Line
    text: str

    @property
    def h2(self) -> str | None:
        return self.line.h2


@dataclass
class Context:
    spec: SpecDocument
    spine: Any  # agents.spine.DesignSpine | None
    lines: list[Line]  # readable lines: no echo sections, no landscape (with a spine), no mermaid, no fences
    sentences: list[Sentence] = field(default_factory=list)
    sql: list[tuple[Line, str]] = field(default_factory=list)  # (first line, statement) of each SQL statement
    notes: list[str] = field(default_factory=list)  # what a rule could not judge


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0


def _quote(text: str, limit: int = 140, at: int | None = None) -> str:
    """The text in quotes, cut to about `limit` characters around position `at` (default: the start)."""
    if at is not None:  # whitespace is collapsed below: keep the position on the same character
        at = len(" ".join(text[:at].split())) + (1 if text[:at] and text[:at][-1].isspace() else 0)
    text = " ".join(text.split())
    if len(text) <= limit:
        return f'"{text}"'
    start = 0 if at is None else max(0, min(at - limit // 3, len(text) - limit))
    cut = text[start:start + limit]
    return '"' + ("…" if start else "") + cut + ("…" if start + limit < len(text) else "") + '"'


def _where(s: Sentence) -> str:
    return f"{s.h2 or 'the title'} (line {s.line.number})"


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z`*(\"'])")


def _context(spec: SpecDocument, spine: Any) -> Context:
    """Lines with their H2 and heading path, sentences split from them, and the SQL statements."""
    h2_of: list[str | None] = [None] * (len(spec.lines) + 2)
    path_of: list[tuple[str, ...]] = [()] * (len(spec.lines) + 2)
    headings = sorted(spec.headings, key=lambda h: h.line)
    current_h2: str | None = None
    current_path: tuple[str, ...] = ()
    index = 0
    for number in range(1, len(spec.lines) + 1):
        while index < len(headings) and headings[index].line == number:
            h = headings[index]
            current_h2 = h.text if h.level == 2 else (None if h.level < 2 else current_h2)
            current_path = h.path
            index += 1
        h2_of[number], path_of[number] = current_h2, current_path

    skipped: set[int] = set()
    landscape = spec.find_heading(LANDSCAPE_H3, level=3)
    if landscape is not None and spine is not None:
        start, end = spec.section_range(landscape)
        skipped.update(range(landscape.line, end))
    # The readiness block is computed from this run (coverage, open review findings): it
    # quotes what is missing or wrong, and read as a statement it would contradict itself.
    skipped.update(computed_readiness_lines(spec))
    fenced: set[int] = set()  # the fence lines themselves
    code: set[int] = set()  # lines inside fences, where a leading # is a comment, not a heading
    sql: list[tuple[int, str]] = []
    for block in spec.code_blocks:
        size = block.content.count("\n")
        if spec.lines[block.line - 1].lstrip().startswith(("```", "~~~")):  # not an indented block
            fenced.update({block.line, block.line + size + 1})
        code.update(range(block.content_line, block.content_line + size))
        if block.language == "mermaid":
            skipped.update(range(block.line, block.line + size + 2))
        if block.language == "sql":
            offset = 0
            for statement in block.content.split(";"):
                body = statement.split("\n")
                # leading blank and comment lines belong to no statement: the line is the statement's own
                skip = next((i for i, text in enumerate(body) if text.strip() and not text.strip().startswith("--")), None)
                if skip is not None:
                    sql.append((block.content_line + offset + skip, "\n".join(body[skip:]).strip()))
                offset += statement.count("\n")

    lines = []
    for number, text in enumerate(spec.lines, 1):
        h2 = h2_of[number]
        heading = text.lstrip().startswith("#") and number not in code
        if number in skipped or number in fenced or not text.strip() or heading:
            continue
        if h2 is not None and normalize_heading(h2) in ECHO_H2:
            continue
        lines.append(Line(number, h2, text, path_of[number]))
    ctx = Context(spec, spine, lines)
    ctx.sentences = [Sentence(line, part) for line in lines for part in _SENTENCE_END.split(line.text) if part.strip()]
    by_number = {line.number: line for line in lines}
    ctx.sql = [(by_number.get(n) or Line(n, h2_of[n], spec.lines[n - 1], path_of[n]), s) for n, s in sql]
    return ctx


_NEGATION_BEFORE = re.compile(r"\b(no|not|never|without|nothing|none|instead\s+of)\b[^.;]{0,15}$", re.I)


def _negated(text: str, start: int) -> bool:
    """A match preceded (closely) by a negation: "never dropped", "no Redis"."""
    return bool(_NEGATION_BEFORE.search(text[:start]))


_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?[\"`]?([A-Za-z_][\w.]*)", re.I)
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[\"`]?([A-Za-z_][\w.]*)", re.I)


def _sections_json(spec: SpecDocument) -> dict[str, Any]:
    table = (spec.spec_json or {}).get("sections")
    return table if isinstance(table, dict) else {}
