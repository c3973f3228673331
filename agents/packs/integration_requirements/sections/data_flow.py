"""## Data Integration / ### Data Flow Architecture (integration-specialist).

Sources and destinations render as the template's `dataFlow` object. Each
source names the destinations it feeds, and validators keep that graph closed."""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import ts_const, ts_identifier
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items, means_none
from agentspec.agents.spine import named_after

from ._headings import headings_of

SourceType = Literal["REST API", "Webhook", "Database", "Message Queue", "Event Stream", "File Import", "User Input"]
DestinationType = Literal[
    "PostgreSQL table", "Cache", "Message Queue", "Event Stream", "Data Warehouse", "Search Index", "External API", "Object Storage",
]
DataFormat = Literal["JSON", "CSV", "XML", "Avro", "Protobuf", "Parquet", "SQL rows", "form data"]


AS_RECEIVED = "none: stored as received"


def _none_is_as_received(value: object) -> object:
    """"none" is a real answer for a transformation: the data is stored unchanged."""
    return AS_RECEIVED if means_none(value) else value


def _dots_as_words(value: object) -> object:
    """`order_notification.delivered` (an event's name where a flow's name belongs) is the
    same name: its system and what arrives, which is what a flow name says. The recorded
    Twilio draft's data flow failed twice on exactly that, with nothing else wrong."""
    return value.strip().replace(".", "_") if isinstance(value, str) else value


FlowName = Annotated[Ident, BeforeValidator(_dots_as_words)]


class Source(SectionModel):
    name: FlowName = Field(description="snake_case source name: the system or input it comes from, plus what arrives")
    type: SourceType
    format: DataFormat
    frequency: ShortText = Field(description="how often data arrives: real-time per message, a schedule with its interval, or on user action")
    transformation: Annotated[ShortText, BeforeValidator(_none_is_as_received)] = Field(
        description="what is mapped, validated or enriched on the way")
    feeds: items(FlowName, 1, 3) = Field(description="names of destinations this source feeds")


class Destination(SectionModel):
    name: FlowName = Field(description="snake_case destination name: the store or system where the data lands")
    type: DestinationType
    format: DataFormat
    schedule: ShortText = Field(description="when data is written or synced: in the request transaction, by a background job with its interval, or in batches")
    tables: items(Ident, 0, 4) = Field(default_factory=list, description="for a PostgreSQL destination: exact table names from database_schema")


class DataFlow(SectionModel):
    sources: items(Source, 1, 4)
    destinations: items(Destination, 1, 4)

    @model_validator(mode="before")
    @classmethod
    def _feeds_by_table(cls, data: Any) -> Any:
        """A source that feeds a table names the store it feeds: the destination that
        lists the table, or else a PostgreSQL destination of that table (which
        cross_checks then holds to database_schema). Fixed here, not re-asked."""
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not isinstance(data.get("destinations"), list):
            return data
        data = copy.deepcopy(data)  # the caller's answer stays as given
        destinations = [d for d in data["destinations"] if isinstance(d, dict)]
        names = {d.get("name") for d in destinations}
        holder = {t: d.get("name") for d in destinations for t in (d.get("tables") or []) if isinstance(t, str)}
        named = {t for s in data["sources"] if isinstance(s, dict) and isinstance(s.get("feeds"), list)
                 for t in s["feeds"] if isinstance(t, str)}
        reached = {holder.get(t, t) for t in named}
        # A feed naming neither a destination nor a table is the code in between (both
        # sixth-pass Stripe answers fed `worker_stripe_invoice_sync` and left the store it
        # writes unfed; the re-ask returned the same answer): the data goes on to the stores
        # nothing else feeds.
        unfed = [d.get("name") for d in destinations if d.get("name") not in reached]
        for source in data["sources"]:
            if not isinstance(source, dict) or not isinstance(source.get("feeds"), list):
                continue
            feeds = []
            for target in source["feeds"]:
                if isinstance(target, str) and target not in names and target not in holder and unfed:
                    feeds += [u for u in unfed if u not in feeds]
                    continue
                if isinstance(target, str) and target not in names:
                    if target in holder:
                        target = holder[target]
                    elif len(destinations) < 4:
                        destinations.append({"name": target, "type": "PostgreSQL table", "format": "SQL rows",
                                             "schedule": (destinations[0].get("schedule") if destinations else None)
                                             or "in the request transaction", "tables": [target]})
                        names.add(target)
                if target not in feeds:
                    feeds.append(target)
            source["feeds"] = feeds
        return {**data, "destinations": destinations}

    @model_validator(mode="after")
    def _closed(self) -> "DataFlow":
        keys: set[str] = set()
        for node in [*self.sources, *self.destinations]:
            key = ts_identifier(node.name)
            if key in keys:
                raise ValueError(f"duplicate source/destination name {node.name!r}; names must be unique")
            keys.add(key)
        destinations = {d.name for d in self.destinations}
        for source in self.sources:
            unknown = [f for f in source.feeds if f not in destinations]
            if unknown:
                raise ValueError(f"source {source.name} feeds {unknown}, which are not destinations; use one of {sorted(destinations)}")
        fed = {f for s in self.sources for f in s.feeds}
        unfed = [d.name for d in self.destinations if d.name not in fed]
        if unfed:
            raise ValueError(f"destinations {unfed} are fed by no source; add them to a source's feeds or remove them")
        for dest in self.destinations:
            if dest.type == "PostgreSQL table" and not dest.tables:
                raise ValueError(f"destination {dest.name} is a PostgreSQL table; list the tables it writes (names from database_schema)")
            if len(set(dest.tables)) != len(dest.tables):
                raise ValueError(f"destination {dest.name} lists a table twice")
        return self


