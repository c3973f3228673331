"""What the grounded full-stack-fastapi-template draft got wrong in meaning, each a rule that holds
for any design: a table the feature only references stores no amounts and is written by nobody in
it; a record the provider delivers is written by the component that processes the deliveries; a
table whose rows belong to an existing table's row is a per-owner record for security."""

from __future__ import annotations

import copy

from agentspec.agents.knowledge.completion import complete
from agentspec.agents.packs.integration_requirements.sections import database_schema, security_integration, system_landscape
from agentspec.agents.spine import DesignSpine, Entity
from tests.spine.conftest import SPINE

from . import _data_helpers as h
from ._general_helpers import context
from .test_security_integration import DATA


def test_a_referenced_table_stores_no_amounts_and_is_drawn_as_not_written() -> None:
    user = Entity(table="user", purpose="accounts", change="referenced", key="id", unique=[],
                  money="integer_minor_units_with_currency", owner="sync_worker")
    assert user.money == "none"  # the money check asked `user` for a currency column
    data = copy.deepcopy(SPINE)
    data["entities"].append(user.model_dump(mode="json"))
    edges = system_landscape._edges(DesignSpine.model_validate(data))
    assert not any(label == "writes user" for _, _, label in edges)
    assert any(label == "writes synced_records" for _, _, label in edges)


def test_the_provider_s_record_is_written_by_the_worker_that_processes_the_deliveries() -> None:
    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe", name="Stripe", processed_by="sync_worker")
    data["events"][0].update(producer="stripe", consumer="webhook_receiver")  # as the grounded spine had it
    data["entities"] = data["entities"][:1]
    spine, _ = complete(DesignSpine.model_validate(data), (), "Stripe webhooks keep each subscription's status")
    assert next(e for e in spine.entities if e.table == "stripe_subscriptions").owner == "sync_worker"


def test_rows_that_belong_to_an_existing_row_are_per_owner_records() -> None:
    schema = database_schema.MODEL.model_validate(h.schema_payload())  # billing_customers.user_id -> users.id
    data = security_integration.SecurityIntegration.model_validate({**DATA, "middleware": {**DATA["middleware"], "resource_protection": None}})
    md = security_integration.render(data, context(sections={"database_schema": schema}))
    assert "billing_customers rows belong to a users row (billing_customers.user_id): a request reads only those of " \
           "the signed-in caller\\'s user" in md
    assert "no per-owner records" not in md
    alone = security_integration.render(data, context())
    assert "no per-owner records" in alone


def test_a_grounded_reusability_cites_what_the_scan_found_where_it_found_it() -> None:
    from pathlib import Path

    from agentspec.agents.packs.integration_requirements.sections import reusability
    from agentspec.agents.repository import scan_repository
    from agentspec.checks.file_refs import check_file_refs
    from agentspec.spec_document import SpecDocument

    root = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "python-fastapi-alembic"
    repo = scan_repository(root)
    data = copy.deepcopy(SPINE)
    data["entities"].append({"table": "workspaces", "purpose": "accounts", "change": "referenced", "key": "id",
                             "unique": [], "money": "none", "owner": "sync_worker"})
    data["external_systems"][0]["name"] = "Stripe"  # the fixture has a Stripe client
    spine = DesignSpine.model_validate(data)
    scanned = reusability._scanned_patterns(repo, spine)
    workspaces = next(t for t in repo["tables"] if t["name"] == "workspaces")
    assert f"the `workspaces` table\n  - **Location**: `{workspaces['at']}`" in scanned
    assert "the feature's foreign keys point at its key id (uuid)" in scanned
    assert "the router that serves" in scanned and "the existing Stripe client (stripe)" in scanned
    # every location exists in the repository, by the check that fails an invented one
    spec = SpecDocument.from_markdown("# Spec\n\n## Reusability Analysis\n\n" + scanned + "\n")
    assert check_file_refs(spec, {"repo": str(root)}).passed
    assert reusability._scanned_patterns(None, spine) == ""  # without a repository the model's hints stand alone


def _billing_design():
    """A user's Stripe subscription as completion and the schema's align decide it from the
    grounded description: the holder `user` keeps stripe_customer_id, the record keeps it too."""
    from agentspec.agents.packs.integration_requirements.sections._example_design import ExampleDesign

    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe", name="Stripe", processed_by="sync_worker")
    data["events"][0]["producer"] = "stripe"
    data["entities"] = [data["entities"][0], {"table": "user", "purpose": "accounts", "change": "referenced", "key": "id",
                                              "unique": [], "money": "none", "owner": "sync_worker"}]
    spine, notes = complete(DesignSpine.model_validate(data), (), "Stripe webhooks keep each user's subscription status")
    answer = database_schema.MODEL.model_validate({"tables": [{
        "name": "user", "purpose": "accounts", "integration_type": "Application Data", "existing": True,
        "columns": [{"name": "id", "type": "uuid", "primary_key": True}, {"name": "email", "type": "text"}]}]})
    schema = database_schema.MODEL.model_validate(database_schema.align(answer, spine).model_dump(mode="json"))
    return ExampleDesign(spine=spine, schema=schema, services=None, feature="billing"), notes


