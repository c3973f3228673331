"""What an archetype requires is added to the spine when the answer left it out, and said so."""

from __future__ import annotations

import copy

from agentspec.agents.knowledge.completion import complete
from agentspec.agents.knowledge.coverage import coverage, failed_events_replayable, secret_for
from agentspec.agents.spine import DesignSpine, Endpoint

from tests.spine.conftest import SPINE


def _bare_webhook_spine() -> DesignSpine:
    data = copy.deepcopy(SPINE)
    data["endpoints"] = [e for e in data["endpoints"] if e["kind"] != "webhook_receiver"]
    data["entities"] = data["entities"][1:]  # no received-events table
    data["failure_policy"]["after_retries"] = "drop_and_log"
    return DesignSpine.model_validate(data)


def test_a_webhook_spine_gets_its_receiver_deliveries_read_back_and_kept_failures() -> None:
    bare = _bare_webhook_spine()
    spine, notes = complete(bare)
    assert [n.split(": ", 1)[1] for n in notes] == [
        "webhook_receiver stores each Provider delivery; sync_worker processes it after",
        "endpoint POST /api/v1/webhooks/provider receives Provider's deliveries",
        "table provider_webhook_events stores each delivery once, unique on provider_event_id",
        "table synced_records applies an update only when provider_updated_at is newer",
        "scheduler provider_reconciler reconciles on a schedule",
        "Provider's API is read back by provider_reconciler",
        "failed deliveries are kept in a dead-letter table after the retries, not dropped",
        "failed deliveries are kept 14 d for replay",  # the archetype's default: no provider note gives a window
        "provider_reconciler runs every 1 h",
        "provider_reconciler: one run at a time: a run starts by taking the job's lock and exits at once when the previous run still holds it",
        "provider_api is read from a kept position: the newest provider_updated_at in synced_records; each run reads from there, less one period",
        "failed work is kept in provider_webhook_events for replay",
        "provider_webhook_events keeps payload, status, attempts, last_error for each row, so a failure can be triaged and replayed",
    ]
    assert spine.completed == notes and bare.completed == []  # the answer itself is not changed
    assert ("provider_api", "outbound_api", "provider_reconciler") in [(x.id, x.direction, x.connects_to) for x in spine.external_systems]
    assert "PROVIDER_API_KEY" in [s.name for s in spine.settings]
    DesignSpine.model_validate(spine.model_dump())  # still a valid spine
    before = {r.concern for r in coverage(bare, {}) if r.covered}
    after = {r.concern for r in coverage(spine, {}) if r.covered}
    assert {"idempotent_receipt", "backfill_missed_events", "replay_failed_events"} <= after - before
    assert "provider_retry_window" not in after  # no provider note: the window stays for the spec to state


def test_a_provider_s_redelivery_window_is_stated_and_failed_deliveries_outlast_it() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"] = [{**x, "name": "Stripe", "id": "stripe_webhooks"} if x["direction"] == "inbound_webhook" else x
                                for x in data["external_systems"]]
    spine, notes = complete(DesignSpine.model_validate(data))
    stripe = next(x for x in spine.external_systems if x.id == "stripe_webhooks")
    assert stripe.redelivery_hours == 72  # providers.yaml: "for up to three days"
    assert spine.failure_policy.kept_days is not None and spine.failure_policy.kept_days * 24 > 72
    assert any("docs.stripe.com/webhooks/process-undelivered-events" in n for n in notes)
    assert {r.concern for r in coverage(spine, {}) if r.covered} >= {"provider_retry_window"}


def test_a_job_keeps_the_design_s_own_period() -> None:
    data = copy.deepcopy(SPINE)
    data["components"] = data["components"] + [{"id": "nightly_sweep", "label": "Sweep", "kind": "scheduler", "responsibility": "sweeps"}]
    data["limits"] = [{"name": "sweep_interval", "value": 24, "unit": "h", "meaning": "the sweep runs once a day"}]
    spine, notes = complete(DesignSpine.model_validate(data))
    job = next(c for c in spine.components if c.id == "nightly_sweep")
    assert job.schedule == "every 24 h" and not any("nightly_sweep runs every" in n for n in notes)
    assert job.overlap and "lock" in job.overlap


def test_completion_is_idempotent_and_leaves_a_complete_design_alone() -> None:
    spine, notes = complete(_bare_webhook_spine())
    again, more = complete(spine)
    assert more == [] and again == spine
    plain = DesignSpine.model_validate({**copy.deepcopy(SPINE), "external_systems": [], "events": [],
                                        "endpoints": [SPINE["endpoints"][1]],
                                        "failure_policy": {**SPINE["failure_policy"], "after_retries": "drop_and_log"}})
    assert complete(plain) == (plain, [])  # no archetype applies and no failed work is kept: nothing added


def test_the_system_landscape_says_what_code_added() -> None:
    from agentspec.assemble import render_context, render_section
    from agentspec.agents.registry import by_id

    from tests.spine.test_applicability_and_readiness import _state

    spine, _ = complete(_bare_webhook_spine())
    text = render_section(by_id()["system_landscape"], None, render_context(_state(spine.model_dump(mode="json"))))
    assert "**Added from the knowledge library**" in text
    assert "- Inbound webhooks: table provider_webhook_events stores each delivery once" in text
    # What code states for the scheduler and the provider is shown where the design is.
    assert "runs every 1 h; one run at a time" in text and "kept 14 d for replay" in text
    assert "read from a kept position: the newest provider_updated_at in synced_records" in text
    # A change made to match the scanned repository is not the library's: it has its own heading.
    spine.completed.append("Repository: table users exists in the repository (db/schema.sql:3): referenced, not created")
    text = render_section(by_id()["system_landscape"], None, render_context(_state(spine.model_dump(mode="json"))))
    library, _, grounded = text.partition("**Changed to match the repository**")
    assert "users exists" not in library and "- table users exists in the repository (db/schema.sql:3)" in grounded


def test_a_table_filled_from_the_providers_deliveries_is_unique_on_the_providers_id() -> None:
    from agentspec.agents.knowledge.completion import _record_of

    data = copy.deepcopy(SPINE)
    data["entities"][1]["unique"] = []  # synced_records, written by sync_worker, which handles the provider's event
    spine, notes = complete(DesignSpine.model_validate(data))
    assert "Inbound webhooks: table synced_records is unique on provider_synced_record_id, Provider's id of the record" in notes
    assert spine.entities[1].unique == ["provider_synced_record_id"]
    tables = ("stripe_invoices", "invoices", "stripe_charges", "refund_batches", "stripe_addresses", "stripe_entries", "stripe_access")
    assert [_record_of(t, "stripe") for t in tables] == [
        "stripe_invoice", "stripe_invoice", "stripe_charge", "stripe_refund_batch", "stripe_address", "stripe_entry", "stripe_access"]


