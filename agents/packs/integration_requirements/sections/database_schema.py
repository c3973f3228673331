"""### Database Integration Strategy / #### Schema Integration & ERD (data-specialist).

The model describes tables, columns, keys and indexes as data; code derives the
mermaid ERD (relationships come from the foreign keys), the Integration Tables
table, PostgreSQL DDL in foreign-key order with separate CREATE INDEX
statements, the Relationship Details and TypeORM entities, so all five agree."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from agentspec.render import mermaid
from agentspec.render.markdown import fence, join_blocks, table
from agentspec.render.sql import dependency_order, ident, index_name, reserved_word_error
from agentspec.render.typescript import ts_identifier, ts_value
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items
from agentspec.agents.spine import FAILURE_COLUMNS

from ._headings import headings_of

SqlType = Literal[
    "uuid", "text", "varchar(50)", "varchar(255)", "char(3)", "integer", "bigint", "smallint",
    "numeric(12,2)", "double precision", "boolean", "timestamptz", "date", "jsonb", "bytea", "inet",
]
OnDelete = Literal["CASCADE", "SET NULL", "RESTRICT"]
IntegrationType = Literal[
    "Configuration", "Data Bridge", "Audit/Logging", "Application Data", "Reference Data", "Outbox/Queue", "Join Table",
]
_DEFAULT = re.compile(r"^(gen_random_uuid\(\)|now\(\)|CURRENT_DATE|true|false|-?[0-9]{1,12}([.][0-9]{1,6})?|'[A-Za-z0-9_ .:-]{0,40}'|'\{\}'|'\[\]')$")
# PostgreSQL's own spellings of the defaults the pattern takes, as models write them.
_SAME_DEFAULT = {"current_timestamp": "now()", "now()": "now()", "localtimestamp": "now()", "true": "true", "false": "false",
                 "uuid_generate_v4()": "gen_random_uuid()", "gen_random_uuid()": "gen_random_uuid()", "current_date": "CURRENT_DATE"}


def _default_as_written(value: object) -> object:
    """A default in another spelling of the same value (`CURRENT_TIMESTAMP`, `'pending'::text`,
    `TRUE`) is that value; NULL is no default; another expression is dropped, and the
    column has no default (a bare word or a statement break is rejected, for the model to correct). The tenth-pass gdpr schema failed twice, a 3,822-token answer each time, on one
    column's default outside the pattern (the grammar cannot hold it)."""
    if not isinstance(value, str) or ";" in value:
        return value  # a statement break is never a default: rejected, not dropped
    text = re.sub(r"::[a-z ]+(\(\d+\))?$", "", value.strip(), flags=re.I).strip()
    text = _SAME_DEFAULT.get(text.lower(), text)
    if text.lower() == "null":
        return None
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return text  # a bare word is the model's mistake to correct (the pattern rejects it), not an expression to drop
    return text if _DEFAULT.match(text) else None


DefaultExpr = Annotated[str, StringConstraints(strip_whitespace=True, pattern=_DEFAULT.pattern)]


def _two_part_ref(value: object) -> object:
    """`schema.table.column` -> `table.column`: the schema is not ours to choose; and the SQL
    form `table(column)` (the embedded model's grounded draft wrote `user(id)`) -> `table.column`."""
    if not isinstance(value, str):
        return value
    sql_form = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*\(\s*([A-Za-z_]\w*)\s*\)\s*", value)
    if sql_form:
        value = f"{sql_form.group(1)}.{sql_form.group(2)}"
    if value.count(".") > 1:
        return ".".join(value.strip().split(".")[-2:])
    return value


FkRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,62}[.][a-z][a-z0-9_]{0,62}$"), BeforeValidator(_two_part_ref)]
NOTE_MAX = 60
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX, pattern=r"^[^\[\]\"\n]*$")]


# The text-like SqlTypes: their defaults are quoted literals (see _check_default).
_TEXT_TYPES = frozenset({"text", "varchar(50)", "varchar(255)", "char(3)"})
_BARE_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .:-]{0,40}$")


class Column(SectionModel):
    name: Ident = Field(description="snake_case column name")
    type: SqlType = Field(description="PostgreSQL type")
    nullable: bool = Field(False, description="true if NULL is allowed")
    added: bool = Field(False, description="true for a column this feature adds to an existing table")
    primary_key: bool = Field(False, description="exactly one per table")
    unique: bool = False
    default: Annotated[DefaultExpr | None, BeforeValidator(_default_as_written)] = Field(None, description="gen_random_uuid() | now() | CURRENT_DATE | true | false | a number | a quoted lowercase word in single quotes | '{}' for jsonb")
    references: FkRef | None = Field(None, description="foreign key target as table.column: the primary key of a table listed here")
    on_delete: OnDelete = Field("RESTRICT", description="with references: what deleting the parent row does")
    note: Note | None = Field(None, description="short meaning, or the allowed values comma-separated")

    @model_validator(mode="before")
    @classmethod
    def _quote_word_default(cls, data: Any) -> Any:
        """`default: pending` on a text column can only mean the literal 'pending'."""
        if isinstance(data, dict) and data.get("type") in _TEXT_TYPES and isinstance(data.get("default"), str):
            word = data["default"].strip()
            if _BARE_WORD.match(word) and word.lower() not in {"true", "false", "current_date", "null"}:
                data = {**data, "default": f"'{word}'"}
        return data

    @field_validator("note")
    @classmethod
    def _not_cut(cls, value: str | None) -> str | None:
        """A note as long as the grammar allows was cut there: "integer minor units are bigint
        amount columns beside a char(" (the prompt's own words, eighth-pass Stripe ERD). Half
        a sentence misleads; the column's name and type still say what it is."""
        return None if value is not None and len(value) >= NOTE_MAX else value


class Index(SectionModel):
    columns: items(Ident, 1, 3) = Field(description="columns of this table, in index order")
    unique: bool = False


class Table(SectionModel):
    name: Ident = Field(description="snake_case plural table name for this feature's own entity")
    purpose: ShortText = Field(description="what one row represents and why the feature needs it")
    integration_type: IntegrationType
    existing: bool = Field(False, description="true for a table that already exists (one the description names or clearly implies): list its primary key, the columns this feature reads and the columns it adds")
    columns: items(Column, 1, 10) = Field(description="columns; created_at timestamptz is added to new tables automatically")
    indexes: items(Index, 0, 4) = Field(default_factory=list, description="query indexes; foreign-key columns are indexed automatically")

    @model_validator(mode="after")
    def _keys_are_not_null(self) -> "Table":
        """A primary key is never NULL in PostgreSQL, so `nullable: true` on one can only be a slip:
        the recorded grounded workspace-billing schema failed on it after every re-ask."""
        for col in self.columns:
            if col.primary_key and col.nullable:
                col.nullable = False
        return self

    @model_validator(mode="after")
    def _one_key_beside_id(self) -> "Table":
        """`id` and another column both marked primary key: `id` is the surrogate key and
        the other mark means unique (the recorded Stripe answer marked the provider's
        event id so). A composite key without `id` (a join table) is left for the check."""
        keys = [c for c in self.columns if c.primary_key]
        if len(keys) > 1 and any(c.name == "id" for c in keys):
            for col in keys:
                if col.name != "id":
                    col.primary_key, col.unique = False, True
        return self

    @model_validator(mode="after")
    def _added_only_on_existing(self) -> "Table":
        """`added` has one meaning: a column this feature adds to a table that
        already exists. On a new table every column is new, and an existing
        table already has its primary key, so both are plain columns."""
        for col in self.columns:
            if not self.existing or col.primary_key:
                col.added = False
        return self


