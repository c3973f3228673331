"""What the code examples are written from: the design spine and the drafted schema and
services, read once (not a section itself: the registry only loads the ids in sections.yaml).

A small model writing a program from a description of the design got the design wrong
more often than the language: the recorded Stripe draft's examples imported a
`createClient` that `pg` does not have, called the admin page's path on Stripe's API,
used a timeout the spec did not state and invented a `getEventIntegration` module, and
the review pass's redraft left them so. Everything those programs need is decided
already (which table a worker writes, the column it is unique on, which column orders
updates, where failed work waits, how often to retry, which setting holds the secret),
so code writes them from those decisions: they type-check by construction and name only
what the spine defines. The model still writes an example the design cannot (another
language than TypeScript, a design without the element the example is about)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentspec.section import RenderContext
from ._context import section_data
from agentspec.agents.spine import DesignSpine, Entity, ExternalSystem, Setting, failure_store, secrets_of

# The languages the examples are generated in; other languages are drafted by the model.
GENERATED_LANGUAGE = "typescript"
GENERATED_LANGUAGES = (GENERATED_LANGUAGE, "python")
# The driver and HTTP client the brief declares for TypeScript (agents/brief.py LIBRARIES).
DRIVER, HTTP_CLIENT, TEST_RUNNER = "pg", "axios", "vitest"


@dataclass(frozen=True)
class ExampleDesign:
    spine: DesignSpine
    schema: Any | None  # agents.sections.database_schema.DatabaseSchema
    services: Any | None  # agents.sections.external_services.ExternalServices
    feature: str  # the feature's name, for prose
    language: str = GENERATED_LANGUAGE
    repo: dict[str, Any] | None = None  # what `draft --repo` found: where a Python package lives

    def table(self, name: str) -> Any | None:
        return next((t for t in (self.schema.tables if self.schema else []) if t.name == name), None)

    def columns(self, name: str) -> list[Any]:
        from .database_schema import all_columns

        table = self.table(name)
        return all_columns(table) if table is not None else []

    def column(self, table: str, name: str) -> Any | None:
        return next((c for c in self.columns(table) if c.name == name), None)


def design_of(ctx: RenderContext, languages: tuple[str, ...] = (GENERATED_LANGUAGE,)) -> ExampleDesign | None:
    """The design to write examples from, or None when they are the model's to write: a
    language the caller does not generate, or no spine."""
    language = getattr(ctx.brief, "code_language", None)
    if language not in languages:
        return None
    spine = section_data(ctx, "design_spine")
    if not isinstance(spine, DesignSpine):
        return None
    return ExampleDesign(spine=spine, schema=section_data(ctx, "database_schema"),
                         services=section_data(ctx, "external_services"), feature=str(getattr(ctx.brief, "name", "")),
                         language=str(language), repo=getattr(ctx, "repo", None))


def work_table(design: ExampleDesign) -> Entity | None:
    """The table work waits in until a worker has done it: the failure policy's store, when
    the schema gives it the status and attempts columns the worker moves."""
    store = failure_store(design.spine)
    if store is None or store.change == "referenced":
        return None
    names = {c.name for c in design.columns(store.table)}
    return store if {"status", "attempts"} <= names else None


def written_record(design: ExampleDesign) -> Entity | None:
    """The table the feature keeps its synced or created records in: one of its own, not the
    work table, drafted in the schema; one unique on a key comes first, then one with an
    order of updates."""
    work = work_table(design)
    candidates = [e for e in design.spine.entities
                  if e.change != "referenced" and (work is None or e.table != work.table) and design.table(e.table) is not None
                  and not _bookkeeping(e)]
    candidates.sort(key=lambda e: (not e.unique, not (e.version_column or e.version_order)))
    return candidates[0] if candidates else None


def _bookkeeping(entity: Entity) -> bool:
    # A cursor or failure table is the worker's own state, not the record the feature is about.
    return entity.table.endswith(("_cursors", "_cursor", "_failures", "_locks"))


def inbound_system(design: ExampleDesign) -> ExternalSystem | None:
    """The external system that calls the feature, when a receiver endpoint of the spine takes it."""
    return next((x for x in design.spine.external_systems
                 if x.direction == "inbound_webhook" and receiver_path(design, x) is not None), None)


def receiver_path(design: ExampleDesign, system: ExternalSystem) -> str | None:
    receivers = [e for e in design.spine.endpoints if e.kind == "webhook_receiver"]
    chosen = next((e for e in receivers if e.caller == system.id), receivers[0] if receivers else None)
    return chosen.path if chosen is not None else None


def outbound_system(design: ExampleDesign) -> ExternalSystem | None:
    """The external API the feature calls: a read-back or a send, not a file server."""
    return next((x for x in design.spine.external_systems if x.direction in ("outbound_api", "outbound_notification")), None)


def service_of(design: ExampleDesign, system: ExternalSystem) -> Any | None:
    """The External Service Integration entry for a system (its base URL, timeout, retries)."""
    services = list(design.services.services) if design.services else []
    same = [s for s in services if s.name.strip().lower() == system.name.strip().lower()]
    return same[0] if same else (services[0] if len(services) == 1 else None)


def secret_of(design: ExampleDesign, system: ExternalSystem) -> Setting | None:
    """The setting that holds the system's signing secret (an inbound webhook) or its API
    credential, by the rule coverage judges the design with; any secret named after the system
    when that rule finds none."""
    from agentspec.agents.knowledge.coverage import secret_for

    return secret_for(design.spine, system) or next(iter(secrets_of(design.spine, system)), None)