def test_names_code_gives_use_the_provider_part_of_the_system_id() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"][0]["id"] = "stripe_api"  # the recorded Stripe spine's id for the webhook sender
    data["events"][0]["producer"] = "stripe_api"
    data["endpoints"] = [e for e in data["endpoints"] if e["kind"] != "webhook_receiver"]
    data["entities"] = data["entities"][1:]
    spine, _ = complete(DesignSpine.model_validate(data))
    assert "/api/v1/webhooks/stripe" in [e.path for e in spine.endpoints]
    assert "stripe_webhook_events" in [e.table for e in spine.entities]
    assert [x.id for x in spine.external_systems] == ["stripe_api", "stripe_api_reader"]  # stripe_api is taken
    assert "stripe_reconciler" in [c.id for c in spine.components]


def test_the_records_the_description_syncs_get_a_table_unique_on_the_providers_id() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe", name="Stripe")
    data["events"][0]["producer"] = "stripe"
    spine, notes = complete(DesignSpine.model_validate(data), (), "Sync Stripe invoices into our Postgres billing DB via webhooks")
    assert "Inbound webhooks: table stripe_invoices holds the synced invoices, unique on stripe_invoice_id" in notes
    table = next(e for e in spine.entities if e.table == "stripe_invoices")
    assert (table.owner, table.money) == ("sync_worker", "integer_minor_units_with_currency")  # Stripe documents minor units
    again, more = complete(spine, (), "Sync Stripe invoices into our Postgres billing DB via webhooks")
    assert not any("stripe_invoices" in n for n in more)
    data["external_systems"][0].update(id="shopify", name="Shopify")
    data["events"][0]["producer"] = "shopify"
    shop, _ = complete(DesignSpine.model_validate(data), (), "Receive Shopify webhooks for orders")  # "webhooks" names no record
    assert not any(e.table.startswith("shopify_") and e.table != "shopify_webhook_events" for e in shop.entities)