class DatabaseSchema(SectionModel):
    tables: items(Table, 1, 6) = Field(description="the tables this feature adds or references, parents first")

    @model_validator(mode="before")
    @classmethod
    def _referenced_tables_exist(cls, data: Any) -> Any:
        """A foreign key to a table the answer does not list (`users.id`) says that
        table already exists in the application: it is listed as existing, with the
        referenced column as its key, typed like the referencing column. One meaning,
        so added here rather than re-asked (the gdpr recording failed on exactly this)."""
        if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
            return data
        tables = [t for t in data["tables"] if isinstance(t, dict)]
        listed = {t.get("name") for t in tables}
        added: list[dict[str, Any]] = []
        for tbl in tables:
            for col in tbl.get("columns") or []:
                ref = col.get("references") if isinstance(col, dict) else None
                if not isinstance(ref, str) or ref.count(".") != 1:
                    continue
                target, key = (part.strip() for part in ref.split("."))
                if target in listed or not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", target) or len(tables) + len(added) >= 6:
                    continue
                listed.add(target)
                added.append({"name": target, "purpose": f"existing table that {tbl.get('name')} references",
                              "integration_type": "Application Data", "existing": True,
                              "columns": [{"name": key, "type": col.get("type") or "uuid", "primary_key": True}]})
        # Parents first: the existing tables go before the ones that reference them.
        return {**data, "tables": added + tables} if added else data

    @model_validator(mode="after")
    def _consistent(self) -> "DatabaseSchema":
        by_name: dict[str, Table] = {}
        for tbl in self.tables:
            if tbl.name in by_name:
                raise ValueError(f"duplicate table {tbl.name!r}; table names must be unique")
            by_name[tbl.name] = tbl
        # No rule that some table be new: a feature may only add columns to existing
        # tables, or only read them; the spine's `change` decides (align, spine_checks).
        for tbl in self.tables:
            if tbl.existing:
                # This section creates no DDL for an existing table's own columns, so an
                # index on them has nowhere to render (both recorded cases declared one
                # and failed on it); an index on columns the feature adds renders with them.
                added = {c.name for c in tbl.columns if c.added}
                tbl.indexes = [i for i in tbl.indexes if set(i.columns) <= added]
            _check_table(tbl)
        for tbl in self.tables:
            for col in tbl.columns:
                if col.references:
                    _check_reference(tbl, col, by_name)
        creation_order(self)  # raises on a foreign-key cycle
        return self


def _check_table(tbl: Table) -> None:
    where = f"table {tbl.name}"
    # A table or column that already exists keeps its name, reserved or not (the DDL quotes it).
    problem = None if tbl.existing else reserved_word_error(tbl.name, "table name")
    if problem:
        raise ValueError(problem)
    names: set[str] = set()
    for col in tbl.columns:
        problem = None if tbl.existing and not col.added else reserved_word_error(col.name, f"column {tbl.name}.{col.name}: name")
        if problem:
            raise ValueError(problem)
        if col.name in {"pk", "fk", "uk"}:
            raise ValueError(f"column name {col.name!r} in {tbl.name} is a key marker in the ER diagram; rename it (e.g. {col.name}_value)")
        if col.name in names:
            raise ValueError(f"{where} has two columns named {col.name!r}; column names must be unique")
        names.add(col.name)
        _check_default(tbl.name, col)
        if col.on_delete == "SET NULL" and col.references and not col.nullable:
            raise ValueError(f"{tbl.name}.{col.name} uses ON DELETE SET NULL but is NOT NULL; set nullable true or use CASCADE/RESTRICT")
    pks = [c.name for c in tbl.columns if c.primary_key]
    if len(pks) != 1:
        raise ValueError(
            f"{where} has {len(pks)} primary key columns {pks}; exactly one column needs primary_key true, "
            'e.g. {"name": "id", "type": "uuid", "primary_key": true}'
        )
    pk = next(c for c in tbl.columns if c.primary_key)
    if pk.nullable:
        raise ValueError(f"primary key {tbl.name}.{pk.name} cannot be nullable; set nullable false")
    if pk.type in {"jsonb", "bytea", "boolean", "double precision"}:
        raise ValueError(f"primary key {tbl.name}.{pk.name} has type {pk.type}; use uuid or bigint")
    seen: set[tuple[str, ...]] = set()
    for idx in tbl.indexes:
        missing = [c for c in idx.columns if c not in names and not (c == "created_at" and not tbl.existing)]
        if missing:
            raise ValueError(f"an index on {tbl.name} uses unknown columns {missing}; index only columns of {tbl.name}: {sorted(names)}")
        if len(set(idx.columns)) != len(idx.columns):
            raise ValueError(f"an index on {tbl.name} repeats a column: {idx.columns}")
        key = tuple(idx.columns)
        if key in seen:
            raise ValueError(f"{where} has two indexes on {list(key)}; remove the duplicate")
        seen.add(key)


def _check_default(table_name: str, col: Column) -> None:
    value = col.default
    if value is None:
        return
    where = f"default {value} of {table_name}.{col.name} ({col.type})"
    is_number = re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) is not None
    ok = {
        "uuid": value == "gen_random_uuid()",
        "timestamptz": value == "now()",
        "date": value in {"CURRENT_DATE", "now()"},
        "boolean": value in {"true", "false"},
        "integer": is_number and "." not in value,
        "bigint": is_number and "." not in value,
        "smallint": is_number and "." not in value,
        "numeric(12,2)": is_number,
        "double precision": is_number,
        "jsonb": value in {"'{}'", "'[]'"},
        "bytea": False,
        "inet": False,
    }.get(col.type)
    if col.type in _TEXT_TYPES:
        ok = value.startswith("'") and value not in {"'{}'", "'[]'"}
        if ok and col.type == "varchar(50)" and len(value) - 2 > 50:
            ok = False
        if ok and col.type == "char(3)" and len(value) - 2 != 3:
            raise ValueError(f"{where} must be exactly 3 characters in single quotes")
    if not ok:
        hint = {
            "uuid": "gen_random_uuid()", "timestamptz": "now()", "date": "CURRENT_DATE", "boolean": "true or false",
            "jsonb": "'{}' or '[]'", "bytea": "no default", "inet": "no default",
        }.get(col.type, "a number" if col.type in {"integer", "bigint", "smallint", "numeric(12,2)", "double precision"} else "a quoted word in single quotes")
        raise ValueError(f"{where} does not fit the column type; use {hint} or omit default")


