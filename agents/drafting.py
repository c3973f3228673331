"""Drafting one section: build its prompt from the registry entry, call the
gateway for structured output, and hand back validated data plus the call record."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from agentspec.gateway.client import Gateway
from agentspec.gateway.usage import CallRecord
from agentspec.prompting import render_prompt, schema_guide
from agentspec.section import SectionSpec, validate_stored
from agentspec.agents.roles import role

DIGEST_LIMIT = 2400  # characters per dependency: keeps prompts inside an 8k local window


def default_digest(data: BaseModel) -> str:
    text = json.dumps(data.model_dump(mode="json", exclude_none=True), ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= DIGEST_LIMIT else text[:DIGEST_LIMIT] + "…"


def digest_of(spec: SectionSpec, data: Any) -> str:
    if spec.model is not None and isinstance(data, dict):
        try:
            data = validate_stored(spec.model, data)
        except ValidationError:
            # Stored by an earlier validation that a reload no longer passes: a dependent still
            # reads it, as data, rather than the run crashing (the 12-04 gdpr recording did).
            return _raw_digest(data)
    return spec.digest(data) if spec.digest else default_digest(data)


def _raw_digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= DIGEST_LIMIT else text[:DIGEST_LIMIT] + "…"


def brief_json(brief: BaseModel) -> str:
    """The brief as `key: value` lines: as clear as JSON to a model, at half the tokens."""
    lines = []
    for key, value in brief.model_dump(mode="json").items():
        if key == "slug":
            continue
        lines.append(f"{key}: {'; '.join(value) if isinstance(value, list) else value}")
    return "\n".join(lines)


def system_message(repo_given: bool, document: str | None = None) -> str:
    """Identical for every role, and the role's persona comes after the description
    and brief: llama.cpp then reuses the cached prefix (system + description + brief)
    across calls instead of re-reading it for every section."""
    return render_prompt("_shared/system.md.j2", repo_given=repo_given, document=document)


def section_messages(
    spec: SectionSpec,
    *,
    description: str,
    brief: BaseModel,
    dependencies: list[dict[str, str]],
    feedback: list[str],
    repo_given: bool,
    context: dict[str, Any] | None = None,
    field_guide: bool = True,
    knowledge: dict[str, list[str]] | None = None,
    repository: list[str] | None = None,
) -> list[dict[str, str]]:
    """The chat messages for one section. `dependencies` holds only the sections it
    depends on (id + digest), never the whole draft so far. `field_guide=False` where
    the model reads the documented schema instead (endpoint.field_guide_in_prompt)."""
    assert spec.model is not None
    instructions = render_prompt(spec.prompt, brief=brief, repo_given=repo_given, **dict(spec.prompt_vars), **(context or {}))
    user = render_prompt(
        "_shared/section.md.j2",
        description=description,
        brief_json=brief_json(brief),
        persona=role(spec.role).persona.strip(),
        dependencies=dependencies,
        title=spec.headings[-1].lstrip("# ") if spec.headings else spec.id,
        instructions=instructions,
        fields=schema_guide(spec.model) if field_guide else "",
        feedback=feedback,
        knowledge=knowledge,
        repository=repository,
    )
    document = dict(spec.prompt_vars).get("document")  # a user's template names its own kind of document
    return [{"role": "system", "content": system_message(repo_given, document)}, {"role": "user", "content": user}]


def call_model(gateway: Gateway, spec: SectionSpec, model: str | None = None) -> str:
    """The model a call for `spec` goes to (what `draft` sends)."""
    return model or gateway.model_for(spec.role, role(spec.role).model)


async def draft(
    gateway: Gateway,
    spec: SectionSpec,
    messages: list[dict[str, str]],
    attempt: int,
    model: str | None = None,
) -> tuple[BaseModel, CallRecord]:
    role_def = role(spec.role)
    temperature = gateway.settings.temperature if gateway.settings.temperature is not None else role_def.temperature
    return await gateway.structured(
        response_model=spec.model,  # type: ignore[arg-type]
        messages=messages,
        role=spec.role,
        section=spec.id,
        model=call_model(gateway, spec, model),
        temperature=temperature,
        attempt=attempt,
        max_tokens=spec.max_tokens,
    )