def test_a_record_the_provider_documents_gets_a_table_when_the_description_names_it_in_the_singular() -> None:
    """"Stripe webhooks keep each user's subscription status": no plural follows the provider's
    name, but a subscription is a record Stripe documents (its statuses, its events), and the
    description says whose it is, so the table carries the holder's key."""
    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe", name="Stripe")
    data["events"][0]["producer"] = "stripe"
    data["entities"] = [data["entities"][0], {"table": "user", "purpose": "accounts", "change": "referenced", "key": "id",
                                              "unique": [], "money": "none", "owner": "webhook_receiver"}]
    description = "Stripe webhooks keep each user's subscription status in our database, and a billing page shows it"
    spine, notes = complete(DesignSpine.model_validate(data), (), description)
    table = next(e for e in spine.entities if e.table == "stripe_subscriptions")
    assert table.unique == ["stripe_subscription_id"] and table.version_column == "stripe_updated_at"
    assert table.required_columns == ["user_id", "stripe_customer_id", "status"]  # the holder's key, its link, the status
    assert table.documented_values["status"][:2] == ["incomplete", "incomplete_expired"]
    # Stripe's subscription events, named as Stripe sends them (under customer.), replace the generic one.
    assert [e.name for e in spine.events if e.producer == "stripe"] == [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"]
    assert any("each row belonging to a user row (user_id)" in n for n in notes)
    # Without a table for the holder in the design, nobody's key is invented.
    data["entities"] = data["entities"][:1]
    alone, _ = complete(DesignSpine.model_validate(data), (), description)
    assert next(e for e in alone.entities if e.table == "stripe_subscriptions").required_columns == ["status"]
    # Two documented records named: which one is the feature's is the model's to say.
    both, _ = complete(DesignSpine.model_validate(data), (), "Stripe webhooks keep Stripe subscriptions and invoice totals per user")
    assert "stripe_subscriptions" in [e.table for e in both.entities]  # the plural after the name still decides


def test_a_deliveries_table_keyed_on_a_bare_event_id_is_unique_on_the_providers_event_id() -> None:
    data = copy.deepcopy(SPINE)
    data["entities"][0].update(key="event_id", unique=[])  # the recorded Stripe spine's received_events
    data["external_systems"][0]["name"] = "Provider API"
    spine, notes = complete(DesignSpine.model_validate(data))
    # "event_id" as the key said nothing of whose id: the 12-04 answer made it a generated uuid
    table = spine.entities[0]
    assert (table.key, table.unique) == ("id", ["provider_event_id"])
    assert f"Inbound webhooks: table {table.table} stores each delivery once, unique on provider_event_id" in notes
    assert len([e for e in spine.entities if e.owner == table.owner and "event" in " ".join(e.unique)]) == 1  # no second table
    assert "Inbound webhooks: Provider API is read back by provider_reconciler" in notes  # not "Provider API's API"


def test_nothing_is_added_for_an_archetype_only_the_models_structure_implies() -> None:
    bare = _bare_webhook_spine()
    spine, notes = complete(bare, (), "Export the ledger to a partner every night")
    # the description never says webhooks: no receiver or deliveries table is added; the
    # "webhook" nothing receives is a system the feature calls
    assert [e.kind for e in spine.endpoints] == [e.kind for e in bare.endpoints]
    assert [e.table for e in spine.entities] == [e.table for e in bare.entities]
    assert {x.direction for x in spine.external_systems} == {"outbound_api"}
    # beside that, only what every design gets: the called system's credentials in a secret setting
    assert [n.split(":")[0] for n in notes] == ["Called systems", "Settings"]
    _, said = complete(bare, (), "Sync a provider's records via webhooks")
    assert said  # the description asks for webhooks: completed
    _, chosen = complete(bare, ("inbound_webhooks",), "Sync a provider's records")
    assert chosen  # or the user declared it


def _recorded_gdpr_spines() -> list[DesignSpine]:
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "spine" / "recorded_spine_answers_gdpr.json"
    return [DesignSpine.model_validate_json(t) for t in json.loads(path.read_text(encoding="utf-8"))["answers"]]


GDPR = ("GDPR right-to-erasure: users request account deletion, we delete or anonymise their data across Postgres, "
        "S3 and third-party processors within 30 days and keep proof of deletion")


def test_own_stores_named_as_external_systems_are_components() -> None:
    for spine in _recorded_gdpr_spines():  # recorded answers listed Postgres and S3 as external systems
        assert not any(x.name.lower() in ("postgres", "postgresql", "s3") for x in spine.external_systems)
        assert {"database", "object_storage"} <= {c.kind for c in spine.components}


def test_a_deletion_design_gets_an_audit_table_its_deadline_and_called_processors() -> None:
    from agentspec.agents.knowledge.briefing import declared_archetypes

    for bare in _recorded_gdpr_spines():
        spine, notes = complete(bare, tuple(declared_archetypes(GDPR)), GDPR)
        assert any("audit" in e.table or "proof" in e.table for e in spine.entities), notes
        assert any(lim.value == 30 and lim.unit == "d" for lim in spine.limits)
        assert not any(x.direction == "inbound_webhook" for x in spine.external_systems)  # nothing receives from them
        assert not any(e.kind == "webhook_receiver" for e in spine.endpoints)
        again, more = complete(spine, tuple(declared_archetypes(GDPR)), GDPR)
        assert again.entities == spine.entities and again.limits == spine.limits  # idempotent


def test_the_stated_deadline_is_added_when_the_model_drafted_the_audit_table_itself() -> None:
    from agentspec.agents.knowledge.briefing import declared_archetypes

    bare = _recorded_gdpr_spines()[2]  # the answer with a proof_of_deletion table
    assert any("proof" in e.table for e in bare.entities)
    spine, notes = complete(bare, tuple(declared_archetypes(GDPR)), GDPR)
    assert any(lim.name == "completion_deadline" and lim.value == 30 for lim in spine.limits)
    assert any("completion_deadline" in note for note in notes)


def _stripe_spine(events: list[dict]) -> DesignSpine:
    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe_api", name="Stripe API")
    for e in data["endpoints"]:
        e["caller"] = "stripe_api" if e["caller"] == "provider_api" else e["caller"]
    data["events"] = events
    return DesignSpine.model_validate(data)


def test_the_providers_documented_event_types_replace_a_generic_delivery_event() -> None:
    description = "Sync Stripe invoices into our Postgres billing DB via webhooks"
    receiver = SPINE["external_systems"][0]["connects_to"]
    generic = [{"name": "received.event", "producer": "stripe_api", "consumer": receiver, "purpose": "a delivery"}]
    spine, notes = complete(_stripe_spine(generic), (), description)
    from agentspec.agents.knowledge import providers

    documented = next(p for p in providers() if p.id == "stripe").webhook_events[0]
    assert [e.name for e in spine.events] == documented.types and {e.consumer for e in spine.events} == {receiver}
    assert any("in place of received.event" in n for n in notes)
    # a design that names some of the record's events keeps them, and gets the state changes it left out
    own = [{"name": "invoice.paid", "producer": "stripe_api", "consumer": receiver, "purpose": "paid"}]
    spine, notes = complete(_stripe_spine(own), (), description)
    assert [e.name for e in spine.events] == ["invoice.paid"] + [t for t in documented.types if t != "invoice.paid"][:4]
    assert spine.events[0].purpose == "paid" and any("added: a sync of the record handles" in n for n in notes)
    # a description that names no record of the provider gets nothing
    spine, _ = complete(_stripe_spine(generic), (), "Receive Stripe webhooks")
    assert [e.name for e in spine.events] == ["received.event"]


def test_provider_events_are_named_as_the_provider_names_them() -> None:
    """The sixth-pass Stripe spine named its deliveries stripe_invoice.created and
    stripe_invoice.paid, which Stripe never sends: the documented types replace them, and one
    with no documented counterpart is dropped."""
    description = "Sync Stripe invoices into our Postgres billing DB via webhooks"
    receiver = SPINE["external_systems"][0]["connects_to"]
    own = [{"name": n, "producer": "stripe_api", "consumer": receiver, "purpose": "a delivery"}
           for n in ("stripe_invoice.created", "stripe_invoice.paid", "stripe_invoice.synced", "invoice.paid")]
    spine, notes = complete(_stripe_spine(own), (), description)
    assert [e.name for e in spine.events][:2] == ["invoice.created", "invoice.paid"]
    assert any("stripe_invoice.paid is named invoice.paid" in n for n in notes)
    assert any("stripe_invoice.synced dropped" in n for n in notes)
    # nothing left about the record: the documented types are handled instead
    only_undocumented = [{"name": "stripe_invoice.synced", "producer": "stripe_api", "consumer": receiver, "purpose": "x"}]
    spine, _ = complete(_stripe_spine(only_undocumented), (), description)
    from agentspec.agents.knowledge import providers

    assert [e.name for e in spine.events] == next(p for p in providers() if p.id == "stripe").webhook_events[0].types


def test_provider_event_types_are_named_whatever_the_archetypes() -> None:
    """A description that suggests no webhook archetype still gets Stripe's own event names
    (the injection test's "Sync Stripe invoices into Postgres" kept stripe_invoice.created)."""
    receiver = SPINE["external_systems"][0]["connects_to"]
    own = [{"name": "stripe_invoice.created", "producer": "stripe_api", "consumer": receiver, "purpose": "a delivery"}]
    spine, notes = complete(_stripe_spine(own), (), "Sync Stripe invoices into Postgres")
    assert [e.name for e in spine.events] == ["invoice.created"]
    assert notes[0].startswith("Provider event types: event stripe_invoice.created is named invoice.created")


def test_an_endpoint_a_worker_calls_to_reach_its_own_database_is_dropped() -> None:
    """The eighth-pass Stripe spine had GET /api/v1/billing-database, called by the sync worker:
    every section was asked to serve and document it, and api_specifications failed on it."""
    data = copy.deepcopy(SPINE)
    worker = next(c["id"] for c in data["components"] if c["kind"] == "worker")
    data["endpoints"] = data["endpoints"] + [
        {"method": "GET", "path": "/api/v1/billing-database", "kind": "rest", "caller": worker, "purpose": "reads billing data"}]
    spine, notes = complete(DesignSpine.model_validate(data))
    assert "/api/v1/billing-database" not in [e.path for e in spine.endpoints]
    assert any("GET /api/v1/billing-database dropped" in n for n in notes)
    kept = [e["path"] for e in SPINE["endpoints"]]
    assert [e.path for e in spine.endpoints if e.path in kept] == kept  # the design's real endpoints stay


def test_an_erasure_includes_the_existing_table_of_the_people_it_erases() -> None:
    """The seventh-pass gdpr spine left `users` out; the schema section named it and was rejected."""
    data = copy.deepcopy(SPINE)
    data["entities"] = [e for e in data["entities"] if "user" not in e["table"]]
    spine, notes = complete(DesignSpine.model_validate(data), ("data_deletion_compliance",),
                            "Users request account deletion; we delete their data within 30 days")
    users = next(e for e in spine.entities if e.table == "users")
    assert users.change == "referenced" and any("existing table users" in n for n in notes)
    again, more = complete(spine, ("data_deletion_compliance",), "Users request account deletion; we delete their data within 30 days")
    assert [e.table for e in again.entities].count("users") == 1
    data["entities"].append({"table": "user_data", "purpose": "a new copy of user data", "change": "new", "key": "user_id",
                             "unique": [], "money": "none", "owner": "sync_worker"})
    beside, _ = complete(DesignSpine.model_validate(data), ("data_deletion_compliance",), "Users request account deletion")
    assert "users" in [e.table for e in beside.entities]  # a new `user_data` table is not the users' own (ninth-pass gdpr)


def test_an_audit_table_the_design_calls_existing_is_not_added_twice() -> None:
    data = copy.deepcopy(SPINE)
    worker = next(c["id"] for c in data["components"] if c["kind"] == "worker")
    data["entities"] = data["entities"][:1] + [{"table": "deletion_audit_log", "purpose": "who asked, when, what was removed",
                                               "change": "altered", "key": "id", "unique": [], "money": "none", "owner": worker}]
    spine, _ = complete(DesignSpine.model_validate(data), ("data_deletion_compliance",), "Users request account deletion")
    assert [e.table for e in spine.entities].count("deletion_audit_log") == 1


def test_a_delivery_sent_to_a_worker_is_received_by_a_service_first() -> None:
    """Stripe connected straight to its worker (eighth pass): the service receives and stores,
    the worker processes after, and the deliveries table is the receiver's."""
    data = copy.deepcopy(SPINE)
    data["external_systems"] = [{**x, "connects_to": "sync_worker"} if x["direction"] == "inbound_webhook" else x
                                for x in data["external_systems"]]
    data["entities"] = [{**e, "owner": "sync_worker"} for e in data["entities"]]
    spine, notes = complete(DesignSpine.model_validate(data))
    inbound = next(x for x in spine.external_systems if x.direction == "inbound_webhook")
    assert (inbound.connects_to, inbound.processed_by) == ("webhook_receiver", "sync_worker")
    deliveries = next(e for e in spine.entities if any("event" in c for c in e.unique))
    assert deliveries.owner == "webhook_receiver"
    assert any("webhook_receiver receives" in n for n in notes)


def test_failed_work_without_a_deliveries_table_gets_a_store_with_its_columns() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"] = [x for x in data["external_systems"] if x["direction"] != "inbound_webhook"]
    data["endpoints"] = [e for e in data["endpoints"] if e["kind"] != "webhook_receiver"]
    data["entities"] = [e for e in data["entities"] if not any("event" in c for c in e["unique"])]
    data["failure_policy"].update(after_retries="dead_letter_table", replay="none")
    spine, _ = complete(DesignSpine.model_validate(data))
    store = next(e for e in spine.entities if e.table == spine.failure_policy.store)
    assert store.change == "new" and {"status", "attempts", "last_error"} <= set(store.required_columns)
    assert store.table in spine.failure_policy.replay  # "none" is no replay for kept work
    assert store.table == "sync_worker_failures"  # synced_records holds the provider's records, not work
    assert failed_events_replayable(spine, {}) is not None
    assert failed_events_replayable(spine.model_copy(update={"entities": spine.entities[:-1]}), {}) is None


def test_dropped_failures_need_no_store() -> None:
    data = copy.deepcopy(SPINE)
    data["failure_policy"]["after_retries"] = "drop_and_log"
    data["external_systems"] = [x for x in data["external_systems"] if x["direction"] != "inbound_webhook"]
    spine, _ = complete(DesignSpine.model_validate(data), description="Nightly export of orders to a partner")
    assert spine.failure_policy.store is None


def test_a_role_holds_what_its_endpoints_check() -> None:
    data = copy.deepcopy(SPINE)
    viewer = data["roles"][0]["name"]
    data["roles"][0]["permissions"] = ["read:app_db", "write:app_db", "replay:failed_events"]  # two grants on a store
    spine, notes = complete(DesignSpine.model_validate(data))
    # GET /api/v1/sync-status, called by the role, beside the answer's own grant on the feature's records
    assert spine.roles[0].permissions == ["read:sync_status", "replay:failed_events"]
    assert any(n.startswith(f"Roles: {viewer} holds read:sync_status") for n in notes)
    data["endpoints"] = [e for e in data["endpoints"] if e["caller"] != viewer]
    data["surfaces"] = []
    data["roles"][0]["permissions"] = ["read:app_db", "approve:refund"]
    alone, _ = complete(DesignSpine.model_validate(data))
    assert alone.roles[0].permissions == ["approve:refund"]  # no endpoint: the answer's own, less the store grant


def test_a_documented_field_of_a_synced_record_is_a_column_with_its_values() -> None:
    from agentspec.agents.packs.integration_requirements.sections import database_schema
    from agentspec.agents.packs.integration_requirements.sections.database_schema import DatabaseSchema

    spine, notes = complete(DesignSpine.model_validate(copy.deepcopy(SPINE)))  # no provider note: nothing documented
    assert not any(e.documented_values for e in spine.entities)
    data = copy.deepcopy(SPINE)
    data["external_systems"] = [{**x, "name": "Stripe", "id": "stripe_webhooks"} if x["direction"] == "inbound_webhook" else x
                                for x in data["external_systems"]]
    data["entities"][1]["table"] = "stripe_invoices"
    spine, notes = complete(DesignSpine.model_validate(data))
    invoices = next(e for e in spine.entities if e.table == "stripe_invoices")
    assert "status" in invoices.required_columns
    assert invoices.documented_values["status"] == ["draft", "open", "paid", "uncollectible", "void"]  # providers.yaml
    assert any("support.stripe.com/questions/invoice-states" in n for n in notes)
    schema = DatabaseSchema.model_validate({"tables": [{"name": "stripe_invoices", "purpose": "invoices", "integration_type": "Data Bridge",
                                                        "columns": [{"name": "id", "type": "uuid", "primary_key": True}]}]})
    status = next(c for c in database_schema.align(schema, spine).tables[0].columns if c.name == "status")
    assert (status.type, status.note) == ("varchar(50)", "draft, open, paid, uncollectible, void")


def test_a_page_the_description_names_is_fed_by_an_endpoint_a_role_may_call() -> None:
    data = copy.deepcopy(SPINE)
    data["surfaces"], data["roles"] = [], []
    data["endpoints"] = [e for e in data["endpoints"] if e["kind"] == "webhook_receiver"]
    spine, notes = complete(DesignSpine.model_validate(data), description="Sync Provider records via webhooks, with an admin sync-status page")
    page = spine.surfaces[0]
    assert (page.endpoint, page.role) == ("/api/v1/admin/sync-status", "admin")
    assert "failed deliveries waiting for replay" in page.shows
    assert ("GET", "/api/v1/admin/sync-status", "admin") in [(e.method, e.path, e.caller) for e in spine.endpoints]
    assert [r.permissions for r in spine.roles] == [["read:sync_status"]]
    unnamed, _ = complete(DesignSpine.model_validate(data), description="Sync Provider records via webhooks")
    assert unnamed.surfaces == []  # no page named, none added


def test_the_provider_calls_its_receiver_and_sends_its_own_event_names() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"] = [{**x, "name": "Stripe", "id": "stripe"} if x["direction"] == "inbound_webhook" else x
                                for x in data["external_systems"]]
    data["endpoints"] = [{**e, "caller": "sync_worker"} if e["kind"] == "webhook_receiver" else e for e in data["endpoints"]]
    data["events"] = [{"name": "stripe.invoice.paid", "producer": "sync_worker", "consumer": "sync_worker", "purpose": "paid"}]
    spine, _ = complete(DesignSpine.model_validate(data))
    assert next(e for e in spine.endpoints if e.kind == "webhook_receiver").caller == "stripe"
    assert ("invoice.paid", "stripe") in [(e.name, e.producer) for e in spine.events]


