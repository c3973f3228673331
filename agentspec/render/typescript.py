"""TypeScript object literals rendered from Python data (always parseable)."""

from __future__ import annotations

import json
import re

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def ts_key(key: str) -> str:
    return key if _IDENT.match(key) else json.dumps(key)


def ts_value(value: object, indent: int = 0) -> str:
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, TsExpr):
        return value.code
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{ts_key(str(k))}: {ts_value(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [f"{inner}{ts_value(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    raise TypeError(f"cannot render {type(value).__name__} as TypeScript")


class TsExpr:
    """Raw TypeScript expression, e.g. process.env.STRIPE_API_KEY."""

    def __init__(self, code: str) -> None:
        self.code = code


def ts_const(name: str, value: object, comment: str | None = None) -> str:
    head = f"// {comment}\n" if comment else ""
    return f"{head}const {name} = {ts_value(value)};"


def ts_identifier(text: str, *, pascal: bool = False) -> str:
    """Turn free text into a valid TS identifier (camelCase or PascalCase)."""
    words = re.findall(r"[A-Za-z0-9]+", text) or ["value"]
    ident = "".join(w[:1].upper() + w[1:] for w in words)
    if not pascal:
        ident = ident[:1].lower() + ident[1:]
    return ident if not ident[0].isdigit() else "_" + ident