def _check_reference(tbl: Table, col: Column, by_name: dict[str, Table]) -> None:
    assert col.references is not None
    target_table, target_col = col.references.split(".")
    where = f"{tbl.name}.{col.name} references {col.references}"
    parent = by_name.get(target_table)
    if parent is None:
        raise ValueError(
            f"{where}, but there is no table {target_table!r}; add that table "
            f"(mark it existing if it already exists) or reference one of {sorted(by_name)}"
        )
    target = next((c for c in parent.columns if c.name == target_col), None)
    if target is None:
        raise ValueError(f"{where}, but {target_table} has no column {target_col!r}; its columns are {[c.name for c in parent.columns]}")
    single_unique = any(i.unique and i.columns == [target_col] for i in parent.indexes)
    if not (target.primary_key or target.unique or single_unique):
        raise ValueError(f"{where}, but {target_table}.{target_col} is neither primary key nor unique; reference the primary key")
    if target.type != col.type and col.default is None:
        # A foreign key column has its target's type by definition: align it
        # rather than re-ask (small models write varchar ids next to uuid keys).
        col.type = target.type
    if target.type != col.type:
        raise ValueError(f"{where}: types differ ({col.type} vs {target.type}); a foreign key column must have the type of its target")
    if tbl.existing and not parent.existing:
        raise ValueError(f"existing table {tbl.name} cannot reference new table {target_table}; put the foreign key on the new table")


def added_columns(tbl: Table) -> list[Column]:
    """The columns this feature adds to an existing table (none on a new table)."""
    return [c for c in tbl.columns if c.added]


def needs_backfill(col: Column) -> bool:
    """An added NOT NULL column without a default: existing rows would hold NULL,
    so the schema adds it nullable and the data migration fills it, then sets NOT NULL."""
    return col.added and not col.nullable and col.default is None


def altered_tables(data: "DatabaseSchema") -> list[Table]:
    """Existing tables this feature adds columns to: the ones whose rows a data migration concerns."""
    return [t for t in data.tables if t.existing and added_columns(t)]


def _parents(tables: list[Table]) -> dict[str, list[str]]:
    return {t.name: [c.references.split(".")[0] for c in t.columns if c.references] for t in tables}


MODEL = DatabaseSchema
HEADINGS = headings_of(__name__)
MAX_TOKENS = 2600


# --- derived view -----------------------------------------------------------------


def all_columns(tbl: Table) -> list[Column]:
    """The table's columns plus created_at, which every new table gets."""
    cols = list(tbl.columns)
    if not tbl.existing and not any(c.name == "created_at" for c in cols):
        cols.append(Column(name="created_at", type="timestamptz", default="now()"))
    return cols


@dataclass(frozen=True)
class ForeignKey:
    child: str
    column: str
    parent: str
    parent_column: str
    nullable: bool
    unique: bool
    on_delete: str


def foreign_keys(data: DatabaseSchema) -> list[ForeignKey]:
    keys = []
    for tbl in data.tables:
        uniques = {i.columns[0] for i in tbl.indexes if i.unique and len(i.columns) == 1}
        for col in tbl.columns:
            if col.references:
                parent, parent_column = col.references.split(".")
                keys.append(ForeignKey(tbl.name, col.name, parent, parent_column, col.nullable,
                                       col.unique or col.primary_key or col.name in uniques, col.on_delete))
    return keys


def all_indexes(tbl: Table, keys: list[ForeignKey]) -> list[tuple[str, list[str], bool]]:
    """(name, columns, unique): declared indexes plus one per unindexed FK column."""
    result = [(index_name(tbl.name, i.columns, i.unique), list(i.columns), i.unique) for i in tbl.indexes]
    # On an existing table only the columns this feature adds are ours to index.
    ours = {c.name for c in added_columns(tbl)} if tbl.existing else {c.name for c in tbl.columns}
    covered = {cols[0] for _, cols, _ in result} | {c.name for c in tbl.columns if c.primary_key or c.unique}
    for fk in keys:
        if fk.child == tbl.name and fk.column in ours and fk.column not in covered:
            result.append((index_name(tbl.name, [fk.column]), [fk.column], False))
            covered.add(fk.column)
    return result


def creation_order(data: DatabaseSchema) -> list[Table]:
    """Existing tables first (they never reference new ones), then new tables,
    each group parents before children."""
    by_name = {t.name: t for t in data.tables}
    parents = _parents(data.tables)
    existing = dependency_order([t.name for t in data.tables if t.existing], parents)
    new = dependency_order([t.name for t in data.tables if not t.existing], parents)
    return [by_name[n] for n in existing + new]


# --- SQL ----------------------------------------------------------------------------


def _sql_type(col: Column) -> str:
    return col.type.upper()


def column_default(col: Column) -> str | None:
    """The default the database gives the column: the declared one, or a generated uuid for a
    uuid primary key of its own. The DDL, the ORM models and the migrations all read it, so an
    insert without the key works in each (the grounded SQLModel model once lacked what the DDL had)."""
    if col.default is None and col.primary_key and col.type == "uuid" and not col.references:
        return "gen_random_uuid()"
    return col.default


def _sql_default(col: Column) -> str | None:
    default = column_default(col)
    if default is None:
        return None
    return f"DEFAULT {default}::jsonb" if col.type == "jsonb" else f"DEFAULT {default}"


def _column_sql(col: Column) -> str:
    parts = [ident(col.name), _sql_type(col)]
    if col.primary_key:
        parts.append("PRIMARY KEY")
        if col.default is None and col.type in {"integer", "bigint", "smallint"} and not col.references:
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
    elif not col.nullable:
        parts.append("NOT NULL")
    if col.unique and not col.primary_key:
        parts.append("UNIQUE")
    default = _sql_default(col)
    if default:
        parts.append(default)
    if col.references:
        parent, parent_column = col.references.split(".")
        parts.append(f"REFERENCES {ident(parent)}({ident(parent_column)}) ON DELETE {col.on_delete}")
    return " ".join(parts)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _added_column_sql(col: Column) -> str:
    """An added column as the expand step adds it: nullable while it needs a
    backfill (existing rows have no value yet), otherwise as declared."""
    if needs_backfill(col):
        col = col.model_copy(update={"nullable": True})
    return _column_sql(col)


def _add_columns(tbl: Table) -> list[str]:
    added = added_columns(tbl)
    if not added:
        return []
    lines = [f"-- Columns this feature adds to {tbl.name}: existing rows get NULL or the column's default."]
    later = [c.name for c in added if needs_backfill(c)]
    if later:
        lines.append(f"-- NOT NULL on {', '.join(later)} is set by the data migration, after its backfill.")
    return lines + [f"ALTER TABLE {ident(tbl.name)} ADD COLUMN IF NOT EXISTS {_added_column_sql(c)};" for c in added]


