"""data_migration: the model names backfill values for the columns a feature adds
to existing tables; code derives the migration and rollback SQL from the schema
delta (database_schema `existing` tables, `added` columns), so it never inserts
or deletes rows and always restores what it changed."""

from __future__ import annotations

import re

import pytest

from agentspec.agents.packs.integration_requirements.sections import data_migration as section
from agentspec.agents.packs.integration_requirements.sections import database_schema
from agentspec.agents.spine import Entity
from agentspec.section import RenderContext

from . import _data_helpers as h

MODEL = section.MODEL


def _schema(payload=None):
    return database_schema.MODEL.model_validate(payload or h.altered_schema_payload())


def _data(payload=None):
    return MODEL.model_validate(payload or h.migration_payload())


def _render(data, schema) -> str:
    return section.render(data, RenderContext(brief=None, sections={"database_schema": schema}))


def _users(payload):
    return next(t for t in payload["tables"] if t["name"] == "users")


def _only_nullable_or_default_added():
    payload = h.altered_schema_payload()
    users = _users(payload)
    users["columns"] = [c for c in users["columns"] if c["name"] != "billing_email"]
    return payload


def _no_backfills():
    payload = h.migration_payload()
    payload["backfills"] = []
    return payload


def _statements(script: str) -> list[str]:
    return [" ".join(s.split()) for s in h.split_sql(script)]


# --- rendering ---------------------------------------------------------------------------------


def test_render_shape():
    md = _render(_data(), _schema())
    h.assert_section_shape("data_migration", md)
    for label in ["1. **Migration Planning**", "2. **Migration Execution**", "**Rollback**", "3. **Data Validation**"]:
        assert label in md
    assert "   - [ ] Run after the schema DDL and before the invoicing endpoints are enabled" in md


def test_added_nullable_or_default_columns_change_no_row_and_render_no_transaction():
    md = _render(_data(_no_backfills()), _schema(_only_nullable_or_default_added()))
    h.assert_section_shape("data_migration", md)
    assert h.blocks(md, "sql") == []
    lines = [line for line in md.splitlines() if "No existing row changes" in line]
    assert len(lines) == 1
    assert "`users.billing_status`, `users.stripe_synced_at`" in lines[0] and "nullable or have a default" in lines[0]
    assert "**Rollback**" in md and "3. **Data Validation**" in md
    # The checklists say what the plan does, whatever the answer planned (it had backfills of its own).
    assert "   - [ ] `users.billing_status` is added nullable or with its default: existing users rows keep their values" in md
    assert "   - [ ] The row count of users is the same before and after the release" in md
    assert not any(item in md for item in h.migration_payload()["planning"] + h.migration_payload()["validation"])


def test_not_null_column_is_backfilled_then_set_not_null_with_count_and_null_checks():
    script, rollback = h.blocks(_render(_data(), _schema()), "sql")
    statements = _statements(script)
    assert statements[:2] == ["BEGIN", "SET LOCAL lock_timeout = '5s'"] and statements[-1] == "COMMIT"
    assert statements[2] == "SELECT set_config('migration.rows_users', count(*)::text, true) FROM users"
    update = "UPDATE users SET billing_email = lower(email) WHERE billing_email IS NULL"
    conditional = ("UPDATE users SET stripe_synced_at = now() WHERE stripe_synced_at IS NULL "
                   "AND (stripe_customer_id IS NOT NULL)")
    set_not_null = "ALTER TABLE users ALTER COLUMN billing_email SET NOT NULL"
    null_check = next(s for s in statements if "billing_email IS NULL)" in s and s.startswith("DO $$"))
    count_check = next(s for s in statements if "current_setting('migration.rows_users')::bigint" in s)
    order = [statements.index(s) for s in (update, conditional, null_check, set_not_null, count_check)]
    assert order == sorted(order)
    assert "RAISE EXCEPTION 'Post-migration check failed: the row count of users changed'" in count_check
    assert "RAISE EXCEPTION" in null_check
    # the nullable column is filled but stays nullable; the column with a default needs nothing
    assert "ALTER COLUMN stripe_synced_at SET NOT NULL" not in script and "billing_status" not in script
    h.assert_sql_parses(script, allow_do=True)
    h.assert_sql_parses(rollback, allow_do=True)


def test_scripts_name_only_the_schema_tables_so_the_spine_gate_passes():
    from agentspec.agents.spine_gate import tables_outside

    schema = _schema()
    spine = _Spine(**{t.name: ("new" if not t.existing else "altered") for t in schema.tables})
    assert tables_outside(_render(_data(), schema), spine) == []