def test_a_delivered_record_finds_its_holder_through_the_provider_id_both_tables_keep() -> None:
    from agentspec.agents.packs.integration_requirements.sections.example_database import holder_lookups, upsert_sql

    design, notes = _billing_design()
    user = next(e for e in design.spine.entities if e.table == "user")
    assert (user.change, user.required_columns, user.unique) == ("altered", ["stripe_customer_id"], ["stripe_customer_id"])
    assert any("user.stripe_customer_id links each user row to its Stripe customer" in n for n in notes)
    ddl = database_schema.ddl(design.schema)
    assert 'ALTER TABLE "user" ADD COLUMN IF NOT EXISTS stripe_customer_id VARCHAR(255) UNIQUE;' in ddl
    assert database_schema.spine_checks(design.schema, design.spine) == []
    assert holder_lookups(design, "stripe_subscriptions") == {"user_id": ("user", "id", "stripe_customer_id")}
    lines, columns = upsert_sql(design, next(e for e in design.spine.entities if e.table == "stripe_subscriptions"))
    assert "user_id" not in columns  # the delivery never knows our key; the statement finds it
    statement = " ".join(lines)
    link = f"${columns.index('stripe_customer_id') + 1}"
    assert f'(SELECT id FROM "user" WHERE stripe_customer_id = {link}::varchar)' in statement
    with h.throwaway_database() as conn:
        h.run_script(conn, ddl)
        conn.execute(f"PREPARE save AS {statement}")
        values = {"stripe_subscription_id": "sub_1", "stripe_customer_id": "cus_1", "status": "active",
                  "stripe_updated_at": "2026-01-01T00:00:00Z", "currency": "usd"}
        args = ", ".join(f"'{values.get(c, 'x')}'" for c in columns)
        psycopg = __import__("pytest").importorskip("psycopg")
        with __import__("pytest").raises(psycopg.errors.NotNullViolation):
            conn.execute(f"EXECUTE save ({args})")  # no user has that Stripe customer yet
        conn.execute("ROLLBACK") if conn.info.transaction_status == 3 else None
        user_id = conn.execute("INSERT INTO \"user\" (email, stripe_customer_id) VALUES ('a@b.c', 'cus_1') RETURNING id").fetchone()[0]
        conn.execute(f"EXECUTE save ({args})")
        assert conn.execute("SELECT user_id FROM stripe_subscriptions").fetchone()[0] == user_id


def test_what_the_scan_found_is_not_outside_the_design() -> None:
    """The grounded draft's Reusability failed the gate on the repository's own /api/v1/items route,
    which code had cited from the scan; a route the model names outside the spine still fails."""
    from agentspec.agents.spine_gate import outside_spine

    spine = DesignSpine.model_validate(SPINE)
    scanned = ("- **Pattern/Component**: the router that serves GET /api/v1/items/\n"
               "  - **Location**: `backend/app/api/routes/items.py:13` (found by the repository scan)\n"
               "  - **How to reuse**: the feature's endpoints are added the same way, under /api/v1\n"
               "  - **Modifications needed**: Minor - a router module of the feature's own\n")
    assert outside_spine(scanned, spine) == []
    modelled = scanned.replace(" (found by the repository scan)", "")
    assert [o.name for o in outside_spine(modelled, spine)] == ["/api/v1/items"]


def test_a_column_the_repository_s_table_already_has_is_not_added() -> None:
    from agentspec.agents.repository import ground_spine

    design, _ = _billing_design()
    spine = design.spine
    notes = ground_spine(spine, {"tables": [{"name": "user", "primary_key": "id", "key_type": "uuid", "at": "m.py:1",
                                              "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                                                          {"name": "hashed_password", "type": "varchar", "primary_key": False}]}]})
    assert next(e for e in spine.entities if e.table == "user").existing_columns == ["id", "hashed_password"]
    assert notes == []  # already referenced by its real key: nothing else to say
    answer = database_schema.MODEL.model_validate({"tables": [{
        "name": "user", "purpose": "accounts", "integration_type": "Application Data", "existing": True,
        "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                    {"name": "hashed_password", "type": "varchar(255)", "added": True}]}]})
    aligned = database_schema.align(answer, spine)
    user = next(t for t in aligned.tables if t.name == "user")
    assert [c.name for c in database_schema.added_columns(user)] == ["stripe_customer_id"]