def ddl(data: DatabaseSchema) -> str:
    keys = foreign_keys(data)
    lines = ["-- Database schema integration"]
    for tbl in creation_order(data):
        if tbl.existing:
            cols = ",\n".join("  " + _column_sql(c) for c in all_columns(tbl) if not c.added)
            lines += [
                "",
                f"-- {tbl.name}: existing table, not created by this feature. The statement lists the columns",
                f"-- this feature relies on and does nothing where {tbl.name} already exists.",
                f"CREATE TABLE IF NOT EXISTS {ident(tbl.name)} (\n{cols}\n);",
                *_add_columns(tbl),
            ]
        else:
            cols = ",\n".join("  " + _column_sql(c) for c in all_columns(tbl))
            lines += ["", f"-- {tbl.name}: {_comment(tbl.purpose)}", f"CREATE TABLE {ident(tbl.name)} (\n{cols}\n);"]
    index_lines = []
    for tbl in creation_order(data):
        # An existing table may already carry the index from an earlier run of this DDL.
        exists_guard = "IF NOT EXISTS " if tbl.existing else ""
        for name, cols, unique in all_indexes(tbl, keys):
            index_lines.append(f"CREATE {'UNIQUE ' if unique else ''}INDEX {exists_guard}{name} ON {ident(tbl.name)} ({', '.join(map(ident, cols))});")
    if index_lines:
        lines += ["", "-- Indexes for integration performance"] + index_lines
    return "\n".join(lines)


# --- mermaid --------------------------------------------------------------------------


# Words mermaid's erDiagram lexer reads as keywords when they stand as an entity name.
_ER_KEYWORDS = frozenset({
    "ONE", "MANY", "TO", "ZERO", "ONLY", "OPTIONALLY", "U", "STYLE", "CLASS", "CLASSDEF", "END", "ERDIAGRAM",
    "ACCTITLE", "ACCDESCR", "DIRECTION", "TITLE", "MD_PARENT", "IDENTIFYING", "NON_IDENTIFYING",
})


def er_entity(name: str) -> str:
    entity = mermaid.er_entity_name(name)
    return f'"{entity}"' if entity in _ER_KEYWORDS else entity


def er_diagram(data: DatabaseSchema) -> str:
    keys = foreign_keys(data)
    lines = ["erDiagram"]
    for fk in keys:
        left = "|o" if fk.nullable else "||"
        right = "o|" if fk.unique else "o{"
        lines.append(
            f"    {er_entity(fk.parent)} {left}--{right} {er_entity(fk.child)} : {mermaid.label(fk.column)}"
        )
    fk_columns = {(fk.child, fk.column) for fk in keys}
    for tbl in data.tables:
        lines.append(f"    {er_entity(tbl.name)} {{")
        for col in all_columns(tbl):
            marks = [m for m, on in (("PK", col.primary_key), ("FK", (tbl.name, col.name) in fk_columns), ("UK", col.unique and not col.primary_key)) if on]
            attr = f"        {mermaid.er_type(col.type)} {col.name}"
            if marks:
                attr += " " + ", ".join(marks)
            note = col.note or ("existing table" if tbl.existing and col.primary_key else None)
            if note:
                attr += " " + mermaid.label(note.replace("#quot;", "'"))
            lines.append(attr)
        lines.append("    }")
    return "\n".join(lines)


# --- relationship details -------------------------------------------------------------

_ON_DELETE_TEXT = {
    "CASCADE": "Deleting a `{parent}` row deletes the `{child}` rows that reference it",
    "SET NULL": "`{child}` rows survive when their `{parent}` row is deleted; `{column}` becomes NULL",
    "RESTRICT": "A `{parent}` row cannot be deleted while `{child}` rows still reference it",
}


def relationship_details(data: DatabaseSchema) -> str:
    keys = foreign_keys(data)
    if not keys:
        return "- No foreign keys: the tables are independent."
    out = []
    for fk in keys:
        kind = "One-to-one" if fk.unique else "One-to-many"
        optional = ", optional" if fk.nullable else ""
        out.append(f"- **{fk.parent} → {fk.child}**: {kind}{optional} ({fk.on_delete} delete)")
        out.append(f"  - `{fk.child}.{fk.column}` references `{fk.parent}.{fk.parent_column}`")
        out.append("  - " + _ON_DELETE_TEXT[fk.on_delete].format(parent=fk.parent, child=fk.child, column=fk.column))
    return "\n".join(out)


# --- TypeORM ---------------------------------------------------------------------------

_TS_TYPE = {
    "uuid": "string", "text": "string", "varchar(50)": "string", "varchar(255)": "string", "char(3)": "string",
    "integer": "number", "smallint": "number", "bigint": "string", "numeric(12,2)": "string",
    "double precision": "number", "boolean": "boolean", "timestamptz": "Date", "date": "string",
    "jsonb": "Record<string, unknown>", "bytea": "Buffer", "inet": "string",
}
_IMPORT_ORDER = [
    "Entity", "PrimaryGeneratedColumn", "PrimaryColumn", "Column", "CreateDateColumn", "UpdateDateColumn",
    "ManyToOne", "OneToMany", "OneToOne", "JoinColumn", "Index",
]
_TAKEN_CLASS_NAMES = set(_IMPORT_ORDER) | {
    "Date", "Buffer", "Record", "String", "Number", "Boolean", "Object", "Array", "Function", "Promise",
    "Map", "Set", "Error", "Symbol", "Event", "Node", "Element", "Response", "Request", "Headers", "JSON", "Math",
}


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(ches|shes|sses|xes|zzes)$", word):
        return word[:-2]
    if word.endswith("s") and not re.search(r"(ss|us|is)$", word) and len(word) > 3:
        return word[:-1]
    return word


def class_names(data: DatabaseSchema) -> dict[str, str]:
    names: dict[str, str] = {}
    used: set[str] = set()
    for tbl in data.tables:
        parts = tbl.name.split("_")
        name = ts_identifier("_".join(parts[:-1] + [singular(parts[-1])]), pascal=True)
        if name in _TAKEN_CLASS_NAMES or name in used:
            name = ts_identifier(tbl.name, pascal=True)
        if name in _TAKEN_CLASS_NAMES or name in used:
            name += "Entity"
        while name in used:
            name += "_"
        names[tbl.name] = name
        used.add(name)
    return names


def _options(pairs: list[tuple[str, object]]) -> str:
    return "{ " + ", ".join(f"{k}: {v if isinstance(v, _Raw) else ts_value(v)}" for k, v in pairs) + " }"


class _Raw(str):
    pass


