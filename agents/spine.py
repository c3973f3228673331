"""The design spine: the feature's shared design, decided once before any section
is drafted (integration-specialist, with the data and security rules in its prompt).

Sections elaborate the spine and never re-decide it:
- which template sections apply is computed from it (`applies`), so a section the
  design has no use for renders as one line instead of invented content;
- each section's prompt receives only the slice of it that section needs (`slice_digest`);
- the gate rejects a section that names a table, endpoint, event, role or piece of
  infrastructure the spine lacks (agents/spine_gate.py);
- the values it fixes (retries, what happens after them, limits) are rendered from it.

Lists may be empty: no minimum length forces an item into existence. Every key
is required all the same: a grammar-constrained model skips optional keys, and a
spine that never considered its tables is not a decision that there are none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from agentspec.render.markdown import inline
from agentspec.section import Ident, SectionModel, ShortText, items, means_none
from agentspec.agents.http_api import HttpMethod, VersionedPath

SPINE_ID = "design_spine"

ComponentKind = Literal["service", "worker", "web_ui", "mobile_app", "database", "cache", "message_broker",
                        "scheduler", "object_storage", "search_index"]
Direction = Literal["inbound_webhook", "outbound_api", "polling", "file_import", "file_export", "identity_provider",
                    "inbound_stream", "outbound_notification"]
EndpointKind = Literal["rest", "webhook_receiver", "graphql", "websocket", "server_sent_events"]
Money = Literal["none", "integer_minor_units_with_currency", "decimal_with_currency"]
AfterRetries = Literal["dead_letter_table", "dead_letter_queue", "alert_and_keep_failed", "drop_and_log"]
Unit = Literal["ms", "s", "min", "h", "d", "count", "requests_per_s", "requests_per_min", "percent", "MB", "rows"]
Capability = Literal["user_interface", "mobile_clients", "cache", "message_broker", "events", "graphql", "websocket",
                     "database", "data_migration", "identity_provider"]
# Spellings with one meaning are normalised by code, not re-asked: the 1.5B model
# writes them often (measured on the recorded spine answers, tests/spine).
def _dotted(name: object) -> object:
    """`invoice_paid` or `invoice-paid` -> `invoice.paid`: an event is entity.action."""
    if not isinstance(name, str):
        return name
    text = name.strip().lower().replace("-", "_")
    if "." not in text and "_" in text:
        head, _, action = text.rpartition("_")
        return f"{head}.{action}"
    return text


def _permission(value: object) -> object:
    """`delete_user`, `Delete-User` or `read invoices` -> `delete:user`: a permission is action:object."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"[\s-]+", "_", value.strip().lower())
    if ":" not in text and "_" in text:
        text = text.replace("_", ":", 1)  # `order_shipment.delivered` -> `order:shipment.delivered`, then as below
    action, colon, obj = text.partition(":")
    # `entity:deletion_request.created` -> `entity:deletion_request_created`: a dotted object is the
    # same name (the eighth-pass gdpr spine was lost, re-asks included, to that one value).
    return f"{action}{colon}{re.sub(r'[^a-z0-9_]+', '_', obj).strip('_')}" if colon else text


def _env(name: object) -> object:
    return re.sub(r"[^A-Z0-9_]", "_", name.strip().upper()) if isinstance(name, str) else name


def _said_none(value: object) -> object:
    """"None" is an answer here (no authentication, no replay), not filler."""
    return "none" if means_none(value) and value.strip() else value


Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160),
                      AfterValidator(inline), BeforeValidator(_said_none)]
EnvName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Z0-9_]{1,62}$"), BeforeValidator(_env)]
# Bounded repetitions: llama.cpp's grammar ignores maxLength beside a pattern, and an
# unbounded `[a-z0-9_]*` let the 1.5B model loop "1_1_1_…" until the token limit.
EventName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,47}([.][a-z][a-z0-9_]{0,30}){1,3}$"),
                     BeforeValidator(_dotted)]
Permission = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,30}:[a-z][a-z0-9_]{0,47}$"),
                      BeforeValidator(_permission)]


# The component kinds that hold data: a grant or a table edge names one of these, never a worker.
STORES = ("database", "cache", "object_storage", "search_index", "message_broker")
# Words by which an inbound system's `auth` says a delivery is signed (what a provider's
# webhook concern asks for), and the wider set that says it is proven genuine at all.
_SIGNATURE_WORDS = r"signature|signed|signing|hmac"
SIGNED = re.compile(rf"\b({_SIGNATURE_WORDS})\b", re.I)
VERIFIED = re.compile(rf"{_SIGNATURE_WORDS}|basic auth|mutual tls|mtls|shared secret|bearer token|jwt", re.I)


