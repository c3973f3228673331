"""Example 1: API Client Integration (implementation-specialist): the client for the main external service.

In TypeScript it is written from the design (`derive`): the external API the feature
calls, with the base URL, timeout, retries and request rate External Service Integration
states, the credential from the spine's secret setting, authenticated the way the
provider's note says (providers.yaml `api`), retrying only what is safe to repeat: a read,
or a write the provider deduplicates by an idempotency key. In another language the model
writes it, and it must parse before it is rendered."""

from __future__ import annotations

from typing import Any

from agentspec.section import RenderContext
from agentspec.agents.knowledge.briefing import notes_for
from ._example_design import GENERATED_LANGUAGES, ExampleDesign, design_of, outbound_system, secret_of, service_of
from ._example_ts import comment, kebab, pascal, setting_reader
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of
from agentspec.agents.spine import ExternalSystem

HEADINGS = headings_of(__name__)


class ApiClientExample(CodeExample):
    """The API client for the feature's main external service."""


MODEL = ApiClientExample
MAX_TOKENS = 1200


def _intro(ctx: RenderContext) -> str:
    return f"This section provides practical code examples for integrating {ctx.brief.name} with existing systems and external services."


def render(data: ApiClientExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, _intro(ctx))


digest = example_digest
spine_checks = example_spine_checks


# ----------------------------------------------------------------------------- written from the design
FIRST_RETRY_MS = 500  # the first retry's delay when the provider sends no Retry-After; each next one doubles


def _api_note(system: ExternalSystem) -> Any | None:
    return next((n.api for n in notes_for(system) if n.api is not None), None)


def _account_setting(design: ExampleDesign, secret: str) -> str:
    """The setting naming the account a secret belongs to (Twilio's Account SID beside its Auth Token)."""
    prefix = secret.split("_", 1)[0]
    listed = next((s.name for s in design.spine.settings if s.name.startswith(prefix) and s.name.endswith(("_SID", "_ID"))), None)
    return listed or f"{prefix}_ACCOUNT_SID"


def _auth(design: ExampleDesign, system: ExternalSystem, secret: str) -> tuple[list[str], str, str | None]:
    """(comment lines, the axios.create option that authenticates, an extra setting it reads)."""
    api = _api_note(system)
    if api is None:
        return ([comment(f"{system.name}'s API reference fixes how a call authenticates; the design says "
                         f"\"{system.auth}\". No provider note describes the scheme: Bearer is shown, confirm it.")],
                f"headers: {{ Authorization: `Bearer ${{setting('{secret}')}}` }},", None)
    if api.auth == "basic_key_as_username":
        return ([comment(f"{system.name}: the API key is the basic-auth username, with no password ({api.source_url}).")],
                f"auth: {{ username: setting('{secret}'), password: '' }},", None)
    if api.auth == "basic_account_and_secret":
        account = _account_setting(design, secret)
        return ([comment(f"{system.name}: HTTP basic auth, the account (or API key) id as username and its secret as "
                         f"password ({api.source_url}). {account} is an identifier, not a secret.")],
                f"auth: {{ username: setting('{account}'), password: setting('{secret}') }},", account)
    return ([comment(f"{system.name}: the key as a bearer token ({api.source_url}).")],
            f"headers: {{ Authorization: `Bearer ${{setting('{secret}')}}` }},", None)


