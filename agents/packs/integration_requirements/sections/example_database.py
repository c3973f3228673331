"""Example 2: Database Integration with Transaction Support (implementation-specialist): database access with transaction support.

In TypeScript it is written from the design (`derive`): the record table the feature
writes, upserted on the column the spine says is unique, guarded by the column or the
lifecycle that orders its updates, and the work row that carried it marked processed in
the same transaction, with `pg` used as its documentation says (one client from the pool
for the whole transaction, released in `finally`). In another language the model writes
it, and it must parse before it is rendered."""

from __future__ import annotations

from typing import Any

from agentspec.render.sql import ident
from agentspec.section import RenderContext
from ._example_design import DRIVER, GENERATED_LANGUAGES, ExampleDesign, design_of, work_table, written_record
from ._example_ts import camel, comment, packed, kebab, one_of, pascal, quoted, row_interface, sql_text, ts_type
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of
from agentspec.agents.spine import Entity

HEADINGS = headings_of(__name__)


class DatabaseExample(CodeExample):
    """Database access with transaction support."""


MODEL = DatabaseExample
MAX_TOKENS = 1200


def render(data: DatabaseExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks


# ----------------------------------------------------------------------------- written from the design
def written_columns(design: ExampleDesign, table: str) -> list[Any]:
    """The columns an insert supplies: not the generated key, not one with a default, not a holder's
    key the statement looks up (holder_lookups)."""
    looked_up = holder_lookups(design, table)
    return [c for c in design.columns(table)
            if not (c.primary_key and not c.references) and c.default is None and c.name not in looked_up]


def holder_lookups(design: ExampleDesign, table: str) -> dict[str, tuple[str, str, str]]:
    """column -> (holder table, its key, link column): a foreign key to an existing table that the
    row cannot know from a delivery, found through the provider id both tables keep
    (stripe_subscriptions.user_id from user.stripe_customer_id = the subscription's customer)."""
    found = {}
    own = {c.name for c in design.columns(table)}
    for col in design.columns(table):
        holder = design.table(col.references.split(".")[0]) if col.references else None
        if holder is None or not holder.existing:
            continue
        links = [c.name for c in holder.columns if c.added and c.unique and c.name in own]
        if links:
            found[col.name] = (holder.name, col.references.split(".")[1], links[0])
    return found


def conflict_column(design: ExampleDesign, record: Entity) -> str | None:
    """The column the spine says is unique and the schema enforces, the provider's id first."""
    table = design.table(record.table)
    enforced = {c.name for c in design.columns(record.table) if c.unique or c.primary_key}
    enforced |= {i.columns[0] for i in (table.indexes if table is not None else []) if i.unique and len(i.columns) == 1}
    return next((u for u in record.unique if u in enforced), None)


def _guard(record: Entity, design: ExampleDesign) -> str | None:
    """The WHERE of the upsert's update: only a later state replaces the stored one."""
    column = record.version_column
    if not column or design.column(record.table, column) is None:
        return None
    if record.version_order:
        # $1 is the lifecycle as JSON (status -> place); a stored status it does not list ranks first.
        return f"WHERE ($1::jsonb ->> EXCLUDED.{column})::int > coalesce(($1::jsonb ->> {record.table}.{column})::int, 0)"
    return f"WHERE {record.table}.{column} < EXCLUDED.{column}"


def lifecycle_ranks(order: list[str]) -> dict[str, int]:
    """Each status's place in its lifecycle; the statuses of one stage ("delivered |
    undelivered | failed") share a place."""
    return {value.strip(): place for place, stage in enumerate(order, 1) for value in stage.split("|") if value.strip()}


def upsert_sql(design: ExampleDesign, record: Entity) -> tuple[list[str], list[str]] | None:
    """(the statement's lines, the columns in $n order), or None without a column to write."""
    columns = [c.name for c in written_columns(design, record.table)]
    if not columns:
        return None
    first = 2 if record.version_order and _guard(record, design) is not None else 1
    param = {c: f"${first + i}" for i, c in enumerate(columns)}
    lookups = holder_lookups(design, record.table)
    if any(link not in param for _, _, link in lookups.values()):
        return None
    # A holder's key comes from the holder row that keeps the delivery's provider id: no such row
    # leaves it NULL, the NOT NULL key refuses the insert, and the delivery waits failed for replay.
    # The link's parameter is used twice; the cast gives both uses one type (varchar), as PostgreSQL requires.
    values = {**param, **{c: f"(SELECT {ident(key)} FROM {ident(holder)} WHERE {ident(link)} = {param[link]}::varchar)"
                          for c, (holder, key, link) in lookups.items()}}
    inserted = [*columns, *lookups]
    lines = [f"INSERT INTO {ident(record.table)} ({', '.join(inserted)})",
             f"VALUES ({', '.join(values[c] for c in inserted)})"]
    key = conflict_column(design, record)
    if key is not None:
        guard = _guard(record, design)
        updated = [c for c in inserted if c != key]
        if guard is not None and updated:
            lines.append(f"ON CONFLICT ({key}) DO UPDATE SET")
            lines += [f"  {c} = EXCLUDED.{c}" + ("," if i < len(updated) - 1 else "") for i, c in enumerate(updated)]
            lines.append(guard)
        else:
            lines.append(f"ON CONFLICT ({key}) DO NOTHING")
    return lines, columns


def processed_value(design: ExampleDesign, work: Entity) -> str | None:
    """The status a done work row takes, when its schema allows one."""
    column = design.column(work.table, "status")
    if column is None:
        return None
    listed = [w.strip(" .") for w in (column.note or "").replace(" or ", ",").split(",") if w.strip()]
    return "processed" if "processed" in listed or not column.note else None


def _behaviour(design: ExampleDesign, record: Entity, *, short: bool = False) -> str:
    """What saving the same record twice does; `short` for a key point."""
    key = conflict_column(design, record)
    if key is None:
        return f"each call adds one {record.table} row"
    if _guard(record, design) is None:
        return (f"idempotent: a repeated {key} is stored once" if short
                else f"a repeated {key} is stored once (ON CONFLICT DO NOTHING) and the call returns false")
    if short:
        return f"a repeated {key} never lets an older {record.version_column} overwrite a later one"
    later = (f"comes later in {' -> '.join(record.version_order)}; an earlier one" if record.version_order
             else "is newer than the stored one; an older one")
    return f"a repeated {key} updates the row only when its {record.version_column} {later} changes nothing and the call returns false"


def database_program(design: ExampleDesign, record: Entity, work: Entity | None) -> str | None:
    statement = upsert_sql(design, record)
    if statement is None:
        return None
    sql_lines, columns = statement
    lifecycle = _lifecycle_constant(record, design)
    behaviour = _behaviour(design, record)
    params = ([LIFECYCLE] if lifecycle else []) + ["row." + camel(c) for c in columns]
    row_type = pascal(one_of(record.table)) + "Row"
    written = written_columns(design, record.table)
    save = "save" + pascal(one_of(record.table))
    parts = [
        "import { Pool, PoolClient } from 'pg';",
        "",
        f"// One {record.table} row as the feature writes it; the columns are database_schema's.",
        row_interface(row_type, written, written=True),
        "",
        "// One client for the whole transaction: pool.query() may run each statement on another connection.",
        "export const pool = new Pool({",
        "  connectionString: process.env.DATABASE_URL,",
        "  max: 10,",
        "  idleTimeoutMillis: 30_000,",
        "  connectionTimeoutMillis: 5_000,",
        "});",
        "",
        "export async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {",
        "  const client = await pool.connect();",
        "  try {",
        "    await client.query('BEGIN');",
        "    const result = await work(client);",
        "    await client.query('COMMIT');",
        "    return result;",
        "  } catch (error) {",
        "    await client.query('ROLLBACK');",
        "    throw error;",
        "  } finally {",
        "    client.release();",
        "  }",
        "}",
        "",
        *lifecycle,
        comment(f"{behaviour[:1].upper()}{behaviour[1:]}."),
        f"export async function {save}(client: PoolClient, row: {row_type}): Promise<boolean> {{",
        "  const result = await client.query(",
        f"    {sql_text(sql_lines, '    ')},",
        f"    [{', '.join(params)}],",
        "  );",
        "  return (result.rowCount ?? 0) > 0;",
        "}",
    ]
    done = processed_value(design, work) if work is not None else None
    if work is not None and done is not None:
        key = design.column(work.table, work.key)
        key_type = ts_type(key.type) if key is not None else "string"
        parts += [
            "",
            comment(f"The {work.table} row that carried the change is marked {done} in the same transaction: "
                    "both are stored or neither is, so a crash in between leaves the work to be done again."),
            f"export async function apply{pascal(one_of(work.table))}(workId: {key_type}, row: {row_type}): Promise<boolean> {{",
            "  return inTransaction(async (client) => {",
            f"    const changed = await {save}(client, row);",
            f"    await client.query(`UPDATE {work.table} SET status = '{done}' WHERE {work.key} = $1`, [workId]);",
            "    return changed;",
            "  });",
            "}",
        ]
    return "\n".join(parts)


LIFECYCLE = "LIFECYCLE_JSON"


def _lifecycle_constant(record: Entity, design: ExampleDesign) -> list[str]:
    if not (record.version_order and _guard(record, design)):
        return []
    ranks = lifecycle_ranks(record.version_order)
    entries = [f"{k}: {v}" if k.isidentifier() else f"'{k}': {v}" for k, v in ranks.items()]
    body = packed(entries, 96)
    return [comment(f"{record.table}.{record.version_column}'s lifecycle, each status's place in it: a status "
                    "moves only forward, whatever order the updates arrive in."),
            f"const {LIFECYCLE} = JSON.stringify({{", *(f"  {line}" for line in body), "});", ""]


def database_file(design: ExampleDesign, record: Entity) -> str:
    return f"src/{kebab(record.owner)}/{kebab(one_of(record.table))}-store.ts"


def derive(ctx: RenderContext) -> DatabaseExample | None:
    """The example written from the design, or None when the model writes it."""
    design = design_of(ctx, GENERATED_LANGUAGES)
    record = written_record(design) if design is not None else None
    if design is None or record is None:
        return None
    work = work_table(design)
    if design.language == "python":
        from . import _database_py as python  # it builds on this module's statement

        code, path = python.database_program(design, record, work), python.database_file(design, record)
        transaction = "one SQLAlchemy Session per transaction: `with Session(engine) as session, session.begin()` commits or rolls back"
    else:
        code, path = database_program(design, record, work), database_file(design, record)
        transaction = f"one client from the {DRIVER} pool per transaction: BEGIN, COMMIT, ROLLBACK on error, release in finally"
    if code is None:
        return None
    key = conflict_column(design, record)
    points = [transaction,
              f"parameterised statements only, one per query: {record.table}'s columns as database_schema lists them",
              _behaviour(design, record, short=True)]
    for column, (holder, _, link) in holder_lookups(design, record.table).items():
        points.append(f"{column} comes from the {holder} row with that {link}; with none, the row is refused "
                      "and its delivery waits for replay"[:160])
    if work is not None and processed_value(design, work) is not None:
        points.append(f"the {record.table} change and the {work.table} status commit together")
    purpose = (f"How {record.owner} writes {record.table} in one transaction"
               + (f", idempotent on {key}" if key else "") + ".")
    return DatabaseExample.model_validate({"purpose": purpose, "file_path": path, "code": code,
                                           "key_points": points[:5]})