# Store products that are the team's own infrastructure, not a third party: named as an
# external system (the recorded gdpr spine listed PostgreSQL and S3 as "outbound_api"
# systems with auth "none"), each is a component of its kind.
_OWN_STORE_PRODUCTS = {
    "database": ("postgres", "postgresql", "mysql", "mariadb", "sqlite", "mongodb", "database"),
    "object_storage": ("s3", "gcs", "google cloud storage", "azure blob storage", "minio", "object storage"),
    "cache": ("redis", "memcached", "valkey"),
    "search_index": ("elasticsearch", "opensearch"),
    "message_broker": ("kafka", "rabbitmq", "sqs", "nats"),
}


_THEIRS = re.compile(r"partner|vendor|customer|client|their|external|third", re.I)


def _store_kind(system: "ExternalSystem") -> str | None:
    said = f"{system.name} {system.id.replace('_', ' ')}".lower()
    return next((kind for kind, words in _OWN_STORE_PRODUCTS.items()
                 if any(re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", said) for w in words)), None)


def _mentions(name: str, *words: str) -> bool:
    upper = name.upper()
    return any(w.upper().replace("-", "_") in upper for w in words)


class Component(SectionModel):
    id: Ident = Field(description="snake_case id of a part of this feature's own system")
    label: ShortText = Field(description="display name")
    kind: ComponentKind
    responsibility: ShortText = Field(description="what it does for this feature")
    # A scheduler's period ("every 1 h") and its overlap rule: set by code from the design's
    # own period limit or the scheduled-jobs archetype's defaults (agents/knowledge/completion/);
    # not asked of the model, so left out of the schema and grammar.
    schedule: SkipJsonSchema[str | None] = None
    overlap: SkipJsonSchema[str | None] = None


class ExternalSystem(SectionModel):
    id: Ident = Field(description="snake_case id of the third-party system or other team's system")
    name: ShortText = Field(description="product name as the description gives it")
    direction: Direction = Field(description="how data crosses: who calls whom")
    connects_to: Ident = Field(description="id of the component that talks to it")
    purpose: ShortText = Field(description="what crosses the interface")
    auth: Statement = Field(description="how each call is authenticated or verified")
    # Set by code from the provider note (agents/knowledge/completion/), never asked of the
    # model: how long the provider resends a delivery we did not accept, and, for a system read
    # on a schedule, where the last synced position is kept.
    redelivery_hours: SkipJsonSchema[float | None] = None
    cursor: SkipJsonSchema[str | None] = None
    # For an inbound webhook: the worker that processes what the receiving service stored
    # (the receiver answers at once; the work is done after). Set by code.
    processed_by: SkipJsonSchema[Ident | None] = None


class Entity(SectionModel):
    table: Ident = Field(description="snake_case table name")
    purpose: ShortText
    change: Literal["new", "altered", "referenced"] = Field(
        description="new table; existing table this feature alters; or existing table it only reads or references")
    key: Ident = Field(description="primary key column")
    unique: items(Ident, 0, 3) = Field(description="columns that must be unique, such as a provider's id")
    money: Money = Field(description="how amounts are stored, if the table holds money")
    owner: Ident = Field(description="id of the component that writes it")
    # The column compared before an update is applied, so an older event never overwrites newer
    # state. Set by code (agents/knowledge/completion/) for records a provider's deliveries
    # update; not asked of the model, so left out of the schema and grammar.
    version_column: SkipJsonSchema[Ident | None] = None
    # When the provider's updates carry no timestamp, the version column is a status field and
    # this is its documented lifecycle, stage by stage ("delivered | undelivered | failed"): a
    # status applies only when its stage is later than the stored one's.
    version_order: SkipJsonSchema[list[str]] = Field(default_factory=list)
    # Columns code decided the table must have (FAILURE_COLUMNS for the table that keeps
    # failed work); the schema section adds any its answer left out.
    required_columns: SkipJsonSchema[list[Ident]] = Field(default_factory=list)
    # The values a provider documents for a required column (an invoice's status), by column.
    documented_values: SkipJsonSchema[dict[str, list[str]]] = Field(default_factory=dict)
    # The columns the repository's table already has (`draft --repo`, agents/repository.py
    # ground_spine): never ones this feature adds.
    existing_columns: SkipJsonSchema[list[Ident]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _referenced_tables_store_no_amounts(self) -> "Entity":
        """A table the feature only references gets no column from it, so how it would store
        amounts decides nothing: the grounded full-stack-fastapi-template spine gave the repository's
        `user` table minor units with currency, and the money check then called the spec critical
        for a currency column `user` never needed."""
        if self.change == "referenced":
            self.money = "none"
        return self


class Endpoint(SectionModel):
    method: HttpMethod
    path: VersionedPath = Field(description="versioned path with :param segments")
    kind: EndpointKind
    caller: Ident = Field(description="a role name, an external system id, or a component id")  # not checked: a person or a timer may call
    purpose: ShortText


class Event(SectionModel):
    name: EventName = Field(description="dotted lowercase entity.action")
    producer: Ident = Field(description="component or external system id that emits it")
    consumer: Ident = Field(description="component id that handles it")
    purpose: ShortText


class Role(SectionModel):
    name: Ident = Field(description="role name as the authorization code checks it")
    who: ShortText = Field(description="which people or services hold it")
    permissions: items(Permission, 1, 4) = Field(description="action:object pairs")


class Setting(SectionModel):
    name: EnvName = Field(description="environment variable name")
    secret: bool = Field(description="true for keys, tokens, passwords and signing secrets")
    purpose: ShortText


class Surface(SectionModel):
    name: ShortText = Field(description="page or screen the description names")
    shows: items(ShortText, 1, 5) = Field(description="what the user sees on it")
    endpoint: VersionedPath = Field(description="path of the endpoint behind it: the GET that feeds it, or the call its form makes")
    role: Ident = Field(description="role name allowed to see it")


class FailurePolicy(SectionModel):
    retries: int = Field(ge=0, le=20, description="processing attempts after the first failure")
    backoff: ShortText = Field(description="delay rule between attempts")
    after_retries: AfterRetries = Field(description="where work goes once retries are spent")
    replay: Statement = Field(description="how an operator re-runs failed work")
    # How long failed work is kept for replay: set by code, at least the provider's redelivery window.
    kept_days: SkipJsonSchema[int | None] = None
    # The table that keeps failed work (a dead-letter table): set by code, one of the entities.
    store: SkipJsonSchema[Ident | None] = None


def holds_deliveries(entity: Entity) -> bool:
    """A table of received deliveries: unique on an event id (the provider's, stored once)."""
    return any("event" in column for column in entity.unique)


def failure_store(spine: DesignSpine) -> Entity | None:
    """The entity the failure policy keeps failed work in, if the spine names one."""
    return next((e for e in spine.entities if e.table == spine.failure_policy.store), None)


def name_tokens(ident: str) -> set[str]:
    """The words of an identifier or name, for linking names by what they share; a number is
    a word (`processor_1` and `processor_2` are two systems)."""
    return {t for t in re.split(r"[^a-z0-9]+", ident.lower()) if len(t) > 1 or t.isdigit()}


# Words that say what kind of interface a name is, not whose.
_INTERFACE_WORDS = {"api", "apis", "webhook", "webhooks", "service", "client", "event", "events"}


def named_after(name: str, system: ExternalSystem) -> bool:
    """Whether a setting or service name is named after this system: it holds every word of the
    system's id, or of its name, beyond the interface words (STRIPE_WEBHOOK_SECRET for `stripe_api`).
    Sharing one word is not enough: THIRD_PARTY_PROCESSOR_1_API_KEY is not processor 2's key."""
    words = name_tokens(name)
    keys = [k for k in (name_tokens(system.id) - _INTERFACE_WORDS, name_tokens(system.name) - _INTERFACE_WORDS) if k]
    return any(k <= words for k in keys)


def secrets_of(spine: DesignSpine, system: ExternalSystem) -> list[Setting]:
    """The secret settings named after an external system, as a reader of the settings list links them."""
    return [s for s in spine.settings if s.secret and named_after(s.name, system)]


# What a table that keeps failed work for replay holds, and why each column: a dead-letter
# table with only an event id (the eighth-pass Stripe schema) cannot be replayed or triaged.
FAILURE_COLUMNS: dict[str, str] = {
    "payload": "the work as received, to process again",
    "status": "pending, processed or failed",
    "attempts": "tries so far, against the retry limit",
    "last_error": "why the last try failed",
}


class Limit(SectionModel):
    name: Ident = Field(description="what the number fixes, in snake_case")
    value: float = Field(ge=0)
    unit: Unit
    meaning: ShortText


class DesignRule(SectionModel):
    """A decision the knowledge library makes for one must-cover concern where no element of the
    answer states it (how a partner's file is checked, how two records are matched): the rule, the
    element it governs, and the tables or columns it names, which must be in the design."""
    concern: Ident = Field(description="the archetype concern it decides (archetypes.yaml id)")
    applies_to: Ident = Field(description="the external system, table or component it governs")
    statement: str
    refers_to: list[str] = Field(default_factory=list, description="tables and table.column names the rule relies on")


class Omission(SectionModel):
    what: Capability
    reason: ShortText = Field(description="one line: why this design does without it")


class DesignSpine(SectionModel):
    components: items(Component, 1, 8)
    external_systems: items(ExternalSystem, 0, 3)
    entities: items(Entity, 0, 5)
    endpoints: items(Endpoint, 0, 6)
    events: items(Event, 0, 5)
    roles: items(Role, 0, 3)
    settings: items(Setting, 0, 6)
    surfaces: items(Surface, 0, 2)
    failure_policy: FailurePolicy
    limits: items(Limit, 0, 4)
    not_needed: items(Omission, 0, 8)
    # What code added from the knowledge library (agents/knowledge/completion/), one
    # note each; never asked of the model, so it is left out of the schema and grammar.
    completed: SkipJsonSchema[list[str]] = Field(default_factory=list)
    # The integration archetypes this design has (agents/knowledge/archetypes.yaml ids): its
    # structure's, plus those the run declares. Set by code once the answer is completed, so a
    # section that states an archetype's defaults (monitoring's alert rules) reads them here.
    archetypes: SkipJsonSchema[list[str]] = Field(default_factory=list)
    # Rules code decided from the knowledge library (agents/knowledge/archetypes.yaml `decision`).
    rules: SkipJsonSchema[list[DesignRule]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> "DesignSpine":
        """What an answer implies is completed by code instead of paid for with a re-ask
        (a 1.5B model rarely fixes a cross-reference when re-asked): a component the
        answer names but did not list, a page's role or GET endpoint, a key listed as
        unique, duplicates, a dead-letter queue without a broker (the failed work waits
        in a table), and a not_needed entry the design itself contradicts."""
        self._dedupe()
        self._stores_are_ours()
        self._tables_not_components()
        self._databases_not_tables()
        self._servers_not_pages()
        parties = {c.id for c in self.components} | {x.id for x in self.external_systems}

        def component(ident: str, kind: str, why: str) -> None:
            if ident not in parties and len(self.components) < 8:
                self.components.append(Component(id=ident, label=ident.replace("_", " ").title(), kind=kind,  # type: ignore[arg-type]
                                                 responsibility=why))
                parties.add(ident)

        externals = {x.id for x in self.external_systems}
        talkers = [c.id for c in self.components if c.kind in ("service", "worker")]
        for x in self.external_systems:
            if x.connects_to in externals and talkers:
                x.connects_to = talkers[0]  # an external system talks to one of ours, not to another external
            component(x.connects_to, "service", f"talks to {x.name}")
        for entity in self.entities:
            component(entity.owner, "service", f"writes {entity.table}")
            entity.unique = [c for c in dict.fromkeys(entity.unique) if c != entity.key]
        for event in self.events:
            component(event.producer, "service", f"emits {event.name}")
            component(event.consumer, "worker", f"handles {event.name}")
        roles = {r.name for r in self.roles}
        for surface in self.surfaces:
            if surface.role not in roles and len(self.roles) < 3:
                self.roles.append(Role(name=surface.role, who=f"the people who use the {surface.name}",
                                       permissions=[f"read:{_snake(surface.name)}"]))
                roles.add(surface.role)
        listed = {e.path for e in self.endpoints}
        for surface in self.surfaces:
            # A page named after a path the design lacks is read through GET. One named
            # after a POST path is the form that calls it: adding `GET /users/:id/delete`
            # would invent a read nobody decided (measured on a recorded gdpr answer).
            if surface.endpoint not in listed and len(self.endpoints) < 6:
                self.endpoints.append(Endpoint(method="GET", path=surface.endpoint, kind="rest", caller=surface.role,
                                               purpose=f"the data {surface.name} shows"))
                listed.add(surface.endpoint)
        self._one_role_per_permission_set()
        self._actors_not_stores()
        self._inbound_webhooks_verified()
        if self.failure_policy.after_retries == "dead_letter_queue" and not has(self, "message_broker"):
            self.failure_policy.after_retries = "dead_letter_table"
        self.not_needed = [o for o in self.not_needed if not has(self, o.what)]
        return self

    def _stores_are_ours(self) -> None:
        """A database, bucket, cache, index or broker product named as an external system is
        the team's own store: it becomes a component of that kind (its id kept, so references
        still hold), and the code in front of it keeps talking to it."""
        for x in list(self.external_systems):
            kind = _store_kind(x)
            # A file exchange through a bucket, or a store named as someone else's, stays external.
            if kind is None or x.direction not in ("outbound_api", "polling", "inbound_webhook") or len(self.components) >= 8 \
                    or _THEIRS.search(f"{x.name} {x.id} {x.purpose}"):
                continue
            self.external_systems.remove(x)
            self.components.append(Component(id=x.id, label=x.name, kind=kind, responsibility=x.purpose))  # type: ignore[arg-type]

    def _tables_not_components(self) -> None:
        """A store component named after one of the spine's tables is that table drawn as a
        box (the 12-04 Stripe spine listed received_events as a database beside the
        received_events table): the table stays, the box goes, and what referred to the box
        refers to the code in front of it."""
        tables = {e.table for e in self.entities}
        boxes = {c.id for c in self.components if c.kind in STORES and c.id in tables}
        actors = [c.id for c in self.components if c.kind in ("worker", "service")]
        if not boxes or not actors:
            return
        self.components = [c for c in self.components if c.id not in boxes]
        for entity in self.entities:
            entity.owner = actors[0] if entity.owner in boxes else entity.owner
        for x in self.external_systems:
            x.connects_to = actors[0] if x.connects_to in boxes else x.connects_to
        for event in self.events:
            event.producer = actors[0] if event.producer in boxes else event.producer
            event.consumer = actors[0] if event.consumer in boxes else event.consumer

    def _servers_not_pages(self) -> None:
        """A component named as server code (a webhook receiver, an API, a worker) is not a web
        page: the 12-04 Stripe spine made `webhook_receiver` a web_ui, and the landscape then drew
        Stripe calling the admin's browser."""
        for c in self.components:
            if c.kind == "web_ui" and re.search(r"(^|_)(webhook|receiver|handler|listener|consumer|worker|api|server|service|backend)s?(_|$)", c.id):
                c.kind = "worker" if re.search(r"(^|_)(worker|consumer)s?(_|$)", c.id) else "service"

    def _databases_not_tables(self) -> None:
        """A "table" named as a database (`billing_database`, `orders_db`) is the database the
        tables live in, not one of them: the 12-04 Stripe spine altered `billing_database`, and the
        migration then backfilled columns of a table no one has. It is dropped when the design has
        a table of its own to hold the data."""
        named_db = [e for e in self.entities if re.search(r"(^|_)(db|database)$", e.table)]
        if named_db and len(named_db) < len(self.entities):
            self.entities = [e for e in self.entities if e not in named_db]

    def _one_role_per_permission_set(self) -> None:
        """Two roles granted the same permissions are one role named twice (the 12-04 Stripe
        spine had admin and page_admin, both read:received_events): the one a page or an
        endpoint uses is kept, and every reference names it."""
        used = {s.role for s in self.surfaces} | {e.caller for e in self.endpoints}
        kept: dict[frozenset[str], str] = {}
        renamed: dict[str, str] = {}
        for role in sorted(self.roles, key=lambda r: r.name not in used):
            grants = frozenset(p.lower() for p in role.permissions)
            if grants in kept:
                renamed[role.name] = kept[grants]
            else:
                kept[grants] = role.name
        if not renamed:
            return
        self.roles = [r for r in self.roles if r.name not in renamed]
        for surface in self.surfaces:
            surface.role = renamed.get(surface.role, surface.role)
        for endpoint in self.endpoints:
            endpoint.caller = renamed.get(endpoint.caller, endpoint.caller)

    def _actors_not_stores(self) -> None:
        """A table is written, and an event handled, by code: a database, cache or bucket
        named as the writer or the consumer means the service or worker in front of it
        (measured: the recorded Stripe spine made postgres_database its tables' owner)."""
        stores = {c.id for c in self.components if c.kind in STORES}
        actors = [c.id for c in self.components if c.kind in ("worker", "service")]
        if not stores or not actors:
            return
        workers = [c.id for c in self.components if c.kind == "worker"] or actors
        for entity in self.entities:
            if entity.owner in stores:
                entity.owner = actors[0]
        for event in self.events:
            if event.consumer in stores:
                event.consumer = workers[0]

    def _inbound_webhooks_verified(self) -> None:
        """An inbound webhook is verified before it is trusted (agents/knowledge, inbound
        webhooks: signature verification). An `auth` that names no verification (the
        recorded Stripe spine said "API key authentication", which is how we call a
        provider, not how it proves a delivery) becomes the signature check, and the
        signing secret it needs is added as a secret setting when none is listed."""
        for x in self.external_systems:
            if x.direction != "inbound_webhook":
                continue
            secret = next((st.name for st in self.settings if st.secret and _mentions(st.name, "WEBHOOK", "SIGNING", "SIGNATURE")), None)
            if secret is None and len(self.settings) < 6:
                secret = _env(f"{x.id}_webhook_secret")
                self.settings.append(Setting(name=secret, secret=True, purpose=f"verifies the signature of {x.name}'s deliveries"))
            if not VERIFIED.search(x.auth):
                x.auth = inline(f"signature over the raw request body, checked with {secret or 'the signing secret'} before parsing")

    def _dedupe(self) -> None:
        """A repeated item is the same decision said twice: keep the first."""
        def first(items: list, key: Callable) -> list:  # type: ignore[type-arg]
            seen: set[str] = set()
            kept = []
            for item in items:
                k = key(item).lower()
                if k not in seen:
                    seen.add(k)
                    kept.append(item)
            return kept

        self.components = first(self.components, lambda c: c.id)
        taken = {c.id for c in self.components}
        self.external_systems = first([x for x in self.external_systems if x.id not in taken], lambda x: x.id)
        self.entities = first(self.entities, lambda e: e.table)
        self.endpoints = first(self.endpoints, lambda e: f"{e.method} {e.path}")
        self.events = first(self.events, lambda e: e.name)
        self.roles = first(self.roles, lambda r: r.name)
        self.settings = first(self.settings, lambda s: s.name)
        self.limits = first(self.limits, lambda lim: lim.name)
        self.not_needed = first(self.not_needed, lambda o: o.what)

    @model_validator(mode="after")
    def _closed(self) -> "DesignSpine":
        """Every reference names something the spine defines (duplicates are gone: _complete ran first)."""
        components = {c.id for c in self.components}
        externals = {x.id for x in self.external_systems}
        roles = {r.name for r in self.roles}
        for x in self.external_systems:
            _known(x.connects_to, components, f"external system {x.id}'s connects_to")
        for entity in self.entities:
            _known(entity.owner, components, f"table {entity.table}'s owner")
        for event in self.events:
            _known(event.producer, components | externals, f"event {event.name}'s producer")
            _known(event.consumer, components, f"event {event.name}'s consumer")
        paths = {e.path for e in self.endpoints}
        for surface in self.surfaces:
            _known(surface.endpoint, paths, f"surface {surface.name!r}'s endpoint (an endpoint path)")
            _known(surface.role, roles, f"surface {surface.name!r}'s role")
        return self


def fed_by(spine: DesignSpine, surface: Surface) -> str:
    """`GET /path` for the endpoint behind a page: its GET when the path has one, else the call its form makes."""
    methods = [e.method for e in spine.endpoints if e.path == surface.endpoint]
    return f"{'GET' if 'GET' in methods or not methods else methods[0]} {surface.endpoint}"


def _snake(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30] or "page"


def _known(value: str, known: set[str], what: str) -> None:
    if value not in known:
        raise ValueError(f"{what} is {value!r}, which the design does not define; use one of {sorted(known)}")


def spine_of(sections: dict) -> DesignSpine | None:
    """The drafted spine from run state (section id -> entry), or None when there is none yet or it is invalid."""
    from pydantic import ValidationError

    from agentspec.section import validate_stored

    entry = sections.get(SPINE_ID) or {}
    if entry.get("data") is None:
        return None
    try:
        return validate_stored(DesignSpine, entry["data"])  # type: ignore[return-value]
    except ValidationError:
        return None


# ----------------------------------------------------------------------------- applicability
def _kinds(spine: DesignSpine) -> set[str]:
    return {c.kind for c in spine.components}


USES: dict[str, Callable[[DesignSpine], bool]] = {
    "user_interface": lambda s: bool(s.surfaces) or bool({"web_ui", "mobile_app"} & _kinds(s)),
    "mobile_clients": lambda s: "mobile_app" in _kinds(s),
    "cache": lambda s: "cache" in _kinds(s),
    "message_broker": lambda s: "message_broker" in _kinds(s),
    "events": lambda s: bool(s.events),
    "graphql": lambda s: any(e.kind == "graphql" for e in s.endpoints),
    "websocket": lambda s: any(e.kind == "websocket" for e in s.endpoints),
    "database": lambda s: bool(s.entities),
    "data_migration": lambda s: any(e.change == "altered" for e in s.entities),
    "identity_provider": lambda s: any(x.direction == "identity_provider" for x in s.external_systems) or bool(s.roles),
}

# Said when the spine does not give its own reason.
DEFAULT_REASON = {
    "user_interface": "the feature has no page or screen for people",
    "mobile_clients": "the feature has no mobile app",
    "cache": "the design has no cache: nothing in the feature needs one",
    "message_broker": "the design has no message broker: nothing in the feature needs one",
    "events": "the design has no events: no component emits or handles one",
    "graphql": "the design has no GraphQL API",
    "websocket": "the design has no WebSocket: nothing is pushed to clients in real time",
    "database": "the design stores no data of its own",
    "data_migration": "every table is new, so there is no existing data to migrate",
    "identity_provider": "no person signs in to use this feature",
}


def has(spine: DesignSpine, capability: str) -> bool:
    return USES[capability](spine)


def applies(spine: DesignSpine | None, capability: str | None) -> tuple[bool, str]:
    """(applies, reason if not). Without a spine every section applies (nothing was decided)."""
    if spine is None or capability is None or has(spine, capability):
        return True, ""
    given = next((o.reason for o in spine.not_needed if o.what == capability), None)
    return False, (given or DEFAULT_REASON[capability]).rstrip(".")


# ----------------------------------------------------------------------------- slices for prompts
def _components(s: DesignSpine) -> list[str]:
    return ["Components: " + "; ".join(f"{c.id} ({c.kind}): {c.responsibility}{run_rule(c, ', ')}" for c in s.components)]


def run_rule(c: Component, lead: str = "") -> str:
    """A scheduler's period and overlap rule, as one clause ("" for other components)."""
    said = [f"runs {c.schedule}"] * bool(c.schedule) + [c.overlap] * bool(c.overlap)
    return lead + "; ".join(x for x in said if x) if said else ""


def hours_said(hours: float) -> str:
    """72 -> "3 d", 4 -> "4 h": whole days in days, anything else in hours."""
    return f"{hours / 24:g} d" if hours >= 24 and hours % 24 == 0 else f"{hours:g} h"


def interface_facts(x: ExternalSystem) -> str:
    """What code knows of an external system beyond the model's answer: the provider's
    redelivery window, where a scheduled read resumes, and who processes a delivery."""
    said = []
    if x.redelivery_hours is not None:
        said.append(f"resends an undelivered event for up to {hours_said(x.redelivery_hours)}")
    if x.cursor:
        said.append(f"read from a kept position: {x.cursor}")
    if x.processed_by:
        said.append(f"{x.connects_to} stores each delivery and answers at once; {x.processed_by} processes it after")
    return "; ".join(said)


def _externals(s: DesignSpine) -> list[str]:
    if not s.external_systems:
        return ["External systems: none"]
    return ["External systems: " + "; ".join(f"{x.id} = {x.name}, {x.direction} via {x.connects_to}, auth: {x.auth}"
                                            + (f" ({interface_facts(x)})" if interface_facts(x) else "")
                                            for x in s.external_systems)] + _rules_on(s, {x.id for x in s.external_systems})


def _rules_on(s: DesignSpine, ids: set[str]) -> list[str]:
    """The decided rules that govern these elements, said where the elements are (DesignRule)."""
    rules = [r for r in s.rules if r.applies_to in ids]
    return ["Decided rules (state them as written): " + " | ".join(f"{r.applies_to}: {r.statement}" for r in rules)] if rules else []


def _entities(s: DesignSpine) -> list[str]:
    """Said as a data engineer says it: a slice that read "written by X" or "money
    integer_minor_units" made the 1.5B model add a `written_by` column referencing
    the component, and a `money_…` column (measured on a recorded draft)."""
    if not s.entities:
        return ["Tables: none"]
    change = {"new": "new table", "altered": "existing table this feature alters", "referenced": "existing table, read only"}
    money = {"integer_minor_units_with_currency": "amounts as integer minor units with a currency column",
             "decimal_with_currency": "amounts as numeric with a currency column"}
    rows = []
    for e in s.entities:
        said = [change[e.change], f"primary key {e.key}"] + ([f"unique {', '.join(e.unique)}"] if e.unique else [])
        said += [money[e.money]] if e.money in money else []
        said += [f"columns {', '.join(_column_said(e, c) for c in e.required_columns)}"] if e.required_columns else []
        # A timestamp version is a column the schema adds and notes; a lifecycle is no column, so it is said here.
        said += [update_rule(e)] if e.version_order else []
        rows.append(f"{e.table} ({'; '.join(said)}): {e.purpose}")
    return ["Tables (the only tables): " + " | ".join(rows)] + _rules_on(s, {e.table for e in s.entities})


def update_rule(e: Entity) -> str:
    """How the table keeps an older delivery from overwriting newer state (Entity.version_column)."""
    if e.version_order:
        return f"a new {e.version_column} applies only when it comes later in the lifecycle {' -> '.join(e.version_order)}"
    return f"an update applies only when its {e.version_column} is newer than the stored one"


def _column_said(e: Entity, column: str) -> str:
    values = e.documented_values.get(column)
    return f"{column} ({' | '.join(values)})" if values else column


def _endpoints(s: DesignSpine) -> list[str]:
    if not s.endpoints:
        return ["Endpoints: none"]
    return ["Endpoints (the only endpoints): " + "; ".join(f"{e.method} {e.path} [{e.kind}, caller {e.caller}]: {e.purpose}"
                                                         for e in s.endpoints)]


def _events(s: DesignSpine) -> list[str]:
    if not s.events:
        return ["Events: none"]
    return ["Events (the only events): " + "; ".join(f"{e.name} from {e.producer} to {e.consumer}" for e in s.events)]


def _roles(s: DesignSpine) -> list[str]:
    if not s.roles:
        return ["Roles: none"]
    return ["Roles (the only roles): " + "; ".join(f"{r.name} ({', '.join(r.permissions)}): {r.who}" for r in s.roles)]


def _settings(s: DesignSpine) -> list[str]:
    if not s.settings:
        return ["Settings: none"]
    return ["Settings: " + "; ".join(f"{x.name}{' (secret)' if x.secret else ''}" for x in s.settings)]


def _surfaces(s: DesignSpine) -> list[str]:
    if not s.surfaces:
        return ["User-facing pages: none"]
    return ["User-facing pages: " + "; ".join(f"{x.name} shows {', '.join(x.shows)} via {fed_by(s, x)} (role {x.role})"
                                             for x in s.surfaces)]


def _policy(s: DesignSpine) -> list[str]:
    p = s.failure_policy
    kept = f", kept {p.kept_days} d" if p.kept_days else ""
    where = f" ({p.store})" if p.store else ""
    lines = [f"Failure policy: {p.retries} retries, {p.backoff}, then {p.after_retries.replace('_', ' ')}{where}{kept}; replay: {p.replay}"]
    if s.limits:
        lines.append("Fixed values: " + "; ".join(f"{lim.name} = {number(lim.value)} {lim.unit}" for lim in s.limits))
    return lines


def _absent(s: DesignSpine) -> list[str]:
    absent = [c for c in USES if not has(s, c)]
    return ["Not in this design (do not add): " + ", ".join(a.replace("_", " ") for a in absent)] if absent else []


SLICES: dict[str, Callable[[DesignSpine], list[str]]] = {
    "components": _components, "external_systems": _externals, "entities": _entities, "endpoints": _endpoints,
    "events": _events, "roles": _roles, "settings": _settings, "surfaces": _surfaces, "policy": _policy,
}


def slice_digest(spine: DesignSpine, parts: tuple[str, ...] | None = None) -> str:
    """The part of the spine one section needs, as compact lines. What the design
    leaves out is always said, so no section adds it back."""
    chosen = parts or tuple(SLICES)
    lines = [line for part in chosen for line in SLICES[part](spine)]
    return "\n".join(lines + _absent(spine))


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Text that lets a one-at-a-time job's runs overlap (spine: a scheduler's `overlap`). The
# semantic check reports it as a contradiction, and Reusability leaves it out of what it
# recommends: both read this one pattern. The thirteenth-pass Stripe Reusability called the
# reconciler's single lock an anti-pattern and proposed "a queue-based approach where each
# run gets its own lock".
RUNS_OVERLAP = re.compile(
    r"each\s+run\s+(?:gets|has|takes|uses)\s+its\s+own\s+lock|(?:a|one)\s+lock\s+per\s+run|"
    r"(?:runs?|jobs?|instances?)\s+(?:can|may|should|will)\s+(?:run|execute|overlap)\s+(?:concurrently|in\s+parallel|at\s+the\s+same\s+time)|"
    r"(?:overlapping|concurrent|parallel)\s+runs\s+(?:are|is)\s+(?:allowed|fine|safe)|"
    r"(?:a|one)\s+single\s+lock\b[^.;]{0,60}\b(?:deadlocks?|race\s+conditions?)", re.I)
