import os
from pathlib import Path

import pytest

from agentspec.checks import check_sql
from agentspec.checks.sql_exec import classify, existing_table_stubs, split_statements
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
PG_URL = os.environ.get("AGENTSPEC_TEST_PG_URL")

needs_pg = pytest.mark.skipif(not PG_URL, reason="AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")


@pytest.fixture(autouse=True)
def _no_ambient_pg(monkeypatch):
    # Parse-only tests must not pick up a developer's AGENTSPEC_PG_URL.
    monkeypatch.delenv("AGENTSPEC_PG_URL", raising=False)


def load(name: str) -> SpecDocument:
    return SpecDocument.load(FIXTURES / name)


def test_good_spec_parses_and_reports_execution_skipped():
    score = check_sql(load("good_spec"), None)
    assert score.passed and score.value == 1.0
    assert score.details == [
        "execute: skipped: parsed only; not executed: no PostgreSQL (set AGENTSPEC_PG_URL to run the SQL on PostgreSQL)"]


def test_parse_errors_and_inline_index_are_reported_without_a_server():
    score = check_sql(load("bad_sql.md"), None)
    assert not score.passed and score.value == 0.0
    assert score.details[0] == (
        "Data Integration: inline 'INDEX idx_integration_external_ref' inside CREATE TABLE "
        "integration_table is MySQL syntax; PostgreSQL needs a separate CREATE INDEX ... ON table (columns) (line 12)"
    )
    assert score.details[1].startswith("Data Integration: sqlglot: ")
    assert score.details[1].endswith("near 'WHERE' (line 17)")
    assert score.details[2].startswith("execute: skipped")


def test_blocks_are_classified_by_their_own_words_then_heading():
    doc = load("sql_phases.md")
    assert [classify(b) for b in doc.blocks("sql")] == ["rollback", "schema", "migration"]


def test_statement_split_keeps_dollar_quoted_bodies_whole():
    sql = "-- c\nCREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\nSELECT 1;\n-- end\n"
    statements = [s.strip() for _, s in split_statements(sql)]
    assert len(statements) == 2
    assert statements[0].endswith("LANGUAGE plpgsql;") and statements[1] == "SELECT 1;"


EXISTING_FK_SPEC = """## Data Integration

```sql
-- customers: existing table (primary key id), referenced only, not created here
CREATE TABLE invoices (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  region_code CHAR(3) NOT NULL,
  FOREIGN KEY (region_code) REFERENCES regions (code)
);
CREATE INDEX idx_invoices_customer_id ON invoices (customer_id);
```
"""


def test_foreign_key_targets_not_created_are_stubbed_with_matching_types():
    blocks = SpecDocument.from_markdown(EXISTING_FK_SPEC).blocks("sql")
    assert existing_table_stubs(blocks) == {
        "customers": "CREATE TABLE customers (id UUID PRIMARY KEY)",
        "regions": "CREATE TABLE regions (code CHAR(3) PRIMARY KEY)",
    }


def _leftover_databases(url: str, settle_s: float = 15.0) -> list[str]:
    """Check databases still there once any other worker's in-flight check has finished:
    under xdist another test's throwaway database exists while it runs (the SQL-on-repository
    tests made that race frequent). One this test leaked never goes away, and is returned."""
    import time

    import psycopg

    deadline = time.monotonic() + settle_s
    while True:
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'agentspec_check_%'").fetchall()
        if not rows or time.monotonic() > deadline:
            return [r[0] for r in rows]
        time.sleep(0.2)


@pytest.mark.postgres
@needs_pg
def test_good_spec_executes_on_postgres():
    score = check_sql(load("good_spec"), None, pg_url=PG_URL)
    assert score.passed, score.details
    assert score.details[0] == "execute: ran 3 of 3 block(s) on PostgreSQL"
    assert score.details[1].startswith("execute: seeded 9 row(s) in 3 of 3 table(s) once the schema existed")
    assert _leftover_databases(PG_URL) == []


