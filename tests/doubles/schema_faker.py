"""Schema-driven fake data for the fake OpenAI server (TEST DOUBLE ONLY).

Given a JSON schema (as produced by pydantic's ``model_json_schema()``), build a
value that satisfies it, deterministically for a given ``random.Random``.

Why the string rules look the way they do: pydantic models in agentspec often
carry validators like "names must be unique" or "table names must be
snake_case identifiers", so strings are derived from the property name and
numbered per document (``name_1``, ``name_2``), and identifier-like properties
are always lowercase snake_case.

Cross-field validators (``primary_key`` must be one of ``columns`` ...) cannot
be satisfied generically; tests plug a responder into the server for those.
"""

from __future__ import annotations

import datetime as _dt
import random
import re
import uuid
from collections import defaultdict
from typing import Any

__all__ = ["SchemaFaker", "generate_from_schema", "corrupt", "snake_case"]

# Past this nesting depth, optional properties are skipped, nullable values
# become null and arrays shrink to minItems, so recursive models terminate.
_MAX_DEPTH = 6
_HARD_DEPTH = 40

_IDENTIFIER_NAMES = frozenset(
    {
        "name", "id", "table", "column", "slug", "key", "identifier", "field",
        "table_name", "column_name", "field_name", "ref", "handle", "code",
    }
)
_IDENTIFIER_SUFFIXES = ("_name", "_id", "_key", "_slug", "_table", "_column", "_field", "_ref")

_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def snake_case(text: str) -> str:
    """Lowercase snake_case identifier made from arbitrary text ("TableName" -> "table_name")."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not text:
        return "value"
    if text[0].isdigit():
        text = "x_" + text
    return text


def _singular(word: str) -> str:
    """Crude singular so array items get a sensible hint ("tables" -> "table")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _is_identifier_name(hint: str) -> bool:
    h = snake_case(hint)
    return h in _IDENTIFIER_NAMES or h.endswith(_IDENTIFIER_SUFFIXES)