def test_no_statement_inserts_or_deletes_rows():
    md = _render(_data(), _schema())
    for script in h.blocks(md, "sql"):
        for statement in _statements(script):
            assert not re.match(r"^(INSERT|DELETE|TRUNCATE|MERGE)\b", statement, re.I), statement
            assert "DROP COLUMN" not in statement.upper()


def test_rollback_drops_not_null_and_restores_nulls_without_deleting():
    rollback = section.rollback_script(_data(), _schema())
    statements = _statements(rollback)
    assert statements[:2] == ["BEGIN", "SET LOCAL lock_timeout = '5s'"] and statements[-1] == "COMMIT"
    drop = "ALTER TABLE users ALTER COLUMN billing_email DROP NOT NULL"
    clear = "UPDATE users SET billing_email = NULL WHERE billing_email IS NOT NULL"
    assert statements.index(drop) < statements.index(clear)
    assert "UPDATE users SET stripe_synced_at = NULL WHERE stripe_synced_at IS NOT NULL" in statements
    assert any("Rollback check failed: the row count of users changed" in s for s in statements)
    assert "later contract release" in rollback


def test_conditional_backfills_run_before_the_one_for_the_remaining_rows():
    payload = h.migration_payload()
    payload["backfills"].append({"table": "users", "column": "billing_email", "value": "'billing@example.com'",
                                 "where": "email LIKE '%@example.org'", "reason": "accounts of the parent company share one inbox"})
    script = section.migration_script(_data(payload), _schema())
    assert script.index("'billing@example.com'") < script.index("lower(email)")


def test_missing_schema_still_renders_a_backfill_only_script():
    md = section.render(_data(), RenderContext(brief=None))
    assert "schema is not available" in md
    script, _rollback = h.blocks(md, "sql")
    assert "SET NOT NULL" not in script and "UPDATE users SET billing_email = lower(email)" in script


def test_digest():
    text = section.digest(_data())
    assert "users.billing_email = lower(email)" in text
    assert "users.stripe_synced_at = now() where stripe_customer_id IS NOT NULL" in text
    assert "no existing row changes" in section.digest(_data(_no_backfills()))


def test_prompt_includes_schema_digest_with_added_columns(monkeypatch):
    monkeypatch.setitem(h.PAYLOADS, "database_schema", h.altered_schema_payload)
    text = h.prompt_text("data_migration")
    assert "### database_schema" in text and "billing_email text added backfill-required" in text
    assert "write no SQL statements" in text


# --- cross checks against database_schema ---------------------------------------------------------


def test_consistent_backfills_pass_cross_checks():
    assert section.cross_checks(_data(), {"database_schema": _schema()}) == []
    assert section.cross_checks(_data(_no_backfills()), {"database_schema": _schema(_only_nullable_or_default_added())}) == []
    assert section.cross_checks(_data(), {}) == []  # no schema, nothing to check against


def test_not_null_column_without_backfill_is_an_error():
    problems = section.cross_checks(_data(_no_backfills()), {"database_schema": _schema()})
    assert len(problems) == 1
    assert "users.billing_email is added NOT NULL without a default" in problems[0] and "add a backfill" in problems[0]
    # and the script stays runnable: the column is left nullable rather than failing on SET NOT NULL
    script = section.migration_script(_data(_no_backfills()), _schema())
    assert "SET NOT NULL" not in script and "users.billing_email stays nullable" in script


def test_not_null_column_with_only_conditional_backfills_is_an_error():
    payload = h.migration_payload()
    payload["backfills"][0]["where"] = "email IS NOT NULL"
    problems = section.cross_checks(_data(payload), {"database_schema": _schema()})
    assert any("add a backfill without where" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"value": "lower(contact_address)"}, "uses column 'contact_address', which users does not have"),
        ({"where": "signup_source = 'ads'"}, "uses column 'signup_source'"),
        ({"column": "email"}, "not a column this feature adds"),
        ({"column": "billing_status"}, "has default 'active'"),
        ({"column": "nickname"}, "users has no column 'nickname'"),
        ({"table": "invoices", "column": "status"}, "invoices is a new table"),
        ({"table": "legacy_accounts"}, "'legacy_accounts', which database_schema does not define"),
    ],
)
def test_backfill_that_does_not_fit_the_schema_is_reported(change, fragment):
    payload = h.migration_payload()
    payload["backfills"][1].update(change)
    problems = section.cross_checks(_data(payload), {"database_schema": _schema()})
    assert any(fragment in p for p in problems), problems


