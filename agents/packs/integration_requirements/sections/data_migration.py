"""#### Data Migration Strategy (data-specialist).

A feature's data migration is what existing rows need because the feature adds
columns to existing tables (database_schema: `existing` tables, `added` columns).
The model only says which value each added column gets in the existing rows
(`backfills`: a PostgreSQL expression over that table's own columns, optionally
for the rows a condition selects) and writes the planning and validation
checklists. Code derives the SQL from the schema and the backfills, so it is
correct by construction:

- migration, one transaction: row counts of the altered tables recorded; one
  `UPDATE ... WHERE column IS NULL` per backfill; NOT NULL set on each added
  NOT NULL column once no row lacks a value; row counts compared at the end;
- rollback, one transaction: NOT NULL dropped again and the backfilled values
  cleared (the previous release ignores the columns; dropping them belongs to a
  later contract release); row counts compared again.

No statement inserts into or deletes from an existing table: backfilling never
adds or removes rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from agentspec.render.markdown import checklist, fence, join_blocks
from agentspec.render.sql import check_statement, ident, literal
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items

from ._headings import headings_of

SCHEMA_ID = "database_schema"

_Expression = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
_CAPITAL_WORD = re.compile(r'^\s*"?([A-Za-z][A-Za-z0-9_]*)"?\s*$')


def _capital_word_is_a_literal(value: object) -> object:
    """`USD` or `"USD"` as a value: a word with a capital letter cannot name a column
    here (every column is snake_case), so its one meaning is the string 'USD'.
    The recorded Stripe draft's migration failed on PostgreSQL on exactly this."""
    if isinstance(value, str):
        m = _CAPITAL_WORD.match(value)
        if m and m.group(1) != m.group(1).lower() and m.group(1).upper() not in {"NULL", "TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIMESTAMP"}:
            return literal(m.group(1))
    return value


# uuid_generate_v4() exists only where the uuid-ossp extension was created; gen_random_uuid()
# is built into PostgreSQL 13 and later (https://www.postgresql.org/docs/current/functions-uuid.html),
# and is what the schema's key defaults use. The ninth-pass gdpr migration failed on it.
_UUID_OSSP = re.compile(r"\buuid_generate_v4\s*\(\s*\)", re.I)


def _value(value: object) -> object:
    value = _capital_word_is_a_literal(value)
    return _UUID_OSSP.sub("gen_random_uuid()", value) if isinstance(value, str) else value


class Backfill(SectionModel):
    table: Ident = Field(description="an existing table of database_schema that this feature adds columns to")
    column: Ident = Field(description="a column this feature adds to that table (added true, no default)")
    value: Annotated[_Expression, BeforeValidator(_value)] = Field(description="PostgreSQL expression over that table's own columns, or a constant, giving the column's value in an existing row")
    where: _Expression | None = Field(None, description="optional condition over the same table's columns: the existing rows this value is for; omit for every remaining row")
    reason: ShortText = Field(description="why existing rows get this value")

    @model_validator(mode="after")
    def _plain_expressions(self) -> "Backfill":
        self.value = _checked_expression(self, "value", self.value)
        if self.where is not None:
            self.where = _checked_expression(self, "where", self.where)
        problem = _made_up_value(self.column, self.value)
        if problem:
            raise ValueError(f"backfill {self.table}.{self.column}: {problem}")
        return self


_RANDOM = re.compile(r"\b(gen_random_uuid|uuid_generate_v\d|random)\s*\(", re.I)


def _made_up_value(column: str, value: str) -> str | None:
    """A value that only satisfies NOT NULL: the ninth- and tenth-pass gdpr migrations gave each
    existing deletion request a random user_id and an empty data_type, so every old row pointed
    at no user and the constraint proved nothing."""
    if column.endswith("_id") and _RANDOM.search(value):
        return ("a random id refers to no record; if existing rows cannot know it, remove the backfill "
                "and the column stays nullable for them")
    if re.fullmatch(r"\s*''\s*", value):
        return ("an empty string is not a value; give what existing rows should hold, or remove the backfill "
                "and the column stays nullable for them")
    return None