MODEL = DataFlow
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1100


def align(data: DataFlow, spine) -> DataFlow:  # noqa: ANN001 - agents.spine.DesignSpine
    """A source that is one of the spine's external systems crosses the way the spine says, as
    often as it says: a webhook per delivery, a system a scheduler reads on the scheduler's
    period (the tenth-pass Stripe answer had the webhook arriving "every 1 h" and the reconciler
    "real-time"). A destination is a store: one named after a service or worker is the design's
    database. A PostgreSQL destination writes the spine's tables: a table the spine lacks is
    dropped from it, and a destination left with none writes the tables the feature creates or
    alters (the recorded Stripe answer wrote a `billing_data` table nobody decided). With one
    database in the design, every PostgreSQL destination is it, under its spine id."""
    decided = [e.table for e in spine.entities]
    written = [e.table for e in spine.entities if e.change != "referenced"] or decided
    own = {c.id for c in spine.components}
    databases = [c.id for c in spine.components if c.kind == "database"]
    sources = [_as_the_spine_says(source, spine) for source in _no_store_feeds_itself(data.sources, spine, data.destinations)]
    database = databases[0] if len(databases) == 1 else None
    renamed: dict[str, str] = {}
    destinations: list[Destination] = []
    for dest in data.destinations:
        if dest.type == "PostgreSQL table" and database and dest.name != database and (
                dest.name not in own or dest.name not in databases):
            # The design's one database is where its tables land, whatever the answer called it.
            renamed[dest.name] = database
            dest = dest.model_copy(update={"name": database})
        if dest.type == "PostgreSQL table" and decided:
            tables = [t for t in dest.tables if t in written] or written[:4]  # a referenced table is read, not written
            dest = dest if tables == list(dest.tables) else dest.model_copy(update={"tables": tables})
        same = next((d for d in destinations if d.name == dest.name), None)
        if same is not None:  # two entries for one store: one, writing what both wrote
            index = destinations.index(same)
            destinations[index] = same.model_copy(update={"tables": list(dict.fromkeys([*same.tables, *dest.tables]))[:4]})
            continue
        destinations.append(dest)
    if renamed:
        sources = [s.model_copy(update={"feeds": list(dict.fromkeys(renamed.get(f, f) for f in s.feeds))}) for s in sources]
    return data.model_copy(update={"sources": sources, "destinations": destinations})


_OWN_STORE = re.compile(r"(^|_)(db|database|postgres|postgresql|mysql|store)($|_)")


def _no_store_feeds_itself(sources: list[Source], spine, destinations: list[Destination]) -> list[Source]:  # noqa: ANN001
    """The design's own database is no source of its own data: the eleventh-pass Stripe answer had
    `postgres_database` feeding the database every hour, where the reconciler reads Stripe's API.
    Such a source (no external system of the spine, a database by its type or name, feeding only
    the design's stores) is the system the design reads that no other source names, with that
    system's id; else it is dropped while another source remains."""
    stores = {d.name for d in destinations if d.type == "PostgreSQL table"} | {c.id for c in spine.components if c.kind == "database"}
    named = {x.id for x in (_system_of(s, spine) for s in sources) if x is not None}
    unread = [x for x in spine.external_systems if x.direction in ("outbound_api", "polling", "file_import", "inbound_stream")
              and x.id not in named]
    kept: list[Source] = []
    for source in sources:
        loop = (_system_of(source, spine) is None and (source.type == "Database" or _OWN_STORE.search(source.name))
                and set(source.feeds) <= stores)
        if not loop:
            kept.append(source)
        elif unread:
            system = unread.pop(0)
            kept.append(source.model_copy(update={"name": system.id, "type": _SOURCE_TYPE[system.direction]}))
        elif len(sources) > 1:
            continue
        else:
            kept.append(source)
    return kept