def test_a_backfill_outside_the_schema_delta_never_reaches_the_script():
    payload = h.migration_payload()
    payload["backfills"][1].update({"column": "email", "value": "upper(email)", "where": None})
    script = section.migration_script(_data(payload), _schema())
    assert "upper(email)" not in script and "SET email" not in script


# --- validators ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("(SELECT max(email) FROM users)", "no subqueries"),
        ("max(email)", "no aggregate"),
        ("accounts.email", "names table 'accounts'"),
        ("NULL", "NULL leaves the column"),
        ("email, lower(email)", "one expression"),
        ("lower(email); DELETE FROM users", "not SQL statements separated by ;"),
        ("lower(email) -- copy", "no SQL comments"),
        ("[VALUE]", "placeholder"),
        ("GETDATE()", "T-SQL"),
        ("lower(email", "does not parse"),
        ("email AS address", "without * or AS"),
    ],
)
def test_rejects_a_value_that_is_not_a_plain_expression_of_the_row(value, fragment):
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = value
    h.rejects(MODEL, payload, fragment)


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("id IN (SELECT user_id FROM billing_customers)", "no subqueries"),
        ("42", "true or false"),
        ("email = ", "does not parse"),
    ],
)
def test_rejects_a_bad_condition(where, fragment):
    payload = h.migration_payload()
    payload["backfills"][1]["where"] = where
    h.rejects(MODEL, payload, fragment)


def test_rejects_repeated_backfills_and_too_many():
    payload = h.migration_payload()
    payload["backfills"].append(dict(payload["backfills"][0]))
    h.rejects(MODEL, payload, "two backfills of users.billing_email without where")
    payload = h.migration_payload()
    payload["backfills"] = [dict(payload["backfills"][1], where=f"stripe_customer_id = 'cus_{i}'") for i in range(5)]
    h.rejects(MODEL, payload, "backfills")


def test_trailing_semicolon_is_dropped():
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = "lower(email);"
    assert _data(payload).backfills[0].value == "lower(email)"
    payload["backfills"][0]["value"] = "'a;b' || email"  # a ; inside a string constant is just text
    assert _data(payload).backfills[0].value == "'a;b' || email"


@pytest.mark.parametrize("value", ["USD", '"USD"', " Pro_Plan "])
def test_a_capitalised_word_is_the_string_it_spells(value):
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = value
    assert _data(payload).backfills[0].value == f"'{value.strip().strip(chr(34))}'"


def test_uuid_ossp_is_written_as_the_built_in_function():
    """uuid_generate_v4() needs the uuid-ossp extension; gen_random_uuid() is built in (PostgreSQL 13+)."""
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = "uuid_generate_v4()"
    assert _data(payload).backfills[0].value == "gen_random_uuid()"


@pytest.mark.parametrize("value", ["email", "upper(email)", "'EUR'"])
def test_a_column_or_expression_is_left_as_written(value):
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = value
    assert _data(payload).backfills[0].value == value


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []


# --- the schema delta in database_schema ----------------------------------------------------------


def test_schema_adds_columns_to_an_existing_table_after_its_create_statement():
    sql = database_schema.ddl(_schema())
    create = sql[sql.index("CREATE TABLE IF NOT EXISTS users ("): sql.index(");", sql.index("CREATE TABLE IF NOT EXISTS users ("))]
    assert "billing_email" not in create and "stripe_customer_id" in create
    assert "ALTER TABLE users ADD COLUMN IF NOT EXISTS billing_email TEXT;" in sql  # nullable until backfilled
    assert "ALTER TABLE users ADD COLUMN IF NOT EXISTS billing_status VARCHAR(50) NOT NULL DEFAULT 'active';" in sql
    assert "ALTER TABLE users ADD COLUMN IF NOT EXISTS stripe_synced_at TIMESTAMPTZ;" in sql
    assert sql.index("ADD COLUMN IF NOT EXISTS billing_email") < sql.index("CREATE TABLE billing_customers")
    h.assert_sql_parses(sql)


def test_added_unique_and_foreign_key_columns_get_their_indexes():
    payload = h.altered_schema_payload()
    payload["tables"].insert(0, {"name": "regions", "purpose": "Existing sales regions", "integration_type": "Reference Data",
                                 "existing": True, "columns": [{"name": "id", "type": "uuid", "primary_key": True}]})
    _users(payload)["columns"] += [
        {"name": "tax_number", "type": "varchar(255)", "added": True, "nullable": True, "unique": True},
        {"name": "region_id", "type": "uuid", "added": True, "nullable": True, "references": "regions.id", "on_delete": "SET NULL"},
    ]
    sql = database_schema.ddl(_schema(payload))
    assert "ADD COLUMN IF NOT EXISTS tax_number VARCHAR(255) UNIQUE;" in sql
    assert "ADD COLUMN IF NOT EXISTS region_id UUID REFERENCES regions(id) ON DELETE SET NULL;" in sql
    assert "CREATE INDEX IF NOT EXISTS idx_users_region_id ON users (region_id);" in sql
    h.assert_sql_parses(sql)