class DataMigration(SectionModel):
    planning: items(ShortText, 1, 5) = Field(description="planning checklist for the existing rows of the altered tables: which rows, which values, in which order, how it is rolled back")
    backfills: items(Backfill, 0, 4) = Field(default_factory=list, description="values for the added columns in existing rows; empty when every added column is nullable or has a default and existing rows need no value")
    validation: items(ShortText, 1, 5) = Field(description="data validation checklist: row counts, filled columns, business rules on the backfilled values")

    @model_validator(mode="after")
    def _no_repeated_backfill(self) -> "DataMigration":
        seen: set[tuple[str, str, str | None]] = set()
        for backfill in self.backfills:
            key = (backfill.table, backfill.column, backfill.where)
            if key in seen:
                what = "with the same where" if backfill.where else "without where"
                raise ValueError(f"two backfills of {backfill.table}.{backfill.column} {what}; "
                                 "the second would change nothing: keep one")
            seen.add(key)
        return self


MODEL = DataMigration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1200


# --- expressions ----------------------------------------------------------------------


def _parse_one(sql: str):  # type: ignore[no-untyped-def]
    import sqlglot

    return sqlglot.parse_one(sql, read="postgres")


def _expression_tree(table: str, part: str, text: str):  # type: ignore[no-untyped-def]
    """The parsed value or condition, checked as part of a statement over `table`
    (check_statement gives the parse, placeholder, comment and T-SQL messages)."""
    if part == "value":
        statement = check_statement(f"SELECT {text} FROM {ident(table)}", ["select"])
        selected = _parse_one(statement).expressions
        if len(selected) != 1:
            raise ValueError("write one expression, not a list of values")
        return selected[0]
    statement = check_statement(f"SELECT 1 FROM {ident(table)} WHERE {text}", ["select"])
    return _parse_one(statement).args["where"].this


def _shape_problem(tree, table: str, part: str) -> str | None:  # type: ignore[no-untyped-def]
    """What makes a parsed value or condition unusable in `UPDATE table SET ... WHERE ...`."""
    from sqlglot import exp

    if tree.find(exp.Select, exp.Subquery) is not None:
        return f"no subqueries: use only {table}'s own columns and constants"
    if tree.find(exp.AggFunc, exp.Window) is not None:
        return "no aggregate or window functions: the value is computed from the row itself"
    if tree.find(exp.Star) is not None or isinstance(tree, exp.Alias):
        return "write one expression, without * or AS"
    other = sorted({c.table for c in tree.find_all(exp.Column) if c.table and c.table != table})
    if other:
        return f"it names table {other[0]!r}; use only {table}'s own columns and constants"
    if part == "value" and isinstance(tree, exp.Null):
        return "NULL leaves the column as it is; give the value existing rows should hold, or remove the backfill"
    if part == "where" and isinstance(tree, exp.Literal):
        return "a condition must be true or false for a row (a comparison, IS NULL, IN, ...)"
    return None


def _has_statement_break(text: str) -> bool:
    """A `;` outside string literals: a second statement, not part of an expression."""
    from sqlglot.errors import SqlglotError
    from sqlglot.tokens import TokenType

    import sqlglot

    try:
        return any(t.token_type == TokenType.SEMICOLON for t in sqlglot.tokenize(text, read="postgres"))
    except SqlglotError:
        return False  # the parse below reports it


def _checked_expression(backfill: Backfill, part: str, text: str) -> str:
    text = text.strip().rstrip(";").strip()
    where = f"backfill {backfill.table}.{backfill.column}: {part} {text[:80]!r}"
    if _has_statement_break(text):
        raise ValueError(f"{where}: write one expression, not SQL statements separated by ;")
    try:
        tree = _expression_tree(backfill.table, part, text)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    problem = _shape_problem(tree, backfill.table, part)
    if problem:
        raise ValueError(f"{where}: {problem}")
    return text


def referenced_columns(backfill: Backfill) -> set[str]:
    """Columns the value and the condition read (all of the backfilled table)."""
    from sqlglot import exp

    trees = [_expression_tree(backfill.table, "value", backfill.value)]
    if backfill.where is not None:
        trees.append(_expression_tree(backfill.table, "where", backfill.where))
    return {c.name for tree in trees for c in tree.find_all(exp.Column)}


# --- the plan, derived from the schema ------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the scripts do. `tables` are the altered tables whose row counts are
    checked; `backfills` run in order; `not_null` are the (table, column) pairs
    made NOT NULL after their backfill; `kept_nullable` lack a backfill that
    covers every row, so setting NOT NULL would fail (cross_checks reports them)."""

    tables: tuple[str, ...]
    backfills: tuple[Backfill, ...]
    not_null: tuple[tuple[str, str], ...]
    kept_nullable: tuple[tuple[str, str], ...]
    added: tuple[tuple[str, str], ...]
    schema_known: bool


def _run_order(backfills: list[Backfill]) -> list[Backfill]:
    """Per column, conditional backfills before the one for every remaining row
    (which would otherwise leave nothing for them), columns in the model's order."""
    first_seen: dict[tuple[str, str], int] = {}
    for i, b in enumerate(backfills):
        first_seen.setdefault((b.table, b.column), i)
    return sorted(backfills, key=lambda b: (first_seen[(b.table, b.column)], b.where is None))


def plan(data: DataMigration, schema) -> Plan:  # noqa: ANN001 - database_schema.DatabaseSchema | None
    if schema is None:
        # Without the schema nothing is known about NULL rules: backfill only.
        tables = tuple(dict.fromkeys(b.table for b in data.backfills))
        return Plan(tables, tuple(_run_order(list(data.backfills))), (), (), (), False)
    from .database_schema import added_columns, altered_tables, needs_backfill

    altered = altered_tables(schema)
    fillable = {(t.name, c.name) for t in altered for c in added_columns(t) if c.default is None}
    backfills = _run_order([b for b in data.backfills if (b.table, b.column) in fillable])
    covered = {(b.table, b.column) for b in backfills if b.where is None}
    required = [(t.name, c.name) for t in altered for c in added_columns(t) if needs_backfill(c)]
    return Plan(
        tables=tuple(t.name for t in altered),
        backfills=tuple(backfills),
        not_null=tuple(pair for pair in required if pair in covered),
        kept_nullable=tuple(pair for pair in required if pair not in covered),
        added=tuple((t.name, c.name) for t in altered for c in added_columns(t)),
        schema_known=True,
    )


def changes_rows(p: Plan) -> bool:
    return bool(p.backfills or p.not_null)


# --- SQL --------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _raise_if(condition: str, message: str) -> str:
    """A DO block that aborts the transaction when `condition` holds."""
    # RAISE treats % as a parameter marker; $$ would end the DO body.
    text = literal(_one_line(message).replace("%", "%%").replace("$$", "$"))
    return "\n".join([
        "DO $$",
        "BEGIN",
        f"  IF {condition} THEN",
        f"    RAISE EXCEPTION {text};",
        "  END IF;",
        "END $$;",
    ])


def _count_setting(table: str) -> str:
    return literal(f"migration.rows_{table}")


def _record_counts(tables: tuple[str, ...]) -> str:
    # Kept in transaction-local settings rather than a helper table, so the script
    # names no table besides the schema's own (the spine gate checks every one).
    return "\n".join(f"SELECT set_config({_count_setting(t)}, count(*)::text, true) FROM {ident(t)};" for t in tables)


def _count_checks(tables: tuple[str, ...], prefix: str) -> list[str]:
    return [
        _raise_if(f"(SELECT count(*) FROM {ident(t)}) <> current_setting({_count_setting(t)})::bigint",
                  f"{prefix}: the row count of {t} changed")
        for t in tables
    ]


def _update(b: Backfill) -> str:
    condition = f"{ident(b.column)} IS NULL" + (f" AND ({_one_line(b.where)})" if b.where else "")
    return f"-- {_one_line(b.reason)}\nUPDATE {ident(b.table)} SET {ident(b.column)} = {_one_line(b.value)} WHERE {condition};"


def _set_not_null(table: str, column: str) -> str:
    return "\n".join([
        _raise_if(f"EXISTS (SELECT 1 FROM {ident(table)} WHERE {ident(column)} IS NULL)",
                  f"Post-migration check failed: {table}.{column} is still NULL in some rows after the backfill"),
        f"ALTER TABLE {ident(table)} ALTER COLUMN {ident(column)} SET NOT NULL;",
    ])


def migration_script(data: DataMigration, schema=None) -> str:  # noqa: ANN001
    p = plan(data, schema)
    parts = [
        "-- Migration script: runs after the schema DDL, in a single transaction",
        "BEGIN;",
        "SET LOCAL lock_timeout = '5s';",
        "",
        "-- Pre-migration: row counts of the altered tables, compared at the end",
        _record_counts(p.tables),
        "",
        "-- Data transformation: values for the added columns in existing rows (no row is inserted or deleted)",
        "\n".join(_update(b) for b in p.backfills) or "-- none: no added column needs a value in existing rows",
    ]
    if p.not_null or p.kept_nullable:
        parts += ["", "-- Constraints: each added NOT NULL column becomes NOT NULL once every row has a value"]
        parts += [_set_not_null(t, c) for t, c in p.not_null]
        parts += [f"-- {t}.{c} stays nullable: no backfill gives every row a value" for t, c in p.kept_nullable]
    parts += [
        "",
        "-- Post-migration validation: no row was added or removed",
        "\n".join(_count_checks(p.tables, "Post-migration check failed")),
        "",
        "-- A failed check raises an exception, which aborts the transaction,",
        "-- so nothing above is applied unless every check passes.",
        "COMMIT;",
    ]
    return "\n".join(parts)


def rollback_script(data: DataMigration, schema=None) -> str:  # noqa: ANN001
    p = plan(data, schema)
    cleared = list(dict.fromkeys((b.table, b.column) for b in p.backfills))
    parts = [
        "-- Rollback script: undoes the data migration, in a single transaction.",
        "-- The added columns stay: the previous release ignores them, and dropping them",
        "-- belongs to a later contract release, once no release reads them.",
        "BEGIN;",
        "SET LOCAL lock_timeout = '5s';",
        "",
        _record_counts(p.tables),
        "",
        "-- The previous release inserts rows without these columns: they must accept NULL again",
        "\n".join(f"ALTER TABLE {ident(t)} ALTER COLUMN {ident(c)} DROP NOT NULL;" for t, c in p.not_null)
        or "-- none: the migration made no column NOT NULL",
        "",
        "-- Clear the backfilled values (no row is deleted)",
        "\n".join(f"UPDATE {ident(t)} SET {ident(c)} = NULL WHERE {ident(c)} IS NOT NULL;" for t, c in cleared),
        "",
        "-- Rollback validation: no row was added or removed",
        "\n".join(_count_checks(p.tables, "Rollback check failed")),
        "COMMIT;",
    ]
    return "\n".join(parts)


# --- section ------------------------------------------------------------------------------


def _names(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"`{t}.{c}`" for t, c in pairs)


def _unchanged_line(p: Plan) -> str:
    """Why no existing row changes, in one line (no SQL transaction is rendered)."""
    if p.added:
        return (f"No existing row changes: the columns this feature adds ({_names(p.added)}) are nullable or "
                "have a default, so existing rows are valid as the schema DDL leaves them and nothing is backfilled.")
    if p.schema_known:
        return "No existing row changes: the database schema adds no column to an existing table."
    return "No existing row changes: nothing is backfilled."


def _execution(data: DataMigration, ctx: RenderContext) -> list[str]:
    schema = ctx.sections.get(SCHEMA_ID)
    p = plan(data, schema)
    if not changes_rows(p):
        line = _unchanged_line(p)
        return [
            "2. **Migration Execution**",
            f"   {line}",
            "",
            "   **Rollback** (run if the release is reverted):",
            "   Nothing to roll back in the data: no existing row changes. The added columns stay until a later contract release drops them.",
        ]
    note = [] if p.schema_known else [
        "   The database schema is not available, so NOT NULL rules are not applied here: the script only backfills.", ""]
    return [
        "2. **Migration Execution**",
        *note,
        fence("sql", migration_script(data, schema), indent=3),
        "",
        "   **Rollback** (run if the release is reverted):",
        fence("sql", rollback_script(data, schema), indent=3),
    ]


