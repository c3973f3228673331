"""Which archetypes a design has, and whether the spec covers their must-cover concerns.

Everything here reads structure: the design spine's typed fields and the
validated section models. Nothing searches prose, because a model can echo a
word ("idempotent", "signature") without deciding anything. A concern is
covered when the field that states it is present and agrees with the rest of
the design; where no such field exists yet, the predicate returns None and its
docstring names the field a later session must add (PENDING_FIELDS lists them),
so the gap shows as uncovered instead of being faked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agentspec.agents.spine import (SIGNED, DesignSpine, ExternalSystem, failure_store, holds_deliveries, hours_said, name_tokens,
                          named_after, secrets_of, update_rule)

Sections = Mapping[str, Any]  # section id -> validated pydantic model (absent when not drafted or invalid)


@dataclass(frozen=True)
class Evidence:
    where: str  # e.g. "design spine: table received_events unique on provider_event_id"


Predicate = Callable[[DesignSpine, Sections], "Evidence | None"]
COVERED_WHEN: dict[str, Predicate] = {}
# predicate name -> the structured field that does not exist yet; such a concern is always uncovered
PENDING_FIELDS: dict[str, str] = {}


def predicate(name: str, pending: str | None = None) -> Callable[[Predicate], Predicate]:
    def register(fn: Predicate) -> Predicate:
        if name in COVERED_WHEN:
            raise ValueError(f"predicate {name} registered twice")
        COVERED_WHEN[name] = fn
        if pending:
            PENDING_FIELDS[name] = pending
        return fn
    return register


# ----------------------------------------------------------------------------- helpers over the spine
INBOUND = ("inbound_webhook", "inbound_stream", "file_import", "polling")
OUTBOUND = ("outbound_api", "polling", "file_export", "outbound_notification")
KEEPS_FAILED = ("dead_letter_table", "dead_letter_queue", "alert_and_keep_failed")


def externals(spine: DesignSpine, *directions: str) -> list[ExternalSystem]:
    return [x for x in spine.external_systems if x.direction in directions]


SIGNING_WORDS = {"webhook", "signing", "signature", "whsec"}


def secret_for(spine: DesignSpine, system: ExternalSystem):
    """The secret setting named after the system (STRIPE_WEBHOOK_SECRET for `stripe`).
    An inbound webhook's secret is a signing secret; our own calls' is any other (an API key is not a signing secret).
    A provider that signs with a credential the calls also use (Twilio's Auth Token, providers.yaml
    `signing_key`) is verified with that setting: a second setting holding the same token drifts."""
    signing = system.direction == "inbound_webhook"
    candidates = secrets_of(spine, system)
    if signing:
        key = signing_key_words(system)
        shared = next((s for s in candidates if key and key <= name_tokens(s.name)), None)
        if shared is not None:
            return shared
    return next((s for s in candidates if bool(name_tokens(s.name) & SIGNING_WORDS) == signing), None)


def signing_key(system: ExternalSystem) -> str | None:
    """What the provider signs its requests with, when its note says (providers.yaml `signing_key`)."""
    from agentspec.agents.knowledge.briefing import notes_for

    return next((p.signing_key for p in notes_for(system) if p.signing_key), None)


def signing_key_words(system: ExternalSystem) -> set[str]:
    """The words of the credential the provider signs with, when its note names one that is not
    a webhook secret of its own ("the account Auth Token" -> {auth, token})."""
    words = name_tokens(signing_key(system) or "") - {"the", "account", "your", "an", "app", "application"}
    return set() if words & SIGNING_WORDS else words


def _schema_unique(sections: Sections, table: str, column: str) -> bool | None:
    """Whether database_schema makes `table.column` unique; None when the section is absent."""
    schema = sections.get("database_schema")
    if schema is None:
        return None
    found = next((t for t in schema.tables if t.name == table), None)
    if found is None:
        return False
    col = next((c for c in found.columns if c.name == column), None)
    if col is None:
        return False
    return bool(col.unique or col.primary_key or any(i.unique and list(i.columns) == [column] for i in found.indexes))


def _surrogate(sections: Sections, table: str, column: str) -> bool:
    """The column is a key the database generates (a uuid or integer primary key): not the
    provider's id, however it is named (the 12-04 stripe schema made `event_id` a
    gen_random_uuid() key and left Stripe's event id without a unique constraint)."""
    schema = sections.get("database_schema")
    found = next((t for t in schema.tables if t.name == table), None) if schema is not None else None
    col = next((c for c in found.columns if c.name == column), None) if found is not None else None
    return bool(col is not None and col.primary_key and (col.type in ("uuid", "serial", "bigserial")
                                                          or col.default == "gen_random_uuid()"))