@pytest.mark.postgres
@needs_pg
def test_references_to_existing_tables_execute():
    score = check_sql(SpecDocument.from_markdown(EXISTING_FK_SPEC), None, pg_url=PG_URL)
    assert score.passed, score.details
    assert (
        score.details[0] == "execute: stubbed referenced existing table(s) not created by the spec: customers, regions"
    )


def test_run_can_switch_execution_off():
    score = check_sql(load("bad_sql_exec.md"), {"sql_execute": False}, pg_url="postgresql://unused@127.0.0.1:1/x")
    assert score.passed and score.details == ["execute: skipped (run['sql_execute'] is False)"]


@pytest.mark.postgres
@needs_pg
def test_run_dict_can_carry_the_url():
    score = check_sql(load("bad_sql_exec.md"), {"pg_url": PG_URL})
    assert not score.passed and 'column "status" does not exist' in score.details[0]


@pytest.mark.postgres
@needs_pg
def test_rollback_runs_after_migration_even_if_written_first():
    score = check_sql(load("sql_phases.md"), None, pg_url=PG_URL)
    assert score.passed, score.details


@pytest.mark.postgres
@needs_pg
def test_postgres_rejects_what_sqlglot_accepts():
    score = check_sql(load("bad_sql_exec.md"), None, pg_url=PG_URL)
    assert not score.passed and score.value == 0.5
    assert score.details == [
        'Data Integration: PostgreSQL: column "status" does not exist [42703] (while running schema SQL) (line 14)',
        "execute: stubbed referenced existing table(s) not created by the spec: integration_table",
        "execute: ran 1 of 2 block(s) on PostgreSQL; 1 not run after the first failure",
    ]
    assert _leftover_databases(PG_URL) == []


@pytest.mark.postgres
@needs_pg
def test_template_inline_index_fails_on_postgres(monkeypatch):
    monkeypatch.setenv("AGENTSPEC_PG_URL", PG_URL)  # the env var path, as the CLI uses it
    score = check_sql(load("bad_sql.md"), None)
    assert any('PostgreSQL: type "idx_integration_external_ref" does not exist' in d for d in score.details)


def test_unreachable_server_fails_the_check():
    score = check_sql(load("good_spec"), None, pg_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert not score.passed
    assert score.details[0].startswith("(document): execute: PostgreSQL unavailable:")


@pytest.mark.parametrize("sql, fragment", [
    ("CREATE TABL x (id uuid PRIMARY KEY;", "'CREATE TABL' is not a PostgreSQL statement"),
    ("ALTER TABL x ADD y int;", "'ALTER TABL' is not a PostgreSQL statement"),
    ("SELECT 1;\nFOO BAR;", "is not a SQL statement"),
])
def test_a_statement_sqlglot_only_reads_as_a_generic_command_fails(sql, fragment):
    score = check_sql(SpecDocument.from_markdown(f"## Data Integration\n\n```sql\n{sql}\n```\n"), None)
    assert not score.passed, score.details
    assert fragment in score.details[0]
    assert any(d.startswith("execute: skipped: parsed only; not executed: no PostgreSQL") for d in score.details)


@pytest.mark.parametrize("sql", [
    "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
    "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;",
    "DO $$ BEGIN RAISE NOTICE 'x'; END $$;",
])
def test_postgresql_commands_sqlglot_does_not_model_still_pass(sql):
    score = check_sql(SpecDocument.from_markdown(f"## Data Integration\n\n```sql\n{sql}\n```\n"), None)
    assert score.passed, score.details


@needs_pg
def test_a_query_on_a_table_the_spec_never_creates_fails_and_says_how_to_give_the_schema():
    # A runbook drafted over a user's template queried `support_tickets`, which it never
    # creates: nothing is invented for it, and the finding says where a schema can come from.
    spec = SpecDocument.from_markdown("## Purge Procedure\n\n```sql\nDELETE FROM support_tickets WHERE id = 1;\n```\n")
    score = check_sql(spec, None, pg_url=PG_URL)
    assert not score.passed
    assert 'relation "support_tickets" does not exist [42P01]' in score.details[0]
    assert "`--repo PATH`" in score.details[0]
