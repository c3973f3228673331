"""What a template placeholder looks like, and where one is left in code: the one
definition the template compiler, the placeholder check and the code examples' gate share
(agentspec/checks/template.py re-exports it)."""

from __future__ import annotations

import re
from collections.abc import Callable

# A bracketed run without nested brackets: "[FEATURE_NAME]", "[Name]".
BRACKET_RE = re.compile(r"\[([^\[\]\n]+)\]")

# Shapes that only ever mean "fill me in", even inside code.
_STRONG_SHAPES = [
    re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"),  # FEATURE_NAME, RATE_LIMIT_1
    re.compile(r"^[A-Z]{3,}[0-9]*$"),  # SUMMARY, DESCRIPTION
    re.compile(r"^[A-Z][A-Z0-9_]*(?:/[A-Z0-9_]+)+$"),  # RATING/5
    re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$"),  # field_1, method_name
    re.compile(r"\be\.g\.", re.IGNORECASE),  # [Known issues to avoid - e.g., ...]
]
# Shapes that are placeholders in prose but ordinary syntax in code, e.g. a
# mermaid node label "B3[Routing]" or "E[EventBus]".
_PROSE_SHAPES = [
    re.compile(r"^[A-Za-z][\w ]*(?:/[A-Za-z][\w ]*)+$"),  # Low/Medium/High, None/Minor/Adapt
    re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+$"),  # EventBus, ExternalServiceClient
    re.compile(r"^[A-Z][a-z]+$"),  # Name
]


def strong_placeholder_shape(token: str) -> bool:
    return any(p.search(token) for p in _STRONG_SHAPES)


def looks_like_placeholder(token: str) -> bool:
    """Shape test for prose, where a bare [Bracketed] word is never intended."""
    return strong_placeholder_shape(token) or any(p.search(token) for p in _PROSE_SHAPES)


def is_checkbox_or_footnote(token: str) -> bool:
    return token.strip() in ("", "x", "X") or token.startswith("^") or token.isdigit()


def prose_tokens(text: str) -> list[re.Match[str]]:
    """The placeholders of a prose line, in order."""
    return [m for m in BRACKET_RE.finditer(text) if not is_checkbox_or_footnote(m.group(1))
            and looks_like_placeholder(m.group(1)) and not text[m.end():m.end() + 1] == "("]  # not a link


def code_tokens(code: str) -> list[re.Match[str]]:
    """The placeholders of code, where brackets are also syntax: strong shapes only."""
    return [m for m in BRACKET_RE.finditer(code) if strong_placeholder_shape(m.group(1))]


# "rows[TABLE_NAME]" indexes a variable; "INSERT INTO [table_name]" is a hole.
_INDEX_BEFORE = re.compile(r"[\w)\]]$")


def placeholders_in_code(code: str, is_placeholder: Callable[[str], bool], *, diagram: bool = False) -> list[tuple[str, int]]:
    """(token, 0-based line) of each placeholder left in code, in order: a bracket token
    ("[table_name]") that `is_placeholder` accepts and that does not index a value. In a
    diagram nothing is indexed: `A[TRIGGER_EVENT]` is a node whose label was left to write."""
    found = []
    for m in BRACKET_RE.finditer(code):
        if not is_placeholder(m.group(0)):
            continue
        if not diagram and _INDEX_BEFORE.search(code[: m.start()]):
            continue
        found.append((m.group(0), code.count("\n", 0, m.start())))
    return found
