"""Small markdown builders that escape what would break a table or a list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(text: object) -> str:
    """A table cell: pipes escaped, newlines folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("-" * (len(h) + 2) for h in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def bullets(items: Iterable[object], indent: int = 0) -> str:
    pad = " " * indent
    return "\n".join(f"{pad}- {' '.join(str(i).split())}" for i in items)


def checklist(items: Iterable[object], checked: bool = False, indent: int = 0) -> str:
    pad, mark = " " * indent, "x" if checked else " "
    return "\n".join(f"{pad}- [{mark}] {' '.join(str(i).split())}" for i in items)


def field(label: str, value: object, indent: int = 0) -> str:
    """A `- **Label**: value` line; lists are joined with semicolons."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value) if value else "None"
    return f"{' ' * indent}- **{label}**: {' '.join(str(value).split())}"


def fence(lang: str, code: str, indent: int = 0) -> str:
    pad = " " * indent
    body = code.strip("\n")
    ticks = "````" if "```" in body else "```"
    lines = [f"{pad}{ticks}{lang}"] + [f"{pad}{line}" if line else "" for line in body.splitlines()] + [f"{pad}{ticks}"]
    return "\n".join(lines)


def join_blocks(*blocks: str | None) -> str:
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip())
