"""archetypes_for, providers_for, and every coverage predicate: one fixture the predicate
accepts and one it rejects. Sections are duck-typed stand-ins (SimpleNamespace) with
the fields the predicates read, so each case states exactly what it tests."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from agentspec.agents.knowledge.coverage import COVERED_WHEN, PENDING_FIELDS, archetypes_for, coverage, providers_for
from tests.knowledge.conftest import OUTBOUND_SPINE, WEBHOOK_SPINE, spine

S = WEBHOOK_SPINE


def _with(key: str, *extra: dict, base=None) -> list[dict]:
    return [*(base or S)[key], *extra]


SCHEDULER = {"id": "nightly", "label": "Nightly", "kind": "scheduler", "responsibility": "runs jobs"}
SEARCH = {"id": "search", "label": "Search", "kind": "search_index", "responsibility": "search"}
PROVIDER_API = {"id": "provider_api", "name": "Provider", "direction": "outbound_api", "connects_to": "sync_worker",
                "purpose": "read back missed records", "auth": "API key"}
DELETE = {"method": "DELETE", "path": "/api/v1/records/:id", "kind": "rest", "caller": "sync_viewer", "purpose": "erase"}
SOCKET = {"method": "GET", "path": "/api/v1/live", "kind": "websocket", "caller": "sync_viewer", "purpose": "live"}
FILE_SPINE = {**OUTBOUND_SPINE, "external_systems": [{**OUTBOUND_SPINE["external_systems"][0], "direction": "file_import"}]}
STREAM_SPINE = {**OUTBOUND_SPINE, "external_systems": [{**OUTBOUND_SPINE["external_systems"][0], "direction": "inbound_stream"}]}
IDP = {"id": "okta", "name": "Okta", "direction": "identity_provider", "connects_to": "webhook_receiver",
       "purpose": "sign in", "auth": "OIDC"}
SMS = {"id": "sms", "name": "Texter", "direction": "outbound_notification", "connects_to": "sync_worker",
       "purpose": "send SMS", "auth": "API key"}
SMS_STATUS = {"id": "sms_status", "name": "Texter status", "direction": "inbound_webhook", "connects_to": "webhook_receiver",
              "purpose": "delivery status", "auth": "signature"}
CONSENTS = {"table": "notification_consents", "purpose": "each recipient's consent per channel", "change": "new", "key": "id",
            "unique": [], "money": "none", "owner": "webhook_receiver", "required_columns": ["recipient", "channel", "opted_out_at"]}


def _schema(table: str, column: str, unique: bool, *extra: str):
    cols = [NS(name=column, unique=unique, primary_key=False)] + [NS(name=c, unique=False, primary_key=False) for c in extra]
    return {"database_schema": NS(tables=[NS(name=table, columns=cols, indexes=[], existing=False)])}


CRM_SERVICE = {"external_services": NS(services=[NS(name="CRM", timeout_ms=5000, requests_per_minute=600, burst_limit=50)])}

def _rule(concern: str, applies_to: str, *refers_to: str) -> dict:
    return {"concern": concern, "applies_to": applies_to, "statement": "the library's rule", "refers_to": list(refers_to)}


PUBLICATIONS = {"table": "channel_publications", "purpose": "state per item and channel", "change": "new", "key": "id",
                "unique": ["publication_key"], "money": "none", "owner": "sync_worker",
                "required_columns": ["item_id", "channel", "channel_item_id", "status"]}
SYNCED = S["entities"][1]  # the provider's records, unique on the provider's id
FILE_ID = OUTBOUND_SPINE["external_systems"][0]["id"]

# predicate -> ((covered spine, sections), (uncovered spine, sections))
CASES = {
    # A decided rule covers its concern when it governs what needs it and what it names is in the
    # design (and in the drafted schema): a rule about a missing table or column covers nothing.
    "index_lag_measured": ((spine(components=_with("components", SEARCH),
                                  limits=[{"name": "index_lag", "value": 60, "unit": "s", "meaning": "how far results may fall behind"}]), {}),
                           (spine(components=_with("components", SEARCH),
                                  limits=[{"name": "query_timeout", "value": 2, "unit": "s", "meaning": "per search"}]), {})),
    "per_channel_status": (
        (spine(entities=_with("entities", PUBLICATIONS)), _schema("channel_publications", "channel", False, "status")),
        (spine(entities=_with("entities", PUBLICATIONS)), _schema("channel_publications", "channel", False))),
    "file_integrity_checked": ((spine(FILE_SPINE, rules=[_rule("file_contract", FILE_ID, OUTBOUND_SPINE["entities"][0]["table"])]), {}),
                               (spine(FILE_SPINE, rules=[_rule("file_contract", FILE_ID, "rejected_rows")]), {})),
    "deprovisioning_defined": ((spine(external_systems=_with("external_systems", IDP), rules=[_rule("deprovisioning", "okta")]), {}),
                               (spine(external_systems=_with("external_systems", IDP), rules=[_rule("deprovisioning", "github")]), {})),
    "match_tolerance_fixed": ((spine(rules=[_rule("match_rule", SYNCED["table"], f"{SYNCED['table']}.{SYNCED['unique'][0]}")]), {}),
                              (spine(rules=[_rule("match_rule", SYNCED["table"], f"{SYNCED['table']}.external_ref")]), {})),
    "conflict_resolution_defined": (
        (spine(entities=[S["entities"][0], {**SYNCED, "version_column": "version"}],
               rules=[_rule("conflicts", SYNCED["table"], f"{SYNCED['table']}.version")]), _schema(SYNCED["table"], "version", False)),
        (spine(entities=[S["entities"][0], {**SYNCED, "version_column": "version"}],
               rules=[_rule("conflicts", SYNCED["table"], f"{SYNCED['table']}.version")]), _schema(SYNCED["table"], "updated_at", False))),
    "signature_verified": ((spine(), {}), (spine().model_copy(update={"settings": []}), {})),  # built past _complete, which adds the secret
    "webhook_events_unique": ((spine(), _schema("received_events", "provider_event_id", True)),
                              (spine(), _schema("received_events", "provider_event_id", False))),
    "fast_ack_async": ((spine(events=[]), {"backend_integration": NS(endpoints=[
                            NS(method="POST", path="/api/v1/webhooks/provider", background_job=True)])}),
                       (spine(events=[]), {})),
    "out_of_order_handled": ((spine(entities=[S["entities"][0], {**S["entities"][1], "version_column": "provider_updated_at"}]), {}),
                             (spine(), {})),
    # kept in the deliveries table with its status and attempts; a policy that names no such table replays nothing
    "failed_events_replayable": ((spine(entities=[{**S["entities"][0], "required_columns": ["payload", "status", "attempts", "last_error"]},
                                                  S["entities"][1]],
                                        failure_policy={**S["failure_policy"], "store": S["entities"][0]["table"]}), {}),
                                 (spine(), {})),
    "missed_events_backfilled": ((spine(components=_with("components", SCHEDULER),
                                        external_systems=_with("external_systems", PROVIDER_API)), {}),
                                 (spine(), {})),
    "credentials_are_secret_settings": ((spine(OUTBOUND_SPINE), {}),
                                        (spine(OUTBOUND_SPINE, settings=[{"name": "CRM_API_KEY", "secret": False,
                                                                          "purpose": "x"}]), {})),
    "call_timeout_fixed": ((spine(OUTBOUND_SPINE, limits=[]), CRM_SERVICE), (spine(OUTBOUND_SPINE, limits=[]), {})),
    "retries_bounded": ((spine(), {}), (spine(failure_policy={**S["failure_policy"], "after_retries": "drop_and_log"}), {})),
    "rate_limit_planned": ((spine(OUTBOUND_SPINE), {}), (spine(OUTBOUND_SPINE, limits=[]), {})),
    "polled_records_unique": ((spine(OUTBOUND_SPINE), {}),
                              (spine(OUTBOUND_SPINE, entities=[{**OUTBOUND_SPINE["entities"][0], "unique": []}]), {})),
    "failed_work_kept": ((spine(), {}), (spine(failure_policy={**S["failure_policy"], "after_retries": "drop_and_log"}), {})),
    "imported_rows_unique": ((spine(FILE_SPINE), {}), (spine(FILE_SPINE, entities=[]), {})),
    "stream_records_unique": ((spine(STREAM_SPINE), {}), (spine(STREAM_SPINE, entities=[]), {})),
    "file_size_limited": ((spine(limits=[{"name": "max_file", "value": 50, "unit": "MB", "meaning": "x"}]), {}), (spine(), {})),
    "throughput_limited": ((spine(OUTBOUND_SPINE), {}), (spine(), {})),
    "status_page_defined": ((spine(), {}), (spine(surfaces=[]), {})),
    "operators_authorized": ((spine(), {}), (spine(endpoints=_with("endpoints", {**DELETE, "caller": "admin"})), {})),
    "identity_provider_configured": ((spine(external_systems=_with("external_systems", IDP)),
                                      {"auth_integration": NS(client_id_env_var="PROVIDER_WEBHOOK_SECRET")}),
                                     (spine(external_systems=_with("external_systems", IDP)),
                                      {"auth_integration": NS(client_id_env_var="OKTA_CLIENT_ID")})),
    "session_lifetime_fixed": ((spine(), {"auth_integration": NS(access_token_minutes=15)}), (spine(), {})),
    "roles_defined": ((spine(), {}), (spine(roles=[], surfaces=[]), {})),
    "delivery_status_received": ((spine(external_systems=[SMS, SMS_STATUS]), {}), (spine(external_systems=[SMS]), {})),
    # consent per channel, written by the worker that processes the provider's inbound requests (STOP replies)
    "consent_recorded": ((spine(external_systems=[SMS, SMS_STATUS], entities=_with("entities", CONSENTS)), {}),
                         (spine(external_systems=[SMS, SMS_STATUS], entities=_with("entities", {**CONSENTS, "required_columns": []})), {})),
    "opt_out_honored": ((spine(external_systems=[SMS, SMS_STATUS], entities=_with("entities", CONSENTS)), {}),
                        (spine(external_systems=[SMS], entities=_with("entities", CONSENTS)), {})),
    "channels_separate": ((spine(external_systems=[SMS, {**OUTBOUND_SPINE["external_systems"][0], "connects_to": "sync_worker"}]), {}),
                          (spine(external_systems=[SMS]), {})),
    "money_in_minor_units": ((spine(), _schema("synced_records", "amount_minor", False, "currency")),
                             (spine(), _schema("synced_records", "amount_minor", False))),
    "source_ids_unique": ((spine(), {}),
                          (spine(entities=[{**S["entities"][0], "unique": []}, S["entities"][1]]), {})),
    "scheduler_present": ((spine(components=_with("components", SCHEDULER)), {}), (spine(), {})),
    "schedule_interval_fixed": ((spine(components=_with("components", SCHEDULER),
                                       limits=[{"name": "run_every", "value": 1, "unit": "h", "meaning": "x"}]), {}),
                                (spine(components=_with("components", SCHEDULER)), {})),
    "deletion_endpoint_authorized": ((spine(endpoints=_with("endpoints", DELETE)), {}),
                                     (spine(endpoints=_with("endpoints", {**DELETE, "caller": "webhook_receiver"})), {})),
    "retention_period_fixed": ((spine(limits=[{"name": "keep_failed", "value": 30, "unit": "d", "meaning": "x"}]), {}),
                               # a deadline in days is not a retention
                               (spine(limits=[{"name": "erasure_deadline", "value": 30, "unit": "d", "meaning": "erase in time"}]), {})),
    "deletion_reaches_processors": (
        (spine(external_systems=[{**PROVIDER_API, "purpose": "erases the person's records through its delete call"}]), {}),
        (spine(external_systems=[{**PROVIDER_API, "purpose": "processes user data"}]), {})),
    "deletion_audited": (
        (spine(entities=_with("entities", {"table": "deletion_audit_log", "purpose": "who asked and what was removed",
                                           "change": "new", "key": "id", "unique": [], "money": "none",
                                           "owner": "sync_worker"})), {}),
        (spine(), {})),
    "realtime_channel_authorized": ((spine(endpoints=_with("endpoints", SOCKET)), {}),
                                    (spine(endpoints=_with("endpoints", {**SOCKET, "caller": "guest"})), {})),
    "reconnect_policy_fixed": ((spine(), {"api_specifications": NS(websocket=NS(applicable=True, max_reconnect_attempts=5,
                                                                                    reconnect_delay_ms=1000))}),
                               (spine(), {"api_specifications": NS(websocket=NS(applicable=False))})),
    "index_fed_by_events": ((spine(components=_with("components", SEARCH)), {}), (spine(), {})),
    # Code states these from provider notes and archetype defaults (completion/); the predicates
    # read the fields, and a provider with no known window, or a job with no rule, stays missing.
    "retry_window_known": (
        (spine(external_systems=[{**S["external_systems"][0], "redelivery_hours": 72}],
               failure_policy={**S["failure_policy"], "kept_days": 14}), {}),
        (spine(external_systems=[{**S["external_systems"][0], "redelivery_hours": 72}],
               failure_policy={**S["failure_policy"], "kept_days": 2}), {})),
    "sync_cursor_persisted": (
        (spine(components=_with("components", SCHEDULER),
               external_systems=_with("external_systems", {**PROVIDER_API, "connects_to": "nightly",
                                                             "cursor": "the newest provider_updated_at in records"})), {}),
        (spine(components=_with("components", SCHEDULER),
               external_systems=_with("external_systems", {**PROVIDER_API, "connects_to": "nightly"})), {})),
    "run_overlap_prevented": (
        (spine(components=_with("components", {**SCHEDULER, "overlap": "one run at a time, by a lock"})), {}),
        (spine(components=_with("components", SCHEDULER)), {})),
    "reindex_possible": ((spine(components=_with("components", SEARCH, SCHEDULER)), {}),
                         (spine(components=_with("components", SEARCH)), {})),
}


def test_every_predicate_has_fixtures_or_is_pending():
    assert set(CASES) | set(PENDING_FIELDS) == set(COVERED_WHEN)
    assert not set(CASES) & set(PENDING_FIELDS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_predicate_covered_and_uncovered(name):
    (covered, covered_sections), (uncovered, uncovered_sections) = CASES[name]
    evidence = COVERED_WHEN[name](covered, covered_sections)
    assert evidence is not None and evidence.where, name
    assert COVERED_WHEN[name](uncovered, uncovered_sections) is None, name


@pytest.mark.parametrize("name", sorted(PENDING_FIELDS))
def test_pending_predicates_never_claim_coverage(name):
    rich = spine(components=_with("components", SCHEDULER, SEARCH), endpoints=_with("endpoints", DELETE, SOCKET),
                 external_systems=_with("external_systems", PROVIDER_API, IDP))
    assert COVERED_WHEN[name](rich, CASES["reconnect_policy_fixed"][0][1]) is None
    assert "later session" in " ".join((COVERED_WHEN[name].__doc__ or "").split())


def test_a_system_called_on_demand_has_no_sync_position_to_keep():
    evidence = COVERED_WHEN["sync_cursor_persisted"](spine(OUTBOUND_SPINE), {})
    assert evidence is not None and "on demand" in evidence.where
    assert COVERED_WHEN["sync_cursor_persisted"](spine(), {}) is None  # nothing is called at all


def test_the_webhook_spine_is_an_inbound_webhook_feature():
    assert [a.id for a in archetypes_for(spine())] == ["inbound_webhooks"]


def test_structure_decides_and_declared_adds():
    found = {a.id for a in archetypes_for(spine(components=_with("components", SCHEDULER)), declared=["data_deletion_compliance"])}
    assert found == {"inbound_webhooks", "scheduled_jobs", "data_deletion_compliance"}
    assert [a.id for a in archetypes_for(spine(OUTBOUND_SPINE))] == ["outbound_api_sync"]
    with pytest.raises(ValueError, match="unknown archetype"):
        archetypes_for(spine(), declared=["payments"])


def test_providers_match_whole_words_of_external_systems():
    stripe = spine(external_systems=[{**S["external_systems"][0], "id": "stripe", "name": "Stripe"}],
                   settings=[{"name": "STRIPE_WEBHOOK_SECRET", "secret": True, "purpose": "x"}],
                   endpoints=[{**S["endpoints"][0], "caller": "stripe"}, S["endpoints"][1]],
                   events=[{**S["events"][0], "producer": "stripe"}])
    assert [p.id for p in providers_for(stripe)] == ["stripe"]
    stripey = spine(external_systems=[{**S["external_systems"][0], "id": "stripey_co", "name": "Stripey"}])
    assert providers_for(stripey) == []
    s3 = spine(FILE_SPINE, external_systems=[{**FILE_SPINE["external_systems"][0], "id": "partner_s3", "name": "Partner bucket"}])
    assert [p.id for p in providers_for(s3)] == ["aws_s3"]


def test_coverage_lists_each_concern_with_evidence_or_what_is_missing():
    results = {r.concern: r for r in coverage(spine(), {})}
    assert results["idempotent_receipt"].covered
    assert "received_events" in results["idempotent_receipt"].evidence
    gap = results["out_of_order_events"]
    assert not gap.covered and gap.priority == "P1" and gap.owner == "data_flow"
    assert gap.missing == "the version or timestamp compared before an update is applied"
    unknown = results["provider_retry_window"]  # no provider note gives this provider's window
    assert not unknown.covered and "retry window" in unknown.missing
    assert not results["backfill_missed_events"].covered and "scheduler" in results["backfill_missed_events"].missing


def test_an_erasure_request_filed_by_post_starts_a_deletion_too():
    from tests.knowledge.conftest import spine as make

    post = {"method": "POST", "path": "/api/v1/erasure-requests", "kind": "rest", "caller": "sync_viewer", "purpose": "file"}
    assert COVERED_WHEN["deletion_endpoint_authorized"](make(endpoints=_with("endpoints", post)), {}) is not None
    other = {**post, "path": "/api/v1/exports"}  # a POST that deletes nothing does not count
    assert COVERED_WHEN["deletion_endpoint_authorized"](make(endpoints=_with("endpoints", other)), {}) is None


def test_a_read_back_fills_the_table_the_webhook_handler_writes_and_its_key_is_not_the_signing_secret():
    from agentspec.agents.knowledge.completion import complete
    from tests.knowledge.conftest import spine as make

    spine, _ = complete(make())  # adds a reconciler reading the provider's API, with PROVIDER_API_KEY
    assert COVERED_WHEN["polled_records_unique"](spine, {}).where.startswith("design spine: table synced_records")
    secrets = COVERED_WHEN["credentials_are_secret_settings"](spine, {}).where
    assert "PROVIDER_API_KEY" in secrets and "PROVIDER_WEBHOOK_SECRET" not in secrets


def test_a_webhook_receipt_is_unique_on_an_event_id_not_on_the_synced_records_id():
    from agentspec.agents.knowledge.coverage import COVERED_WHEN

    keyed = [{**S["entities"][0], "key": "event_id", "unique": []},
             {**S["entities"][1], "owner": "webhook_receiver"}]
    evidence = COVERED_WHEN["webhook_events_unique"](spine(entities=keyed), {})
    assert evidence is not None and "received_events" in evidence.where and "event_id" in evidence.where
    records_only = [{**S["entities"][1], "owner": "webhook_receiver"}]
    assert COVERED_WHEN["webhook_events_unique"](spine(entities=records_only), {}) is None


def test_a_generated_key_named_event_id_is_not_the_providers_event_id():
    from agentspec.agents.knowledge.coverage import COVERED_WHEN

    keyed = [{**S["entities"][0], "key": "event_id", "unique": []}]
    column = lambda name, **kw: NS(**{"name": name, "unique": False, "primary_key": False, "type": "varchar(255)",  # noqa: E731
                                      "default": None, **kw})
    surrogate = {"database_schema": NS(tables=[NS(name="received_events", indexes=[], columns=[
        column("event_id", primary_key=True, type="uuid", default="gen_random_uuid()"), column("stripe_event_id")])])}
    assert COVERED_WHEN["webhook_events_unique"](spine(entities=keyed), surrogate) is None
    provider_key = {"database_schema": NS(tables=[NS(name="received_events", indexes=[], columns=[
        column("event_id", primary_key=True)])])}
    assert COVERED_WHEN["webhook_events_unique"](spine(entities=keyed), provider_key) is not None
