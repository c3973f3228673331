"""The schema's ORM mapping in a Python repository's own stack (`draft --repo`): SQLModel
models, or SQLAlchemy 2.0 declarative ones, and the Alembic revision that makes the change.
Written from the same table definitions as the DDL, so the mapping, the migration and the
SQL agree; each block parses as Python (the gate's code check).

A repository whose scan names no Python ORM keeps the TypeORM mapping."""

from __future__ import annotations

import re

from .database_schema import (
    Column,
    DatabaseSchema,
    ForeignKey,
    Table,
    added_columns,
    all_columns,
    all_indexes,
    class_names,
    column_default,
    creation_order,
    foreign_keys,
)

# PostgreSQL type -> (Python annotation, SQLAlchemy type expression).
_PY_TYPES = {
    "uuid": ("uuid.UUID", "sa.Uuid()"), "text": ("str", "sa.Text()"), "varchar(50)": ("str", "sa.String(50)"),
    "varchar(255)": ("str", "sa.String(255)"), "char(3)": ("str", "sa.CHAR(3)"), "integer": ("int", "sa.Integer()"),
    "bigint": ("int", "sa.BigInteger()"), "smallint": ("int", "sa.SmallInteger()"),
    "numeric(12,2)": ("Decimal", "sa.Numeric(12, 2)"), "double precision": ("float", "sa.Double()"),
    "boolean": ("bool", "sa.Boolean()"), "timestamptz": ("datetime", "sa.DateTime(timezone=True)"),
    "date": ("date", "sa.Date()"), "jsonb": ("dict[str, Any]", "postgresql.JSONB()"),
    "bytea": ("bytes", "sa.LargeBinary()"), "inet": ("str", "postgresql.INET()"),
}


def python_orm(stack: list[str] | tuple[str, ...]) -> str | None:
    """The Python ORM a repository's scanned stack names ("SQLModel", "SQLAlchemy"), if any."""
    named = " ".join(stack).lower()
    for orm in ("SQLModel", "SQLAlchemy"):
        if f"orm {orm.lower()}" in named:
            return orm
    return None


def uses_alembic(stack: list[str] | tuple[str, ...]) -> bool:
    return "migration tool alembic" in " ".join(stack).lower()


def _server_default(col: Column) -> str | None:
    default = column_default(col)
    if default is None:
        return None
    value = default + ("::jsonb" if col.type == "jsonb" else "")
    return f"sa.text({value!r})"


def _column_args(col: Column, keys_by_column: dict[str, str]) -> list[str]:
    args = [repr(col.name), _PY_TYPES[col.type][1]]
    if col.name in keys_by_column:
        args.append(keys_by_column[col.name])
    if col.primary_key:
        args.append("primary_key=True")
    if col.unique and not col.primary_key:
        args.append("unique=True")
    default = _server_default(col)
    if default:
        args.append(f"server_default={default}")
    args.append(f"nullable={col.nullable and not col.primary_key}")
    return args


def _keys_by_column(keys: list[ForeignKey], tbl: Table) -> dict[str, str]:
    return {fk.column: f"sa.ForeignKey({fk.parent + '.' + fk.parent_column!r}, ondelete={fk.on_delete!r})"
            for fk in keys if fk.child == tbl.name}


def _annotation(col: Column) -> str:
    py = _PY_TYPES[col.type][0]
    return f"{py} | None" if col.nullable else py


def _imports(data: DatabaseSchema, head: list[str]) -> list[str]:
    """The standard-library imports the annotations need, then `head`."""
    types = {_PY_TYPES[c.type][0] for t in data.tables if not t.existing for c in all_columns(t)}
    stdlib = []
    if "uuid.UUID" in types:
        stdlib.append("import uuid")
    dated = sorted(n for n in ("date", "datetime") if n in types)
    if dated:
        stdlib.append(f"from datetime import {', '.join(dated)}")
    if "Decimal" in types:
        stdlib.append("from decimal import Decimal")
    if any("Any" in t for t in types):
        stdlib.append("from typing import Any")
    return [*stdlib, "", *head] if stdlib else list(head)