def _column_options(col: Column) -> list[tuple[str, object]]:
    base = col.type.split("(")[0]
    opts: list[tuple[str, object]] = [("type", base)]
    size = re.search(r"\((\d+)(?:,(\d+))?\)", col.type)
    if size and base in {"varchar", "char"}:
        opts.append(("length", int(size.group(1))))
    elif size:
        opts += [("precision", int(size.group(1))), ("scale", int(size.group(2) or 0))]
    if col.nullable:
        opts.append(("nullable", True))
    if col.unique and not col.primary_key:
        opts.append(("unique", True))
    if col.default is not None:
        value = col.default
        if value in {"true", "false"}:
            opts.append(("default", value == "true"))
        elif re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
            opts.append(("default", _Raw(value) if col.type in {"integer", "smallint", "double precision"} else value))
        elif value.startswith("'") and value not in {"'{}'", "'[]'"}:
            opts.append(("default", value[1:-1]))
        else:
            expression = value + ("::jsonb" if col.type == "jsonb" else "")
            opts.append(("default", _Raw("() => " + (json.dumps(expression) if "'" in expression else ts_value(expression)))))
    return opts


def _relation_names(data: DatabaseSchema, keys: list[ForeignKey]) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(child, column) -> property on the child; and -> inverse property on the parent."""
    taken = {t.name: {c.name for c in all_columns(t)} for t in data.tables}
    forward: dict[tuple[str, str], str] = {}
    inverse: dict[tuple[str, str], str] = {}
    for fk in keys:
        prop = fk.column[:-3] if fk.column.endswith("_id") and len(fk.column) > 3 else fk.column + "_ref"
        while prop in taken[fk.child]:
            prop += "_rel"
        taken[fk.child].add(prop)
        forward[(fk.child, fk.column)] = prop
    pairs = [(fk.child, fk.parent) for fk in keys]
    for fk in keys:
        if fk.child == fk.parent:
            back = "children" if not fk.unique else "child"
        else:
            back = singular(fk.child) if fk.unique else fk.child
        if back in taken[fk.parent] or pairs.count((fk.child, fk.parent)) > 1:
            back = f"{back}_by_{forward[(fk.child, fk.column)]}"
        while back in taken[fk.parent]:
            back += "_rel"
        taken[fk.parent].add(back)
        inverse[(fk.child, fk.column)] = back
    return forward, inverse


def typeorm_entities(data: DatabaseSchema) -> str:
    keys = foreign_keys(data)
    classes = class_names(data)
    existing = {t.name for t in data.tables if t.existing}
    forward, inverse = _relation_names(data, keys)
    used: set[str] = {"Entity"}
    bodies: list[str] = []
    for tbl in data.tables:
        if tbl.existing:
            continue
        cls = classes[tbl.name]
        lines = []
        for name, cols, unique in all_indexes(tbl, keys):
            used.add("Index")
            args = f"{ts_value(name)}, [{', '.join(ts_value(c) for c in cols)}]" + (", { unique: true }" if unique else "")
            lines.append(f"@Index({args})")
        lines += [f"@Entity({ts_value(tbl.name)})", f"export class {cls} {{"]
        members: list[str] = []
        for col in all_columns(tbl):
            ts_type = ("unknown[]" if col.default == "'[]'" else _TS_TYPE[col.type]) + (" | null" if col.nullable else "")
            if col.primary_key:
                if col.references:
                    deco = f"@PrimaryColumn({_options(_column_options(col))})"
                    used.add("PrimaryColumn")
                elif col.type == "uuid" and col.default in (None, "gen_random_uuid()"):
                    deco = "@PrimaryGeneratedColumn('uuid')"
                    used.add("PrimaryGeneratedColumn")
                elif col.type in {"integer", "bigint", "smallint"} and col.default is None:
                    deco = "@PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })"
                    used.add("PrimaryGeneratedColumn")
                else:
                    deco = f"@PrimaryColumn({_options(_column_options(col))})"
                    used.add("PrimaryColumn")
            elif col.name == "created_at" and col.type == "timestamptz" and col.default == "now()":
                deco = "@CreateDateColumn({ type: 'timestamptz' })"
                used.add("CreateDateColumn")
            elif col.name == "updated_at" and col.type == "timestamptz" and col.default == "now()":
                deco = "@UpdateDateColumn({ type: 'timestamptz' })"
                used.add("UpdateDateColumn")
            else:
                deco = f"@Column({_options(_column_options(col))})"
                used.add("Column")
            member = [f"  {deco}", f"  {col.name}!: {ts_type};"]
            if col.references:
                parent, _ = col.references.split(".")
                fk = next(k for k in keys if k.child == tbl.name and k.column == col.name)
                if parent in existing:
                    member.insert(0, f"  // references {col.references} (existing table, mapped by its own entity)")
                else:
                    relation = "OneToOne" if fk.unique else "ManyToOne"
                    used.update({relation, "JoinColumn"})
                    opts = _options([("onDelete", fk.on_delete), ("nullable", fk.nullable)])
                    member += [
                        "",
                        f"  @{relation}(() => {classes[parent]}, (parent) => parent.{inverse[(fk.child, fk.column)]}, {opts})",
                        f"  @JoinColumn({{ name: {ts_value(col.name)} }})",
                        f"  {forward[(fk.child, fk.column)]}!: {classes[parent]}" + (" | null;" if fk.nullable else ";"),
                    ]
            members.append("\n".join(member))
        for fk in keys:
            if fk.parent == tbl.name and fk.child not in existing:
                child_cls = classes[fk.child]
                prop = forward[(fk.child, fk.column)]
                if fk.unique:
                    used.add("OneToOne")
                    members.append(
                        f"  @OneToOne(() => {child_cls}, (child) => child.{prop})\n"
                        f"  {inverse[(fk.child, fk.column)]}!: {child_cls} | null;"
                    )
                else:
                    used.add("OneToMany")
                    members.append(
                        f"  @OneToMany(() => {child_cls}, (child) => child.{prop})\n"
                        f"  {inverse[(fk.child, fk.column)]}!: {child_cls}[];"
                    )
        lines.append("\n\n".join(members))
        lines.append("}")
        bodies.append("\n".join(lines))
    imports = ", ".join(n for n in _IMPORT_ORDER if n in used)
    head = f"// TypeORM entities for the integration tables\nimport {{ {imports} }} from 'typeorm';"
    return "\n\n".join([head, *bodies])


# --- section ------------------------------------------------------------------------------


def _existing_note(tbl: Table) -> str:
    if not tbl.existing:
        return ""
    added = added_columns(tbl)
    if not added:
        return " (existing table, referenced only)"
    return f" (existing table; this feature adds {', '.join(c.name for c in added)})"


def render(data: DatabaseSchema, ctx: RenderContext) -> str:
    rows = [(f"`{t.name}`", t.purpose + _existing_note(t), t.integration_type) for t in data.tables]
    section, schema_heading = HEADINGS
    return join_blocks(
        section,
        schema_heading,
        "Database schema integration points for this feature, with the Entity-Relationship Diagram derived from the same table definitions as the SQL and ORM mapping:",
        "**Entity-Relationship Diagram**:",
        fence("mermaid", er_diagram(data)),
        "**Integration Tables**:",
        table(["Table", "Purpose", "Integration Type"], rows),
        "**Schema Integration SQL**:",
        fence("sql", ddl(data)),
        "**Relationship Details**:",
        relationship_details(data),
        *orm_mapping(data, ctx),
    )


def orm_mapping(data: DatabaseSchema, ctx: RenderContext) -> list[str]:
    """The ORM mapping, in the repository's own ORM when `draft --repo` found Prisma or a
    Python one (with the Alembic revision when it migrates with Alembic); else TypeORM. The ORM is named
    in the text: every package a code block imports is one the spec names."""
    from ._orm_prisma import prisma_models, uses_prisma
    from ._orm_python import alembic_revision, orm_models, python_orm, uses_alembic

    stack = (ctx.repo or {}).get("stack") or []
    if uses_prisma(stack):
        return ["**ORM Integration Mapping** (Prisma, the models to add to the repository's `schema.prisma`; "
                "`prisma migrate dev` writes the migration):", fence("prisma", prisma_models(data))]
    orm = python_orm(stack)
    if orm is None:
        return ["**ORM Integration Mapping** (TypeORM, the `typeorm` package):", fence("typescript", typeorm_entities(data))]
    package = {"SQLModel": "sqlmodel", "SQLAlchemy": "sqlalchemy"}[orm]
    blocks = [f"**ORM Integration Mapping** ({orm}, the `{package}` package the repository uses):",
              fence("python", orm_models(data, orm))]
    if uses_alembic(stack):
        heads = (ctx.repo or {}).get("alembic_heads") or []
        new = [t.name for t in data.tables if not t.existing]
        feature = getattr(ctx.brief, "name", None) or "Schema change"
        # A revision id from the feature, not the clock: a redraft writes the same file.
        revision = hashlib.sha1(f"{feature}:{','.join(new)}".encode()).hexdigest()[:12]
        after = f" after the repository's head `{heads[0]}`" if len(heads) == 1 else ""
        blocks += [f"**Migration** (an Alembic revision{after}; `alembic upgrade head` applies it, "
                   "`alembic downgrade -1` undoes it):",
                   fence("python", alembic_revision(data, revision, heads[0] if len(heads) == 1 else None,
                                                    f"{feature}: {', '.join(new) or 'columns on existing tables'}"))]
    return blocks


def _column_digest(col: Column) -> str:
    parts = [col.name, col.type]
    if col.primary_key:
        parts.append("PK")
    if col.references:
        parts.append(f"FK->{col.references}")
    if col.unique:
        parts.append("unique")
    if col.nullable:
        parts.append("null")
    if col.default is not None:
        parts.append(f"default {col.default}")
    if col.added:
        parts.append("added backfill-required" if needs_backfill(col) else "added")
    return " ".join(parts)


def digest(data: DatabaseSchema) -> str:
    keys = foreign_keys(data)
    lines = ["Tables (use these exact table and column names):"]
    for tbl in data.tables:
        tag = " [existing]" if tbl.existing else ""
        lines.append(f"- {tbl.name}{tag}({', '.join(_column_digest(c) for c in all_columns(tbl))})")
        idx = [("unique " if u else "") + f"{n}({', '.join(c)})" for n, c, u in all_indexes(tbl, keys)]
        if idx:
            lines.append(f"  indexes: {'; '.join(idx)}")
    return "\n".join(lines)


def table_columns(data: DatabaseSchema) -> dict[str, set[str]]:
    """Table -> column names (created_at included), for cross-section checks."""
    return {t.name: {c.name for c in all_columns(t)} for t in data.tables}


def align(data: DatabaseSchema, spine) -> DatabaseSchema:  # noqa: ANN001 - agents.spine.DesignSpine
    """The spine decides whether a table already exists (its `change`: new, or
    altered/referenced), so `existing` is set from it. Which columns an altered
    table gains is this section's to say: spine_checks asks for those."""
    changes = {e.table: e.change for e in spine.entities}
    money = {e.table: e.money for e in spine.entities}
    data = _spine_spelling(data, set(changes))
    tables = []
    for tbl in data.tables:
        change = changes.get(tbl.name)
        existing = tbl.existing if change is None else change != "new"
        tbl = tbl if existing == tbl.existing else tbl.model_copy(update={"existing": existing})
        tables.append(_money_as_decided(tbl, money.get(tbl.name, "none")))
    listed = {t.name for t in tables}
    for entity in spine.entities:
        if entity.change == "new" and entity.table not in listed and len(tables) < 6:
            tables.append(_table_of(entity))
    unique = {e.table: e.unique for e in spine.entities if e.change == "new"}
    tables = [_with_unique_columns(t, unique.get(t.name, [])) for t in tables]
    # A lifecycle's version is the status column itself (a required column), not a timestamp to add.
    versions = {e.table: e.version_column for e in spine.entities if e.change == "new" and e.version_column and not e.version_order}
    tables = [_with_version_column(t, versions[t.name]) if t.name in versions else t for t in tables]
    required = {e.table: e for e in spine.entities if e.change == "new" and e.required_columns}
    tables = [_with_required_columns(t, required[t.name], tables) if t.name in required else t for t in tables]
    linked = {e.table: e for e in spine.entities if e.change == "altered" and e.required_columns}
    tables = [_with_added_columns(t, linked[t.name]) if t.name in linked and t.existing else t for t in tables]
    had = {e.table: set(e.existing_columns) for e in spine.entities if e.existing_columns}
    tables = [_not_added(t, had[t.name]) if t.name in had and t.existing else t for t in tables]
    tables = _references_by_name([_without_redundant_indexes(t) for t in tables])
    return data.model_copy(update={"tables": tables})


