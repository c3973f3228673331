"""The executing SQL check on seeded rows: one bad fixture per failure it must catch,
each with the message a reviewer needs (statement, table, counts), and a good fixture
that passes. Needs PostgreSQL (scripts/ci_postgres.sh); skipped without it."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from agentspec.checks import check_sql
from agentspec.checks.sql_exec import execute_blocks
from agentspec.checks.sql_seed import _allowed_literals, candidates, Column, Table
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "meaning"
PG_URL = os.environ.get("AGENTSPEC_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")
PROVIDER_ID = (("stripe_invoices", "stripe_invoice_id"),)

# fixture -> the one failure message it is written to produce (a prefix of it)
BAD = {
    "migration_copies_into_itself.md": "migration statement `INSERT INTO stripe_invoices (stripe_invoice_id, amount_due, "
                                       "currency)…` duplicated rows of stripe_invoices: 3 row(s) before, 6 after",
    "migration_empties_table.md": "migration statement `DELETE FROM invoices WHERE customer_id IS NOT NULL` emptied "
                                  "invoices: 3 row(s) before, 0 after",
    "rollback_empties_table.md": "the rollback did not restore invoices: 3 row(s) before the migration, 0 after the rollback",
    "rollback_leaves_table.md": "after the rollback the migration's table(s) remain: sync_runs",
    "unique_not_enforced.md": "stripe_invoices accepted a second row with the same stripe_invoice_id",
}


def _run(name: str, unique=()):
    return execute_blocks(PG_URL, SpecDocument.load(FIXTURES / name).blocks("sql"), unique)


@pytest.mark.postgres
@needs_pg
@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_fixture_fails_with_its_message(name):
    unique = PROVIDER_ID if name == "unique_not_enforced.md" else ()
    result = _run(name, unique)
    messages = [f.message for f in result.failures]
    assert len(messages) == 1 and messages[0].startswith(BAD[name]), messages


@pytest.mark.postgres
@needs_pg
def test_the_good_fixture_keeps_its_rows_and_enforces_the_designs_unique_id():
    result = _run("good_migration_and_rollback.md", PROVIDER_ID)
    assert result.failures == []
    assert "unique stripe_invoices.stripe_invoice_id: a duplicate insert is refused" in result.notes
    assert any(n.startswith("seeded 6 row(s) in 2 of 2 table(s)") for n in result.notes)


@pytest.mark.postgres
@needs_pg
def test_a_unique_column_the_table_lacks_is_named():
    result = _run("good_migration_and_rollback.md", (("stripe_invoices", "stripe_charge_id"),))
    assert [f.message for f in result.failures] == [
        "the design says stripe_invoices.stripe_charge_id is unique, but stripe_invoices has no column stripe_charge_id"]


@pytest.mark.postgres
@needs_pg
def test_check_sql_takes_the_unique_columns_from_the_spines_new_tables():
    from tests.spine.conftest import SPINE

    spine = copy.deepcopy(SPINE)
    spine["entities"] = [{"table": "stripe_invoices", "purpose": "synced invoices", "change": "new", "key": "id",
                          "unique": ["stripe_invoice_id"], "money": "integer_minor_units_with_currency",
                          "owner": spine["entities"][0]["owner"]}]
    doc = SpecDocument.load(FIXTURES / "unique_not_enforced.md")
    doc.spec_json = {"sections": {"design_spine": {"data": spine}}}
    score = check_sql(doc, None, pg_url=PG_URL)
    assert not score.passed
    assert any("accepted a second row with the same stripe_invoice_id" in d for d in score.details), score.details


def test_check_lists_and_enums_give_the_allowed_values():
    definition = "CHECK ((status = ANY (ARRAY['draft'::text, 'open'::text, 'paid'::text])))"
    assert _allowed_literals(definition) == ["draft", "open", "paid"]
    assert _allowed_literals("CHECK ((amount >= 0))") == []
    table = Table("t", check_values={"status": ["draft", "open"]})
    import random

    rng = random.Random(1)
    assert candidates(table, Column("status", "text", True, None, False), 1, rng) == ["open", "draft"]
    assert candidates(table, Column("kind", "kind_enum", True, None, False, ("a", "b")), 0, rng) == ["a", "b"]
    assert candidates(table, Column("code", "character(3)", True, None, False), 0, rng)[0] == "cod"


@pytest.mark.postgres
@needs_pg
def test_a_column_the_schema_adds_is_seeded_empty_so_a_rollback_that_clears_its_backfill_restores_the_table():
    # rows from before the release have no value in the column it adds (the 12-04 check seeded
    # one and called the generated migration's correct rollback wrong)
    result = _run("good_added_column_cleared_on_rollback.md")
    assert result.failures == [], [f.message for f in result.failures]
    assert any(n.startswith("seeded 3 row(s) in 1 of 1 table(s)") for n in result.notes), result.notes