def test_added_means_nothing_on_a_new_table_or_a_primary_key():
    payload = h.altered_schema_payload()
    next(t for t in payload["tables"] if t["name"] == "invoices")["columns"][1]["added"] = True
    _users(payload)["columns"][0]["added"] = True
    schema = _schema(payload)
    invoices = next(t for t in schema.tables if t.name == "invoices")
    users = next(t for t in schema.tables if t.name == "users")
    assert not any(c.added for c in invoices.columns) and not users.columns[0].added
    assert [t.name for t in database_schema.altered_tables(schema)] == ["users"]


def test_schema_digest_and_table_row_mark_added_columns():
    schema = _schema()
    assert "billing_email text added backfill-required" in database_schema.digest(schema)
    assert "stripe_synced_at timestamptz null added" in database_schema.digest(schema)
    md = database_schema.render(schema, h.context())
    assert "(existing table; this feature adds billing_email, billing_status, stripe_synced_at)" in md


def _entity(table: str, change: str) -> Entity:
    return Entity.model_validate({"table": table, "purpose": "a table of this feature", "change": change, "key": "id",
                                  "unique": [], "money": "none", "owner": "billing_service"})


class _Spine:
    def __init__(self, **changes: str) -> None:
        self.entities = [_entity(table, change) for table, change in changes.items()]


_NEW = {"billing_customers": "new", "invoices": "new", "invoice_line_items": "new", "stripe_webhook_events": "new"}


def test_spine_change_must_match_existing_and_added():
    schema = _schema()
    assert database_schema.spine_checks(schema, _Spine(users="altered", **_NEW)) == []
    [problem] = database_schema.spine_checks(schema, _Spine(users="referenced", **_NEW))
    assert "only referenced" in problem and "set added false on billing_email, billing_status, stripe_synced_at" in problem
    [problem] = database_schema.spine_checks(_schema(h.schema_payload()), _Spine(users="altered", **_NEW))
    assert "list the columns this feature adds" in problem
    problems = database_schema.spine_checks(schema, _Spine(users="altered", **dict(_NEW, invoices="altered")))
    assert any("invoices already exists in the design spine" in p for p in problems)
    problems = database_schema.spine_checks(schema, _Spine(users="new", **_NEW))
    assert any("users is new in the design spine; set existing false" in p for p in problems)


def test_align_takes_existing_from_the_spine():
    payload = h.altered_schema_payload()
    _users(payload)["existing"] = False  # the model forgot the table exists
    schema = _schema(payload)
    aligned = database_schema.align(schema, _Spine(users="altered", **_NEW))
    revalidated = _schema(aligned.model_dump(mode="json"))
    assert next(t for t in revalidated.tables if t.name == "users").existing
    # once added is normalised away on a "new" table it is gone: the spine check then asks for the columns
    assert database_schema.spine_checks(revalidated, _Spine(users="altered", **_NEW))


# --- PostgreSQL ---------------------------------------------------------------------------------


def _nullable(conn, table: str, column: str) -> bool:
    return conn.execute("SELECT is_nullable = 'YES' FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
                        (table, column)).fetchone()[0]


@pytest.mark.postgres
def test_migration_and_rollback_keep_every_row_and_restore_the_column_in_postgres():
    schema, data = _schema(), _data()
    with h.throwaway_database() as conn:
        conn.execute(h.LEGACY_SETUP)  # 3 existing users, 2 with a legacy Stripe id
        h.run_script(conn, database_schema.ddl(schema))
        assert conn.execute("SELECT count(*) FROM users WHERE billing_status = 'active'").fetchone()[0] == 3

        h.run_script(conn, section.migration_script(data, schema))
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM users WHERE billing_email = lower(email)").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM users WHERE stripe_synced_at IS NOT NULL").fetchone()[0] == 2
        assert not _nullable(conn, "users", "billing_email")

        h.run_script(conn, section.rollback_script(data, schema))
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM users WHERE billing_email IS NULL AND stripe_synced_at IS NULL").fetchone()[0] == 3
        assert _nullable(conn, "users", "billing_email")
        # the previous release inserts users without the added columns again
        conn.execute("INSERT INTO users (email) VALUES ('d@example.com')")