def test_tables_live_in_a_database_the_design_shows() -> None:
    data = copy.deepcopy(SPINE)
    data["components"] = [c for c in data["components"] if c["kind"] != "database"]
    spine, notes = complete(DesignSpine.model_validate(data), description="Sync Provider records into our Postgres DB via webhooks")
    database = next(c for c in spine.components if c.kind == "database")
    assert (database.id, database.label) == ("postgresql_database", "PostgreSQL database")
    assert "Own data: postgresql_database holds the design's tables" in notes
    unnamed, _ = complete(DesignSpine.model_validate(data), description="Sync Provider records via webhooks")
    assert [c.id for c in unnamed.components if c.kind == "database"] == ["app_database"]


def _erasure_spine() -> DesignSpine:
    """Hand-built from the ninth-pass gdpr spine's defects: the processor called with credentials
    and no setting, the worker calling the deletion endpoint, the audit table called altered."""
    return DesignSpine.model_validate({
        "components": [{"id": "erasure_worker", "label": "Erasure Worker", "kind": "worker", "responsibility": "erases data"},
                       {"id": "app_db", "label": "App DB", "kind": "database", "responsibility": "tables"}],
        "external_systems": [{"id": "third_party_processor", "name": "Third-Party Processor", "direction": "outbound_api",
                              "connects_to": "erasure_worker", "purpose": "receives erasure requests for a person's data",
                              "auth": "credentials Third-Party Processor issues, sent with each call"}],
        "entities": [{"table": "deletion_requests", "purpose": "requests", "change": "new", "key": "id", "unique": [],
                      "money": "none", "owner": "erasure_worker"},
                     {"table": "deletion_audit_log", "purpose": "proof", "change": "altered", "key": "id", "unique": [],
                      "money": "none", "owner": "erasure_worker"}],
        "endpoints": [{"method": "DELETE", "path": "/api/v1/deletion-requests/:id", "kind": "rest", "caller": "erasure_worker",
                       "purpose": "erase"}],
        "events": [], "roles": [{"name": "privacy_officer", "who": "the privacy team", "permissions": ["read:deletion_requests"]}],
        "settings": [], "surfaces": [],
        "failure_policy": {"retries": 3, "backoff": "exponential", "after_retries": "alert_and_keep_failed", "replay": "operator"},
        "limits": [], "not_needed": [],
    })


