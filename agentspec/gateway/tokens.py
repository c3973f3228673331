"""Offline token counting.

tiktoken downloads its BPE files on first use, which fails with no network.
We ship o200k_base and cl100k_base (gzipped, taken from the bpe-openai wheel,
sha256-identical to tiktoken's own files) and build the Encoding from them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from functools import lru_cache
from importlib import resources
from unittest import mock

import tiktoken
from tiktoken_ext import openai_public

# tiktoken's own expected hashes of the decompressed files (tiktoken_ext.openai_public).
_EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
_lock = threading.Lock()


def _load_ranks(name: str) -> dict[bytes, int]:
    raw = gzip.decompress(resources.files("agentspec.gateway.bpe").joinpath(f"{name}.tiktoken.gz").read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _EXPECTED_SHA256[name]:
        raise RuntimeError(f"bundled BPE file for {name} is corrupt (sha256 {digest})")
    return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}


@lru_cache(maxsize=None)
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    """Return a tiktoken Encoding built from the bundled BPE file, never the network."""
    if name not in _EXPECTED_SHA256:
        raise ValueError(f"no bundled BPE file for {name}; known: {sorted(_EXPECTED_SHA256)}")
    ranks = _load_ranks(name)
    # Reuse tiktoken's own constructor (pattern and special tokens) but feed it our ranks.
    with _lock, mock.patch.object(openai_public, "load_tiktoken_bpe", lambda *a, **k: ranks):
        params = openai_public.ENCODING_CONSTRUCTORS[name]()
    return tiktoken.Encoding(**params)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """cl100k for the GPT-3.5/4 generation, o200k for everything newer or unknown."""
    legacy = ("gpt-3.5", "gpt-4-", "gpt-4 ", "text-embedding-3", "text-embedding-ada")
    return encoding("cl100k_base" if model.startswith(legacy) or model == "gpt-4" else "o200k_base")


def count_tokens(text: str, model: str = "") -> int:
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict], model: str = "") -> int:
    """Approximate chat prompt size: content tokens plus OpenAI's per-message overhead."""
    enc = encoding_for_model(model)
    total = 3
    for message in messages:
        total += 3
        content = message.get("content") or ""
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        total += len(enc.encode(str(content), disallowed_special=()))
    return total


def tool_definitions_text(tools: list[dict]) -> str:
    """Function tools as OpenAI puts them in the model's prompt: TypeScript types in a
    `functions` namespace, descriptions as `//` comments, not the JSON schema text.
    The format was described by an OpenAI engineer on the community forum and is the
    one hmarr/openai-chat-tokens reproduces to the token for flat schemas; `$ref`,
    `anyOf` and `const` (which our schemas use) are rendered inline as TypeScript
    would write them. Validation keywords (maxLength, minItems, pattern) do not
    appear there, so they cost nothing."""
    lines = ["namespace functions {", ""]
    for tool in tools:
        function = tool.get("function", tool) if isinstance(tool, dict) else {}
        if not isinstance(function, dict):
            continue
        parameters = function.get("parameters") or {}
        if function.get("description"):
            lines.append(f"// {function['description']}")
        if parameters.get("properties"):
            defs = parameters.get("$defs", {})
            lines.append(f"type {function.get('name', 'function')} = (_: {{")
            lines.append(_ts_properties(parameters, defs, 0, frozenset()))
            lines.append("}) => any;")
        else:
            lines.append(f"type {function.get('name', 'function')} = () => any;")
        lines.append("")
    lines.append("} // namespace functions")
    return "\n".join(lines)


def count_tool_tokens(tools: list[dict], model: str = "") -> int:
    return count_tokens(tool_definitions_text(tools), model)


def _ts_properties(node: dict, defs: dict, indent: int, seen: frozenset[str]) -> str:
    required = set(node.get("required", []))
    lines = []
    for name, prop in (node.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("description"):
            lines.append(f"// {prop['description']}")
        mark = "" if name in required else "?"
        lines.append(f"{name}{mark}: {_ts_type(prop, defs, indent, seen)},")
    return "\n".join(" " * indent + line for line in lines)


def _ts_type(node: object, defs: dict, indent: int, seen: frozenset[str]) -> str:
    if not isinstance(node, dict):
        return "any"
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        if name in seen or name not in defs:  # a recursive model: refer to it by name
            return name
        return _ts_type(defs[name], defs, indent, seen | {name})
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " | ".join(_ts_type(option, defs, indent, seen) for option in node[key])
    if "enum" in node:
        return " | ".join(json.dumps(value) for value in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    kind = node.get("type", "object" if "properties" in node else "any")
    if isinstance(kind, list):
        return " | ".join(_ts_type({**node, "type": k}, defs, indent, seen) for k in kind)
    if kind == "object":
        if not node.get("properties"):
            return "object"
        return "{\n" + _ts_properties(node, defs, indent + 2, seen) + "\n" + " " * indent + "}"
    if kind == "array":
        items = node.get("items", {})
        inner = _ts_type(items, defs, indent, seen)
        return f"({inner})[]" if _is_union(items, defs) else f"{inner}[]"
    return {"integer": "number"}.get(str(kind), str(kind))


def _is_union(node: object, defs: dict) -> bool:
    if not isinstance(node, dict):
        return False
    if "$ref" in node:
        return _is_union(defs.get(str(node["$ref"]).rsplit("/", 1)[-1]), defs)
    return (len(node.get("anyOf") or node.get("oneOf") or []) > 1 or len(node.get("enum") or []) > 1
            or isinstance(node.get("type"), list))
