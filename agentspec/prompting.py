"""Prompts are files: <role or pass>/<name>.md.j2, rendered in a sandboxed Jinja2
environment that raises on undefined variables. A pack's section prompts live in its
folder (agents/packs/<pack>/prompts/); the product's own (the design spine, intake, the
analyses, the review, the shared system and section frames) in prompts/."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import ChoiceLoader, PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from agentspec.packs.builtin import builtin_packs


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=ChoiceLoader([*(PackageLoader(pack.package, "prompts") for pack in builtin_packs().values()
                               if pack.folder.joinpath("prompts").is_dir()),
                             PackageLoader("agentspec.prompts", "")]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_compact"] = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return env


def render_prompt(name: str, **variables: Any) -> str:
    return environment().get_template(name).render(**variables).strip() + "\n"


def prompt_exists(name: str) -> bool:
    try:
        environment().get_template(name)
    except Exception:
        return False
    return True


@lru_cache(maxsize=None)
def schema_guide(model: type[BaseModel]) -> str:
    """A compact field guide (name, type, bounds, description) for the prompt.

    In llama.cpp's json_object+schema mode the schema is only a grammar and the
    model never sees the descriptions, and the JSON modes send a bare schema, so
    those prompts get this short guide instead of the full JSON schema (which would
    cost thousands of prompt tokens). Tools mode documents the fields in the tool
    instead (tool_parameters) and has no guide.
    Cached per class: it depends on nothing else, and every call renders one."""
    schema = _documented_schema(model)
    defs = schema.get("$defs", {})
    lines: list[str] = []
    _walk(schema, defs, lines, indent=0, seen=set())
    return "\n".join(lines)


def _documented_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A fresh JSON schema with the field descriptions: a SectionModel's bare wire
    schema has none, so its documented_schema; any other model's own schema."""
    documented = getattr(model, "documented_schema", None)
    return documented() if documented else model.model_json_schema()


def _resolve(node: dict, defs: dict) -> dict:
    if "$ref" in node:
        return defs[node["$ref"].split("/")[-1]]
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            if options:
                return _resolve(options[0], defs)
    return node


def _type_name(node: dict, defs: dict) -> str:
    node = _resolve(node, defs)
    if "enum" in node:
        return "one of " + "|".join(str(v) for v in node["enum"])
    if "const" in node:
        return f"always {node['const']!r}"
    kind = node.get("type", "object")
    if kind == "array":
        inner = _resolve(node.get("items", {}), defs)
        bounds = f"{node.get('minItems', 0)}-{node.get('maxItems', 'n')}"
        label = inner.get("title") if inner.get("type", "object") == "object" and "properties" in inner else _type_name(inner, defs)
        return f"list of {bounds} {label}"
    return str(kind)


def _walk(node: dict, defs: dict, lines: list[str], indent: int, seen: set[str]) -> None:
    node = _resolve(node, defs)
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        desc = prop.get("description") or _resolve(prop, defs).get("description") or ""
        opt = "" if name in required else " (optional)"
        lines.append(f"{'  ' * indent}- {name}: {_type_name(prop, defs)}{opt}{' — ' + desc if desc else ''}")
        target = _resolve(prop, defs)
        if target.get("type") == "array":
            target = _resolve(target.get("items", {}), defs)
        title = target.get("title", "")
        if "properties" in target and title not in seen:
            _walk(target, defs, lines, indent + 1, seen | {title})


@lru_cache(maxsize=None)
def tool_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema sent as a function tool's parameters where the model reads the
    schema itself (OpenAI-style tools): descriptions included, and the bounds the
    prompt's field guide would state (2-6 items) folded into them, because OpenAI
    renders tools as TypeScript types, which carry descriptions and enums but drop
    minItems/maxItems. In that mode the prompt has no field guide: the fields are
    documented once, in the tool. Validation keywords stay (a
    strict server may use them). Shared, cached: callers must not modify it."""
    schema = _documented_schema(model)
    _fold_bounds(schema)
    for node in schema.get("$defs", {}).values():
        _fold_bounds(node)
    return {key: value for key, value in schema.items() if key not in ("title", "description")}


def _fold_bounds(node: dict[str, Any]) -> None:
    for prop in (node.get("properties") or {}).values():
        prop.pop("title", None)
        bounds = _bounds(prop)
        if bounds:
            prop["description"] = f"{bounds}; {prop['description']}" if prop.get("description") else bounds
    node.pop("title", None)


def _bounds(prop: dict[str, Any]) -> str:
    """The bounds the field guide states: item counts of lists (see _type_name)."""
    target = next((o for o in prop.get("anyOf", []) if o.get("type") != "null"), prop)
    if target.get("type") == "array":
        return f"{target.get('minItems', 0)}-{target.get('maxItems', 'n')} items"
    return ""