_RECEIPT_ID = re.compile(r"event|delivery|webhook_id|message_id", re.I)


def _unique_receipt(spine: DesignSpine, sections: Sections, directions: tuple[str, ...]) -> Evidence | None:
    """Each system of these directions lands in a table, written by the component it talks to,
    with a unique column besides the key (the provider's id) that database_schema, when drafted, keeps unique."""
    systems = externals(spine, *directions)
    if not systems:
        return None
    said = []
    for system in systems:
        writers = {system.connects_to}
        if system.direction in ("polling", "outbound_api"):
            # Pulled records may land in the table the same provider's webhook handler writes:
            # a read-back fills the table the deliveries fill.
            same = [x for x in spine.external_systems if name_tokens(x.name) & name_tokens(system.name)]
            writers |= {x.connects_to for x in same}
            writers |= {e.consumer for e in spine.events if e.producer in writers or e.producer in {x.id for x in same}}
        tables = [e for e in spine.entities if e.owner in writers]
        if system.direction == "inbound_webhook":
            # A delivery's receipt is unique on the provider's event (or delivery) id: a key or a
            # unique column that names one. A table unique on the synced record's id is not it.
            candidates = [(e, c) for e in tables for c in dict.fromkeys([e.key, *e.unique]) if _RECEIPT_ID.search(c)]
        else:
            candidates = [(e, c) for e in tables for c in e.unique]
        agreeing = [(e, c) for e, c in candidates if _schema_unique(sections, e.table, c) is not False
                    and not (system.direction == "inbound_webhook" and _surrogate(sections, e.table, c))]
        if system.direction in ("polling", "outbound_api"):
            # Pulled records are the provider's objects, not its deliveries: a table unique on
            # an event id is the webhook's receipt, so an object table is preferred when there is one.
            agreeing.sort(key=lambda pair: "event" in pair[1])
        if not agreeing:
            return None
        entity, column = agreeing[0]
        schema = "" if _schema_unique(sections, entity.table, column) is None else ", and database_schema agrees"
        said.append(f"table {entity.table} (written by {entity.owner}) unique on {column}{schema}")
    return Evidence("design spine: " + "; ".join(said))


def _limit(spine: DesignSpine, *units: str):
    return next((lim for lim in spine.limits if lim.unit in units), None)


def _service_for(sections: Sections, system: ExternalSystem):
    """The external_services entry for a spine system: same name or id, compared as words."""
    services = sections.get("external_services")
    if services is None:
        return None
    return next((s for s in services.services if named_after(s.name, system)), None)


def _kinds(spine: DesignSpine) -> dict[str, str]:
    return {c.id: c.kind for c in spine.components}


