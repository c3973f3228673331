"""data_migration: model-written statements and boolean checks, wrapped by code
in one PostgreSQL transaction whose checks abort it."""

from __future__ import annotations

import re

import pytest

from agents.sections import data_migration as section
from agents.sections import database_schema

from . import _data_helpers as h

MODEL = section.MODEL


def _data(payload=None):
    return MODEL.model_validate(payload or h.migration_payload())


def test_render_shape():
    md = h.render(section, _data())
    h.assert_section_shape("data_migration", md)
    for label in ["1. **Migration Planning**", "2. **Migration Execution**", "**Rollback**", "3. **Data Validation**"]:
        assert label in md
    assert "   - [ ] Run after the schema DDL and before the webhook handler is enabled" in md


def test_migration_is_one_postgres_transaction():
    script, rollback = h.blocks(h.render(section, _data()), "sql")
    assert "BEGIN TRANSACTION" not in script
    lines = [line for line in script.splitlines() if line and not line.startswith("--")]
    assert lines[0] == "BEGIN;" and lines[-1] == "COMMIT;"
    assert script.index("-- Pre-migration validation") < script.index("-- Data transformation") < script.index("-- Post-migration validation")
    assert "RAISE EXCEPTION 'Post-migration check failed: every user with a legacy Stripe id has a billing customer (100%% of rows)';" in script
    statements = h.assert_sql_parses(script, allow_do=True)
    assert sum(1 for s in h.split_sql(script) if s.startswith("DO $$")) == 3
    assert len(statements) == 2 + 3 + 2 + 1  # BEGIN, SET, checks, transformation, COMMIT
    rb_lines = [line for line in rollback.splitlines() if line and not line.startswith("--")]
    assert rb_lines[0] == "BEGIN;" and rb_lines[-1] == "COMMIT;"
    h.assert_sql_parses(rollback)


def test_statements_are_normalised():
    script = section.migration_script(_data())
    assert "WHERE currency IS NULL;\n" in script and ";;" not in script


def test_digest():
    text = section.digest(_data())
    assert "pre-check: legacy Stripe customer ids are unique" in text
    assert "INSERT INTO billing_customers" in text


def test_prompt_includes_schema_digest():
    text = h.prompt_text("data_migration")
    assert "### database_schema" in text and "billing_customers(" in text
    assert "BEGIN; ... COMMIT;" in text


# --- validators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("BEGIN TRANSACTION", "T-SQL"),
        ("COMMIT", "wrapped in BEGIN"),
        ("CREATE TABLE audit (id uuid PRIMARY KEY, note text, INDEX idx_audit_note (note))", "no inline INDEX"),
        ("UPDATE invoices SET status = 'paid' WHERE", "does not parse"),
        ("hello world", "not allowed here"),
        ("UPDATE [TABLE_NAME] SET x = 1", "placeholder"),
        ("INSERT INTO invoices (status) VALUES ('open'); DELETE FROM invoices", "exactly one SQL statement"),
        ("SELECT TOP 10 * FROM invoices", "T-SQL"),
        ("DO $$ BEGIN RAISE NOTICE 'x'; END $$", "not procedural"),
        ("CREATE INDEX CONCURRENTLY idx_a ON invoices (status)", "CONCURRENTLY"),
        ("UPDATE invoices SET status = 'void' -- stale", "no SQL comments"),
        ("CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql", "CREATE FUNCTION is not allowed"),
    ],
)
def test_rejects_bad_transformation(sql, fragment):
    payload = h.migration_payload()
    payload["transformation"] = [sql]
    h.rejects(MODEL, payload, fragment)


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT * FROM invoices", "single boolean"),
        ("SELECT true", "must read the data"),
        ("SELECT count(*), 1 FROM invoices", "single boolean"),
        ("DELETE FROM invoices", "not allowed here"),
    ],
)
def test_rejects_bad_check(sql, fragment):
    payload = h.migration_payload()
    payload["post_checks"][0]["sql"] = sql
    h.rejects(MODEL, payload, fragment)


def test_rejects_t_sql_in_rollback_and_empty_lists():
    payload = h.migration_payload()
    payload["rollback"] = ["BEGIN TRANSACTION"]
    h.rejects(MODEL, payload, "T-SQL")
    payload = h.migration_payload()
    payload["post_checks"] = []
    h.rejects(MODEL, payload, "post_checks")


def test_no_pre_checks_renders_a_none_line_and_still_parses():
    """pre_checks may be empty (a migration that reads no existing data): the script
    says so in a comment, with no empty DO block and no blank section."""
    payload = h.migration_payload()
    payload["pre_checks"] = []
    script, _rollback = h.blocks(h.render(section, _data(payload)), "sql")
    assert "-- Pre-migration validation\n-- none: the migration reads no existing data\n" in script
    assert "Pre-migration check failed" not in script
    assert sum(1 for s in h.split_sql(script) if s.startswith("DO $$")) == 1  # the post-check only
    h.assert_sql_parses(script, allow_do=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_ddl_migration_and_rollback_run_in_postgres():
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    data = _data()
    with h.throwaway_database() as conn:
        conn.execute(h.LEGACY_SETUP)
        h.run_script(conn, database_schema.ddl(schema))
        h.run_script(conn, section.migration_script(data))
        assert conn.execute("SELECT count(*) FROM billing_customers").fetchone()[0] == 2
        h.run_script(conn, section.rollback_script(data))
        assert conn.execute("SELECT count(*) FROM billing_customers").fetchone()[0] == 0


@pytest.mark.postgres
def test_failed_check_aborts_the_whole_migration():
    psycopg = pytest.importorskip("psycopg")
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    payload = h.migration_payload()
    payload["post_checks"][0] = {"description": "impossible: no billing customers at all", "sql": "SELECT NOT EXISTS (SELECT 1 FROM billing_customers)"}
    data = _data(payload)
    with h.throwaway_database() as conn:
        conn.execute(h.LEGACY_SETUP)
        h.run_script(conn, database_schema.ddl(schema))
        with pytest.raises(psycopg.errors.RaiseException, match=re.escape("Post-migration check failed: impossible")):
            h.run_script(conn, section.migration_script(data))
        conn.execute("ROLLBACK")  # the session is in an aborted transaction until it ends
        assert conn.execute("SELECT count(*) FROM billing_customers").fetchone()[0] == 0


@pytest.mark.postgres
def test_whole_section_sql_runs_on_an_empty_database():
    """As the spec-level SQL check runs it: schema, then migration, then rollback,
    on a fresh database where the existing tables are created from the schema."""
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    data = _data()
    with h.throwaway_database() as conn:
        for script in (database_schema.ddl(schema), section.migration_script(data), section.rollback_script(data)):
            h.run_script(conn, script)
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []
