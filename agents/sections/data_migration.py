"""#### Data Migration Strategy (data-specialist).

The model writes the planning and validation checklists, the migration's SQL
statements and boolean checks; code wraps them in one PostgreSQL transaction
(BEGIN; ... COMMIT;), turns each check into a DO block that raises (and so
aborts the transaction) when it fails, and renders the rollback script the same
way. Every statement must parse with sqlglot's postgres dialect."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from agentspec.render.markdown import checklist, fence, join_blocks
from agentspec.render.sql import check_boolean_query, check_statement, literal, referenced_tables
from agentspec.section import RenderContext, SectionModel, ShortText, items

_CHANGE_KINDS = ("insert", "update", "delete", "create", "alter", "drop", "comment", "merge")

_Sql = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=600)]
ChangeSql = Annotated[_Sql, AfterValidator(lambda sql: check_statement(sql, _CHANGE_KINDS))]
CheckSql = Annotated[_Sql, AfterValidator(check_boolean_query)]


class Check(SectionModel):
    description: ShortText = Field(description="what must hold, in one sentence about this feature's tables")
    sql: CheckSql = Field(description="one SELECT returning a single boolean, true when the check passes (a count compared with a number, or NOT EXISTS); only tables and columns that database_schema defines")


class DataMigration(SectionModel):
    planning: items(ShortText, 3, 5) = Field(description="planning checklist: data inventory and mapping, sequence, rollback design, validation rules, for this feature")
    pre_checks: items(Check, 0, 3) = Field(default_factory=list, description="checks that must pass before the data is changed; empty if the migration reads no existing data")
    transformation: items(ChangeSql, 1, 6) = Field(description="PostgreSQL statements in run order (INSERT ... SELECT, UPDATE, ALTER TABLE), one per item, no BEGIN/COMMIT")
    post_checks: items(Check, 1, 3) = Field(description="checks that must pass after the change: counts, integrity or rules over the tables written")
    rollback: items(ChangeSql, 1, 5) = Field(description="statements that undo the transformation, in run order")
    validation: items(ShortText, 3, 5) = Field(description="data validation checklist: row counts, integrity, referential integrity, business rules")


MODEL = DataMigration
MAX_TOKENS = 1600


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _raise_message(prefix: str, description: str) -> str:
    # RAISE treats % as a parameter marker; $$ would end the DO body.
    return literal(f"{prefix}: {_one_line(description)}".replace("%", "%%").replace("$$", "$"))


def check_block(check: Check, prefix: str) -> str:
    return "\n".join([
        f"-- {_one_line(check.description)}",
        "DO $$",
        "BEGIN",
        f"  IF NOT COALESCE(({_one_line(check.sql)}), false) THEN",
        f"    RAISE EXCEPTION {_raise_message(prefix, check.description)};",
        "  END IF;",
        "END $$;",
    ])


def _statement(sql: str) -> str:
    return sql.strip().rstrip(";").strip() + ";"


def migration_script(data: DataMigration) -> str:
    parts = [
        "-- Migration script: runs after the schema DDL, in a single transaction",
        "BEGIN;",
        "SET LOCAL lock_timeout = '5s';",
        "",
        "-- Pre-migration validation",
        "\n\n".join(check_block(c, "Pre-migration check failed") for c in data.pre_checks)
        or "-- none: the migration reads no existing data",
        "",
        "-- Data transformation",
        "\n".join(_statement(s) for s in data.transformation),
        "",
        "-- Post-migration validation",
        "\n\n".join(check_block(c, "Post-migration check failed") for c in data.post_checks),
        "",
        "-- Commit or rollback based on validation: a failed check raises an exception,",
        "-- which aborts the transaction, so nothing above is applied unless every check passes.",
        "COMMIT;",
    ]
    return "\n".join(parts)


def rollback_script(data: DataMigration) -> str:
    return "\n".join([
        "-- Rollback script: undoes the data transformation, in a single transaction",
        "BEGIN;",
        "SET LOCAL lock_timeout = '5s';",
        "\n".join(_statement(s) for s in data.rollback),
        "COMMIT;",
    ])


def render(data: DataMigration, ctx: RenderContext) -> str:
    return join_blocks(
        "#### Data Migration Strategy",
        "\n".join([
            "1. **Migration Planning**",
            checklist(data.planning, indent=3),
            "",
            "2. **Migration Execution**",
            fence("sql", migration_script(data), indent=3),
            "",
            "   **Rollback** (run if the release is reverted):",
            fence("sql", rollback_script(data), indent=3),
            "",
            "3. **Data Validation**",
            checklist(data.validation, indent=3),
        ]),
    )


def digest(data: DataMigration) -> str:
    lines = ["Migration steps (one transaction, checks abort it):"]
    lines += [f"- pre-check: {c.description}" for c in data.pre_checks]
    lines += [f"- {_one_line(s)[:140]}" for s in data.transformation]
    lines += [f"- post-check: {c.description}" for c in data.post_checks]
    return "\n".join(lines)


def cross_checks(data: DataMigration, sections: dict) -> list[str]:
    """Every table the migration's SQL reads or writes is one database_schema defines."""
    from agents.sections.database_schema import table_columns

    schema = sections.get("database_schema")
    if schema is None:
        return []
    known = set(table_columns(schema))
    statements = [c.sql for c in [*data.pre_checks, *data.post_checks]] + [*data.transformation, *data.rollback]
    unknown = sorted({t for sql in statements for t in referenced_tables(sql)} - known)
    return [f"data_migration uses table {t!r}, which database_schema does not define (tables: {sorted(known)})"
            for t in unknown]