def _system_of(source: Source, spine):  # noqa: ANN001, ANN202 - agents.spine.ExternalSystem | None
    """The spine's external system a source is: by id, by name, or by the component that receives or processes it."""
    systems = spine.external_systems
    exact = next((x for x in systems if x.id == source.name), None)
    if exact is not None:
        return exact
    for candidates in ([x for x in systems if named_after(source.name, x)],
                       [x for x in systems if source.name in (x.connects_to, x.processed_by)],
                       [x for x in systems if source.type == "Webhook" and x.direction == "inbound_webhook"]):
        if len(candidates) == 1:
            return candidates[0]
    return None


def _as_the_spine_says(source: Source, spine) -> Source:  # noqa: ANN001
    system = _system_of(source, spine)
    if system is None:
        # A page of the design is where people act, not a webhook (the SFTP answer's catalog manager page
        # was a "Webhook" source, though only a provider's inbound webhook is one).
        page = any(c.id == source.name and c.kind in ("web_ui", "mobile_app") for c in spine.components)
        return source.model_copy(update={"type": "User Input"}) if page and source.type == "Webhook" else source
    update: dict[str, str] = {}
    kind = _SOURCE_TYPE.get(system.direction)
    if kind:
        update["type"] = kind
    if system.direction == "inbound_webhook":
        update["frequency"] = "real-time, per delivery"
    elif system.direction == "file_import":
        # Files arrive on the run's period (the SFTP answer said "real-time per message" for a nightly file).
        job = next((c for c in spine.components if c.kind == "scheduler" and c.schedule), None)
        if job is not None:
            update["frequency"] = f"{job.schedule}, one run of {job.id}"
    elif system.direction in ("outbound_api", "polling"):
        reader = next((c for c in spine.components if c.id == system.connects_to), None)
        if reader is not None and reader.kind == "scheduler" and reader.schedule:
            update["frequency"] = reader.schedule
        elif reader is not None and reader.kind != "scheduler" and not _DIGIT.search(source.frequency):
            update["frequency"] = "on demand, per call"
    changed = {k: v for k, v in update.items() if getattr(source, k) != v}
    return source.model_copy(update=changed) if changed else source


_SOURCE_TYPE = {"inbound_webhook": "Webhook", "outbound_api": "REST API", "polling": "REST API", "file_import": "File Import",
                "inbound_stream": "Event Stream"}
_DIGIT = re.compile(r"\d")


def flow_object(data: DataFlow) -> str:
    sources = {
        ts_identifier(s.name): {
            "type": s.type,
            "format": s.format,
            "frequency": s.frequency,
            "transformation": s.transformation,
            "feeds": [ts_identifier(f) for f in s.feeds],
        }
        for s in data.sources
    }
    destinations = {}
    for d in data.destinations:
        entry: dict[str, object] = {"type": d.type, "format": d.format, "schedule": d.schedule}
        if d.tables:
            entry["tables"] = list(d.tables)
        destinations[ts_identifier(d.name)] = entry
    return ts_const("dataFlow", {"sources": sources, "destinations": destinations}, "Data flow configuration")


def render(data: DataFlow, ctx: RenderContext) -> str:
    section, flow_heading = HEADINGS
    return join_blocks(section, flow_heading, fence("typescript", flow_object(data)))


def digest(data: DataFlow) -> str:
    lines = [f"- source {s.name} ({s.type}, {s.format}, {s.frequency}) -> {', '.join(s.feeds)}" for s in data.sources]
    lines += [
        f"- destination {d.name} ({d.type}{'; tables ' + ', '.join(d.tables) if d.tables else ''})" for d in data.destinations
    ]
    return "\n".join(lines)


def cross_checks(data: DataFlow, sections: dict) -> list[str]:
    """Problems against other sections' validated data (database_schema)."""
    from .database_schema import table_columns

    schema = sections.get("database_schema")
    if schema is None:
        return []
    known = table_columns(schema)
    return [
        f"data_flow destination {d.name} writes table {t!r}, which database_schema does not define (tables: {sorted(known)})"
        for d in data.destinations
        for t in d.tables
        if t not in known
    ]