# ----------------------------------------------------------------------------- inbound delivery
@predicate("signature_verified")
def signature_verified(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every inbound webhook system's `auth` states a signature and a secret setting named after it exists."""
    systems = externals(spine, "inbound_webhook")
    if not systems:
        return None
    said = []
    for system in systems:
        secret = secret_for(spine, system)
        if not SIGNED.search(system.auth) or secret is None:
            return None
        said.append(f"{system.id} auth {system.auth!r} with secret setting {secret.name}")
    return Evidence("design spine: " + "; ".join(said))


@predicate("webhook_events_unique")
def webhook_events_unique(spine: DesignSpine, sections: Sections) -> Evidence | None:
    return _unique_receipt(spine, sections, ("inbound_webhook",))


@predicate("fast_ack_async")
def fast_ack_async(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A webhook_receiver endpoint exists, and the work happens elsewhere: a worker consumes an event
    the provider or the receiver emits, or backend_integration marks the receiver as a background job."""
    receivers = [e for e in spine.endpoints if e.kind == "webhook_receiver"]
    if not receivers:
        return None
    kinds = _kinds(spine)
    sources = {x.id for x in externals(spine, "inbound_webhook")} | {x.connects_to for x in externals(spine, "inbound_webhook")}
    handed_off = next((ev for ev in spine.events if ev.producer in sources and kinds.get(ev.consumer) == "worker"), None)
    if handed_off is not None:
        return Evidence(f"design spine: {receivers[0].method} {receivers[0].path} is a webhook receiver; "
                        f"event {handed_off.name} is handled by worker {handed_off.consumer}")
    backend = sections.get("backend_integration")
    paths = {e.path for e in receivers}
    job = next((e for e in (backend.endpoints if backend else []) if e.path in paths and e.background_job), None)
    if job is not None:
        return Evidence(f"backend_integration: {job.method} {job.path} answers 202 and works in the background")
    return None


@predicate("failed_events_replayable")
def failed_events_replayable(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """failure_policy.replay says how (not "none") and after_retries keeps the failed work to replay."""
    policy = spine.failure_policy
    if policy.replay == "none" or policy.after_retries not in KEEPS_FAILED:
        return None
    if policy.after_retries == "dead_letter_queue":
        return Evidence(f"design spine: failure policy keeps failed work ({policy.after_retries}); replay: {policy.replay}")
    # A kept failure is replayable only from a table that holds it with its status and attempts:
    # a "dead-letter table" no section creates (the eighth-pass Stripe spec) replays nothing.
    store = failure_store(spine)
    if store is None or not {"status", "attempts"} <= set(store.required_columns):
        return None
    schema = sections.get("database_schema")
    if schema is not None:
        table = next((t for t in schema.tables if t.name == store.table), None)
        if table is None or not set(store.required_columns) <= {c.name for c in table.columns}:
            return None
    return Evidence(f"design spine: failed work is kept in {store.table} ({', '.join(store.required_columns)}); "
                    f"replay: {policy.replay}")


@predicate("missed_events_backfilled")
def missed_events_backfilled(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A scheduler component exists and, for every inbound webhook system, the same provider is also
    read back (an outbound_api or polling system with the same name), so missed deliveries are fetched."""
    systems = externals(spine, "inbound_webhook", "inbound_stream")
    scheduler = next((c for c in spine.components if c.kind == "scheduler"), None)
    if not systems or scheduler is None:
        return None
    readers = externals(spine, "outbound_api", "polling")
    for system in systems:
        if not any(name_tokens(r.name) & name_tokens(system.name) for r in readers):
            return None
    return Evidence(f"design spine: scheduler {scheduler.id} and a read-back of "
                    + ", ".join(sorted({r.id for r in readers})))


@predicate("out_of_order_handled")
def out_of_order_handled(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every new table written from an inbound system's deliveries has a version column the
    update is compared against (Entity.version_column), and the schema, when drafted, has it."""
    systems = externals(spine, "inbound_webhook", "inbound_stream")
    if not systems:
        return None
    handlers = {x.connects_to for x in systems} | {x.processed_by for x in systems if x.processed_by} \
        | {e.consumer for e in spine.events if e.producer in {x.id for x in systems} | {x.connects_to for x in systems}}
    # The provider's records the deliveries update: unique on the provider's id (consent and
    # the deliveries themselves are ours, and a redelivery of those is caught by their keys).
    synced = [e for e in spine.entities if e.owner in handlers and e.change == "new" and "event" not in e.key
              and not holds_deliveries(e) and e.unique]
    if not synced or any(e.version_column is None for e in synced):
        return None
    schema = sections.get("database_schema")
    if schema is not None:
        from agentspec.agents.packs.integration_requirements.sections.database_schema import table_columns

        columns = table_columns(schema)
        if any(e.version_column not in columns.get(e.table, set()) for e in synced):
            return None
    return Evidence("design spine: " + "; ".join(f"{e.table}: {update_rule(e)}" if e.version_order
                                                 else f"{e.table} updates only when {e.version_column} is newer" for e in synced))


@predicate("retry_window_known")
def retry_window_known(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every inbound webhook system states the provider's redelivery window (from its provider
    note), and failed deliveries are kept longer than the longest one. A provider the library
    has no window for stays missing: the spec must state it from the provider's documentation."""
    systems = externals(spine, "inbound_webhook")
    kept = spine.failure_policy.kept_days
    if not systems or kept is None or any(x.redelivery_hours is None for x in systems):
        return None
    longest = max(x.redelivery_hours or 0.0 for x in systems)
    if kept * 24 < longest:
        return None
    windows = "; ".join(f"{x.name} resends for {hours_said(x.redelivery_hours or 0.0)}" for x in systems)
    return Evidence(f"design spine: {windows}; failed deliveries are kept {kept} d")


# ----------------------------------------------------------------------------- outbound calls
@predicate("credentials_are_secret_settings")
def credentials_are_secret_settings(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every system we log in to (we call it, or fetch its files) whose auth is not "none" has a secret setting named after it."""
    systems = [x for x in externals(spine, *OUTBOUND, "file_import") if x.auth != "none"]
    if not systems:
        return None
    found = []
    for system in systems:
        secret = secret_for(spine, system)
        if secret is None:
            return None
        found.append(f"{system.id}: {secret.name}")
    return Evidence("design spine: secret settings " + "; ".join(found))


@predicate("call_timeout_fixed")
def call_timeout_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """external_services gives each outbound system a timeout_ms (a typed number), or the spine fixes a time limit."""
    systems = externals(spine, *OUTBOUND)
    if not systems:
        return None
    services = [_service_for(sections, x) for x in systems]
    if all(services):
        return Evidence("external_services: " + "; ".join(f"{s.name} timeout {s.timeout_ms} ms" for s in services))
    limit = _limit(spine, "ms", "s")
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit}") if limit else None


@predicate("retries_bounded")
def retries_bounded(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """failure_policy.retries is at least 1 and failed work is not dropped."""
    policy = spine.failure_policy
    if policy.retries < 1 or policy.after_retries == "drop_and_log":
        return None
    return Evidence(f"design spine: {policy.retries} retries, {policy.backoff}, then {policy.after_retries}")


@predicate("rate_limit_planned")
def rate_limit_planned(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Each outbound system has requests_per_minute in external_services, or the spine fixes a request-rate limit."""
    systems = externals(spine, *OUTBOUND)
    if not systems:
        return None
    services = [_service_for(sections, x) for x in systems]
    if all(services):
        return Evidence("external_services: " + "; ".join(f"{s.name} {s.requests_per_minute}/min, burst {s.burst_limit}"
                                                         for s in services))
    limit = _limit(spine, "requests_per_s", "requests_per_min")
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit}") if limit else None


@predicate("polled_records_unique")
def polled_records_unique(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Records the design pulls land once, unique on the provider's id. A system the design
    only sends work to (its purpose says it is sent, pushed or erased there, and nothing is
    read back) returns no records to store: calling third-party processors to erase a person's
    data pulls nothing, and asking for a table of their records would invent one."""
    called = externals(spine, "polling", "outbound_api")
    if called and all(x.direction == "outbound_api" and _only_sends(x) for x in called):
        return Evidence("not applicable: " + "; ".join(f"{x.name} is only sent work ({x.purpose})" for x in called)
                        + "; nothing is pulled from it")
    return _unique_receipt(spine, sections, ("polling", "outbound_api"))


_SENDS = re.compile(r"\b(send|sends|sent|push|pushes|pushed|notif\w*|eras\w*|delet\w*|anonymi[sz]\w*|publish\w*|post|posts|forward\w*|upload\w*|report\w*)\b", re.I)
_READS = re.compile(r"\b(pull\w*|fetch\w*|read\w*|import\w*|sync\w*|poll\w*|list\w*|download\w*|retriev\w*|get|gets|load\w*|mirror\w*|copy|copies)\b", re.I)


def _only_sends(system: ExternalSystem) -> bool:
    return bool(_SENDS.search(system.purpose)) and not _READS.search(system.purpose)


@predicate("failed_work_kept")
def failed_work_kept(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """after_retries keeps failed work (a dead-letter table or queue, or alert and keep)."""
    policy = spine.failure_policy
    return Evidence(f"design spine: after retries, {policy.after_retries}") if policy.after_retries in KEEPS_FAILED else None


@predicate("sync_cursor_persisted")
def sync_cursor_persisted(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every system a scheduler reads names where its last synced position is kept. Calls made
    on demand (no scheduler reads the system) have no position to resume from."""
    jobs = {c.id for c in spine.components if c.kind == "scheduler"}
    read = [x for x in externals(spine, "outbound_api", "polling") if x.connects_to in jobs]
    if not read:
        return Evidence("design spine: no system is read on a schedule; every call is made on demand") \
            if externals(spine, "outbound_api", "polling") else None
    if any(x.cursor is None for x in read):
        return None
    return Evidence("design spine: " + "; ".join(f"{x.id} resumes from {x.cursor}" for x in read))


# ----------------------------------------------------------------------------- files and streams
@predicate("imported_rows_unique")
def imported_rows_unique(spine: DesignSpine, sections: Sections) -> Evidence | None:
    return _unique_receipt(spine, sections, ("file_import",))


@predicate("stream_records_unique")
def stream_records_unique(spine: DesignSpine, sections: Sections) -> Evidence | None:
    return _unique_receipt(spine, sections, ("inbound_stream",))


@predicate("file_size_limited")
def file_size_limited(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The spine fixes a size or row-count limit (units MB or rows)."""
    limit = _limit(spine, "MB", "rows")
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit}") if limit else None


@predicate("throughput_limited")
def throughput_limited(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The spine fixes a rate or batch limit the consumer is sized for (requests_per_s/min, rows, count)."""
    limit = _limit(spine, "requests_per_s", "requests_per_min", "rows", "count")
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit}") if limit else None


@predicate("file_integrity_checked")
def file_integrity_checked(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every imported file system has its file contract: format, integrity check, partial-file rule."""
    return _decided(spine, sections, "file_contract", {x.id for x in externals(spine, "file_import")})


def _decided(spine: DesignSpine, sections: Sections, concern: str, subjects: set[str] | None = None) -> Evidence | None:
    """The design's rule for a concern (DesignRule) governs each subject that needs one (any, when
    `subjects` is None) and every table and column it names is in the design, and in the drafted
    schema: a rule about a column nobody creates covers nothing."""
    rules = [r for r in spine.rules if r.concern == concern]
    if not rules or (subjects is not None and (not subjects or not subjects <= {r.applies_to for r in rules})):
        return None
    tables = {e.table: e for e in spine.entities}
    columns = None
    schema = sections.get("database_schema")
    if schema is not None:
        from agentspec.agents.packs.integration_requirements.sections.database_schema import table_columns

        columns = table_columns(schema)
    for name in (n for r in rules for n in r.refers_to):
        table, _, column = name.partition(".")
        entity = tables.get(table)
        if entity is None:
            return None
        if column and column not in {entity.key, entity.version_column, *entity.unique, *entity.required_columns}:
            return None
        if columns is not None and column and column not in columns.get(table, set()):
            return None
    return Evidence("design spine: " + "; ".join(f"{r.applies_to}: {r.statement}" for r in rules))


# ----------------------------------------------------------------------------- people, access and pages
@predicate("status_page_defined")
def status_page_defined(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A surface shows something and is fed by an endpoint the spine defines."""
    paths = {e.path for e in spine.endpoints}
    page = next((s for s in spine.surfaces if s.shows and s.endpoint in paths), None)
    if page is None:
        return None
    return Evidence(f"design spine: surface {page.name!r} shows {', '.join(page.shows)} via {page.endpoint}")


@predicate("operators_authorized")
def operators_authorized(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every surface's role and every endpoint called by a person (not a component or an external
    system) is a role the spine defines with permissions; at least one such caller exists."""
    roles = {r.name for r in spine.roles}
    machines = {c.id for c in spine.components} | {x.id for x in spine.external_systems}
    callers = {e.caller for e in spine.endpoints if e.caller not in machines} | {s.role for s in spine.surfaces}
    if not callers or not callers <= roles:
        return None
    return Evidence("design spine: callers " + ", ".join(sorted(callers)) + " are defined roles")


@predicate("identity_provider_configured")
def identity_provider_configured(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """An identity_provider system exists, and auth_integration's client id variable, when drafted, is a spine setting."""
    idp = next(iter(externals(spine, "identity_provider")), None)
    if idp is None:
        return None
    auth = sections.get("auth_integration")
    if auth is not None and auth.client_id_env_var not in {s.name for s in spine.settings}:
        return None
    said = f"design spine: identity provider {idp.id} via {idp.connects_to}"
    return Evidence(said + (f"; auth_integration client id {auth.client_id_env_var}" if auth is not None else ""))


@predicate("session_lifetime_fixed")
def session_lifetime_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """auth_integration fixes the access token lifetime (a typed number of minutes)."""
    auth = sections.get("auth_integration")
    return Evidence(f"auth_integration: access tokens last {auth.access_token_minutes} min") if auth is not None else None


@predicate("roles_defined")
def roles_defined(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The spine defines at least one role, each with permissions (the model requires them)."""
    if not spine.roles:
        return None
    return Evidence("design spine: roles " + "; ".join(f"{r.name} ({', '.join(r.permissions)})" for r in spine.roles))


@predicate("deprovisioning_defined")
def deprovisioning_defined(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every identity provider has the rule for what deactivating a user does."""
    return _decided(spine, sections, "deprovisioning", {x.id for x in externals(spine, "identity_provider")})


# ----------------------------------------------------------------------------- messaging and publishing
@predicate("delivery_status_received")
def delivery_status_received(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every outbound notification provider also calls back (an inbound_webhook system with the same name)."""
    senders = externals(spine, "outbound_notification")
    callbacks = externals(spine, "inbound_webhook")
    if not senders or not all(any(name_tokens(c.name) & name_tokens(s.name) for c in callbacks) for s in senders):
        return None
    return Evidence("design spine: delivery callbacks from " + ", ".join(c.id for c in callbacks))


CONSENT_TABLE = re.compile(r"consent|opt_?(in|out)s?\b|unsubscrib|subscription_pref|notification_pref|contact_pref", re.I)


def consent_table(spine: DesignSpine):
    """The table that holds each recipient's consent (its name says consent, opt-in or opt-out)."""
    return next((e for e in spine.entities if CONSENT_TABLE.search(e.table)), None)


@predicate("consent_recorded")
def consent_recorded(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A table of the design holds each recipient's consent per channel, and the code that sends
    through a notification provider is the design's (so the send can read it first)."""
    table = consent_table(spine)
    senders = [x.connects_to for x in externals(spine, "outbound_notification", "outbound_api")]
    if table is None or not senders or "channel" not in table.required_columns:
        return None
    return Evidence(f"design spine: table {table.table} ({table.purpose}); sends by {', '.join(dict.fromkeys(senders))}")


@predicate("opt_out_honored")
def opt_out_honored(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """An opt-out reaches the consent table: the component that writes it processes what the
    provider sends back (STOP replies arrive as inbound messages), or an endpoint of the design
    takes the unsubscribe."""
    table = consent_table(spine)
    if table is None:
        return None
    inbound = [x for x in externals(spine, "inbound_webhook") if table.owner in (x.connects_to, x.processed_by)]
    paths = [e for e in spine.endpoints if re.search(r"unsubscrib|opt-?out|consent|preference", e.path, re.I)]
    if inbound:
        return Evidence(f"design spine: {table.owner} writes {table.table} from {inbound[0].name}'s inbound requests")
    if paths:
        return Evidence(f"design spine: {paths[0].method} {paths[0].path} ({paths[0].purpose})")
    return None


@predicate("channels_separate")
def channels_separate(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """At least two outbound channels, each its own external system, so one failing does not block the others."""
    channels = externals(spine, "outbound_api", "outbound_notification")
    if len(channels) < 2:
        return None
    return Evidence("design spine: channels " + ", ".join(f"{x.id} ({x.direction})" for x in channels))


@predicate("per_channel_status")
def per_channel_status(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A table keeps a row per item and channel: a channel column, the channel's id for the item and
    its state, unique on the item and channel together; the drafted schema, when there is one, has them."""
    table = per_channel_table(spine)
    if table is None:
        return None
    schema = sections.get("database_schema")
    if schema is not None:
        from agentspec.agents.packs.integration_requirements.sections.database_schema import table_columns

        if not set(_CHANNEL_COLUMNS) <= table_columns(schema).get(table.table, set()):
            return None
    return Evidence(f"design spine: table {table.table} keeps {', '.join(table.required_columns)} per item and channel, "
                    f"unique on {', '.join(table.unique)}")


_CHANNEL_COLUMNS = ("channel", "status")


def per_channel_table(spine: DesignSpine):
    """The new table that keeps a state per item and channel: a channel and a status column, a
    channel-side id, and a unique key."""
    for entity in spine.entities:
        names = {*entity.required_columns, *entity.unique}
        if entity.change == "new" and entity.unique and set(_CHANNEL_COLUMNS) <= names \
                and any(c.endswith("_id") and c != "item_id" for c in names):
            return entity
    return None


# ----------------------------------------------------------------------------- data: money, matching, deletion
@predicate("money_in_minor_units")
def money_in_minor_units(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Tables holding money store integer minor units with a currency; database_schema, when drafted,
    gives each such table a currency column."""
    money = [e for e in spine.entities if e.money != "none"]
    if not money or any(e.money != "integer_minor_units_with_currency" for e in money):
        return None
    schema = sections.get("database_schema")
    if schema is not None:
        tables = {t.name: t for t in schema.tables}
        for entity in money:
            table = tables.get(entity.table)
            if table is None or not any("currency" in c.name for c in table.columns):
                return None
    return Evidence("design spine: " + ", ".join(e.table for e in money) + " store integer minor units with currency")


@predicate("source_ids_unique")
def source_ids_unique(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every table this feature creates or alters has a unique column besides its key, so two sides can be matched."""
    own = [e for e in spine.entities if e.change != "referenced"]
    if not own or any(not e.unique for e in own):
        return None
    return Evidence("design spine: " + "; ".join(f"{e.table} unique on {', '.join(e.unique)}" for e in own))


@predicate("scheduler_present")
def scheduler_present(spine: DesignSpine, sections: Sections) -> Evidence | None:
    scheduler = next((c for c in spine.components if c.kind == "scheduler"), None)
    return Evidence(f"design spine: scheduler {scheduler.id}: {scheduler.responsibility}") if scheduler else None


@predicate("schedule_interval_fixed")
def schedule_interval_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every scheduler states its period, or the spine fixes one (a limit in min, h or d)."""
    jobs = [c for c in spine.components if c.kind == "scheduler"]
    if jobs and all(c.schedule for c in jobs):
        return Evidence("design spine: " + "; ".join(f"{c.id} runs {c.schedule}" for c in jobs))
    limit = _limit(spine, "min", "h", "d")
    if limit is None or not jobs:
        return None
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit}")


@predicate("match_tolerance_fixed")
def match_tolerance_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The design states how two records are matched: keys first, then amounts and dates within a tolerance."""
    return _decided(spine, sections, "match_rule")


@predicate("run_overlap_prevented")
def run_overlap_prevented(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every scheduler states what happens when a run would overlap the previous one."""
    jobs = [c for c in spine.components if c.kind == "scheduler"]
    if not jobs or any(c.overlap is None for c in jobs):
        return None
    return Evidence("design spine: " + "; ".join(f"{c.id}: {c.overlap}" for c in jobs))


@predicate("deletion_endpoint_authorized")
def deletion_endpoint_authorized(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The endpoints that start a deletion (a DELETE, or a POST that files an erasure or
    deletion request, the asynchronous form a deadline-bound deletion usually takes)
    exist, and each is called by a defined role."""
    roles = {r.name for r in spine.roles}
    deletes = [e for e in spine.endpoints
               if e.method == "DELETE" or (e.method == "POST" and _DELETION_PATH.search(e.path))]
    if not deletes or any(e.caller not in roles for e in deletes):
        return None
    return Evidence("design spine: " + "; ".join(f"{e.method} {e.path} by role {e.caller}" for e in deletes))


_DELETION_PATH = re.compile(r"delet|erasure|erase|forget|anonymi[sz]", re.I)


@predicate("retention_period_fixed")
def retention_period_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The spine fixes, in days, how long something is kept (a retention, not a deadline:
    "erase within 30 days" says when data goes, not how long backups or proofs stay)."""
    limit = next((lim for lim in spine.limits if lim.unit == "d" and _KEPT.search(f"{lim.name} {lim.meaning}")), None)
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} d ({limit.meaning})") if limit else None


_KEPT = re.compile(r"retain|retention|kept|keep|backup|purge|expir", re.I)
_DELETES = re.compile(r"delet|eras|anonymi[sz]|forget|purge|redact", re.I)
AUDIT_TABLE = re.compile(r"audit|proof|(deletion|erasure)_(log|record|evidence)", re.I)


@predicate("deletion_reaches_processors")
def deletion_reaches_processors(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Each third-party system the feature sends data to says how the deletion reaches it:
    its purpose names the erasure call (a processor that is only "processes user data" is
    exactly the gap a regulator finds). With no such system, nothing is left at a processor."""
    processors = externals(spine, *OUTBOUND, "identity_provider")
    if not processors:
        return None
    if any(not _DELETES.search(x.purpose) for x in processors):
        return None
    return Evidence("design spine: " + "; ".join(f"{x.id}: {x.purpose}" for x in processors))


@predicate("deletion_audited")
def deletion_audited(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A new table records the deletions (its name says audit or proof of deletion)."""
    table = next((e for e in spine.entities if e.change == "new" and AUDIT_TABLE.search(e.table)), None)
    return Evidence(f"design spine: table {table.table} ({table.purpose})") if table else None


# ----------------------------------------------------------------------------- real time and search
@predicate("realtime_channel_authorized")
def realtime_channel_authorized(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """Every websocket or server-sent-events endpoint is called by a defined role."""
    roles = {r.name for r in spine.roles}
    live = [e for e in spine.endpoints if e.kind in ("websocket", "server_sent_events")]
    if not live or any(e.caller not in roles for e in live):
        return None
    return Evidence("design spine: " + "; ".join(f"{e.path} ({e.kind}) by role {e.caller}" for e in live))


@predicate("reconnect_policy_fixed")
def reconnect_policy_fixed(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """api_specifications' WebSocket client is applicable, with its reconnect attempts and delay (typed numbers)."""
    api = sections.get("api_specifications")
    if api is None or not api.websocket.applicable:
        return None
    ws = api.websocket
    return Evidence(f"api_specifications: {ws.max_reconnect_attempts} reconnect attempts, {ws.reconnect_delay_ms} ms apart")


@predicate("conflict_resolution_defined")
def conflict_resolution_defined(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """The design states how concurrent edits merge, on a version column the schema has."""
    return _decided(spine, sections, "conflicts")


@predicate("index_fed_by_events")
def index_fed_by_events(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A search_index component exists and a worker consumes at least one event (the index is updated asynchronously)."""
    kinds = _kinds(spine)
    index = next((c for c in spine.components if c.kind == "search_index"), None)
    fed = next((e for e in spine.events if kinds.get(e.consumer) == "worker"), None)
    if index is None or fed is None:
        return None
    return Evidence(f"design spine: {index.id} with event {fed.name} handled by worker {fed.consumer}")


@predicate("reindex_possible")
def reindex_possible(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A search_index exists and a scheduler can rebuild it from the tables."""
    kinds = set(_kinds(spine).values())
    if not {"search_index", "scheduler"} <= kinds or not spine.entities:
        return None
    return Evidence("design spine: a scheduler next to the search index, with tables to rebuild it from")


@predicate("index_lag_measured")
def index_lag_measured(spine: DesignSpine, sections: Sections) -> Evidence | None:
    """A search index exists and the spine fixes how stale it may be: a time limit that names lag or freshness."""
    if not any(c.kind == "search_index" for c in spine.components):
        return None
    limit = index_lag_limit(spine)
    return Evidence(f"design spine: limit {limit.name} = {limit.value:g} {limit.unit} ({limit.meaning})") if limit else None


_FRESHNESS = re.compile(r"lag|fresh|stale|visib|behind|delay", re.I)


def index_lag_limit(spine: DesignSpine):
    """The limit that says how far the index may fall behind its source, if the design fixes one."""
    return next((lim for lim in spine.limits if lim.unit in ("ms", "s", "min") and _FRESHNESS.search(f"{lim.name} {lim.meaning}")), None)


# ----------------------------------------------------------------------------- which archetypes and providers
_TRIGGER_VALUES: dict[str, Callable[[DesignSpine], set[str]]] = {
    "external_direction": lambda s: {x.direction for x in s.external_systems},
    "component_kind": lambda s: {c.kind for c in s.components},
    "endpoint_kind": lambda s: {e.kind for e in s.endpoints},
}


def archetypes_for(spine: DesignSpine, declared: Iterable[str] = ()) -> list:
    """The archetypes this design has, in library order: those whose triggers match the spine's
    structure (external directions, component kinds, endpoint kinds), plus every id in `declared`.

    Archetypes with no triggers (data deletion and compliance, reconciliation and matching,
    multi-channel publishing) cannot be told from structure and apply only when declared; a
    later session adds intake classification and a `--archetype` option that fill `declared`.
    An unknown declared id is an error, not a silent no-op."""
    from agentspec.agents.knowledge import archetypes

    library = archetypes()
    wanted = set(declared)
    unknown = wanted - {a.id for a in library}
    if unknown:
        raise ValueError(f"unknown archetype(s) {sorted(unknown)}; known: {[a.id for a in library]}")
    present = {on: values(spine) for on, values in _TRIGGER_VALUES.items()}
    return [a for a in library
            if a.id in wanted or any(present[t.where] & set(t.any_of) for t in a.triggers)]


def providers_for(spine: DesignSpine) -> list:
    """Provider notes whose name or an alias is a whole word of an external system's name or id."""
    from agentspec.agents.knowledge import providers_named_in

    return providers_named_in(f"{x.name} {x.id.replace('_', ' ')}" for x in spine.external_systems)


# ----------------------------------------------------------------------------- coverage
@dataclass(frozen=True)
class ConcernResult:
    archetype: str
    concern: str
    what: str
    priority: str
    owner: str  # section id
    covered: bool
    evidence: str | None  # where the spec states it
    missing: str | None  # what the spec must state, when it does not

    def line(self) -> str:
        head = f"{self.priority} {self.archetype}/{self.concern} ({self.owner})"
        return f"{head}: {self.evidence}" if self.covered else f"{head}: missing: {self.missing}"


def coverage(spine: DesignSpine, sections: Sections, declared: Iterable[str] = ()) -> list[ConcernResult]:
    """Each must-cover concern of the design's archetypes, covered or not, with where or what is missing."""
    results = []
    for archetype in archetypes_for(spine, declared):
        for concern in archetype.concerns:
            evidence = COVERED_WHEN[concern.covered_when](spine, sections)
            missing = None
            if evidence is None:
                missing = "; ".join(concern.states)
                if concern.covered_when in PENDING_FIELDS:
                    missing += f" (no structured field states this yet: {PENDING_FIELDS[concern.covered_when]})"
            results.append(ConcernResult(archetype.id, concern.id, concern.what, concern.priority, concern.owner,
                                         evidence is not None, evidence.where if evidence else None, missing))
    return results