@pytest.mark.postgres
def test_a_backfill_that_leaves_nulls_aborts_the_whole_migration():
    psycopg = pytest.importorskip("psycopg")
    schema = _schema()
    payload = h.migration_payload()
    payload["backfills"][0]["value"] = "NULLIF(email, 'b@example.com')"
    data = _data(payload)
    with h.throwaway_database() as conn:
        conn.execute(h.LEGACY_SETUP)
        h.run_script(conn, database_schema.ddl(schema))
        with pytest.raises(psycopg.errors.RaiseException, match=re.escape("users.billing_email is still NULL")):
            h.run_script(conn, section.migration_script(data, schema))
        conn.execute("ROLLBACK")  # the session is in an aborted transaction until it ends
        assert conn.execute("SELECT count(*) FROM users WHERE billing_email IS NULL").fetchone()[0] == 3
        assert _nullable(conn, "users", "billing_email")


@pytest.mark.postgres
def test_whole_section_sql_runs_on_an_empty_database():
    """As the spec-level SQL check runs it: schema, then migration, then rollback,
    on a fresh database where the existing tables are created from the schema."""
    schema, data = _schema(), _data()
    with h.throwaway_database() as conn:
        for script in (database_schema.ddl(schema), section.migration_script(data, schema), section.rollback_script(data, schema)):
            h.run_script(conn, script)
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_a_feature_that_only_adds_a_column_to_an_existing_table_is_a_valid_schema():
    """No rule forces a new table into existence: the spine's `change` decides."""
    from agentspec.agents.packs.integration_requirements.sections import database_schema

    only_altered = {"tables": [{"name": "accounts", "purpose": "people who sign in", "integration_type": "Application Data",
                                "existing": True, "columns": [
                                    {"name": "id", "type": "uuid", "primary_key": True},
                                    {"name": "closed_at", "type": "timestamptz", "nullable": True, "added": True}]}]}
    sql = database_schema.ddl(database_schema.MODEL.model_validate(only_altered))
    assert "CREATE TABLE IF NOT EXISTS accounts" in sql
    assert "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS closed_at TIMESTAMPTZ;" in sql


@pytest.mark.parametrize(("column", "value"), [("user_id", "gen_random_uuid()"), ("data_type", "''")])
def test_a_value_that_only_satisfies_not_null_is_refused(column, value):
    """The tenth-pass gdpr migration gave existing requests a random user_id and an empty data_type."""
    with pytest.raises(ValueError, match="stays nullable for them"):
        section.Backfill(table="deletion_requests", column=column, value=value, reason="fill it")
    section.Backfill(table="api_keys", column="token", value="gen_random_uuid()", reason="a new secret per row")


def _on_a_user_table(value):
    """The payload with the existing `users` table named `user`, a PostgreSQL reserved word, as a
    repository may name it (fastapi/full-stack-fastapi-template's SQLModel `User`)."""
    import json

    return json.loads(json.dumps(value).replace('"users', '"user').replace("users.", "user."))


def test_an_existing_table_named_with_a_reserved_word_is_kept_and_quoted():
    schema = _schema(_on_a_user_table(h.altered_schema_payload()))
    assert [t.name for t in schema.tables if t.existing] == ["user"]
    ddl = database_schema.ddl(schema)
    assert 'CREATE TABLE IF NOT EXISTS "user" (' in ddl and 'ALTER TABLE "user" ADD COLUMN' in ddl
    assert 'REFERENCES "user"(id)' in ddl
    # The feature's own tables still may not take a reserved word.
    payload = _on_a_user_table(h.altered_schema_payload())
    payload["tables"][0]["existing"] = False
    h.rejects(database_schema.MODEL, payload, "reserved word", "'users'")


@pytest.mark.postgres
def test_the_delta_on_a_reserved_word_table_runs_and_restores_in_postgres():
    schema = _schema(_on_a_user_table(h.altered_schema_payload()))
    data = _data(_on_a_user_table(h.migration_payload()))
    with h.throwaway_database() as conn:
        conn.execute(h.LEGACY_SETUP.replace("users", '"user"'))
        for script in (database_schema.ddl(schema), section.migration_script(data, schema)):
            h.run_script(conn, script)
        assert conn.execute('SELECT count(*) FROM "user" WHERE billing_email = lower(email)').fetchone()[0] == 3
        assert conn.execute('SELECT count(*) FROM "user" WHERE stripe_synced_at IS NOT NULL').fetchone()[0] == 2
        h.run_script(conn, section.rollback_script(data, schema))
        assert conn.execute('SELECT count(*) FROM "user" WHERE billing_email IS NULL').fetchone()[0] == 3