def client_program(design: ExampleDesign, system: ExternalSystem) -> str | None:
    service = service_of(design, system)
    secret = secret_of(design, system)
    if service is None or secret is None:
        return None
    name = pascal(system.name)
    api = _api_note(system)
    key_header = api.idempotency_header if api is not None else None
    auth_comment, auth_option, _ = _auth(design, system, secret.name)
    per_minute = service.requests_per_minute
    if key_header:
        writes = [comment(f"A write carries {key_header}: {system.name} answers a repeat with the first answer "
                          f"({api.idempotency_source_url}), so a write that got no answer is safe to send again.", "  "),
                  f"  const headers: Record<string, string> = method === 'get' ? {{}} : {{ '{key_header}': randomUUID() }};",
                  "  const mayRetry = true;"]
    else:
        writes = [comment(f"{system.name} documents no idempotency key: a write that got no answer may have happened, "
                          "so only reads are retried; a failed write goes to the failure policy instead.", "  "),
                  "  const headers: Record<string, string> = {};",
                  "  const mayRetry = method === 'get';"]
    if api is not None and api.body == "form":
        body = [comment(f"{system.name} takes a write's fields form-encoded ({api.source_url}).", "  "),
                "  const payload = method === 'get' ? { params: fields } : { data: new URLSearchParams(fields) };"]
    else:
        body = ["  const payload = method === 'get' ? { params: fields } : { data: fields };"]
    program = [
        "import axios, { AxiosError } from 'axios';",
        *(["import { randomUUID } from 'node:crypto';"] if key_header else []),
        "",
        setting_reader(),
        "",
        comment(f"{system.name}'s API as External Service Integration states it: {service.timeout_ms} ms timeout, "
                f"{service.retry_attempts} retries, {per_minute} requests per minute (burst {service.burst_limit})."),
        f"const TIMEOUT_MS = {service.timeout_ms};",
        f"const RETRIES = {service.retry_attempts};",
        f"const MIN_INTERVAL_MS = Math.ceil(60_000 / {per_minute});",
        f"const FIRST_RETRY_MS = {FIRST_RETRY_MS};",
        "",
        *auth_comment,
        f"export const {_client_name(system)} = axios.create({{",
        f"  baseURL: '{service.base_url}',",
        "  timeout: TIMEOUT_MS,",
        f"  {auth_option}",
        "});",
        "",
        "function sleep(ms: number): Promise<void> {",
        "  return new Promise((resolve) => setTimeout(resolve, ms));",
        "}",
        "",
        comment("Requests are spaced to stay under the rate limit in this process."),
        "let nextSlot = 0;",
        "async function takeSlot(): Promise<void> {",
        "  const now = Date.now();",
        "  const wait = Math.max(0, nextSlot - now);",
        "  nextSlot = Math.max(now, nextSlot) + MIN_INTERVAL_MS;",
        "  if (wait > 0) await sleep(wait);",
        "}",
        "",
        comment(f"No answer (a timeout, a dropped connection), 429 or a 5xx is worth another try; any other 4xx is "
                "this request's fault and is never retried."),
        "function retryable(error: unknown): error is AxiosError {",
        "  if (!axios.isAxiosError(error)) return false;",
        "  const status = error.response?.status;",
        "  return status === undefined || status === 429 || status >= 500;",
        "}",
        "",
        "function retryDelayMs(error: AxiosError, attempt: number): number {",
        "  const retryAfter = Number(error.response?.headers['retry-after']);",
        "  return retryAfter > 0 ? retryAfter * 1000 : FIRST_RETRY_MS * 2 ** attempt;",
        "}",
        "",
        f"export async function call{name}<T>(",
        "  method: 'get' | 'post' | 'delete',",
        "  path: string,",
        "  fields: Record<string, string> = {},",
        "): Promise<T> {",
        *writes,
        *body,
        "  for (let attempt = 0; ; attempt++) {",
        "    await takeSlot();",
        "    try {",
        f"      const response = await {_client_name(system)}.request<T>({{ method, url: path, headers, ...payload }});",
        "      return response.data;",
        "    } catch (error) {",
        "      if (!mayRetry || !retryable(error) || attempt >= RETRIES) throw error;",
        "      await sleep(retryDelayMs(error, attempt));",
        "    }",
        "  }",
        "}",
    ]
    return "\n".join(program)


def _client_name(system: ExternalSystem) -> str:
    return f"{pascal(system.name)[:1].lower()}{pascal(system.name)[1:]}Api"


def client_file(system: ExternalSystem) -> str:
    return f"src/{kebab(system.connects_to)}/{kebab(system.name)}-api-client.ts"


def derive(ctx: RenderContext) -> ApiClientExample | None:
    """The example written from the design, or None when the model writes it."""
    design = design_of(ctx, GENERATED_LANGUAGES)
    system = outbound_system(design) if design is not None else None
    if design is None or system is None:
        return None
    if design.language == "python":
        from . import _api_client_py as python  # it builds on this module's provider notes

        code, path, client = python.client_program(design, system), python.client_file(design, system), "httpx.Client"
    else:
        code, path, client = client_program(design, system), client_file(system), "axios instance"
    if code is None:
        return None
    service = service_of(design, system)
    api = _api_note(system)
    points = [f"one {client}: base URL, {service.timeout_ms} ms timeout and credentials set once",
              f"retries {service.retry_attempts} times on no answer, 429 or 5xx, honouring Retry-After, never on another 4xx",
              (f"writes carry {api.idempotency_header}, so a retried write happens once" if api is not None and api.idempotency_header
               else "writes are not retried: the provider documents no idempotency key"),
              f"requests spaced under {service.requests_per_minute} per minute"]
    purpose = f"How {system.connects_to} calls {system.name}'s API: {system.purpose.rstrip('.')}."
    return ApiClientExample.model_validate({"purpose": purpose[:160], "file_path": path, "code": code,
                                            "key_points": points})
