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
from agentspec.agents.http_api import PATH_PARAM, ApiPath, HttpMethod, OperationName, operation_name

from ._headings import headings_of

Integration = Literal["synchronous REST", "asynchronous (202 + job)", "webhook receiver", "external API proxy", "server-sent events"]


class Endpoint(SectionModel):
    """One of the design spine's endpoints, elaborated. The spine fixes the route,
    its kind and purpose; this section adds what the handler touches (`align` puts
    the spine's values back, so a re-decided route or kind never reaches the page)."""

    method: HttpMethod
    path: ApiPath = Field(description="the design spine's path, copied character for character")
    background_job: bool = Field(False, description="true when the call only starts background work and answers 202")
    dependencies: items(ShortText, 0, 4) = Field(description="exact table, external service and event names the handler touches, copied from the sections you depend on")

    @property
    def id(self) -> str:
        """Named after its route: `GET /api/v1/invoices/:invoiceId` is getInvoicesByInvoiceId."""
        params = PATH_PARAM.findall(self.path)
        by = "By" + "And".join(p[0].upper() + p[1:] for p in params) if params else ""
        return operation_name(f"{self.method} {self.path}") + by


class BackendIntegration(SectionModel):
    endpoints: items(Endpoint, 0, 6) = Field(description="one entry per endpoint of the design spine")
    business_logic: Text = Field(description="which service classes own the logic and what they do")
    transaction_management: Text = Field(description="transaction boundaries, isolation, outbox or idempotency keys")
    cache_strategy: Text | None = Field(None, description="only when the design spine has a cache: what is cached, key pattern, TTL and invalidation")

    @model_validator(mode="after")
    def _unique_routes(self) -> "BackendIntegration":
        """A route said twice is one decision said twice: keep the first."""
        seen: set[tuple[str, str]] = set()
        kept = []
        for ep in self.endpoints:
            shape = (ep.method, PATH_PARAM.sub(":", ep.path))
            if shape not in seen:
                seen.add(shape)
                kept.append(ep)
        self.endpoints = kept
        return self


def _route_key(method: str, path: str) -> tuple[str, str]:
    return method, PATH_PARAM.sub(":", path).lower()


def align(data: BackendIntegration, spine) -> BackendIntegration:  # noqa: ANN001 - agents.spine.DesignSpine
    """The endpoints are exactly the spine's backend endpoints, in its order: a route
    the spine lacks is dropped (the spine decided the API), one the answer left out is
    added with no dependencies named, and each keeps the dependencies the answer gave."""
    given = {_route_key(ep.method, ep.path): ep for ep in data.endpoints}
    by_path = {PATH_PARAM.sub(":", ep.path).lower(): ep for ep in data.endpoints}
    # A dependency is a table, a component or an external system of the spine; any other
    # name (a queue, a role) is not part of the design and is dropped.
    known = {t.table for t in spine.entities} | {c.id for c in spine.components} | {x.id for x in spine.external_systems}
    endpoints = []
    for e in _backend_endpoints(spine):
        mine = given.get(_route_key(e.method, e.path)) or by_path.get(PATH_PARAM.sub(":", e.path).lower())
        endpoints.append(Endpoint(method=e.method, path=e.path,
                                  dependencies=[d for d in mine.dependencies if d in known] if mine else [],
                                  background_job=bool(mine and mine.background_job)))
    return data.model_copy(update={"endpoints": endpoints})


def _backend_endpoints(spine) -> list:  # noqa: ANN001
    return [e for e in spine.endpoints if e.kind in ("rest", "webhook_receiver", "server_sent_events")]


def integration(ep: Endpoint, spine) -> Integration:  # noqa: ANN001
    """Derived, never asked: the spine's kind says what a route is, and a read is never a job."""
    kind = next((e.kind for e in (spine.endpoints if spine else []) if (e.method, e.path) == (ep.method, ep.path)), "rest")
    if kind == "webhook_receiver":
        return "webhook receiver"
    if kind == "server_sent_events":
        return "server-sent events"
    if ep.background_job and ep.method != "GET":
        return "asynchronous (202 + job)"
    return "synchronous REST"


def _purpose(ep: Endpoint, spine) -> str:  # noqa: ANN001
    return next((e.purpose for e in (spine.endpoints if spine else []) if (e.method, e.path) == (ep.method, ep.path)), "")


MODEL = BackendIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1800