class SchemaFaker:
    """Generates one document for one root schema.

    A fresh instance per document keeps the per-name counters local, so
    ``name_1`` restarts in every response but is unique within it.
    """

    def __init__(self, root: dict[str, Any], rng: random.Random | None = None) -> None:
        self.root = root
        self.rng = rng or random.Random(0)
        self._counters: dict[str, int] = defaultdict(int)

    # ---------------------------------------------------------------- helpers
    def _next(self, hint: str) -> int:
        self._counters[hint] += 1
        return self._counters[hint]

    def _deref(self, schema: dict[str, Any], seen: int = 0) -> dict[str, Any]:
        """Follow local ``$ref`` pointers (``#/$defs/X``, ``#/definitions/X``)."""
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            target = self._pointer(ref)
            # Sibling keywords next to $ref (description, default) still apply.
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **extra} if extra else target
            seen += 1
        return schema

    def _pointer(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#"):
            return {}  # remote refs are out of scope for a test double
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return {}
        return node if isinstance(node, dict) else {}

    def _merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for sub in schema["allOf"]:
            sub = self._deref(sub)
            if "allOf" in sub:
                sub = self._merge_all_of(sub)
            for key, value in sub.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                else:
                    merged.setdefault(key, value)
        return merged

    # --------------------------------------------------------------- generate
    def generate(self, schema: dict[str, Any] | None = None, hint: str = "value", depth: int = 0) -> Any:
        schema = self._deref(self.root if schema is None else schema)
        if depth > _HARD_DEPTH:
            return None  # only schemas no instance can satisfy (A needs B needs A) get here
        if not isinstance(schema, dict):
            return self._string({}, hint)  # `true` schema: anything goes
        if "allOf" in schema:
            schema = self._merge_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema and schema["enum"]:
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._choose(schema[key], schema, hint, depth)

        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [t for t in kind if t != "null"]
            if not non_null or (depth > _MAX_DEPTH and "null" in kind):
                return None
            kind = non_null[0]
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            elif "default" in schema:
                return schema["default"]
            else:
                kind = "string"

        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, hint, depth)
        if kind == "string":
            return self._string(schema, hint)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return None  # "null"

    def _choose(self, options: list[Any], parent: dict[str, Any], hint: str, depth: int) -> Any:
        resolved = [self._deref(o) for o in options]
        non_null = [o for o in resolved if not (isinstance(o, dict) and o.get("type") == "null")]
        if not non_null or (depth > _MAX_DEPTH and len(non_null) < len(resolved)):
            return None
        # Keywords beside anyOf (e.g. a description) don't change the value.
        return self.generate(non_null[0], hint, depth)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties", {}) or {}
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name not in required and depth > _MAX_DEPTH:
                continue
            out[name] = self.generate(sub, name, depth + 1)
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict):
            # dict[str, X]: a couple of entries with identifier keys.
            for _ in range(max(schema.get("minProperties", 0), 1 if depth > _MAX_DEPTH else 2)):
                out[f"key_{self._next('key')}"] = self.generate(extra, "value", depth + 1)
        return out

    def _array(self, schema: dict[str, Any], hint: str, depth: int) -> list[Any]:
        item_hint = _singular(hint)
        prefix = schema.get("prefixItems")
        if prefix:
            return [self.generate(s, item_hint, depth + 1) for s in prefix]
        lo = int(schema.get("minItems", 0))
        hi = schema.get("maxItems")
        count = lo if depth > _MAX_DEPTH else max(lo, self.rng.randint(1, 2))
        if hi is not None:
            count = min(count, int(hi))
        items = schema.get("items", {})
        if items is False:
            return []
        items = self._deref(items) if isinstance(items, dict) else {}
        if schema.get("uniqueItems") and isinstance(items.get("enum"), list):
            pool = list(items["enum"])
            self.rng.shuffle(pool)
            return pool[: max(min(count, len(pool)), min(lo, len(pool)))]
        out = [self.generate(items, item_hint, depth + 1) for _ in range(count)]
        if schema.get("uniqueItems"):
            out = _dedupe(out)
        return out

    # ------------------------------------------------------------- scalars
    def _string(self, schema: dict[str, Any], hint: str) -> str:
        base = snake_case(hint)
        n = self._next(base)
        fmt = schema.get("format")
        if fmt:
            formatted = self._formatted(fmt, base, n)
            if formatted is not None:
                return formatted
        pattern = schema.get("pattern")
        if pattern:
            value = self._patterned(pattern, base, n, schema)
        elif _is_identifier_name(hint):
            value = f"{base}_{n}"
        else:
            value = f"{base.replace('_', ' ')} {n}"
        return _fit_length(value, schema, n)

    def _formatted(self, fmt: str, base: str, n: int) -> str | None:
        day = _dt.date(2024, 1, 1) + _dt.timedelta(days=n - 1)
        if fmt == "date":
            return day.isoformat()
        if fmt == "date-time":
            return f"{day.isoformat()}T12:00:00Z"
        if fmt == "time":
            return f"12:{n % 60:02d}:00"
        if fmt in ("uri", "url", "iri", "uri-reference"):
            return f"https://example.com/{base}/{n}"
        if fmt in ("email", "idn-email"):
            return f"{base}_{n}@example.com"
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt in ("hostname", "idn-hostname"):
            return f"host-{n}.example.com"
        if fmt == "ipv4":
            return f"10.0.0.{n % 250 + 1}"
        if fmt == "ipv6":
            return f"fd00::{n:x}"
        if fmt == "duration":
            return f"PT{n}S"
        return None

    def _patterned(self, pattern: str, base: str, n: int, schema: dict[str, Any]) -> str:
        """Try a few common shapes; the first one the regex accepts wins."""
        word = _WORDS[(n - 1) % len(_WORDS)]
        camel = "".join(p.capitalize() for p in base.split("_"))
        candidates = [
            f"{base}_{n}",                      # ^[a-z_][a-z0-9_]*$
            f"{base.replace('_', '-')}-{n}",    # kebab slugs
            f"{base.upper()}_{n}",              # CONSTANT_CASE
            f"{camel}{n}",                      # PascalCase
            camel[:1].lower() + camel[1:] + str(n),  # camelCase
            f"{word}",                          # ^[a-z]+$
            word.upper(),
            str(n),                             # ^\d+$
            f"{n}.0.0",                         # semver
            f"/{base.replace('_', '-')}/{n}",   # URL paths
            f"{base.upper()}-{n}",              # ticket ids
            f"{base}.{n}",
        ]
        try:
            rx = re.compile(pattern)
        except re.error:
            return word
        for cand in candidates:
            fitted = _fit_length(cand, schema, n)
            if rx.search(fitted):
                return fitted
        return word  # unknown pattern: documented best effort

    def _integer(self, schema: dict[str, Any]) -> int:
        lo, hi = _bounds(schema, integer=True)
        step = schema.get("multipleOf")
        value = self.rng.randint(lo, hi)
        if isinstance(step, int) and step > 0:
            value = -(-lo // step) * step
            if value > hi:
                value = lo
        return value

    def _number(self, schema: dict[str, Any]) -> float:
        lo, hi = _bounds(schema, integer=False)
        value = round(self.rng.uniform(lo, hi), 2)
        return min(max(value, lo), hi)


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[Any, Any]:
    eps = 1 if integer else 1e-6
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], (int, float)):
        lo = schema["exclusiveMinimum"] + eps
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], (int, float)):
        hi = schema["exclusiveMaximum"] - eps
    if lo is None and hi is None:
        lo, hi = 1, 100
    elif lo is None:
        lo = min(1, hi) if hi >= 1 else hi - 100
    elif hi is None:
        hi = lo + 100
    if integer:
        lo, hi = int(-(-lo // 1)), int(hi // 1)
        if lo > hi:
            hi = lo
    return lo, hi


def _fit_length(value: str, schema: dict[str, Any], n: int) -> str:
    lo = schema.get("minLength")
    hi = schema.get("maxLength")
    if lo is not None and len(value) < lo:
        value = value + "x" * (lo - len(value))
    if hi is not None and len(value) > hi:
        suffix = f"_{n}"
        # Keep the number so values stay unique, unless there is no room.
        value = value[: max(hi - len(suffix), 0)] + suffix if hi > len(suffix) + 1 else value[:hi]
    return value


def _dedupe(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def generate_from_schema(schema: dict[str, Any], seed: int | str = 0) -> Any:
    """One valid-looking document for ``schema``; same seed, same document."""
    return SchemaFaker(schema, random.Random(seed)).generate()


def corrupt(value: Any, schema: dict[str, Any] | None = None) -> Any:
    """Make ``value`` schema-invalid while keeping it valid JSON.

    Drops a required field and flips the type of another, so pydantic fails
    on both "missing" and "wrong type" paths.
    """
    if not isinstance(value, dict) or not value:
        # An object where an object was expected is the only safe guess left;
        # for a non-object root, a bare object is the wrong type.
        return [] if isinstance(value, dict) else {"unexpected": True}
    out = dict(value)
    root = schema or {}
    if "$ref" in root:
        root = SchemaFaker(root)._deref(root)
    required = [r for r in root.get("required", []) if r in out]
    if required:
        del out[required[0]]
    for key in list(out):
        current = out[key]
        if isinstance(current, str):
            out[key] = 12345
        elif isinstance(current, bool) or isinstance(current, (int, float)):
            out[key] = "not-a-number"
        elif isinstance(current, list):
            out[key] = "not-a-list"
        elif isinstance(current, dict):
            out[key] = ["not", "an", "object"]
        else:
            continue
        break
    if out == value:
        return []  # nothing to flip (all nulls, nothing required): wrong root type
    return out
