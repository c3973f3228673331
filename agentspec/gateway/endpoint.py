"""Which server we talk to and how structured output is requested there."""

from __future__ import annotations

from dataclasses import dataclass

import instructor

from agentspec.errors import ConfigError
from agentspec.settings import Settings

# How each provider gets structured output. llama.cpp's server grammar-constrains
# only response_format={"type":"json_object","schema":...} and answers
# type=json_schema with HTTP 500, so it gets its own mode.
_DEFAULT_MODE = {"openai": "tools", "azure": "tools", "local": "json_object_schema"}
_INSTRUCTOR_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
    # Sent as JSON_SCHEMA (no schema text in the prompt), with response_format
    # rewritten to llama.cpp's dialect in the request body (see client.py).
    "json_object_schema": instructor.Mode.JSON_SCHEMA,
}


@dataclass(frozen=True)
class Endpoint:
    provider: str  # openai | azure | local
    base_url: str | None
    api_key: str
    mode: str  # a key of _INSTRUCTOR_MODES

    @property
    def instructor_mode(self) -> instructor.Mode:
        return _INSTRUCTOR_MODES[self.mode]

    @property
    def field_guide_in_prompt(self) -> bool:
        return field_guide_in_prompt(self.mode)

    def describe(self) -> str:
        return f"{self.provider} at {self.base_url or 'the default OpenAI endpoint'} ({self.mode} mode)"


def structured_mode(settings: Settings, provider: str) -> str:
    return settings.instructor_mode if settings.instructor_mode != "auto" else _DEFAULT_MODE[provider]


def field_guide_in_prompt(mode: str) -> bool:
    """Whether the prompt lists the output fields. In tools mode the model reads the
    function's schema, so the fields are documented there (prompting.tool_parameters)
    and once only; llama.cpp turns a schema into a grammar the model never reads, and
    the JSON modes send a bare schema, so there the prompt carries the field guide."""
    return mode != "tools"


def remote_endpoint(settings: Settings) -> Endpoint:
    """The configured remote endpoint. The local one comes from agentspec.local."""
    provider = settings.resolved_provider()
    if provider == "local":
        raise ConfigError("no remote endpoint configured")
    if settings.openai_base_url and not settings.openai_base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"OPENAI_BASE_URL is not an http(s) URL: {settings.openai_base_url!r}",
            hint="use e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1",
        )
    key = settings.api_key
    if not key:
        if settings.openai_base_url:
            key = "not-needed"  # Ollama, vLLM, llama.cpp and LiteLLM proxies often need no key
        else:
            raise ConfigError(
                "OPENAI_API_KEY is not set",
                hint="export OPENAI_API_KEY=..., or set OPENAI_BASE_URL for a keyless server, "
                "or unset both to use the embedded local model",
            )
    return Endpoint(provider=provider, base_url=settings.openai_base_url, api_key=key, mode=structured_mode(settings, provider))


def local_endpoint(base_url: str, settings: Settings) -> Endpoint:
    return Endpoint(provider="local", base_url=base_url, api_key="local-no-key", mode=structured_mode(settings, "local"))