def api_object(data: BackendIntegration, spine=None) -> str:  # noqa: ANN001
    endpoints = {
        ep.id: {
            "method": ep.method,
            "path": ep.path,
            "purpose": _purpose(ep, spine),
            "integration": integration(ep, spine),
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


def migration_strategy(spine) -> str:  # noqa: ANN001
    """Follows from which tables are new and which are altered; stated, never asked."""
    if spine is None:
        return "as the Data Migration Strategy section defines"
    new = [f"`{e.table}`" for e in spine.entities if e.change == "new"]
    altered = [f"`{e.table}`" for e in spine.entities if e.change == "altered"]
    said = []
    if new:
        said.append(f"additive: the release creates {', '.join(new)}, and rolling it back drops them")
    if altered:
        said.append(f"expand then contract on {', '.join(altered)}: columns are added without rewriting existing rows, "
                    "backfilled as the Data Migration Strategy states, and dropped only in a later release")
    return "; ".join(said) or "none: the feature changes no table"


def index_requirements(schema) -> str:  # noqa: ANN001 - agents.sections.database_schema.DatabaseSchema | None
    """The indexes the schema section declares, by table and column, so the two cannot differ."""
    from .database_schema import all_indexes, foreign_keys

    if schema is None:
        return "as the Database Integration Strategy section defines"
    keys = foreign_keys(schema)
    said = [f"`{t.name}({c.name})` unique" for t in schema.tables if not t.existing for c in t.columns if c.unique and not c.primary_key]
    said += [f"`{t.name}({', '.join(cols)})`{' unique' if unique else ''}"
             for t in schema.tables for _, cols, unique in all_indexes(t, keys)]
    return "; ".join(dict.fromkeys(said)) or "none beyond the primary keys"


def relationship_management(schema) -> str:  # noqa: ANN001
    """The foreign keys and what deleting a parent does, from the schema section."""
    from .database_schema import foreign_keys

    if schema is None:
        return "as the Database Integration Strategy section defines"
    keys = foreign_keys(schema)
    if not keys:
        return "none: no table of this feature references another, so writes and deletes touch one table each"
    return "; ".join(f"`{k.child}.{k.column}` references `{k.parent}.{k.parent_column}` (ON DELETE {k.on_delete})" for k in keys)


def event_handling(spine) -> str:  # noqa: ANN001
    if spine is None:
        return "as the Event-Driven Integration section defines"
    if not spine.events:
        return "none: the design has no events"
    return "; ".join(f"`{e.name}` from `{e.producer}`, handled by `{e.consumer}`" for e in spine.events)


def transactions(data: BackendIntegration, spine) -> str:  # noqa: ANN001
    """Receipt and processing are two transactions when the spine hands stored deliveries to a
    worker: the ninth-pass answer had one transaction "from storing a delivery until the worker
    processed it", so a slow write would hold the provider's request past its timeout."""
    from agentspec.agents.spine import holds_deliveries

    handed = [x for x in (spine.external_systems if spine is not None else []) if x.processed_by]
    if not handed:
        return data.transaction_management

    def kept_in(x) -> str:  # noqa: ANN001 - the deliveries table the receiver writes, unique on an event id
        table = next((e.table for e in spine.entities if e.owner == x.connects_to and holds_deliveries(e)), None)
        return f" in `{table}`" if table else ""

    return "; ".join(
        f"`{x.connects_to}` stores each {x.name} delivery{kept_in(x)} in one short transaction and "
        f"answers 2xx once it commits; `{x.processed_by}` then processes each stored delivery in a transaction of its own "
        "and marks it processed, or failed with its attempts and last error" for x in handed)


def cache_text(data: BackendIntegration, spine) -> str:  # noqa: ANN001
    from agentspec.agents.spine import applies

    used, reason = applies(spine, "cache")
    if not used:
        return f"none: {reason}"
    return data.cache_strategy or "as the Cache Integration section defines"


def render(data: BackendIntegration, ctx: RenderContext) -> str:
    spine = ctx.sections.get("design_spine")
    schema = ctx.sections.get("database_schema")
    endpoints = (fence("typescript", api_object(data, spine), indent=3) if data.endpoints
                 else "   None: the design has no HTTP endpoint of its own.")
    (section,) = HEADINGS
    return join_blocks(
        section,
        "\n".join([
            "1. **API Endpoints**",
            endpoints,
            "",
            "2. **Database Integration**",
            field("Schema Changes", schema_changes(spine), indent=3),
            field("Migration Strategy", migration_strategy(spine), indent=3),
            field("Index Requirements", index_requirements(schema), indent=3),
            field("Relationship Management", relationship_management(schema), indent=3),
            "",
            "3. **Service Layer Integration**",
            field("Business Logic Integration", data.business_logic, indent=3),
            field("Transaction Management", transactions(data, spine), indent=3),
            field("Event Handling", event_handling(spine), indent=3),
            field("Cache Integration", cache_text(data, spine), indent=3),
        ]),
    )


def digest(data: BackendIntegration) -> str:
    lines = ["Endpoints (method path, id): use these exact paths"]
    lines += [f"- {ep.method} {ep.path} ({ep.id})" for ep in data.endpoints]
    return "\n".join(lines)


def routes(data: BackendIntegration) -> set[tuple[str, str]]:
    """(method, path) pairs, for cross-section checks."""
    return {(ep.method, ep.path) for ep in data.endpoints}


_EVENT_LIKE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$")


def cross_checks(data: BackendIntegration, sections: dict) -> list[str]:
    """Dotted dependencies (e.g. invoice.paid) must be events that event_integration defines."""
    from .event_integration import event_names

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
    problems += [f"the design spine's endpoint {e.method} {e.path} is missing; add it" for e in _backend_endpoints(spine)
                 if (e.method, e.path) not in mine]
    return problems