def _references_by_name(tables: list[Table]) -> list[Table]:
    """A new table's uuid column `<x>_id` references the one other table whose name is `<x>`'s
    plural (or ends in it) and whose key is a uuid id: the SFTP schema's import_rows.file_id
    pointed nowhere beside import_files, so a row could name a file that was never recorded."""
    keyed = {t.name: t for t in tables if any(c.primary_key and c.name == "id" and c.type == "uuid" for c in t.columns)}
    out = []
    for tbl in tables:
        columns = []
        for col in tbl.columns:
            stem = col.name[:-3] if col.name.endswith("_id") else None
            if stem and not tbl.existing and col.references is None and not col.primary_key and col.type == "uuid":
                targets = [n for n in keyed if n != tbl.name and stem in (_one(n), _one(n.rsplit("_", 1)[-1]))]
                if len(targets) == 1:
                    col = col.model_copy(update={"references": f"{targets[0]}.id"})
            columns.append(col)
        out.append(tbl.model_copy(update={"columns": columns}))
    try:
        creation_order(DatabaseSchema.model_construct(tables=out))
    except ValueError:
        return tables  # a cycle: leave the answer's references as they were
    return out


def _one(name: str) -> str:
    """`files` -> `file`, `histories` -> `history`: a table name's one row."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _spine_spelling(data: DatabaseSchema, decided: set[str]) -> DatabaseSchema:
    """A table named as the spine's in the other number (`notification_consent` for the spine's
    `notification_consents`) is the spine's table, and foreign keys to it follow: the Twilio draft's
    schema failed twice on that one letter, and align then added the spine's table beside it."""
    listed = {t.name for t in data.tables}
    renamed = {}
    for tbl in data.tables:
        if tbl.name in decided:
            continue
        match = [d for d in decided if d not in listed and (d == tbl.name + "s" or d + "s" == tbl.name
                                                            or d == tbl.name + "es" or d + "es" == tbl.name)]
        if len(match) == 1:
            renamed[tbl.name] = match[0]
    if not renamed:
        return data

    def column(col: Column) -> Column:
        ref = col.references
        if ref and ref.split(".")[0] in renamed:
            return col.model_copy(update={"references": f"{renamed[ref.split('.')[0]]}.{ref.split('.')[1]}"})
        return col

    tables = [t.model_copy(update={"name": renamed.get(t.name, t.name), "columns": [column(c) for c in t.columns]})
              for t in data.tables]
    return data.model_copy(update={"tables": tables})