def test_an_erasure_design_gets_its_processor_secret_a_guarded_delete_and_a_new_audit_table() -> None:
    from agentspec.agents.knowledge.coverage import (credentials_are_secret_settings, deletion_audited, deletion_endpoint_authorized,
                                           polled_records_unique)

    bare = _erasure_spine()
    assert not any(p(bare, {}) for p in (credentials_are_secret_settings, deletion_audited, deletion_endpoint_authorized))
    spine, notes = complete(bare, ("data_deletion_compliance", "outbound_api_sync"), GDPR)
    assert [(s.name, s.secret) for s in spine.settings] == [("THIRD_PARTY_PROCESSOR_API_KEY", True)]
    assert spine.endpoints[0].caller == "privacy_officer" and "write:deletion_requests" in spine.roles[0].permissions
    assert next(e for e in spine.entities if e.table == "deletion_audit_log").change == "new"
    for predicate in (credentials_are_secret_settings, deletion_audited, deletion_endpoint_authorized):
        assert predicate(spine, {}) is not None, predicate.__name__
    # the processor is only sent erasures: no pulled records to keep unique, said as such
    assert polled_records_unique(spine, {}).where.startswith("not applicable: Third-Party Processor is only sent work")
    again, _ = complete(spine, ("data_deletion_compliance", "outbound_api_sync"), GDPR)
    assert again.settings == spine.settings and again.endpoints == spine.endpoints  # idempotent


def test_a_system_the_design_reads_still_needs_its_records_kept_unique() -> None:
    from agentspec.agents.knowledge.coverage import polled_records_unique

    spine = _erasure_spine()
    spine.external_systems[0].purpose = "we fetch each processor's stored records and erase them"
    assert polled_records_unique(spine, {}) is None  # reads and sends: the table unique on its id is still needed
    spine.external_systems[0].auth = "OAuth client credentials"
    done, _ = complete(spine, ("outbound_api_sync",), "push deletions to processors")
    assert [s.name for s in done.settings] == ["THIRD_PARTY_PROCESSOR_CLIENT_SECRET"]


