"""#### Backend Integration (implementation-specialist).

Endpoints render as the template's `apiIntegration` object; the Database and
Service Layer bullets are short, feature-specific statements that reuse the
schema and event names from the sections this one depends on."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items
from agents.http_api import PATH_PARAM, ApiPath, HttpMethod, OperationName, operation_name

Integration = Literal["synchronous REST", "asynchronous (202 + job)", "webhook receiver", "external API proxy", "server-sent events"]


class Endpoint(SectionModel):
    id: OperationName = Field(description="camelCase operation name: a verb plus this feature's resource")
    method: HttpMethod
    path: ApiPath = Field(description="versioned path /api/v1/<plural-resource>, then optional :camelCaseId and action segments, in lowercase kebab-case")
    purpose: ShortText = Field(description="what it does for the caller")
    integration: Integration
    dependencies: items(ShortText, 1, 4) = Field(description="exact table, external service and event names it touches, copied from the sections you depend on")


class BackendIntegration(SectionModel):
    endpoints: items(Endpoint, 1, 6)
    migration_strategy: Text = Field(description="how the schema and data ship safely (expand/contract, backfill, rollback)")
    index_requirements: Text = Field(description="indexes the endpoints' queries rely on, by table and column")
    relationship_management: Text = Field(description="how foreign keys and ownership are enforced on writes and deletes")
    business_logic: Text = Field(description="which service classes own the logic and what they do")
    transaction_management: Text = Field(description="transaction boundaries, isolation, outbox or idempotency keys")
    cache_strategy: Text | None = Field(None, description="only when the design spine has a cache: what is cached, key pattern, TTL and invalidation")

    @model_validator(mode="after")
    def _unique_routes(self) -> "BackendIntegration":
        ids: set[str] = set()
        routes: dict[tuple[str, str], str] = {}
        for ep in self.endpoints:
            if ep.id.lower() in ids:
                # Two endpoints under one name (the model wrote a component's name
                # for each): the route names the operation, and routes are unique.
                ep.id = operation_name(f"{ep.method} {ep.path}")
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


def schema_changes(spine) -> str:  # noqa: ANN001 - agents.spine.DesignSpine | None
    """Stated from the spine, so no section can say "no new tables" beside a schema that creates them."""
    if spine is None:
        return "as the Database Integration Strategy section defines"
    groups = [(change, [f"`{e.table}`" for e in spine.entities if e.change == change]) for change in ("new", "altered", "referenced")]
    said = [f"{label} tables {', '.join(names)}" for (change, names), label in zip(groups, ("new", "altered", "existing (read only)")) if names]
    return "; ".join(said) if said else "none: the feature stores no data of its own"


def event_handling(spine) -> str:  # noqa: ANN001
    if spine is None:
        return "as the Event-Driven Integration section defines"
    if not spine.events:
        return "none: the design has no events"
    return "; ".join(f"`{e.name}` from `{e.producer}`, handled by `{e.consumer}`" for e in spine.events)


def cache_text(data: BackendIntegration, spine) -> str:  # noqa: ANN001
    from agents.spine import applies

    used, reason = applies(spine, "cache")
    if not used:
        return f"none: {reason}"
    return data.cache_strategy or "as the Cache Integration section defines"


def render(data: BackendIntegration, ctx: RenderContext) -> str:
    spine = ctx.sections.get("design_spine")
    return join_blocks(
        "#### Backend Integration",
        "\n".join([
            "1. **API Endpoints**",
            fence("typescript", api_object(data), indent=3),
            "",
            "2. **Database Integration**",
            field("Schema Changes", schema_changes(spine), indent=3),
            field("Migration Strategy", data.migration_strategy, indent=3),
            field("Index Requirements", data.index_requirements, indent=3),
            field("Relationship Management", data.relationship_management, indent=3),
            "",
            "3. **Service Layer Integration**",
            field("Business Logic Integration", data.business_logic, indent=3),
            field("Transaction Management", data.transaction_management, indent=3),
            field("Event Handling", event_handling(spine), indent=3),
            field("Cache Integration", cache_text(data, spine), indent=3),
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


def spine_checks(data: BackendIntegration, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """The endpoints are the design spine's: none added, none of its REST endpoints left out."""
    known = {(e.method, e.path) for e in spine.endpoints}
    listing = ", ".join(f"{m} {p}" for m, p in sorted(known)) or "none"
    problems = [f"endpoint {ep.id} is {ep.method} {ep.path}, which the design spine does not define; use only: {listing}"
                for ep in data.endpoints if (ep.method, ep.path) not in known]
    mine = routes(data)
    problems += [f"the design spine's endpoint {e.method} {e.path} is missing; add it" for e in spine.endpoints
                 if e.kind in ("rest", "webhook_receiver") and (e.method, e.path) not in mine]
    return problems
