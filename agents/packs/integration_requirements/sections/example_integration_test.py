"""Integration Testing Example (qa-specialist): an integration test of the feature's guarantees.

In TypeScript it is written from the design (`derive`): tests against a real test
database of what the spine promises about the record table (a repeated provider id is
stored once; an older update never overwrites a newer one) and, where a provider
delivers events, that a delivery whose signature does not verify is refused. They call
Example 2's and Example 3's functions by their files, so the type check holds the tests
and the examples to one another. In another language the model writes it, and it must
parse before it is rendered."""

from __future__ import annotations

from typing import Any

from agentspec.render.sql import ident
from agentspec.section import RenderContext
from ._example_design import TEST_RUNNER, ExampleDesign, design_of, inbound_system, secret_of, written_record
from ._example_ts import camel, comment, import_path, kebab, one_of, pascal
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of
from .example_database import conflict_column, database_file, holder_lookups, written_columns
from .example_events import events_file, events_program
from agentspec.agents.spine import Entity

HEADINGS = headings_of(__name__)


class IntegrationTestExample(CodeExample):
    """An integration test against a mocked external service."""


MODEL = IntegrationTestExample
MAX_TOKENS = 1200


def render(data: IntegrationTestExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks


# ----------------------------------------------------------------------------- written from the design
FIRST_DAY, NEXT_DAY = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"


def _listed_values(design: ExampleDesign, record: Entity, column: Any) -> list[str]:
    values = record.documented_values.get(column.name)
    if values:
        return list(values)
    note = (column.note or "").replace(" or ", ",")
    words = [w.strip(" .") for w in note.split(",")]
    return [w for w in words if w and w.replace("_", "").isalnum() and w.islower()] if len(words) > 1 else []


def sample_value(design: ExampleDesign, record: Entity, column: Any) -> str | None:
    """A TypeScript literal the column accepts, or None when the test cannot make one up
    (a foreign key needs a parent row)."""
    if column.references:
        return None
    kind = column.type.lower()
    listed = _listed_values(design, record, column)
    if listed:
        return f"'{listed[0]}'"
    width = kind.split("(", 1)[1].rstrip(")") if "(" in kind else ""
    if kind.startswith(("char", "character")) and width.isdigit():
        return "'" + ("usd" if "currency" in column.name and int(width) == 3 else "x" * int(width)) + "'"
    if kind.startswith(("varchar", "text", "citext", "character varying")):
        value = f"{column.name}-1"
        return f"'{value[: int(width)] if width.isdigit() else value}'"
    if kind == "uuid":
        return "randomUUID()"
    if kind in ("integer", "int", "smallint", "bigint"):
        return "1000" if kind == "bigint" else "1"
    if kind.startswith(("numeric", "decimal")):
        return "'10.00'"
    if kind in ("real", "double precision"):
        return "1.5"
    if kind == "boolean":
        return "true"
    if kind.startswith(("timestamp", "date")):
        return f"new Date('{FIRST_DAY}')"
    if kind in ("jsonb", "json"):
        return "{}"
    return None


def _later(design: ExampleDesign, record: Entity) -> tuple[str, str, str] | None:
    """(column, a later value, an earlier value) that the guard orders, as literals."""
    column = design.column(record.table, record.version_column) if record.version_column else None
    if column is None:
        return None
    if record.version_order:
        stages = [[v.strip() for v in stage.split("|") if v.strip()] for stage in record.version_order]
        if len(stages) < 2:
            return None
        return column.name, f"'{stages[-2][0]}'", f"'{stages[0][0]}'"
    if column.type.lower().startswith(("timestamp", "date")):
        return column.name, f"new Date('{NEXT_DAY}')", f"new Date('{FIRST_DAY}')"
    if column.type.lower() in ("integer", "bigint", "smallint"):
        return column.name, "2", "1"
    return None


def parent_rows(design: ExampleDesign, record: Entity) -> list[str] | None:
    """The statements of a `beforeAll` that insert the row each foreign key of the record
    points at, or None when a parent needs more than sample values (a foreign key of its own)."""
    lines: list[str] = []
    for column in written_columns(design, record.table):
        if not column.references:
            continue
        parent_table, parent_key = column.references.split(".", 1)
        parent = next((e for e in design.spine.entities if e.table == parent_table), None)
        parent_columns = written_columns(design, parent_table)
        if parent is None or design.table(parent_table) is None:
            return None
        values = []
        for c in parent_columns:
            value = sample_value(design, parent, c)
            if value is None:
                return None
            if c.unique and value.startswith("'") and c.type.lower().startswith(("text", "varchar", "character varying")):
                value = f"`{value.strip(chr(39))}-${{randomUUID()}}`"  # a rerun must not collide with the last run's parent
            values.append(value)
        lines += [comment(f"The {parent_table} row {record.table}.{column.name} points at.", "  "),
                  "  const " + camel(f"{parent_table}_{column.name}") + " = await pool.query(",
                  f"    'INSERT INTO {ident(parent_table)} ({', '.join(c.name for c in parent_columns)}) "
                  f"VALUES ({', '.join(f'${i}' for i in range(1, len(parent_columns) + 1))}) RETURNING {parent_key}',",
                  f"    [{', '.join(values)}],",
                  "  );",
                  f"  row.{camel(column.name)} = {camel(f'{parent_table}_{column.name}')}.rows[0].{parent_key};"]
    return lines


def test_program(design: ExampleDesign, record: Entity, path: str) -> str | None:
    if holder_lookups(design, record.table):
        return None  # the holder row and its provider id are set up by a test the model writes
    key = conflict_column(design, record)
    columns = written_columns(design, record.table)
    parents = parent_rows(design, record)
    samples = {c.name: ("''" if c.references else sample_value(design, record, c)) for c in columns}
    if key is None or parents is None or any(v is None for v in samples.values()):
        return None
    store = import_path(path, database_file(design, record))
    row_type, save = pascal(one_of(record.table)) + "Row", "save" + pascal(one_of(record.table))
    ordered = _later(design, record)
    if ordered is not None:
        samples[ordered[0]] = ordered[2]
    uses_uuid = any(v == "randomUUID()" for v in samples.values()) or any("randomUUID()" in line for line in parents)
    hooks = "afterAll, beforeAll, beforeEach" if parents else "afterAll, beforeEach"
    lines = [
        f"import {{ {hooks}, describe, expect, it }} from '{TEST_RUNNER}';",
        *(["import { randomUUID } from 'node:crypto';"] if uses_uuid else []),
        f"import {{ inTransaction, pool, {save} }} from '{store}';",
        f"import type {{ {row_type} }} from '{store}';",
    ]
    system = inbound_system(design)
    receiver = None
    if system is not None and events_program(design, events_file(design)) is not None:
        receiver = (f"receive{pascal(system.id)}Delivery",
                    import_path(path, events_file(design)),
                    secret_of(design, system))
        lines.append(f"import {{ {receiver[0]} }} from '{receiver[1]}';")
    lines += [
        "",
        f"// Runs against a test database with Database Schema Integration applied (DATABASE_URL).",
        f"const row: {row_type} = {{",
        *(f"  {camel(name)}: {value}," for name, value in samples.items()),
        "};",
        "",
        "async function stored(): Promise<Array<Record<string, unknown>>> {",
        f"  const result = await pool.query('SELECT * FROM {ident(record.table)} WHERE {key} = $1', [row.{camel(key)}]);",
        "  return result.rows;",
        "}",
        "",
        f"describe('{record.table} as {record.owner} writes it', () => {{",
        *(["  beforeAll(async () => {", *(f"  {line}" for line in parents), "  });", ""] if parents else []),
        "  beforeEach(async () => {",
        f"    await pool.query('DELETE FROM {ident(record.table)} WHERE {key} = $1', [row.{camel(key)}]);",
        "  });",
        "",
        "  afterAll(async () => {",
        "    await pool.end();",
        "  });",
        "",
        f"  it('stores a repeated {key} once', async () => {{",
        f"    await inTransaction((client) => {save}(client, row));",
        f"    await inTransaction((client) => {save}(client, row));",
        "    expect(await stored()).toHaveLength(1);",
        "  });",
    ]
    if ordered is not None:
        column, later, _earlier = ordered
        lines += [
            "",
            f"  it('never lets an earlier {column} overwrite a later one', async () => {{",
            f"    await inTransaction((client) => {save}(client, {{ ...row, {camel(column)}: {later} }}));",
            f"    const applied = await inTransaction((client) => {save}(client, row));",
            "    expect(applied).toBe(false);",
            f"    expect((await stored())[0].{column}).toEqual({later});",
            "  });",
        ]
    if receiver is not None and receiver[2] is not None:
        lines += [
            "",
            "  it('refuses a delivery whose signature does not verify', async () => {",
            f"    process.env.{receiver[2].name} ??= 'test-signing-secret';",
            f"    const answer = await {receiver[0]}(Buffer.from('{{}}'), {{}});",
            "    expect(answer.status).toBe(400);",
            "  });",
        ]
    lines.append("});")
    return "\n".join(lines)


def test_file(record: Entity) -> str:
    return f"tests/integration/{kebab(one_of(record.table))}.test.ts"


def derive(ctx: RenderContext) -> IntegrationTestExample | None:
    """The example written from the design, or None when the model writes it."""
    design = design_of(ctx)
    record = written_record(design) if design is not None else None
    if design is None or record is None:
        return None
    path = test_file(record)
    code = test_program(design, record, path)
    if code is None:
        return None
    key = conflict_column(design, record)
    points = [f"runs on a real test database: the unique constraint on {key} is what is tested, not a mock",
              f"a repeated {key} leaves one row"]
    if _later(design, record) is not None:
        points.append(f"an earlier {record.version_column} arriving last changes nothing")
    if "refuses a delivery" in code:
        points.append("a delivery whose signature does not verify is refused with 400")
    points.append("calls Example 2's functions by their file, so the test and the example cannot drift apart")
    promised = [f"one row per {key}"] + (["no older update overwrites a newer one"] if _later(design, record) else []) \
        + (["a bad signature is refused"] if "refuses a delivery" in code else [])
    purpose = f"Tests what the design promises about {record.table}: {', '.join(promised)}."
    return IntegrationTestExample.model_validate({"purpose": purpose, "file_path": path, "code": code, "key_points": points[:5]})