def test_deliveries_go_to_the_worker_that_consumes_the_providers_events() -> None:
    data = copy.deepcopy(SPINE)
    data["components"].insert(1, {"id": "report_worker", "label": "Report Worker", "kind": "worker", "responsibility": "reports"})
    spine, notes = complete(DesignSpine.model_validate(data))
    receiving = next(x for x in spine.external_systems if x.direction == "inbound_webhook")
    assert receiving.processed_by == "sync_worker"  # record.updated's consumer, not the first worker listed
    assert "webhook_receiver stores each Provider delivery; sync_worker processes it after" in [n.split(": ", 1)[1] for n in notes]


def test_two_processors_get_a_key_each_and_one_key_is_not_the_others() -> None:
    """The tenth-pass gdpr spine had processors 1 and 2; PROCESSOR_1's key had counted for both."""
    from agentspec.agents.knowledge.coverage import credentials_are_secret_settings

    spine = _erasure_spine()
    second = spine.external_systems[0].model_copy(update={"id": "third_party_processor_2", "name": "Processor 2"})
    spine.external_systems[0] = spine.external_systems[0].model_copy(update={"id": "third_party_processor_1", "name": "Processor 1"})
    spine.external_systems.append(second)
    from agentspec.agents.spine import Setting

    spine.settings = [Setting(name="THIRD_PARTY_PROCESSOR_1_API_KEY", secret=True, purpose="processor 1")]
    assert credentials_are_secret_settings(spine, {}) is None
    done, notes = complete(spine, ("outbound_api_sync",), "erase data at processors")
    assert [s.name for s in done.settings] == ["THIRD_PARTY_PROCESSOR_1_API_KEY", "THIRD_PARTY_PROCESSOR_2_API_KEY"]
    assert "THIRD_PARTY_PROCESSOR_2_API_KEY" in credentials_are_secret_settings(done, {}).where


def test_a_page_or_store_named_as_the_doer_is_replaced_by_code_that_runs() -> None:
    """The 12-05 fresh-clone Stripe spine had its web page write the invoices and handle every event."""
    data = copy.deepcopy(SPINE)
    data["events"][0]["consumer"] = "admin_ui"
    data["entities"][1]["owner"] = "admin_ui"
    data["entities"][0]["owner"] = "app_db"
    spine, notes = complete(DesignSpine.model_validate(data))
    assert spine.events[0].consumer == "sync_worker"  # the worker that processes the provider's deliveries
    owners = {e.table: e.owner for e in spine.entities}
    assert owners["received_events"] == "webhook_receiver"  # deliveries: the service that receives them
    assert owners["synced_records"] == "sync_worker"
    assert "Who does the work: event record.updated is handled by sync_worker (was admin_ui, a web ui)" in notes


def test_a_page_fed_by_the_webhook_receiver_reads_its_roles_get_instead() -> None:
    data = copy.deepcopy(SPINE)
    data["surfaces"][0]["endpoint"] = "/api/v1/webhooks/provider"
    spine, notes = complete(DesignSpine.model_validate(data))
    assert spine.surfaces[0].endpoint == "/api/v1/sync-status"
    assert any(n.startswith("Pages: the Sync status page is fed by GET /api/v1/sync-status") for n in notes)
    untouched, _ = complete(DesignSpine.model_validate(copy.deepcopy(SPINE)))
    assert untouched.surfaces[0].endpoint == "/api/v1/sync-status"


def test_an_operators_page_shows_the_last_delivery_and_the_failed_work() -> None:
    data = copy.deepcopy(SPINE)
    data["surfaces"][0]["shows"] = ["Sync Status"]
    spine, _ = complete(DesignSpine.model_validate(data))
    assert spine.surfaces[0].shows == ["Sync Status", "last delivery received", "failed deliveries waiting for replay"]
    data["surfaces"][0].update(name="My invoices", role="customer")
    data["roles"][0]["name"] = "customer"
    customers, _ = complete(DesignSpine.model_validate(data))
    assert customers.surfaces[0].shows == ["Sync Status"]  # a customer's page is not an operator's


def test_the_worker_that_processes_deliveries_is_not_called_a_receiver() -> None:
    """The tenth-pass Stripe spine's worker was `webhook_receiver`, beside the receiving service."""
    data = copy.deepcopy(SPINE)
    data["components"][1]["id"] = "stripe_webhook_receiver_worker"
    data["events"][0]["consumer"] = data["entities"][1]["owner"] = "stripe_webhook_receiver_worker"
    spine, notes = complete(DesignSpine.model_validate(data))
    assert [c.id for c in spine.components][:2] == ["webhook_receiver", "provider_event_worker"]
    assert spine.events[0].consumer == spine.entities[1].owner == spine.external_systems[0].processed_by == "provider_event_worker"
    data["failure_policy"]["replay"] = "an operator re-queues a failed row; stripe_webhook_receiver_worker retries it"
    assert "; provider_event_worker retries it" in complete(DesignSpine.model_validate(data))[0].failure_policy.replay
    assert any("is named provider_event_worker" in n for n in notes)


def test_a_role_named_after_a_page_is_named_after_its_people() -> None:
    data = copy.deepcopy(SPINE)
    data["roles"][0]["name"] = data["surfaces"][0]["role"] = data["endpoints"][1]["caller"] = "admin_sync_status_page"
    spine, notes = complete(DesignSpine.model_validate(data))
    assert spine.roles[0].name == spine.surfaces[0].role == spine.endpoints[1].caller == "admin"
    assert "Roles: role admin_sync_status_page is named admin: a role names the people who hold it" in notes


def _sms_spine() -> DesignSpine:
    return DesignSpine.model_validate({
        "components": [{"id": "shipping_notifier", "label": "Shipping notifier", "kind": "worker", "responsibility": "sends an SMS"},
                       {"id": "orders_api", "label": "Orders API", "kind": "service", "responsibility": "order endpoints"}],
        "external_systems": [{"id": "twilio", "name": "Twilio", "direction": "outbound_api", "connects_to": "shipping_notifier",
                              "purpose": "sends SMS", "auth": "Account SID and auth token"}],
        "entities": [{"table": "shipping_notifications", "purpose": "each SMS sent", "change": "new", "key": "id",
                      "unique": ["twilio_message_sid"], "money": "none", "owner": "shipping_notifier"}],
        "endpoints": [], "events": [], "roles": [], "surfaces": [], "limits": [], "not_needed": [],
        "settings": [{"name": "TWILIO_AUTH_TOKEN", "secret": True, "purpose": "auth"}],
        "failure_policy": {"retries": 3, "backoff": "exponential", "after_retries": "dead_letter_table", "replay": "none"}})


