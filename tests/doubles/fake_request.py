"""Parse a chat-completions request the way instructor builds it (TEST DOUBLE ONLY).

Mode detection mirrors what instructor 1.17 sends (instructor/v2/providers/openai/handlers.py):

  tools         ``tools=[{type: function, function: {name, parameters}}]`` (+ forced tool_choice)
  json_schema   ``response_format={"type": "json_schema", "json_schema": {"name", "schema"}}``
  json_object_schema  llama.cpp style ``response_format={"type": "json_object", "schema": {...}}``
  json          ``response_format={"type": "json_object"}``, schema appended to the system
                message after "...match the following json_schema:" (Mode.JSON)
  md_json       no response_format, same schema text in the prompt (Mode.MD_JSON); the
                answer must be a ```json fenced block
  text          no schema anywhere
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeRequest", "parse_request", "SECTION_HEADER", "ROLE_HEADER"]

SECTION_HEADER = "x-agentspec-section"
ROLE_HEADER = "x-agentspec-role"

# The text instructor puts right before the schema in JSON and MD_JSON modes.
_SCHEMA_MARKER = "json_schema:"


@dataclass
class FakeRequest:
    """What a responder sees. Headers are lowercased; Authorization is redacted."""

    body: dict[str, Any]
    messages: list[dict[str, Any]]
    mode: str
    schema: dict[str, Any] | None
    tool_name: str | None
    model: str | None
    headers: dict[str, str] = field(default_factory=dict)
    section: str | None = None
    role: str | None = None
    call_index: int = 0
    section_call_index: int = 0

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message_text(message)
        return ""


def message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multimodal parts: keep the text ones
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _schema_in_text(text: str) -> dict[str, Any] | None:
    """The JSON schema instructor embedded after the marker, if any."""
    start = text.find(_SCHEMA_MARKER)
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, brace)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _schema_in_messages(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    # System first: that is where instructor puts it; then anything else.
    ordered = sorted(messages, key=lambda m: m.get("role") != "system")
    for message in ordered:
        found = _schema_in_text(message_text(message))
        if found is not None:
            return found
    return None


def _tool_schema(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    if not tools:
        return None, None
    wanted = None
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
    chosen = next((t for t in tools if t["function"].get("name") == wanted), tools[0])
    fn = chosen["function"]
    return fn.get("parameters") or {"type": "object", "properties": {}}, fn.get("name")


def parse_request(body: dict[str, Any], headers: Mapping[str, str]) -> FakeRequest:
    lowered = {k.lower(): v for k, v in headers.items()}
    if "authorization" in lowered:
        lowered["authorization"] = "<redacted>"  # never keep credentials, even fake ones
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    schema, tool_name = _tool_schema(body)
    mode = "tools" if schema is not None else "text"
    fmt = body.get("response_format")
    if schema is None and isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            mode = "json_schema"
            schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        elif fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
            mode, schema = "json_object_schema", fmt["schema"]
        elif fmt.get("type") == "json_object":
            mode = "json"
            # JSON mode without a schema in the prompt: any object will do.
            schema = _schema_in_messages(messages) or {"type": "object", "properties": {}}
    if schema is None:
        schema = _schema_in_messages(messages)
        if schema is not None:
            mode = "md_json"
    return FakeRequest(
        body=body,
        messages=messages,
        mode=mode,
        schema=schema,
        tool_name=tool_name,
        model=body.get("model"),
        headers=lowered,
        section=lowered.get(SECTION_HEADER),
        role=lowered.get(ROLE_HEADER),
    )
