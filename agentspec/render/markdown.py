"""Small markdown builders that escape what would break a table or a list.

Model text never shapes the document: `inline` makes a value safe wherever a
renderer puts it (one line; no fence, heading, setext underline, block quote or
raw HTML can start from it), and `fence` picks a fence no content can close."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# A run of three or more backticks or tildes could open or close a code fence.
_FENCE_RUN = re.compile(r"`{3,}|~{3,}")
# What would start a block at the beginning of a line: ATX heading, setext
# underline / thematic break, block quote.
_LEADING_BLOCK = re.compile(r"^(?:#{1,6}(?=\s|$)|=+\s*$|(?:-\s*){3,}$|(?:\*\s*){3,}$|(?:_\s*){3,}$|>)")
# Raw HTML: a tag, a closing tag, a comment, a declaration or a processing instruction.
_RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"(?<!`)(`{1,2})(?!`)(.+?)(?<!`)\1(?!`)")


def _escape_html(text: str) -> str:
    """`<tag`, `</x`, `<!--` -> `&lt;...` outside inline code spans, where markdown
    would otherwise treat them as raw HTML and hide what follows."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_RAW_HTML.sub("&lt;", text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_RAW_HTML.sub("&lt;", text[last:]))
    return "".join(out)


def inline(text: object) -> str:
    """One line of model text, safe anywhere in a line of markdown.

    Whitespace (newlines included) is folded to single spaces; runs of three or
    more backticks or tildes are broken with backslashes (they render the same,
    but can never open or close a fence); a leading heading marker, setext
    underline, thematic break or `>` is escaped; raw HTML is written as text.
    Idempotent, and a no-op on ordinary prose."""
    value = " ".join(str(text).split())
    if not value:
        return value
    value = _FENCE_RUN.sub(lambda m: "".join("\\" + c for c in m.group(0)), value)
    if _LEADING_BLOCK.match(value):
        value = "\\" + value
    return _escape_html(value)


def cell(text: object) -> str:
    """A table cell: pipes escaped, newlines folded."""
    return re.sub(r"(?<!\\)\|", r"\\|", inline(text))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("-" * (len(h) + 2) for h in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def bullets(items: Iterable[object], indent: int = 0) -> str:
    pad = " " * indent
    return "\n".join(f"{pad}- {inline(i)}" for i in items)


def checklist(items: Iterable[object], checked: bool = False, indent: int = 0) -> str:
    pad, mark = " " * indent, "x" if checked else " "
    return "\n".join(f"{pad}- [{mark}] {inline(i)}" for i in items)


def field(label: str, value: object, indent: int = 0) -> str:
    """A `- **Label**: value` line; lists are joined with semicolons."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value) if value else "None"
    return f"{' ' * indent}- **{label}**: {inline(value)}"


def fence(lang: str, code: str, indent: int = 0) -> str:
    """A fenced block longer than any backtick run in `code`, so no line of the
    content (a string literal holding ``` included) can close it."""
    pad = " " * indent
    body = code.strip("\n")
    longest = max((len(m.group(0)) for m in re.finditer(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    lines = [f"{pad}{ticks}{lang}"] + [f"{pad}{line}" if line else "" for line in body.splitlines()] + [f"{pad}{ticks}"]
    return "\n".join(lines)


def join_blocks(*blocks: str | None) -> str:
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip())
