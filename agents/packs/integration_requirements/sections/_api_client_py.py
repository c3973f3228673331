"""Example 1 in Python, written from the design as the TypeScript one is (example_api_client): the
external API the feature calls, through one `httpx.Client` with the base URL, timeout, retries and
request rate External Service Integration states, authenticated the way the provider's note says,
retrying only what is safe to repeat (a read, or a write the provider deduplicates by an
idempotency key). httpx is the brief's Python HTTP client (agents/brief.py LIBRARIES)."""

from __future__ import annotations

from agentspec.agents.spine import ExternalSystem

from ._example_design import ExampleDesign, secret_of, service_of
from ._example_py import comment, docstring, package_root, setting_reader, snake
from .example_api_client import FIRST_RETRY_MS, _account_setting, _api_note


def client_file(design: ExampleDesign, system: ExternalSystem) -> str:
    return f"{package_root(design.repo)}/{snake(system.connects_to)}/{snake(system.name)}_api_client.py"


def _auth(design: ExampleDesign, system: ExternalSystem, secret: str) -> tuple[list[str], str]:
    """(comment lines, the httpx.Client argument that authenticates)."""
    api = _api_note(system)
    if api is None:
        return ([comment(f"{system.name}'s API reference fixes how a call authenticates; the design says \"{system.auth}\". "
                         "No provider note describes the scheme: Bearer is shown, confirm it.")],
                f"headers={{'Authorization': f'Bearer {{setting({secret!r})}}'}}")
    if api.auth == "basic_key_as_username":
        return ([comment(f"{system.name}: the API key is the basic-auth username, with no password ({api.source_url}).")],
                f"auth=(setting({secret!r}), '')")
    if api.auth == "basic_account_and_secret":
        account = _account_setting(design, secret)
        return ([comment(f"{system.name}: HTTP basic auth, the account (or API key) id as username and its secret as "
                         f"password ({api.source_url}). {account} is an identifier, not a secret.")],
                f"auth=(setting({account!r}), setting({secret!r}))")
    return ([comment(f"{system.name}: the key as a bearer token ({api.source_url}).")],
            f"headers={{'Authorization': f'Bearer {{setting({secret!r})}}'}}")


def client_program(design: ExampleDesign, system: ExternalSystem) -> str | None:
    service, secret = service_of(design, system), secret_of(design, system)
    if service is None or secret is None:
        return None
    api = _api_note(system)
    key_header = api.idempotency_header if api is not None else None
    auth_comment, auth_argument = _auth(design, system, secret.name)
    call = f"call_{snake(system.name)}"
    if key_header:
        writes = [comment(f"A write carries {key_header}: {system.name} answers a repeat with the first answer "
                          f"({api.idempotency_source_url}), so a write that got no answer is safe to send again.", "    "),
                  f"    headers = {{}} if method == 'GET' else {{{key_header!r}: str(uuid.uuid4())}}",
                  "    may_retry = True"]
    else:
        writes = [comment(f"{system.name} documents no idempotency key: a write that got no answer may have happened, "
                          "so only reads are retried; a failed write goes to the failure policy instead.", "    "),
                  "    headers: dict[str, str] = {}",
                  "    may_retry = method == 'GET'"]
    form = api is not None and api.body == "form"
    body = ([comment(f"{system.name} takes a write's fields form-encoded ({api.source_url}).", "    ")] if form else []) + [
        f"    payload: dict[str, Any] = {{'params': fields}} if method == 'GET' else {{{'data' if form else 'json'!r}: fields}}"]
    lines = [
        *docstring(f"How {system.connects_to} calls {system.name}'s API: {service.timeout_ms} ms timeout, "
                   f"{service.retry_attempts} retries, {service.requests_per_minute} requests per minute."),
        "",
        "from __future__ import annotations",
        "",
        "import os",
        "import threading",
        "import time",
        *(["import uuid"] if key_header else []),
        "from typing import Any",
        "",
        "import httpx",
        "",
        f"TIMEOUT_S = {service.timeout_ms / 1000:g}",
        f"RETRIES = {service.retry_attempts}",
        f"MIN_INTERVAL_S = 60 / {service.requests_per_minute}",
        f"FIRST_RETRY_S = {FIRST_RETRY_MS / 1000:g}",
        "",
        "",
        *setting_reader(),
        "",
        "",
        *auth_comment,
        f"client = httpx.Client(base_url={service.base_url!r}, timeout=TIMEOUT_S, {auth_argument})",
        "",
        comment("Requests are spaced to stay under the rate limit in this process."),
        "_slot_lock = threading.Lock()",
        "_next_slot = 0.0",
        "",
        "",
        "def _take_slot() -> None:",
        "    global _next_slot",
        "    with _slot_lock:",
        "        now = time.monotonic()",
        "        wait = max(0.0, _next_slot - now)",
        "        _next_slot = max(now, _next_slot) + MIN_INTERVAL_S",
        "    if wait > 0:",
        "        time.sleep(wait)",
        "",
        "",
        "def _retryable(error: Exception) -> bool:",
        comment("No answer (a timeout, a dropped connection), 429 or a 5xx is worth another try; any other 4xx is "
                "this request's fault and is never retried.", "    "),
        "    if isinstance(error, httpx.TransportError):",
        "        return True",
        "    return isinstance(error, httpx.HTTPStatusError) and (error.response.status_code == 429"
        " or error.response.status_code >= 500)",
        "",
        "",
        "def _retry_delay_s(error: Exception, attempt: int) -> float:",
        "    if isinstance(error, httpx.HTTPStatusError):",
        "        retry_after = error.response.headers.get('retry-after', '')",
        "        if retry_after.isdigit():",
        "            return float(retry_after)",
        "    return float(FIRST_RETRY_S * 2 ** attempt)",
        "",
        "",
        f"def {call}(method: str, path: str, fields: dict[str, str] | None = None) -> Any:",
        "    fields = fields or {}",
        *writes,
        *body,
        "    attempt = 0",
        "    while True:",
        "        _take_slot()",
        "        try:",
        "            response = client.request(method, path, headers=headers, **payload)",
        "            response.raise_for_status()",
        "            return response.json()",
        "        except (httpx.TransportError, httpx.HTTPStatusError) as error:",
        "            if not may_retry or not _retryable(error) or attempt >= RETRIES:",
        "                raise",
        "            time.sleep(_retry_delay_s(error, attempt))",
        "            attempt += 1",
    ]
    return "\n".join(lines) + "\n"
