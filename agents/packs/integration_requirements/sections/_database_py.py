"""Example 2 in Python, written from the design as the TypeScript one is (example_database): the
record table upserted on its unique column, guarded by the column or lifecycle that orders its
updates, and the work row that carried it marked processed in the same transaction. The driver
is SQLAlchemy's Session (SQLModel's is one), used as its documentation says: `with Session(engine)
as session, session.begin():` commits when the block ends and rolls back when it raises."""

from __future__ import annotations

import json

from agentspec.agents.spine import Entity
from agentspec.render.sql import ident

from ._example_design import ExampleDesign
from ._example_py import comment, docstring, module_of, named_parameters, package_root, pascal, py_type, snake, sql_constant, type_imports, typed_row
from ._example_ts import one_of
from .example_database import _behaviour, _guard, conflict_column, lifecycle_ranks, processed_value, upsert_sql, written_columns

LIFECYCLE = "LIFECYCLE_JSON"


def database_file(design: ExampleDesign, record: Entity) -> str:
    return f"{package_root(design.repo)}/{snake(record.owner)}/{one_of(record.table)}_store.py"


def store_module(design: ExampleDesign, record: Entity) -> str:
    return module_of(database_file(design, record), package_root(design.repo))


def save_name(record: Entity) -> str:
    return f"save_{one_of(record.table)}"


def row_name(record: Entity) -> str:
    return pascal(one_of(record.table)) + "Row"


def database_program(design: ExampleDesign, record: Entity, work: Entity | None) -> str | None:
    statement = upsert_sql(design, record)
    if statement is None:
        return None
    sql_lines, columns = statement
    # A row comes back only when the statement inserted or updated one: whether it changed
    # anything, read the way SQLAlchemy types it (Result has no rowcount; CursorResult does).
    sql_lines = [*sql_lines, f"RETURNING {ident(record.key)}"]
    lifecycle = bool(record.version_order and _guard(record, design))
    first = 2 if lifecycle else 1
    names = {first + i: c for i, c in enumerate(columns)} | ({1: "lifecycle"} if lifecycle else {})
    written = written_columns(design, record.table)
    upsert = f"UPSERT_{one_of(record.table).upper()}"
    types = [py_type(c.type) for c in written]
    done = processed_value(design, work) if work is not None else None
    key = design.column(work.table, work.key) if work is not None and done is not None else None
    if key is not None:
        types.append(py_type(key.type))
    parts = [
        *docstring(f"{record.owner} writes {record.table}: {_behaviour(design, record)}."),
        "",
        "from __future__ import annotations",
        "",
        *type_imports(types + (["dict[str, Any]"] if lifecycle else [])),
        *(["import json"] if lifecycle else []),
        "from typing import TypedDict",
        "",
        "from sqlalchemy import Engine, text",
        "from sqlalchemy.orm import Session",
        "",
        "",
        comment(f"One {record.table} row as the feature writes it; the columns are database_schema's."),
        *typed_row(row_name(record), written),
        "",
        "",
    ]
    if lifecycle:
        ranks = json.dumps(lifecycle_ranks(record.version_order))
        parts += [comment(f"{record.table}.{record.version_column}'s lifecycle, each status's place in it: a status "
                          "moves only forward, whatever order the updates arrive in."),
                  f"{LIFECYCLE} = json.dumps({ranks})", ""]
    parts += [
        *sql_constant(upsert, named_parameters(sql_lines, names)),
        "",
        "",
        f"def {save_name(record)}(session: Session, row: {row_name(record)}) -> bool:",
        *docstring(f"{_behaviour(design, record)[:1].upper()}{_behaviour(design, record)[1:]}.", "    "),
        f"    changed = session.execute({upsert}, {{**row{', ' + repr('lifecycle') + ': ' + LIFECYCLE if lifecycle else ''}}}).first()",
        "    return changed is not None",
    ]
    if key is not None and work is not None:
        parts += [
            "",
            "",
            f"def apply_{one_of(work.table)}(engine: Engine, work_id: {py_type(key.type)}, row: {row_name(record)}) -> bool:",
            *docstring(f"The {work.table} row that carried the change is marked {done} in the same transaction: both "
                       "are stored or neither is, so a crash in between leaves the work to be done again.", "    "),
            "    with Session(engine) as session, session.begin():",
            f"        changed = {save_name(record)}(session, row)",
            f"        session.execute(text(\"UPDATE {ident(work.table)} SET status = '{done}' WHERE {work.key} = :work_id\"),",
            '                        {"work_id": work_id})',
            "    return changed",
        ]
    return "\n".join(parts) + "\n"