def test_a_messaging_design_hears_back_from_its_provider_and_keeps_consent_where_replies_are_processed() -> None:
    """An SMS feature with a plain API sender: the consent and opt-out concerns had no element to cover them."""
    description = "Send SMS shipping notifications through Twilio when an order ships, and honour STOP opt-outs"
    done, notes = complete(_sms_spine(), (), description)
    directions = {x.id: (x.direction, x.connects_to, x.processed_by) for x in done.external_systems}
    assert directions["twilio"][0] == "outbound_notification"
    assert directions["twilio_webhooks"] == ("inbound_webhook", "orders_api", "shipping_notifier")
    consents = next(e for e in done.entities if e.table == "notification_consents")
    assert consents.owner == "shipping_notifier" and consents.required_columns == ["recipient", "channel", "opted_out_at"]
    settings = {s.name: s.purpose for s in done.settings}
    assert list(settings) == ["TWILIO_AUTH_TOKEN"]  # providers.yaml: Twilio signs with the Auth Token; no second copy
    assert secret_for(done, next(x for x in done.external_systems if x.id == "twilio_webhooks")).name == "TWILIO_AUTH_TOKEN"
    # The answer's table of sent messages is the one the callbacks update: found by Twilio's id of the
    # message, one row per notification, and a status that only moves forward in Twilio's lifecycle.
    sent = next(e for e in done.entities if e.table == "shipping_notifications")
    assert sent.unique == ["twilio_message_sid", "notification_key"] and "status" in sent.required_columns
    assert sent.version_column == "status" and sent.version_order[:3] == ["accepted | scheduled", "queued", "sending"]
    assert next(x for x in done.external_systems if x.id == "twilio_api").auth == "credentials from TWILIO_AUTH_TOKEN"
    covered = {r.concern for r in coverage(done, {}) if r.covered}
    assert {"consent", "opt_out", "delivery_status", "signature_verification", "idempotent_receipt", "out_of_order_events"} <= covered
    untouched, _ = complete(_sms_spine(), (), "Sync Twilio call logs into our warehouse nightly")
    assert [x.direction for x in untouched.external_systems] == ["outbound_api"]  # not asked: not completed


def test_a_messaging_designs_own_callbacks_are_completed_as_deliveries() -> None:
    """The Twilio draft's answer had its own callbacks system, received by a GET, with nothing stored once."""
    spine = _sms_spine()
    spine.external_systems.append(spine.external_systems[0].model_copy(update={
        "id": "delivery_status_callbacks_webhook_receiver", "direction": "inbound_webhook", "connects_to": "orders_api",
        "purpose": "delivery status callbacks", "auth": "X-Twilio-Signature over the URL and parameters"}))
    spine.endpoints.append(Endpoint(method="GET", path="/api/v1/delivery-status-callbacks/:callbackId", kind="webhook_receiver",
                                    caller="delivery_status_callbacks_webhook_receiver", purpose="callbacks"))
    done, notes = complete(spine, (), "Text customers an SMS through Twilio when their order ships and record the status callbacks")
    receiver = next(e for e in done.endpoints if e.kind == "webhook_receiver")
    assert receiver.method == "POST"
    assert "twilio_webhook_events" in [e.table for e in done.entities]  # named after the provider, not the model's id
    assert any("is a POST" in n for n in notes)


def test_a_messaging_design_keeps_each_message_sent_and_one_copy_of_the_signing_token() -> None:
    """The Twilio draft stored the callbacks and nothing per message, and held the Auth Token twice
    (TWILIO_AUTH_TOKEN, and a TWILIO_WEBHOOK_SECRET "holding the account Auth Token")."""
    spine = _sms_spine()
    spine.entities.clear()
    spine.settings.append(spine.settings[0].model_copy(update={"name": "TWILIO_WEBHOOK_SECRET"}))
    done, notes = complete(spine, (), "Text customers an SMS through Twilio when their order ships")
    sent = next(e for e in done.entities if e.table == "twilio_messages")
    assert (sent.owner, sent.unique, sent.version_column) == ("shipping_notifier", ["twilio_message_id", "notification_key"], "status")
    assert sent.documented_values["status"][:3] == ["queued", "sending", "sent"]  # Twilio's documented values
    assert [s.name for s in done.settings] == ["TWILIO_AUTH_TOKEN"]
    assert any("TWILIO_WEBHOOK_SECRET is dropped" in n for n in notes)
    # A provider with no documented lifecycle compares its own update time instead.
    other = _sms_spine()
    other.entities.clear()
    other.external_systems[0] = other.external_systems[0].model_copy(update={"id": "acme_sms", "name": "Acme SMS",
                                                                             "direction": "outbound_notification"})
    done, _ = complete(other, ("messaging_notifications",), "Text customers an SMS through Acme SMS when their order ships")
    sent = next(e for e in done.entities if e.table.endswith("_messages"))
    assert sent.version_column.endswith("_updated_at") and sent.version_order == []


def test_a_file_import_gets_its_file_contract_and_a_collaborative_table_its_merge_rule() -> None:
    """The pending P1 concerns had no element that could state them, so every batch-import or
    collaboration feature stayed "not ready" however good its design: the library now decides the
    rule, on the element it governs, and coverage checks what the rule names is in the design."""
    from tests.knowledge.conftest import OUTBOUND_SPINE, spine as make_spine

    imported = make_spine(OUTBOUND_SPINE, external_systems=[{**OUTBOUND_SPINE["external_systems"][0], "direction": "file_import",
                                                            "name": "Partner SFTP", "id": "partner_sftp"}])
    done, notes = complete(imported, (), "Import the partner's nightly CSV price file from their SFTP server")
    rule = next(r for r in done.rules if r.concern == "file_contract")
    assert rule.applies_to == "partner_sftp" and rule.statement.startswith("files from Partner SFTP are CSV; a file is applied only")
    assert done.failure_policy.store in rule.statement and rule.refers_to == [done.failure_policy.store]
    assert {r.concern: r.covered for r in coverage(done, {})}["file_contract"]
    assert complete(done, (), "Import the partner's nightly CSV price file from their SFTP server")[0].rules == done.rules  # once

    edited = make_spine(OUTBOUND_SPINE, components=[*OUTBOUND_SPINE["components"], {"id": "docs_api", "label": "Docs API",
                                                                                    "kind": "service", "responsibility": "edits"}],
                        entities=[{**OUTBOUND_SPINE["entities"][0], "table": "documents", "owner": "docs_api", "unique": []}],
                        endpoints=[{"method": "GET", "path": "/api/v1/documents/:id/live", "kind": "websocket", "caller": "editor",
                                    "purpose": "live edits"}])
    done, _ = complete(edited, ("realtime_collaboration",), "Let two people edit the same document at once and see each other's changes live")
    documents = next(e for e in done.entities if e.table == "documents")
    assert documents.version_column == "version"
    assert next(r for r in done.rules if r.concern == "conflicts").refers_to == ["documents.version"]