def orm_models(data: DatabaseSchema, orm: str) -> str:
    """SQLModel (`table=True`) or SQLAlchemy 2.0 declarative classes for the feature's new
    tables; an existing table is the repository's own model and is only referenced."""
    classes = class_names(data)
    keys = foreign_keys(data)
    uses_jsonb = any(c.type in ("jsonb", "inet") for t in data.tables for c in all_columns(t))
    if orm == "SQLModel":
        head = ["import sqlalchemy as sa", *(["from sqlalchemy.dialects import postgresql"] if uses_jsonb else []),
                "from sqlmodel import Field, SQLModel"]
    else:
        head = ["import sqlalchemy as sa", *(["from sqlalchemy.dialects import postgresql"] if uses_jsonb else []),
                "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column", "", "",
                "class Base(DeclarativeBase):", "    pass"]
    out = [f"# {orm} models for the integration tables", *_imports(data, head)]
    for tbl in creation_order(data):
        if tbl.existing:
            continue
        by_column = _keys_by_column(keys, tbl)
        indexes = [f"sa.Index({name!r}, {', '.join(repr(c) for c in cols)}{', unique=True' if unique else ''})"
                   for name, cols, unique in all_indexes(tbl, keys)]
        base = "SQLModel, table=True" if orm == "SQLModel" else "Base"
        body = [f"    __tablename__ = {tbl.name!r}"]
        if indexes:
            body.append(f"    __table_args__ = ({', '.join(indexes)},)")
        for col in all_columns(tbl):
            column = f"sa.Column({', '.join(_column_args(col, by_column))})"
            if orm == "SQLModel":
                # A value the database fills (a key, a server default) is None until the row is saved.
                filled = col.nullable or col.primary_key or col.default is not None
                body.append(f"    {col.name}: {_PY_TYPES[col.type][0]} | None = Field(default=None, sa_column={column})"
                            if filled else f"    {col.name}: {_PY_TYPES[col.type][0]} = Field(sa_column={column})")
            else:
                args = [_PY_TYPES[col.type][1], *_column_args(col, by_column)[2:]]
                body.append(f"    {col.name}: Mapped[{_annotation(col)}] = mapped_column({', '.join(args)})")
        out += ["", "", f"class {classes[tbl.name]}({base}):", f'    """{_docstring(tbl.purpose)}"""', *body]
    return "\n".join(out)


def _docstring(text: str) -> str:
    return re.sub(r'\s+', " ", text.replace('"""', "'")).strip().rstrip("\\")


def alembic_revision(data: DatabaseSchema, revision: str, down_revision: str | None, message: str) -> str:
    """The Alembic revision of the change: the new tables and indexes, the columns added to
    existing tables, and a downgrade that undoes exactly those, in reverse."""
    keys = foreign_keys(data)
    uses_dialect = any(c.type in ("jsonb", "inet") for t in data.tables for c in all_columns(t))
    up: list[str] = []
    down: list[str] = []
    for tbl in creation_order(data):
        by_column = _keys_by_column(keys, tbl)
        if tbl.existing:
            for col in added_columns(tbl):
                up.append(f"    op.add_column({tbl.name!r}, sa.Column({', '.join(_column_args(col, by_column))}))")
                down.insert(0, f"    op.drop_column({tbl.name!r}, {col.name!r})")
            continue
        columns = [f"        sa.Column({', '.join(_column_args(col, by_column))})," for col in all_columns(tbl)]
        up += [f"    op.create_table(", f"        {tbl.name!r},", *columns, "    )"]
        down.insert(0, f"    op.drop_table({tbl.name!r})")
    for tbl in creation_order(data):
        for name, cols, unique in all_indexes(tbl, keys):
            up.append(f"    op.create_index({name!r}, {tbl.name!r}, {cols!r}, unique={unique})")
            down.insert(0, f"    op.drop_index({name!r}, table_name={tbl.name!r})")
    return "\n".join([
        f'"""{_docstring(message)}',
        "",
        f"Revision ID: {revision}",
        f"Revises: {down_revision or ''}",
        '"""',
        "import sqlalchemy as sa",
        *(["from sqlalchemy.dialects import postgresql"] if uses_dialect else []),
        "from alembic import op",
        "",
        f"revision = {revision!r}",
        f"down_revision = {down_revision!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade() -> None:",
        *(up or ["    pass"]),
        "",
        "",
        "def downgrade() -> None:",
        *(down or ["    pass"]),
    ])
