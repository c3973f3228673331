"""TypeScript pieces the generated code examples share (not a section itself: the registry
only loads the ids in sections.yaml): names, types read from the schema's SQL types,
and a row interface."""

from __future__ import annotations

import posixpath
import re
import textwrap
from typing import Any

from agentspec.render.typescript import ts_identifier

# SQL type (its name before any "(") -> the TypeScript type `pg` gives and takes for it.
# bigint is `string` when read (pg keeps 64-bit integers exact) and a number is accepted
# when written, so a written row may say `number` for an amount in minor units.
_READ_TYPES = {"uuid": "string", "text": "string", "varchar": "string", "char": "string", "character": "string",
               "citext": "string", "integer": "number", "int": "number", "smallint": "number", "bigint": "string",
               "numeric": "string", "decimal": "string", "real": "number", "double": "number", "boolean": "boolean",
               "timestamptz": "Date", "timestamp": "Date", "date": "Date", "jsonb": "unknown", "json": "unknown",
               "inet": "string", "bytea": "Buffer"}
_WRITE_OVERRIDES = {"bigint": "number"}


def camel(name: str) -> str:
    return ts_identifier(name)


def pascal(name: str) -> str:
    return ts_identifier(name, pascal=True)


def kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def one_of(table: str) -> str:
    """`stripe_invoices` -> `stripe_invoice`, `deletion_requests` -> `deletion_request`."""
    from .database_schema import singular

    head, _, last = table.rpartition("_")
    return f"{head}_{singular(last)}" if head else singular(last)


def ts_type(sql_type: str, *, written: bool = False) -> str:
    base = re.split(r"[\s(\[]", sql_type.strip().lower(), maxsplit=1)[0]
    if sql_type.strip().endswith("[]"):
        return f"{ts_type(sql_type.strip()[:-2], written=written)}[]"
    if written and base in _WRITE_OVERRIDES:
        return _WRITE_OVERRIDES[base]
    return _READ_TYPES.get(base, "string")


def row_interface(name: str, columns: list[Any], *, written: bool = False) -> str:
    """`export interface Name { column: type; ... }`, a nullable column as `type | null`,
    the column's note as a comment."""
    lines = [f"export interface {name} {{"]
    for col in columns:
        kind = ts_type(col.type, written=written) + (" | null" if col.nullable else "")
        note = f" // {col.note}" if getattr(col, "note", None) else ""
        lines.append(f"  {camel(col.name)}: {kind};{note}")
    lines.append("}")
    return "\n".join(lines)


def setting_reader() -> str:
    """A setting read once, failing at start-up rather than on the first request."""
    return "\n".join([
        "function setting(name: string): string {",
        "  const value = process.env[name];",
        "  if (!value) throw new Error(`${name} is not set`);",
        "  return value;",
        "}",
    ])


def sql_text(lines: list[str], indent: str = "    ") -> str:
    """A multi-line SQL statement as a template literal (no interpolation: values go in as $n)."""
    body = ("\n" + indent).join(lines)
    return f"`{body}`"


def quoted(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def comment(text: str, indent: str = "", width: int = 100) -> str:
    """A `//` comment wrapped to the width, one sentence as it was written."""
    return "\n".join(f"{indent}// {line}" for line in textwrap.wrap(" ".join(text.split()), width - len(indent) - 3))


def packed(items: list[str], width: int, separator: str = ", ") -> list[str]:
    """Items joined into lines of at most `width` characters, never splitting one; each
    line but the last ends with the separator's comma."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(separator) + len(item) <= width:
            lines[-1] += separator + item
        else:
            lines.append(item)
    return [line + separator.rstrip() if i < len(lines) - 1 else line for i, line in enumerate(lines)]


def import_path(here: str, there: str) -> str:
    """How the file `here` imports the file `there` (both relative to the project root)."""
    relative = posixpath.relpath(there.rsplit(".", 1)[0], posixpath.dirname(here))
    return relative if relative.startswith(".") else f"./{relative}"