def test_a_partner_file_server_is_a_file_import_run_nightly_applied_once_per_file_and_row() -> None:
    """The 12-05 SFTP spine: the partner's SFTP server was an API with auth "none", nothing ran
    it nightly, import_rows was unique on file_id (one row per file), and the importer sent
    events to itself."""
    from tests.knowledge.conftest import OUTBOUND_SPINE, spine as make_spine

    base = make_spine(OUTBOUND_SPINE, settings=[], limits=[],
                      external_systems=[{"id": "sftp_server", "name": "SFTP Server", "direction": "outbound_api", "auth": "none",
                                         "connects_to": "sync_worker", "purpose": "the partner's nightly price files"}],
                      entities=[{"table": "import_rows", "purpose": "prices", "change": "new", "key": "id",
                                 "unique": ["file_id", "row_id"], "money": "none", "owner": "sync_worker"}],
                      events=[{"name": "import.success", "producer": "sync_worker", "consumer": "sync_worker", "purpose": "done"}])
    description = "Import the nightly CSV export of supplier prices from the partner's SFTP server into our catalog"
    done, notes = complete(base, (), description)
    sftp = done.external_systems[0]
    assert sftp.direction == "file_import" and "SFTP_SERVER_SSH_PRIVATE_KEY" in sftp.auth
    assert [s.name for s in done.settings] == ["SFTP_SERVER_SSH_PRIVATE_KEY"]
    job = next(c for c in done.components if c.kind == "scheduler")
    assert job.schedule == "every 1 d" and job.overlap
    tables = {e.table: e for e in done.entities}
    assert tables["import_files"].unique == ["checksum_sha256"]
    assert tables["import_rows"].unique == ["row_key"] and tables["import_rows"].required_columns == ["file_id", "row_id"]
    assert done.events == [] and any("would send it to itself" in n for n in notes)
    assert any(lim.unit == "MB" for lim in done.limits)
    covered = {r.concern: r.covered for r in coverage(done, {}) if r.archetype == "batch_file_transfer"}
    assert covered == dict.fromkeys(covered, True) and len(covered) == 5
    # An export stays an export, and a description with no period adds no job.
    exported, _ = complete(base, (), "Export our orders as CSV files to the partner's SFTP server")
    assert exported.external_systems[0].direction == "file_export"
    assert not any(c.kind == "scheduler" for c in exported.components)


def test_publishing_to_several_channels_keeps_a_state_per_item_and_channel() -> None:
    from tests.knowledge.conftest import OUTBOUND_SPINE, spine as make_spine

    crm = OUTBOUND_SPINE["external_systems"][0]
    design = make_spine(OUTBOUND_SPINE, external_systems=[{**crm, "id": "mastodon", "name": "Mastodon"},
                                                          {**crm, "id": "linkedin", "name": "LinkedIn"}])
    done, _ = complete(design, (), "Publish each blog post to Mastodon and LinkedIn")
    table = next(e for e in done.entities if e.table == "channel_publications")
    assert table.unique == ["publication_key"] and {"channel", "channel_item_id", "status"} <= set(table.required_columns)
    assert {r.concern: r.covered for r in coverage(done, {}, ("multichannel_publishing",))}["status_per_channel"]


def test_the_answers_own_run_log_is_the_files_table_and_a_role_of_dropped_events_goes() -> None:
    from tests.knowledge.conftest import OUTBOUND_SPINE, spine as make_spine

    design = make_spine(OUTBOUND_SPINE, settings=[], limits=[],
                        external_systems=[{"id": "partner_sftp", "name": "Partner SFTP", "direction": "file_import", "auth": "none",
                                           "connects_to": "sync_worker", "purpose": "price files"}],
                        entities=[{"table": "import_history", "purpose": "each run", "change": "new", "key": "id",
                                   "unique": [], "money": "none", "owner": "sync_worker"}],
                        events=[{"name": "import.failure", "producer": "sync_worker", "consumer": "sync_worker", "purpose": "x"}],
                        roles=[{"name": "admin", "who": "ops", "permissions": ["import_failure:import_history"]}])
    done, notes = complete(design, (), "Import the partner's nightly CSV price file from their SFTP server")
    assert [e.table for e in done.entities if e.unique == ["checksum_sha256"]] == ["import_history"]
    assert not any(e.table == "import_files" for e in done.entities)
    assert done.roles == [] and "Events: role admin dropped: it only held the dropped events" in notes


def test_a_provider_event_the_description_starts_from_is_delivered_to_us() -> None:
    from agentspec.agents.knowledge.briefing import provider_event

    description = "When a Shopify order is paid, reserve stock in our Postgres inventory and show failed reservations"
    assert provider_event(description) == "when a shopify"
    assert provider_event("After a GitHub pull request is merged, post a summary") == "after a github"
    assert provider_event("Sync Stripe invoices into our Postgres billing DB") is None  # no event clause
    assert provider_event("When an S3 object lands, import it") is None  # S3 delivers no webhooks in the library
    # The Shopify draft's answer, as its spine had it: Shopify an API we call.
    answer = copy.deepcopy(SPINE)
    answer["external_systems"] = [{"id": "shopify", "name": "Shopify", "direction": "outbound_api", "connects_to": "sync_worker",
                                   "purpose": "order payments", "auth": "HMAC"}]
    answer["endpoints"] = [e for e in answer["endpoints"] if e["kind"] != "webhook_receiver"]
    completed, notes = complete(DesignSpine.model_validate(answer), (), description)
    shopify = next(x for x in completed.external_systems if x.id == "shopify")
    assert shopify.direction == "inbound_webhook"
    assert any(e.kind == "webhook_receiver" and e.caller == "shopify" for e in completed.endpoints)
    assert "Inbound webhooks: Shopify delivers the event the description starts from: an inbound webhook, not an API we call" in notes
