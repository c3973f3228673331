"""The schema sent to llama.cpp as a grammar.

llama.cpp compiles the JSON schema into a GBNF grammar. String length bounds
(`maxLength: 700` becomes a 700-fold repetition), regex patterns and integer
ranges blow that grammar up and make sampling crawl (minutes for a few hundred
tokens on 2 cores). The grammar therefore keeps the structure — types, required
keys, enums, array bounds — plus a capped string length: without any length
bound a 1.5B model can loop inside one string until max_tokens. pydantic still
validates every original bound, with instructor re-asking on a violation.

Every property is required in the grammar, optional ones included (they may
still be null or empty): a small model skips optional keys, and then misses
the rules that tie them to other fields (a reason when a list is empty, a
lifetime for refresh tokens)."""

from __future__ import annotations

from typing import Any

GRAMMAR_MAX_STRING = 300  # characters; longer bounds are capped (prose) or dropped (code)
_CODE_LENGTH = 1000
_DROP = {"minLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
         "exclusiveMaximum", "multipleOf", "title", "description", "default", "examples"}
_NAME_MAPS = {"properties", "$defs", "definitions", "patternProperties"}


def grammar_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [grammar_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _NAME_MAPS and isinstance(value, dict):
            # Keys here are property / definition names, not schema keywords.
            out[key] = {name: grammar_schema(sub) for name, sub in value.items()}
        elif key == "maxLength" and isinstance(value, int):
            if value <= _CODE_LENGTH:
                out[key] = min(value, GRAMMAR_MAX_STRING)
        elif key not in _DROP:
            out[key] = grammar_schema(value)
    if isinstance(out.get("properties"), dict):
        out["required"] = list(out["properties"])
    return out
