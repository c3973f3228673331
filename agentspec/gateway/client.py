"""The one place that builds model clients and makes LLM calls.

It owns the client, model choice per role, retries (transport: the openai SDK's
backoff with jitter that honours retry-after; validation: instructor re-asks),
token counting, cost, and the per-call usage record.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import ssl
import time
from typing import Any, TypeVar

import httpx2
import instructor
import openai
from instructor.core.exceptions import InstructorError, InstructorRetryException
from pydantic import BaseModel

from agentspec.errors import ConfigError, EndpointError
from agentspec.gateway import async_validator_scan
from agentspec.gateway.endpoint import Endpoint
from agentspec.gateway.grammar import grammar_schema
from agentspec.gateway.memo import MemoTransport
from agentspec.gateway.pricing import cost_usd
from agentspec.gateway.tokens import count_message_tokens, count_tokens
from agentspec.gateway.transport import RetryTransport, not_openai_compatible_in
from agentspec.gateway.usage import CallRecord
from agentspec.prompting import tool_parameters
from agentspec.redact import redact
from agentspec.settings import Settings

T = TypeVar("T", bound=BaseModel)

# Re-asks are counted through instructor's parse:error hook; a context variable
# keeps concurrent calls (asyncio tasks) from counting each other's errors.
_reask_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("reasks", default=None)


class StructuredCallFailed(Exception):
    """The model never produced valid output within the re-ask budget."""

    def __init__(self, message: str, record: CallRecord) -> None:
        super().__init__(message)
        self.record = record


def _count_parse_error(*_args: Any, **_kwargs: Any) -> None:
    counter = _reask_counter.get()
    if counter is not None:
        counter[0] += 1


_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)  # the openai SDK's defaults

async_validator_scan.install()


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx2.create_ssl_context()


def shared_tls_context() -> ssl.SSLContext:
    """One TLS context per process (per SSL_CERT_FILE/SSL_CERT_DIR, which httpx reads):
    loading the CA bundle costs ~25 ms, paid by every Gateway otherwise (an eval
    drafts many specs in one process). An SSLContext may be shared by connections."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


class Gateway:
    def __init__(self, settings: Settings, endpoint: Endpoint) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self._raw = openai.AsyncOpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            timeout=settings.timeout_for(endpoint.provider),
            # Transport retries happen in RetryTransport, where each one is shown.
            max_retries=0,
            # Inside a dataflow run, answers are kept by content for resume (memo.py).
            http_client=openai.DefaultAsyncHttpxClient(transport=MemoTransport(RetryTransport(
                httpx2.AsyncHTTPTransport(verify=shared_tls_context(), limits=_LIMITS),
                settings.transport_retries, secrets=(endpoint.api_key,)))),
        )
        self._client = instructor.from_openai(self._raw, mode=endpoint.instructor_mode)
        self._client.on("parse:error", _count_parse_error)
        # The concurrency cap lives here, around the HTTP call, not in LangGraph's
        # max_concurrency: that also counts the node awaiting its @task and deadlocks.
        self._slots = asyncio.Semaphore(settings.parallel_calls(endpoint.provider))

    async def aclose(self) -> None:
        await self._raw.close()

    def model_for(self, role: str, role_default: str | None = None) -> str:
        return self.settings.model_for(role, role_default)

    async def structured(
        self,
        *,
        response_model: type[T],
        messages: list[dict[str, str]],
        role: str,
        section: str,
        model: str,
        temperature: float,
        attempt: int = 0,
        max_tokens: int | None = None,
    ) -> tuple[T, CallRecord]:
        """One structured call. Raises EndpointError (resumable) or StructuredCallFailed."""
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "response_model": _wrapped(response_model),
            "temperature": temperature,
            "max_tokens": max_tokens or self.settings.max_output_tokens,
            "max_retries": self.settings.retry_budget()[0],
            "extra_headers": {"x-agentspec-section": section, "x-agentspec-role": role},
        }
        if self.endpoint.mode == "json_object_schema":
            schema = grammar_schema(response_model.model_json_schema())
            kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        elif self.endpoint.mode == "tools":
            # The documented tool replaces instructor's bare one in the request body
            # (same name, so instructor's tool_choice and parsing are unchanged).
            kwargs["extra_body"] = {"tools": [documented_tool(response_model)]}
        record = CallRecord(
            model=model, provider=self.endpoint.provider, role=role, section=section,
            attempt=attempt, started_at=time.time(),
        )
        counter = [0]
        token = _reask_counter.set(counter)
        start = time.perf_counter()
        try:
            async with self._slots:
                record.started_at = time.time()
                start = time.perf_counter()
                result, completion = await self._client.chat.completions.create_with_completion(**kwargs)
        except InstructorRetryException as exc:
            cause = _api_error_in(exc)
            if cause is not None:
                raise _endpoint_failure(cause, section, model, self.endpoint.api_key) from None
            record.status, record.error = "failed", _short(exc, self.endpoint.api_key)
            _fill_usage(record, getattr(exc, "total_usage", None), messages, "")
            # n_attempts counts the first try too: the re-asks are the tries after it.
            record.reasks = max(0, int(getattr(exc, "n_attempts", None) or counter[0]) - 1)
            raise StructuredCallFailed(record.error, record) from None
        except openai.APIError as exc:
            # `from None`: the original carries the raw response text, which may echo the key.
            raise _endpoint_failure(exc, section, model, self.endpoint.api_key) from None
        except InstructorError as exc:  # e.g. output cut at max_tokens: the section fails, the run goes on
            record.status, record.error = "failed", _short(exc, self.endpoint.api_key)
            _fill_usage(record, getattr(getattr(exc, "last_completion", None), "usage", None), messages, "")
            raise StructuredCallFailed(record.error, record) from None
        finally:
            _reask_counter.reset(token)
            record.duration_s = round(time.perf_counter() - start, 3)
        record.reasks = counter[0]
        _fill_usage(record, completion.usage, messages, result.model_dump_json())
        return result, record


