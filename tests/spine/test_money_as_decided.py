"""The spine decides how a table stores money; the schema's amount columns follow it."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import database_schema as section
from agentspec.agents.packs.integration_requirements.sections.database_schema import DatabaseSchema


def _schema(amount_type: str, default: str | None = None, currency: bool = True) -> DatabaseSchema:
    columns = [{"name": "id", "type": "uuid", "primary_key": True, "default": "gen_random_uuid()"},
               {"name": "provider_record_id", "type": "varchar(255)", "unique": True},
               {"name": "amount_due", "type": amount_type, **({"default": default} if default else {})}]
    if currency:
        columns.append({"name": "currency", "type": "char(3)"})
    return DatabaseSchema.model_validate({"tables": [
        {"name": "received_events", "purpose": "every delivery once", "integration_type": "Audit/Logging",
         "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                     {"name": "provider_event_id", "type": "varchar(255)", "unique": True}]},
        {"name": "synced_records", "purpose": "the provider's records", "integration_type": "Data Bridge", "columns": columns},
    ]})


def _amount(schema: DatabaseSchema):
    return next(c for c in schema.tables[1].columns if c.name == "amount_due")


def test_minor_units_in_the_spine_make_amounts_bigint(spine) -> None:
    aligned = section.align(_schema("numeric(12,2)", default="0.00"), spine)
    assert (_amount(aligned).type, _amount(aligned).default) == ("bigint", "0")
    assert _amount(section.align(_schema("double precision", default="9.99"), spine)).default is None
    assert _amount(section.align(_schema("bigint"), spine)).type == "bigint"
    assert section.spine_checks(aligned, spine) == []


def test_a_decimal_in_the_spine_keeps_numeric_and_replaces_a_float(spine_data) -> None:
    from agentspec.agents.spine import DesignSpine

    spine_data["entities"][1]["money"] = "decimal_with_currency"
    spine = DesignSpine.model_validate(spine_data)
    assert _amount(section.align(_schema("numeric(12,2)"), spine)).type == "numeric(12,2)"
    assert _amount(section.align(_schema("double precision"), spine)).type == "numeric(12,2)"


def test_a_new_money_table_gets_its_currency_and_without_one_is_sent_back(spine) -> None:
    aligned = section.align(_schema("bigint", currency=False), spine)
    assert [(c.name, c.type) for c in aligned.tables[1].columns][-1] == ("currency", "char(3)")
    assert section.spine_checks(aligned, spine) == []
    problems = section.spine_checks(_schema("bigint", currency=False), spine)  # not aligned: the gate says what is missing
    assert problems == ["table synced_records: the design spine stores its amounts with a currency; "
                        "add a currency char(3) column (ISO 4217 code)"]


def test_a_new_spine_table_the_answer_left_out_is_rendered_from_the_spine(spine) -> None:
    schema = DatabaseSchema.model_validate({"tables": [_schema("bigint").tables[1].model_dump()]})  # no received_events
    aligned = section.align(schema, spine)
    added = next(t for t in aligned.tables if t.name == "received_events")
    assert [(c.name, c.type, c.primary_key, c.unique) for c in added.columns] == [
        ("id", "uuid", True, False), ("provider_event_id", "varchar(255)", False, True)]
    assert DatabaseSchema.model_validate(aligned.model_dump())  # still a valid schema
    assert section.spine_checks(aligned, spine) == []


def test_a_unique_column_the_spine_decided_is_added_or_marked_on_a_new_table(spine_data) -> None:
    from agentspec.agents.spine import DesignSpine

    spine_data["entities"][1]["unique"] = ["provider_record_id", "invoice_number"]
    spine = DesignSpine.model_validate(spine_data)
    schema = _schema("bigint")
    schema.tables[1].columns[1].unique = False  # provider_record_id given, not marked unique
    aligned = section.align(schema, spine)
    cols = {c.name: c for c in aligned.tables[1].columns}
    assert cols["provider_record_id"].unique and (cols["invoice_number"].type, cols["invoice_number"].unique) == ("varchar(255)", True)
    assert section.spine_checks(aligned, spine) == []


def test_a_version_column_the_spine_compares_is_added_to_its_table(spine_data) -> None:
    from agentspec.agents.knowledge.coverage import COVERED_WHEN
    from agentspec.agents.spine import DesignSpine

    spine_data["entities"][1]["version_column"] = "provider_updated_at"
    spine = DesignSpine.model_validate(spine_data)
    aligned = section.align(_schema("bigint"), spine)
    assert ("provider_updated_at", "timestamptz") in [(c.name, c.type) for c in aligned.tables[1].columns]
    assert COVERED_WHEN["out_of_order_handled"](spine, {"database_schema": aligned}) is not None
    assert COVERED_WHEN["out_of_order_handled"](spine, {"database_schema": _schema("bigint")}) is None  # schema lacks it
