"""The table that keeps failed work gets the columns a replay and a triage need."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import database_schema as section
from agentspec.agents.packs.integration_requirements.sections.database_schema import DatabaseSchema
from agentspec.agents.spine import DesignSpine

from tests.spine.test_money_as_decided import _schema

STORE = ["payload", "status", "attempts", "last_error"]


def _spine(spine_data, change: str = "new") -> DesignSpine:
    spine_data["entities"][0].update(required_columns=STORE, change=change)
    spine_data["failure_policy"]["store"] = spine_data["entities"][0]["table"]
    return DesignSpine.model_validate(spine_data)


def test_the_store_gains_the_columns_its_answer_left_out(spine_data) -> None:
    spine = _spine(spine_data)
    before = _schema("bigint")
    assert any("requires the column(s) payload, status, attempts, last_error" in p for p in section.spine_checks(before, spine))
    aligned = section.align(before, spine)
    columns = {c.name: c for c in aligned.tables[0].columns}
    assert [n for n in columns if n in STORE] == STORE
    assert (columns["status"].default, columns["attempts"].default, columns["last_error"].nullable) == ("'pending'", "0", True)
    assert columns["payload"].type == "jsonb"
    assert section.spine_checks(aligned, spine) == []


def test_a_note_cut_at_the_grammar_s_limit_is_dropped() -> None:
    from agentspec.agents.packs.integration_requirements.sections.database_schema import NOTE_MAX, Column

    cut = "integer minor units are bigint amount columns beside a char("
    assert len(cut) == NOTE_MAX and Column(name="amount", type="bigint", note=cut).note is None
    assert Column(name="amount", type="bigint", note="minor units").note == "minor units"


def test_an_index_a_constraint_already_builds_is_dropped(spine) -> None:
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "received_events", "purpose": "every delivery once", "integration_type": "Audit/Logging",
         "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                     {"name": "provider_event_id", "type": "varchar(255)", "unique": True},
                     {"name": "received_at", "type": "timestamptz"}],
         "indexes": [{"columns": ["provider_event_id"]}, {"columns": ["received_at"]}]}]})
    (table,) = [t for t in section.align(schema, spine).tables if t.name == "received_events"]
    assert [i.columns for i in table.indexes] == [["received_at"]]


def test_the_answer_s_own_store_columns_take_what_the_spine_decided(spine_data) -> None:
    spine = _spine(spine_data)
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "received_events", "purpose": "every delivery once", "integration_type": "Audit/Logging",
         "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                     {"name": "provider_event_id", "type": "varchar(255)", "unique": True},
                     {"name": "status", "type": "varchar(50)", "note": "draft, open, paid"},
                     {"name": "last_error", "type": "varchar(255)"}]}]})
    (table,) = [t for t in section.align(schema, spine).tables if t.name == "received_events"]
    columns = {c.name: c for c in table.columns}
    assert (columns["status"].default, columns["status"].note) == ("'pending'", "pending, processed, failed")
    assert columns["last_error"].nullable is True  # a delivery is stored before anything failed
