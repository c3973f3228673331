"""A grounded spec's SQL runs on top of the repository's schema (`draft --repo`): the
repository's tables are built first in the throwaway database, so a delta that creates a
table again or points a foreign key at a key of another type fails with the name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentspec.checks.sql import check_sql
from agentspec.checks.sql_baseline import baseline_ddl
from agentspec.spec_document import SpecDocument

PG_URL = os.environ.get("AGENTSPEC_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")
REPO = Path(__file__).resolve().parent / "fixtures" / "repos" / "ts-express-prisma"


def _spec(schema: str) -> SpecDocument:
    return SpecDocument.from_markdown(f"# Spec\n\n## Schema\n\n```sql\n{schema}\n```\n")


def test_the_repository_schema_is_its_tables_with_postgres_types() -> None:
    ddl = "\n".join(baseline_ddl(REPO).values())
    assert 'CREATE TABLE "users" ("id" integer NOT NULL' in ddl  # SERIAL: the key, seeded rather than generated
    assert '"role" text' in ddl  # a Prisma enum PostgreSQL does not know
    assert 'PRIMARY KEY ("id")' in ddl and '"organizations"' in ddl


@needs_pg
def test_a_delta_runs_on_the_repository_schema_and_names_what_collides() -> None:
    run = {"repo": str(REPO)}
    good = check_sql(_spec("CREATE TABLE subscriptions (\n  id uuid PRIMARY KEY,\n"
                           "  user_id integer NOT NULL REFERENCES users(id)\n);\n"
                           "ALTER TABLE users ADD COLUMN stripe_customer_id varchar(255);"), run, pg_url=PG_URL)
    assert good.passed, good.details
    assert any("repository's schema first" in d for d in good.details)
    again = check_sql(_spec("CREATE TABLE users (id uuid PRIMARY KEY, email text);"), run, pg_url=PG_URL)
    assert not again.passed and any('relation "users" already exists' in d for d in again.details)
    wrong_key = _spec("CREATE TABLE subscriptions (id uuid PRIMARY KEY, user_id uuid REFERENCES users(id));")
    typed = check_sql(wrong_key, run, pg_url=PG_URL)
    assert not typed.passed and any("subscriptions_user_id_fkey\" cannot be implemented" in d for d in typed.details)
    # Without the repository the same key is stubbed as the delta types it, and passes: what --repo adds.
    assert check_sql(wrong_key, {}, pg_url=PG_URL).passed
    missing_column = _spec("ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (team_id) REFERENCES organizations(id);")
    absent = check_sql(missing_column, run, pg_url=PG_URL)
    assert not absent.passed and any('column "team_id"' in d for d in absent.details)
