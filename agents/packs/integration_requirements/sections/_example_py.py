"""Python pieces the generated code examples share (not a section itself: the registry only
loads the ids in sections.yaml): where a repository keeps its package, how one file imports
another, Python types read from the schema's SQL types, a row TypedDict, and a model-free SQL
statement rewritten for SQLAlchemy's `text()` (named parameters instead of `$n`).

SQLAlchemy's Session is the driver: SQLModel, Flask-SQLAlchemy and plain SQLAlchemy projects all
hold one, and `text()` runs the same statement the TypeScript examples run."""

from __future__ import annotations

import posixpath
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

# SQL type (its name before any "(") -> the Python type SQLAlchemy's psycopg dialect gives for it.
_TYPES = {"uuid": "uuid.UUID", "text": "str", "varchar": "str", "char": "str", "character": "str", "citext": "str",
          "integer": "int", "int": "int", "smallint": "int", "bigint": "int", "numeric": "Decimal", "decimal": "Decimal",
          "real": "float", "double": "float", "boolean": "bool", "timestamptz": "datetime", "timestamp": "datetime",
          "date": "date", "jsonb": "dict[str, Any]", "json": "dict[str, Any]", "inet": "str", "bytea": "bytes"}
_IMPORTS = {"uuid.UUID": "import uuid", "Decimal": "from decimal import Decimal", "datetime": "from datetime import datetime",
            "date": "from datetime import date", "dict[str, Any]": "from typing import Any"}
# Folders a web framework keeps its handlers in: the package is the folder above them.
_HANDLER_FOLDERS = {"routes", "routers", "api", "endpoints", "views", "handlers", "controllers"}


def py_type(sql_type: str) -> str:
    base = re.split(r"[\s(\[]", sql_type.strip().lower(), maxsplit=1)[0]
    return _TYPES.get(base, "str")


def type_imports(types: Sequence[str]) -> list[str]:
    """The import lines the given Python types need, standard library first, sorted."""
    return sorted({_IMPORTS[t] for t in types if t in _IMPORTS}, key=lambda line: (line.startswith("from"), line))


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake(name).split("_") if part)


def comment(text: str, indent: str = "", width: int = 100) -> str:
    """A `#` comment wrapped to the width."""
    return "\n".join(f"{indent}# {line}" for line in textwrap.wrap(" ".join(text.split()), width - len(indent) - 2))


def docstring(text: str, indent: str = "", width: int = 100) -> list[str]:
    """A docstring wrapped to the width, its quotes on the first and last line."""
    lines = textwrap.wrap(" ".join(text.split()), width - len(indent) - 6)
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(f"{indent}{line}" for line in lines[1:-1]), f'{indent}{lines[-1]}"""']


def setting_reader() -> list[str]:
    """A setting read where it is used, failing with its name rather than with None."""
    return ["def setting(name: str) -> str:", "    value = os.environ.get(name)", "    if not value:",
            '        raise RuntimeError(f"{name} is not set")', "    return value"]


def package_root(repo: Mapping[str, Any] | None) -> str:
    """The folder that holds the repository's application package, relative to its root: the
    folder the Python files its routes and clients live in share, above any handler folder
    (full-stack-fastapi-template: `backend/app`; a flat FastAPI project: `app`). Without a
    repository, `app`."""
    files = [str(item.get("at", "")).split(":")[0] for key in ("routes", "clients") for item in (repo or {}).get(key) or []
             if isinstance(item, Mapping)]
    folders = [posixpath.dirname(f) for f in files if f.endswith(".py") and "test" not in f.lower()]
    if not folders:
        return "app"
    common = posixpath.commonpath(folders) if len(folders) > 1 else folders[0]
    while common and posixpath.basename(common) in _HANDLER_FOLDERS:
        common = posixpath.dirname(common)
    return common or "app"


def module_of(path: str, root: str) -> str:
    """The dotted module a file under the package root is imported as (`backend/app/x/y.py`
    under `backend/app` -> `app.x.y`)."""
    package = posixpath.basename(root) or "app"
    inner = posixpath.relpath(path[: -len(".py")] if path.endswith(".py") else path, root)
    return ".".join([package, *inner.split("/")])


def typed_row(name: str, columns: Sequence[Any]) -> list[str]:
    """`class Name(TypedDict)` with one field per column, a nullable one as `T | None`."""
    lines = [f"class {name}(TypedDict):"]
    for col in columns:
        kind = py_type(col.type) + (" | None" if col.nullable else "")
        note = f"  # {col.note}" if getattr(col, "note", None) else ""
        lines.append(f"    {col.name}: {kind}{note}")
    return lines


def named_parameters(lines: Sequence[str], names: Mapping[int, str]) -> list[str]:
    """A statement written with `$n` placeholders, with SQLAlchemy's `:name` instead. A `$n::type`
    cast becomes CAST(:name AS type): `:name::type` is not a bind parameter to SQLAlchemy."""
    def cast(match: re.Match[str]) -> str:
        return f"CAST(:{names[int(match.group(1))]} AS {match.group(2)})"

    out = []
    for line in lines:
        line = re.sub(r"\$(\d+)::([a-z]+)", cast, line)
        out.append(re.sub(r"\$(\d+)", lambda m: f":{names[int(m.group(1))]}", line))
    return out


def sql_constant(name: str, lines: Sequence[str]) -> list[str]:
    """`NAME = text(...)`: the statement as adjacent string literals, one SQL line each."""
    body = [f"    {line!r}" if i == len(lines) - 1 else f"    {line + ' '!r}" for i, line in enumerate(lines)]
    return [f"{name} = text(", *body, ")"]