@functools.cache
def _wrapped(response_model: type[T]) -> type[T]:
    """instructor's response-schema subclass of a model, made once per model.

    instructor otherwise builds a new pydantic class on every call (~10 ms of
    CPU each, and every schema cache misses on the new class); it skips that for
    a model that already is one."""
    return instructor.openai_schema(response_model)


@functools.cache
def documented_tool(response_model: type[BaseModel]) -> dict[str, Any]:
    """instructor's function tool for the model with the documented parameters
    (prompting.tool_parameters) instead of the bare wire schema."""
    function = dict(_wrapped(response_model).openai_schema)  # type: ignore[attr-defined]
    function["parameters"] = tool_parameters(response_model)
    return {"type": "function", "function": function}


def _api_error_in(exc: BaseException) -> openai.APIError | None:
    """instructor wraps transport errors in its retry exception; find the original."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    for attempt in getattr(exc, "failed_attempts", None) or []:
        stack.append(getattr(attempt, "exception", None))
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, openai.APIError):
            return current
        stack += [current.__cause__, current.__context__]
    return None


_RESUME_HINT = "check the endpoint, then resume the run"


def _endpoint_failure(exc: openai.APIError, section: str, model: str, secret: str | None = None) -> Exception:
    """Map an openai error to what the user can do about it. Every text is redacted."""
    foreign = not_openai_compatible_in(exc)
    if foreign is not None:
        return EndpointError(
            f"the endpoint is not OpenAI-compatible: {_short(foreign, secret)}",
            hint="set OPENAI_BASE_URL to the API's base URL (usually ending in /v1), then resume the run")
    if isinstance(exc, openai.NotFoundError):
        return ConfigError(f"the endpoint does not know model {model!r}: {_short(exc, secret)}",
                           hint="set AGENTSPEC_MODEL to a model the endpoint serves")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ConfigError("the endpoint rejected the API key", hint="check OPENAI_API_KEY")
    if isinstance(exc, openai.BadRequestError):
        return EndpointError(f"the endpoint refused the request for section {section!r}: {_short(exc, secret)}",
                             hint="check AGENTSPEC_INSTRUCTOR_MODE for this provider, then resume the run")
    status = getattr(exc, "status_code", None)
    what = f"HTTP {status}" if status else type(exc).__name__
    if isinstance(exc, openai.APITimeoutError):
        what = "timed out; AGENTSPEC_REQUEST_TIMEOUT_S sets the limit"
    return EndpointError(f"model endpoint failed for section {section!r} ({what}): {_short(exc, secret)}",
                         hint=_RESUME_HINT)


def _fill_usage(record: CallRecord, usage: Any, messages: list[dict[str, str]], output: str) -> None:
    """Prefer the server's usage; count with tiktoken when a server reports none."""
    prompt = getattr(usage, "prompt_tokens", None) if usage is not None else None
    completion = getattr(usage, "completion_tokens", None) if usage is not None else None
    record.input_tokens = prompt if prompt is not None else count_message_tokens(messages, record.model)
    record.output_tokens = completion if completion is not None else count_tokens(output, record.model)
    record.cost_usd = cost_usd(record.model, record.provider, record.input_tokens, record.output_tokens)


def _short(exc: BaseException, secret: str | None = None, limit: int = 300) -> str:
    """One line of an exception's text, with keys masked (agentspec.redact)."""
    text = redact(" ".join(str(exc).split()), secret)
    return text if len(text) <= limit else text[:limit] + "…"