def _without_redundant_indexes(tbl: Table) -> Table:
    """An index on exactly one column that is already the key or unique is the index that
    constraint built: a second one (the eighth- and ninth-pass Stripe schemas) only slows writes."""
    indexed = {c.name for c in tbl.columns if c.unique or c.primary_key}
    kept = [i for i in tbl.indexes if not (len(i.columns) == 1 and i.columns[0] in indexed)]
    return tbl if len(kept) == len(tbl.indexes) else tbl.model_copy(update={"indexes": kept})


# The columns code may require of a table (agents/spine.py FAILURE_COLUMNS, whose meanings are
# their notes), as PostgreSQL columns; the status's note lists its values.
_REQUIRED_COLUMNS = {
    "payload": Column(name="payload", type="jsonb", note=FAILURE_COLUMNS["payload"]),
    "status": Column(name="status", type="text", default="'pending'", note="pending, processed, failed"),
    "attempts": Column(name="attempts", type="integer", default="0", note=FAILURE_COLUMNS["attempts"]),
    "last_error": Column(name="last_error", type="text", nullable=True, note=FAILURE_COLUMNS["last_error"]),
    # A cursor row's value (agents/knowledge/completion/runs.py): NULL until the first run ends.
    "position": Column(name="position", type="text", nullable=True, note="last synced timestamp or page token"),
}


def _with_required_columns(tbl: Table, entity, tables: list[Table] = ()) -> Table:  # noqa: ANN001 - agents.spine.Entity
    """The columns the spine requires of a new table (the failure store's payload, status,
    attempts and last error; a field whose values the provider documents; the key of the
    table whose rows it belongs to), added when the answer left them out; an answer's own
    column of that name takes what the spine decided of it (_as_required)."""
    columns = [_as_required(c, entity) if c.name in entity.required_columns else c for c in tbl.columns]
    tbl = tbl.model_copy(update={"columns": columns}) if columns != list(tbl.columns) else tbl
    have = {c.name for c in tbl.columns}
    room = 10 - len(tbl.columns)
    extra = []
    for name in entity.required_columns:
        if name in have:
            continue
        if name in entity.documented_values:
            extra.append(Column(name=name, type="varchar(50)", note=_listed(entity.documented_values[name])))
        elif name in _REQUIRED_COLUMNS:
            extra.append(_REQUIRED_COLUMNS[name])
        elif (holder := _holder_key(name, tables)) is not None:
            extra.append(holder)
        elif name.endswith("_id"):
            # A provider's id of another of its records (a subscription's customer): how the row finds its holder.
            extra.append(Column(name=name, type="varchar(255)", note=f"the provider's {name[:-3].replace('_', ' ')} id"))
    extra = extra[:max(room, 0)]
    return tbl.model_copy(update={"columns": [*tbl.columns, *extra]}) if extra else tbl


def _with_added_columns(tbl: Table, entity) -> Table:  # noqa: ANN001 - agents.spine.Entity
    """The columns the spine adds to an existing table (the provider's id of the holder's
    counterpart: user.stripe_customer_id), nullable since existing rows have none, unique where the
    spine says one row per value."""
    columns = [c.model_copy(update={"added": True, "unique": c.unique or c.name in entity.unique})
               if c.name in entity.required_columns and not c.primary_key else c for c in tbl.columns]
    have = {c.name for c in columns}
    room = 10 - len(columns)
    columns += [Column(name=n, type="varchar(255)", nullable=True, added=True, unique=n in entity.unique,
                       note=f"the provider's {n[:-3].replace('_', ' ')} id" if n.endswith("_id") else None)
                for n in entity.required_columns if n not in have][:max(room, 0)]
    return tbl if columns == list(tbl.columns) else tbl.model_copy(update={"columns": columns})


def _not_added(tbl: Table, had: set[str]) -> Table:
    """A column the repository's table already has is not one this feature adds: the grounded
    draft marked every column of the repository's `user` added once the table was altered, and the
    data migration then asked for a backfill of its hashed_password."""
    columns = [c.model_copy(update={"added": False}) if c.added and c.name in had else c for c in tbl.columns]
    return tbl if columns == list(tbl.columns) else tbl.model_copy(update={"columns": columns})


def _holder_key(name: str, tables: list[Table]) -> Column | None:
    """`user_id` on a record that belongs to a `user` (or `users`) row: a foreign key to that
    table's key, of its type, and the record goes when its holder does."""
    stem = name[:-3] if name.endswith("_id") else None
    for tbl in tables:
        key = next((c for c in tbl.columns if c.primary_key), None)
        if stem and key is not None and stem in (tbl.name, _one(tbl.name)):
            return Column(name=name, type=key.type, references=f"{tbl.name}.{key.name}", on_delete="CASCADE",
                          note=f"the {_one(tbl.name)} this row belongs to")
    return None


def _as_required(column: Column, entity) -> Column:  # noqa: ANN001 - agents.spine.Entity
    """An answer's own column of a required name takes what the spine decided of it: a
    provider's documented values, or the failure store's null, default and meaning. The
    ninth-pass answer made `last_error` NOT NULL (no delivery could be stored before it
    failed) and gave the deliveries' status the invoice's values."""
    if column.name in entity.documented_values:
        return column.model_copy(update={"note": _listed(entity.documented_values[column.name])})
    wanted = _REQUIRED_COLUMNS.get(column.name)
    if wanted is None or column.primary_key:
        return column
    return column.model_copy(update={"type": wanted.type, "nullable": wanted.nullable, "default": wanted.default,
                                     "note": wanted.note, "unique": False, "references": None})


def _listed(values: list[str]) -> str:
    """The allowed values as a note (shorter than a cut one: as many whole values as fit), ending
    in ", …" when some did not fit: a list cut silently reads as all there is (Stripe's eight
    subscription statuses lost canceled, unpaid and paused so)."""
    said = ""
    for i, value in enumerate(values):
        longer = f"{said}, {value}" if said else value
        rest = ", …" if i < len(values) - 1 else ""
        if len(longer + rest) >= NOTE_MAX:
            return f"{said}, …"
        said = longer
    return said


