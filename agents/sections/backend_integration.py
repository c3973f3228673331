"""#### Backend Integration (implementation-specialist).

Endpoints render as the template's `apiIntegration` object; the Database and
Service Layer bullets are short, feature-specific statements that reuse the
schema and event names from the sections this one depends on."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Integration = Literal["synchronous REST", "asynchronous (202 + job)", "webhook receiver", "external API proxy", "server-sent events"]
EndpointId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][A-Za-z0-9]{2,40}$")]
PATH_PARAM = re.compile(r":([a-z][a-zA-Z0-9]*)")  # a :param path segment (api_specifications too)


_LITERAL_SEGMENT_SEPARATORS = re.compile(r"[._\s]+")


def _tidy_path(path: object) -> object:
    """`/api/v1/webhooks/invoice.paid` or `/api/v1/Sync_Status/{invoiceId}` ->
    `/api/v1/webhooks/invoice-paid`, `/api/v1/sync-status/:invoiceId`.

    Dots, underscores and capitals in a literal segment, and `{param}`, have one
    meaning in a URL path; a small model writes them often, so code fixes them
    instead of a re-ask. Anything else is left to the pattern."""
    if not isinstance(path, str):
        return path
    segments = path.strip().split("/")
    tidy: list[str] = []
    for segment in segments:
        braced = re.fullmatch(r"\{([a-z][a-zA-Z0-9]*)\}", segment)
        if braced:
            segment = ":" + braced.group(1)
        elif not segment.startswith(":"):
            segment = _LITERAL_SEGMENT_SEPARATORS.sub("-", segment).strip("-").lower()
        tidy.append(segment)
    return "/".join(tidy)


def _check_path(path: str) -> str:
    params = PATH_PARAM.findall(path)
    if len(set(params)) != len(params):
        raise ValueError(f"path {path} repeats a :param name; each path parameter needs its own name")
    if path.endswith("/"):
        raise ValueError(f"path {path} ends with a slash; drop it")
    return path


ApiPath = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^/api/v[0-9]+(/([a-z0-9][a-z0-9-]*|:[a-z][a-zA-Z0-9]*))+$"),
    BeforeValidator(_tidy_path),
    AfterValidator(_check_path),
]


class Endpoint(SectionModel):
    id: EndpointId = Field(description="camelCase operation name, e.g. createInvoice")
    method: HttpMethod
    path: ApiPath = Field(description="versioned path with :param segments, e.g. /api/v1/invoices/:invoiceId/pay")
    purpose: ShortText = Field(description="what it does for the caller")
    integration: Integration
    dependencies: items(ShortText, 1, 4) = Field(description="exact table, service and event names it touches, e.g. invoices, Stripe API, invoice.paid")


class BackendIntegration(SectionModel):
    endpoints: items(Endpoint, 2, 6)
    schema_changes: Text = Field(description="one or two sentences: tables/columns added, by exact name")
    migration_strategy: Text = Field(description="how the schema and data ship safely (expand/contract, backfill, rollback)")
    index_requirements: Text = Field(description="indexes the endpoints' queries rely on, by table and column")
    relationship_management: Text = Field(description="how foreign keys and ownership are enforced on writes and deletes")
    business_logic: Text = Field(description="which service classes own the logic and what they do")
    transaction_management: Text = Field(description="transaction boundaries, isolation, outbox or idempotency keys")
    event_handling: Text = Field(description="which events are published or consumed, by exact name, and when")
    cache_strategy: Text = Field(description="what is cached, key pattern, TTL and invalidation")

    @model_validator(mode="after")
    def _unique_routes(self) -> "BackendIntegration":
        ids: set[str] = set()
        routes: dict[tuple[str, str], str] = {}
        for ep in self.endpoints:
            if ep.id.lower() in ids:
                raise ValueError(f"duplicate endpoint id {ep.id!r}; ids must be unique")
            ids.add(ep.id.lower())
            shape = (ep.method, PATH_PARAM.sub(":", ep.path))
            if shape in routes:
                raise ValueError(f"duplicate endpoint {ep.method} {ep.path} (same route as {routes[shape]}); each method + path must be unique")
            routes[shape] = f"{ep.method} {ep.path}"
            if ep.integration == "webhook receiver" and ep.method != "POST":
                raise ValueError(f"webhook receiver {ep.id} must use POST, not {ep.method}")
            if ep.integration == "asynchronous (202 + job)" and ep.method == "GET":
                raise ValueError(f"{ep.id} is asynchronous (202 + job) but uses GET; start jobs with POST")
        return self


MODEL = BackendIntegration
MAX_TOKENS = 1800


def api_object(data: BackendIntegration) -> str:
    endpoints = {
        ep.id: {
            "method": ep.method,
            "path": ep.path,
            "purpose": ep.purpose,
            "integration": ep.integration,
            "dependencies": list(ep.dependencies),
        }
        for ep in data.endpoints
    }
    return ts_const("apiIntegration", {"endpoints": endpoints}, "API integration points")


def render(data: BackendIntegration, ctx: RenderContext) -> str:
    return join_blocks(
        "#### Backend Integration",
        "\n".join([
            "1. **API Endpoints**",
            fence("typescript", api_object(data), indent=3),
            "",
            "2. **Database Integration**",
            field("Schema Changes", data.schema_changes, indent=3),
            field("Migration Strategy", data.migration_strategy, indent=3),
            field("Index Requirements", data.index_requirements, indent=3),
            field("Relationship Management", data.relationship_management, indent=3),
            "",
            "3. **Service Layer Integration**",
            field("Business Logic Integration", data.business_logic, indent=3),
            field("Transaction Management", data.transaction_management, indent=3),
            field("Event Handling", data.event_handling, indent=3),
            field("Cache Integration", data.cache_strategy, indent=3),
        ]),
    )


def digest(data: BackendIntegration) -> str:
    lines = ["Endpoints (method path, id): use these exact paths"]
    lines += [f"- {ep.method} {ep.path} ({ep.id}): {ep.purpose}" for ep in data.endpoints]
    return "\n".join(lines)


def routes(data: BackendIntegration) -> set[tuple[str, str]]:
    """(method, path) pairs, for cross-section checks."""
    return {(ep.method, ep.path) for ep in data.endpoints}


_EVENT_LIKE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$")


def cross_checks(data: BackendIntegration, sections: dict) -> list[str]:
    """Dotted dependencies (e.g. invoice.paid) must be events that event_integration defines."""
    from agents.sections.event_integration import event_names

    events = sections.get("event_integration")
    if events is None:
        return []
    known = event_names(events)
    return [
        f"backend_integration endpoint {ep.id} depends on event {dep!r}, which event_integration does not define (events: {sorted(known)})"
        for ep in data.endpoints
        for dep in ep.dependencies
        if _EVENT_LIKE.match(dep) and dep not in known
    ]