def _unchanged_checklists(p: Plan) -> tuple[list[str], list[str]]:
    """Planning and validation when no existing row changes, from the plan: the grounded draft's
    answer planned "all rows in user table must have stripe_customer_id" over a nullable column
    nothing backfills, and validated that "all columns in user table are filled"."""
    planning = [f"`{t}.{c}` is added nullable or with its default: existing {t} rows keep their values and need no backfill"
                for t, c in p.added][:4]
    planning.append("Apply the schema DDL before the release that writes the new columns")
    validation = [f"The row count of {t} is the same before and after the release" for t in p.tables][:4]
    validation.append("No existing row's values change: the added columns hold NULL or their default")
    return planning, validation


def render(data: DataMigration, ctx: RenderContext) -> str:
    (section,) = HEADINGS
    p = plan(data, ctx.sections.get(SCHEMA_ID))
    planning, validation = (_unchanged_checklists(p) if p.schema_known and p.added and not changes_rows(p)
                            else (data.planning, data.validation))
    return join_blocks(
        section,
        "\n".join([
            "1. **Migration Planning**",
            checklist(planning, indent=3),
            "",
            *_execution(data, ctx),
            "",
            "3. **Data Validation**",
            checklist(validation, indent=3),
        ]),
    )


def digest(data: DataMigration) -> str:
    if not data.backfills:
        return "Data migration: no existing row changes (nothing to backfill)."
    lines = ["Data migration backfills (one transaction; row counts unchanged; no row inserted or deleted):"]
    for b in _run_order(list(data.backfills)):
        condition = f" where {_one_line(b.where)}" if b.where else ""
        lines.append(f"- {b.table}.{b.column} = {_one_line(b.value)[:100]}{condition[:100]}")
    return "\n".join(lines)


# --- checks against database_schema ------------------------------------------------------------


def _target_problem(b: Backfill, tables: dict) -> str | None:  # noqa: ANN001 - name -> database_schema.Table
    """Why the backfill's column is not one existing rows need a value for, if it is not."""
    table = tables.get(b.table)
    if table is None:
        return f"data_migration backfills table {b.table!r}, which database_schema does not define (tables: {sorted(tables)})"
    if not table.existing:
        return f"backfill {b.table}.{b.column}: {b.table} is a new table with no existing rows; backfill only existing tables"
    column = next((c for c in table.columns if c.name == b.column), None)
    if column is None:
        return f"backfill {b.table}.{b.column}: {b.table} has no column {b.column!r}; its columns are {[c.name for c in table.columns]}"
    if not column.added:
        return (f"backfill {b.table}.{b.column}: {b.column} is not a column this feature adds (added true); "
                "existing data is never rewritten, backfill only added columns")
    if column.default is not None:
        return (f"backfill {b.table}.{b.column}: the column has default {column.default}, which existing rows get "
                "when it is added; remove this backfill")
    return None


def _reference_problem(b: Backfill, tables: dict) -> str | None:  # noqa: ANN001
    known = {c.name for c in tables[b.table].columns}
    unknown = sorted(referenced_columns(b) - known)
    if unknown:
        return (f"backfill {b.table}.{b.column}: value or where uses column {unknown[0]!r}, which {b.table} does not have "
                f"in database_schema; use only {sorted(known)} or constants")
    return None


def _missing_backfills(data: DataMigration, schema) -> list[str]:  # noqa: ANN001
    from .database_schema import added_columns, altered_tables, needs_backfill

    problems = []
    for table in altered_tables(schema):
        for column in added_columns(table):
            if not needs_backfill(column):
                continue
            mine = [b for b in data.backfills if (b.table, b.column) == (table.name, column.name)]
            if not mine:
                problems.append(f"{table.name}.{column.name} is added NOT NULL without a default, so existing rows need a value: "
                                "add a backfill for it")
            elif all(b.where for b in mine):
                problems.append(f"{table.name}.{column.name} is added NOT NULL: add a backfill without where, "
                                "for the rows no condition selects")
    return problems


def cross_checks(data: DataMigration, sections: dict) -> list[str]:
    """Each backfill fills a column this feature adds to an existing table, from that
    table's own columns; each added NOT NULL column without a default is filled in every row."""
    schema = sections.get(SCHEMA_ID)
    if schema is None:
        return []
    tables = {t.name: t for t in schema.tables}
    problems = []
    for b in data.backfills:
        problem = _target_problem(b, tables) or _reference_problem(b, tables)
        if problem:
            problems.append(problem)
    return problems + _missing_backfills(data, schema)