def _with_version_column(tbl: Table, name: str) -> Table:
    """The column the spine compares before applying an update (out-of-order deliveries)."""
    if any(c.name == name for c in tbl.columns) or len(tbl.columns) >= 10:
        return tbl
    column = Column(name=name, type="integer", note="incremented on every write; a write made on an older version is refused") \
        if name == "version" else Column(name=name, type="timestamptz", note="provider's update time; older updates are ignored")
    return tbl.model_copy(update={"columns": [*tbl.columns, column]})


def _with_unique_columns(tbl: Table, unique: list[str]) -> Table:
    """A new table gets each unique column the spine decided and the answer left out
    (the provider's id of a synced record, say), as a unique varchar; one the answer
    has is marked unique when it is a single column of it."""
    names = {c.name for c in tbl.columns}
    columns = [c.model_copy(update={"unique": True}) if c.name in unique and not c.primary_key and not c.unique else c
               for c in tbl.columns]
    room = 10 - len(columns)
    columns += [Column(name=c, type="varchar(255)", unique=True) for c in unique if c not in names][:max(room, 0)]
    return tbl if columns == list(tbl.columns) else tbl.model_copy(update={"columns": columns})


def _table_of(entity) -> Table:  # noqa: ANN001 - agents.spine.Entity
    """A new table the spine decided and the answer left out, rendered from what the spine
    fixes: its key and its unique columns (the provider's ids). Nothing else is invented;
    spine_checks and coverage say what a fuller table would state."""
    # A surrogate `id` (or `<x>_id`) is a generated uuid; a natural key (a cursor's `source`) is the name its writer gives.
    surrogate = entity.key == "id" or entity.key.endswith("_id")
    columns = [Column(name=entity.key, type="uuid", primary_key=True, default="gen_random_uuid()") if surrogate
               else Column(name=entity.key, type="varchar(255)", primary_key=True)]
    columns += [Column(name=c, type="varchar(255)", unique=True) for c in entity.unique if c != entity.key]
    if entity.money != "none":
        columns.append(Column(name="currency", type="char(3)", note="ISO 4217 code"))
    return Table(name=entity.table, purpose=entity.purpose, integration_type="Application Data", columns=columns)


def _money_as_decided(tbl: Table, money: str) -> Table:
    """The spine decided how this table stores amounts, so its amount columns take
    that type: integer minor units in bigint, a decimal in numeric(12,2), never a float.
    Keys and references keep theirs; a default that no longer fits is converted or dropped."""
    wrong, right = {"integer_minor_units_with_currency": ({"numeric(12,2)", "double precision"}, "bigint"),
                    "decimal_with_currency": ({"double precision"}, "numeric(12,2)")}.get(money, (set(), ""))
    columns = []
    for col in tbl.columns:
        if col.type in wrong and not col.primary_key and not col.references:
            col = col.model_copy(update={"type": right, "default": _number_default(col.default, right)})
        columns.append(col)
    if money != "none" and not tbl.existing and not any("currency" in c.name for c in columns) and len(columns) < 10:
        # "with currency" is the spine's decision: an amount never travels without its ISO 4217 code.
        columns.append(Column(name="currency", type="char(3)", note="ISO 4217 code"))
    return tbl.model_copy(update={"columns": columns}) if columns != list(tbl.columns) else tbl


def _number_default(default: str | None, sql_type: str) -> str | None:
    try:
        value = float(default) if default is not None else None
    except ValueError:
        return None
    if value is None:
        return None
    if sql_type == "bigint":
        return str(int(value)) if value.is_integer() else None  # 0.00 -> 0; 9.99 has no one minor-unit meaning here
    return default


def _change_problems(table: Table, change: str) -> list[str]:
    """The table's existing flag and added columns say what the spine's `change` says.
    The spine decides; a disagreement goes back to the model, since which columns
    an altered table gains is this section's to say."""
    added = [c.name for c in added_columns(table)]
    if change == "new" and table.existing:
        return [f"table {table.name} is new in the design spine; set existing false"]
    if change == "referenced" and not table.existing:
        return [f"table {table.name} already exists in the design spine and this feature only references it; set existing true"]
    if change == "referenced" and added:
        return [f"table {table.name} is only referenced in the design spine, so this feature adds no column to it; "
                f"set added false on {', '.join(added)}"]
    if change == "altered" and not table.existing:
        return [f"table {table.name} already exists in the design spine and this feature alters it; "
                "set existing true and added true on each column the feature adds"]
    if change == "altered" and not added:
        return [f"table {table.name} is altered in the design spine; list the columns this feature adds to it with added true"]
    return []


def spine_checks(data: DatabaseSchema, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """The tables are the design spine's, with its keys, uniqueness and change
    (new, altered: existing with added columns, referenced: existing, unchanged)."""
    entities = {e.table: e for e in spine.entities}
    # An existing table the feature only points a foreign key at changes nothing,
    # so the spine need not list it; a table it creates or alters must be the spine's.
    problems = [f"table {t.name} is not in the design spine; use only: {', '.join(entities) or 'none'}"
                for t in data.tables if t.name not in entities and not (t.existing and not added_columns(t))]
    by_name = {t.name: t for t in data.tables}
    for entity in spine.entities:
        table = by_name.get(entity.table)
        if table is None:
            if entity.change != "referenced":
                problems.append(f"the design spine's table {entity.table} is missing; add it")
            continue
        problems += _change_problems(table, entity.change)
        keys = [c.name for c in table.columns if c.primary_key]
        if keys and keys != [entity.key]:
            problems.append(f"table {entity.table}: the design spine's primary key is {entity.key}, not {', '.join(keys)}")
        # A new table only: an existing one may already have its currency among the columns not listed.
        if entity.money != "none" and not table.existing and not any("currency" in c.name for c in table.columns):
            problems.append(f"table {entity.table}: the design spine stores its amounts with a currency; "
                            "add a currency char(3) column (ISO 4217 code)")
        singles = {c.name for c in table.columns if c.unique or c.primary_key}
        singles |= {i.columns[0] for i in table.indexes if i.unique and len(i.columns) == 1}
        for column in entity.unique:
            if column not in singles:
                problems.append(f"table {entity.table}: the design spine requires {column} to be unique; "
                                "mark the column unique or add a unique index on it")
        lacking = [c for c in entity.required_columns if c not in {col.name for col in table.columns}]
        if lacking and not table.existing:
            why = ("it keeps failed work for replay" if entity.table == spine.failure_policy.store
                   else "each row belongs to the row that key names" if all(c.endswith("_id") for c in lacking)
                   else "the provider documents them")
            problems.append(f"table {entity.table}: the design spine requires the column(s) {', '.join(lacking)} ({why}); add them")
    return problems
