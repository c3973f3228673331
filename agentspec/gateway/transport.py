"""Transport-level retries that the user can see, and a check that the endpoint speaks JSON.

The openai SDK's own retries are silent, so the SDK gets max_retries=0 and this
transport retries 408/409/429/5xx and timeouts/connection errors itself: with
backoff and jitter, honouring retry-after(-ms), and one progress line per retry
("api_specifications: retrying (attempt 2 of 4, HTTP 503, waiting 0.5s)").

A 2xx answer that is not JSON (a web server's HTML page, a proxy's login page)
raises NotOpenAICompatible, which the gateway reports as an endpoint error
(exit 4) instead of letting the model "fail" the section.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from typing import Any, Callable

import httpx2

from agentspec.redact import redact

_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504}) | frozenset(range(520, 530))
_MAX_WAIT_S = 60.0


class NotOpenAICompatible(httpx2.TransportError):
    """A 2xx answer whose body is not JSON: the URL is not an OpenAI-compatible API."""

    def __init__(self, url: str, content_type: str, first_bytes: bytes) -> None:
        snippet = " ".join(first_bytes[:120].decode("utf-8", "replace").split())
        self.content_type, self.snippet = content_type or "(none)", snippet
        super().__init__(f"{url} answered HTTP 200 with content-type {self.content_type!r}, "
                         f"not OpenAI JSON; it begins: {snippet!r}")


def describe_non_json(response_body: bytes, content_type: str) -> str | None:
    """Why a 2xx body is not an OpenAI JSON answer, or None when it is JSON."""
    if "event-stream" in content_type:
        return None
    if "json" not in content_type.lower():
        return f"content-type {content_type or '(none)'!r}"
    try:
        json.loads(response_body or b"")
    except ValueError:
        return "a body that is not JSON"
    return None


def _emit(section: str, message: str) -> None:
    """One progress event (inside a LangGraph run), else a line on stderr."""
    try:
        from langgraph.config import get_stream_writer

        writer = get_stream_writer()
    except Exception:  # noqa: BLE001 - outside a graph run there is no writer
        writer = None
    if writer is not None:
        try:
            writer({"section": section, "status": "retrying", "detail": message})
            return
        except Exception:  # noqa: BLE001 - progress is best effort
            pass
    print(message, file=sys.stderr, flush=True)


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def backoff_s(retry: int, base_s: float = 0.5, cap_s: float = 8.0) -> float:
    """Delay before the retry-th retry (1-based): exponential, with up to 25% jitter off."""
    delay = min(cap_s, base_s * 2 ** (retry - 1))
    return round(delay * (1 - 0.25 * random.random()), 2)


class RetryTransport(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport, retries: int, *,
                 secrets: tuple[str, ...] = (), emit: Callable[[str, str], None] = _emit) -> None:
        self.inner, self.retries, self.secrets, self.emit = inner, max(0, retries), secrets, emit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        section = request.headers.get("x-agentspec-section") or "request"
        tries = self.retries + 1
        attempt = 1
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
                if attempt >= tries:
                    raise
                wait = backoff_s(attempt)
                why = "timed out" if isinstance(exc, httpx2.TimeoutException) else redact(type(exc).__name__, *self.secrets)
                self.emit(section, f"{section}: retrying (attempt {attempt + 1} of {tries}, {why}, waiting {wait:.1f}s)")
                await asyncio.sleep(wait)
                attempt += 1
                continue
            if response.status_code in _RETRY_STATUS and attempt < tries:
                hinted = _retry_after(response.headers)
                wait = min(_MAX_WAIT_S, hinted) if hinted is not None else backoff_s(attempt)
                await response.aclose()
                self.emit(section, f"{section}: retrying (attempt {attempt + 1} of {tries}, "
                                   f"HTTP {response.status_code}, waiting {wait:.1f}s)")
                await asyncio.sleep(wait)
                attempt += 1
                continue
            if 200 <= response.status_code < 300:
                content_type = response.headers.get("content-type", "")
                if "event-stream" not in content_type:
                    body = await response.aread()
                    if describe_non_json(body, content_type) is not None:
                        await response.aclose()
                        raise NotOpenAICompatible(str(request.url), content_type, body)
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def not_openai_compatible_in(exc: BaseException) -> NotOpenAICompatible | None:
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NotOpenAICompatible):
            return current
        stack += [current.__cause__, current.__context__]
    return None
