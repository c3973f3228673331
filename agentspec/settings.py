"""One settings object. Environment variables win; secrets come only from the
environment or the user's key file (never from the repository)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentspec.errors import ConfigError

Provider = Literal["auto", "openai", "azure", "local"]
InstructorMode = Literal["auto", "tools", "json", "json_schema", "md_json", "json_object_schema"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct"
HOSTED_REQUEST_TIMEOUT_S = 120.0
LOCAL_REQUEST_TIMEOUT_S = 900.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTSPEC_", extra="ignore", populate_by_name=True)

    # Standard OpenAI variables, read without our prefix so existing setups just work.
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")

    provider: Provider = "auto"
    model: str | None = None
    # Per-role model overrides, e.g. AGENTSPEC_ROLE_MODELS='{"security-specialist": "gpt-4o"}'.
    role_models: dict[str, str] = Field(default_factory=dict)
    instructor_mode: InstructorMode = "auto"
    # Seconds one HTTP request may take (AGENTSPEC_REQUEST_TIMEOUT_S). None: by
    # provider (see timeout_for): 120 s for hosted endpoints, 900 s for the
    # embedded model, where one request takes minutes on 2 CPU cores.
    request_timeout_s: float | None = Field(default=None, gt=0)
    # Tries after the first on 429/5xx/timeouts, with backoff + jitter, honouring
    # retry-after; each retry is shown on the progress output.
    transport_retries: int = Field(default=3, ge=0, le=10)
    # Re-asks after a schema validation failure, and redrafts after a failed
    # section check. None: by provider (see retry_budget).
    reask_retries: int | None = Field(default=None, ge=0, le=5)
    max_repairs: int | None = Field(default=None, ge=0, le=5)
    # Parallel LLM calls. None: 4 for hosted endpoints, 1 for the embedded
    # server (see parallel_calls).
    concurrency: int | None = Field(default=None, ge=1, le=32)
    # dataflow: each section starts when its inputs are done (agents/dataflow.py);
    # waves: LangGraph supersteps, one Send per section (what review mode uses).
    scheduler: Literal["dataflow", "waves"] = "dataflow"
    temperature: float | None = None  # None: each role's own default

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("agentspec")))
    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir("agentspec")))
    config_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_config_dir("agentspec")))
    checkpoint_url: str | None = None  # postgresql://... for teams; default SQLite in data_dir

    local_model: Path | None = None  # AGENTSPEC_LOCAL_MODEL=/path/to/any.gguf
    local_n_ctx: int = 8192
    # Output token cap per call. The local model has an 8k window, so keep room for the prompt.
    max_output_tokens: int = 2048
    max_description_tokens: int = 1500
    # USD per 1M tokens for models without a known price (Ollama, vLLM, ...), so
    # --max-cost can be enforced; they override the built-in list when set.
    price_input_per_mtok: float | None = Field(default=None, ge=0)
    price_output_per_mtok: float | None = Field(default=None, ge=0)

    @cached_property
    def api_key(self) -> str | None:
        if self.openai_api_key is not None:
            return self.openai_api_key.get_secret_value()
        return _key_from_file(self.config_dir / "keys.json", "openai")

    def parallel_calls(self, provider: str) -> int:
        """The embedded llama.cpp server answers one request at a time, so more
        in flight only queue; one at a time keeps each re-ask right after its
        own request, where llama.cpp reuses the whole prompt from its cache."""
        if self.concurrency is not None:
            return self.concurrency
        return 1 if provider == "local" else 4

    def timeout_for(self, provider: str) -> float:
        """Seconds per HTTP request: the override, or the provider's default."""
        if self.request_timeout_s is not None:
            return self.request_timeout_s
        return LOCAL_REQUEST_TIMEOUT_S if provider == "local" else HOSTED_REQUEST_TIMEOUT_S

    def retry_budget(self) -> tuple[int, int]:
        """(re-asks per call, redrafts per section).

        On the embedded model every request costs a minute or more of CPU, and a
        1.5B model that failed a rule twice repeats the same answer (measured on
        the recorded drafts: of 52 re-asks, none after the first fixed a section
        that the first did not), so it gets one of each; hosted models get two."""
        default = 1 if self.resolved_provider() == "local" else 2
        reask = default if self.reask_retries is None else self.reask_retries
        return reask, default if self.max_repairs is None else self.max_repairs

    def resolved_provider(self) -> Literal["openai", "azure", "local"]:
        """`local` when nothing is configured: the embedded model needs no key."""
        if self.provider != "auto":
            return self.provider
        if self.openai_base_url and ".openai.azure.com" in self.openai_base_url:
            return "azure"
        if self.api_key or self.openai_base_url:
            return "openai"
        return "local"

    def model_for(self, role: str, role_default: str | None = None) -> str:
        if role in self.role_models:
            return self.role_models[role]
        if self.model:
            return self.model
        if self.resolved_provider() == "local":
            return DEFAULT_LOCAL_MODEL
        if role_default:
            return role_default
        return DEFAULT_OPENAI_MODEL

    @property
    def checkpoint_db(self) -> Path:
        return self.data_dir / "runs.sqlite"


def _key_from_file(path: Path, name: str) -> str | None:
    if not path.exists():
        return None
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read key file {path}: {exc}", hint="fix or delete the file") from exc
    value = keys.get(name) if isinstance(keys, dict) else None
    return value or None


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic ValidationError: show which variable is wrong
        raise ConfigError(f"invalid configuration: {exc}", hint="check your AGENTSPEC_* environment variables") from exc


def mask(secret: str | None) -> str:
    if not secret:
        return "(not set)"
    return secret[:3] + "…" + secret[-4:] if len(secret) > 10 else "****"


__all__ = ["Settings", "load_settings", "mask"]
