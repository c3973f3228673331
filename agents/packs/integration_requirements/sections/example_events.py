"""Example 3: Event-Driven Integration (implementation-specialist): publishing and handling the feature's events.

In TypeScript it is written from the design (`derive`): where a provider delivers events,
the receiver verifies each delivery, stores it once on the provider's event id and
answers at once; the worker then takes due rows (FOR UPDATE SKIP LOCKED), handles each
inside a savepoint, marks it processed, and on an error counts the attempt, keeps the
reason and retries on the failure policy's schedule until the row is left failed for
replay. Events the feature raises itself are dispatched in-process, as the spine has no
broker. In another language the model writes it, and it must parse before it is rendered."""

from __future__ import annotations

from agentspec.render.sql import ident
from agentspec.section import RenderContext
from agentspec.agents.knowledge.briefing import notes_for
from ._example_design import (GENERATED_LANGUAGES, ExampleDesign, design_of, inbound_system, receiver_path, secret_of,
                                             work_table, written_record)
from ._example_ts import camel, comment, import_path, kebab, one_of, packed, pascal, quoted, row_interface, setting_reader, sql_text, ts_type
from ._examples import CodeExample, example_digest, example_spine_checks, render_example
from ._headings import headings_of
from .example_database import conflict_column, database_file, processed_value
from agentspec.agents.spine import Entity, Event, ExternalSystem

HEADINGS = headings_of(__name__)


class EventsExample(CodeExample):
    """Publishing and handling the feature's events."""


MODEL = EventsExample
MAX_TOKENS = 1200


def render(data: EventsExample, ctx: RenderContext) -> str:
    return render_example(data, HEADINGS, None)


digest = example_digest
spine_checks = example_spine_checks


# ----------------------------------------------------------------------------- written from the design
RETRY_BASE_SECONDS = 30  # the first retry's delay; each next one doubles it


def _failed_value(design: ExampleDesign, work: Entity) -> str:
    note = (design.column(work.table, "status").note or "") if design.column(work.table, "status") else ""
    return "failed" if "failed" in note or not note else "dead"


_AFTER_RETRIES = {"dead_letter_table": "left failed in {store} for replay", "dead_letter_queue": "sent to the dead-letter queue",
                  "alert_and_keep_failed": "left failed in {store} and alerted on", "drop_and_log": "logged and dropped"}


def _policy_said(design: ExampleDesign, store: str) -> str:
    p = design.spine.failure_policy
    after = _AFTER_RETRIES.get(p.after_retries, p.after_retries.replace("_", " ")).format(store=store)
    return f"{p.retries} retries after the first try, {p.backoff.replace('_', ' ')}, then {after}"


def _event_id_column(design: ExampleDesign, work: Entity) -> str | None:
    """The column a delivery is stored once on: the provider's event id."""
    column = conflict_column(design, work)
    return column if column is not None and design.column(work.table, "payload") is not None else None


def _receiver(design: ExampleDesign, system: ExternalSystem, work: Entity, verify: str, module: str) -> list[str] | None:
    id_column = _event_id_column(design, work)
    secret = secret_of(design, system)
    path = receiver_path(design, system)
    if id_column is None or secret is None or path is None:
        return None
    filled = {id_column, "payload"}
    # A NOT NULL column without a default the delivery cannot fill: the model writes this one.
    if any(not c.nullable and c.default is None and not c.primary_key and c.name not in filled
           for c in design.columns(work.table)):
        return None
    insert = [f"INSERT INTO {ident(work.table)} ({id_column}, payload)", "VALUES ($1, $2::jsonb)", f"ON CONFLICT ({id_column}) DO NOTHING"]
    facts = [f for note in notes_for(system) for f in note.facts if f.topic == "signature"]
    said = [comment(f"{system.name}: \"{f.fact}\" ({f.source_url})") for f in facts[:2]]
    return [
        *said,
        comment(f"{verify} (in {module}) checks that signature with {secret.name} and returns the event's id, type "
                "and body as an object (whatever encoding the provider posts), or null when the delivery is not genuine."),
        "",
        "export interface ReceiverAnswer {",
        "  status: number;",
        "  body: string;",
        "}",
        "",
        comment(f"{path} (POST, called by {system.name}): the raw body as sent, since the signature covers its "
                "exact bytes. The delivery is stored once and answered at once; the worker below does the work."),
        f"export async function receive{pascal(system.id)}Delivery(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<ReceiverAnswer> {{",
        f"  const delivery = {verify}(rawBody, headers, setting('{secret.name}'));",
        "  if (delivery === null) return { status: 400, body: 'signature does not verify' };",
        "  await pool.query(",
        f"    {sql_text(insert, '    ')},",
        "    [delivery.id, JSON.stringify(delivery.payload)],",
        "  );",
        comment(f"A repeated delivery is already stored: {system.name} gets the same 200 and stops resending it.", "  "),
        "  return { status: 200, body: 'received' };",
        "}",
    ]


def _worker(design: ExampleDesign, work: Entity, worker: str, handle: list[str], row_type: str, row_columns: str,
            raised: list[Event] = ()) -> list[str]:
    retries = design.spine.failure_policy.retries
    done = processed_value(design, work) or "processed"
    has_error = design.column(work.table, "last_error") is not None
    failed = _failed_value(design, work)
    key = work.key
    update = (f"UPDATE {ident(work.table)} SET attempts = $2, status = $3" + (", last_error = $4" if has_error else "")
              + f" WHERE {key} = $1")
    values = ["work.id", "attempts", f"attempts > RETRIES ? '{failed}' : 'pending'"] + (["String(error)"] if has_error else [])
    due_sql = [f"SELECT {row_columns} FROM {ident(work.table)}", "WHERE status = 'pending'",
               "  AND created_at + make_interval(secs => $2 * (power(2, attempts) - 1)) <= now()",
               "ORDER BY created_at", "LIMIT $1", "FOR UPDATE SKIP LOCKED"]
    return [
        comment(f"Failure policy: {_policy_said(design, work.table)}."),
        f"const RETRIES = {retries};",
        comment(f"Retry k waits RETRY_BASE_SECONDS * (2^k - 1) after the row arrived: exponential, and kept in the row, "
                "so a restart loses no schedule."),
        f"const RETRY_BASE_SECONDS = {RETRY_BASE_SECONDS};",
        "",
        *handle,
        "",
        comment(f"{worker}: takes the rows that are due, each in a savepoint so one failure does not undo the others; "
                f"SKIP LOCKED lets several workers run without taking the same row. Returns how many it took."),
        "export async function processDue(batchSize = 10): Promise<number> {",
        *([f"  const done: {row_type}[] = [];"] if raised else []),
        f"  {'const taken = await' if raised else 'return'} inTransaction(async (client: PoolClient) => {{",
        f"    const due = await client.query<{row_type}>(",
        f"      {sql_text(due_sql, '      ')},",
        "      [batchSize, RETRY_BASE_SECONDS],",
        "    );",
        "    for (const work of due.rows) {",
        "      await client.query('SAVEPOINT work_item');",
        "      try {",
        "        await handle(client, work);",
        f"        await client.query(`UPDATE {work.table} SET status = '{done}' WHERE {key} = $1`, [work.id]);",
        "        await client.query('RELEASE SAVEPOINT work_item');",
        *(["        done.push(work);"] if raised else []),
        "      } catch (error) {",
        "        await client.query('ROLLBACK TO SAVEPOINT work_item');",
        "        const attempts = work.attempts + 1;",
        "        await client.query(",
        f"          `{update}`,",
        f"          [{', '.join(values)}],",
        "        );",
        "      }",
        "    }",
        "    return due.rows.length;",
        "  });",
        *_announced(raised),
        "}",
    ]


def _announced(raised: list[Event]) -> list[str]:
    """The feature's own events, raised once the work they report is committed."""
    if not raised:
        return []
    lines = ["  for (const work of done) {"]
    lines += [f"    events.emit('{e.name}', {{ id: work.id }}); // to {e.consumer}" for e in raised]
    return lines + ["  }", "  return taken;"]


def events_program(design: ExampleDesign, file_path: str) -> str | None:
    work = work_table(design)
    if work is None or design.column(work.table, "created_at") is None or design.column(work.table, work.key) is None:
        return None
    record = written_record(design)
    system = inbound_system(design)
    store_file = database_file(design, record) if record is not None else None
    save = f"save{pascal(one_of(record.table))}" if record is not None else None
    consumer = system.processed_by if system is not None else work.owner
    handled = [e.name for e in design.spine.events if e.consumer == consumer]
    raised = [e for e in design.spine.events if e.producer in {c.id for c in design.spine.components} and e.consumer != consumer]
    local = f"./{kebab(system.id if system is not None else work.owner)}-{'payloads' if system is not None else 'handlers'}"
    imports = ["import type { PoolClient } from 'pg';"]
    ours = ["inTransaction"] + (["pool"] if system is not None else []) + ([save] if save and system is not None else [])
    if store_file is None:
        return None  # the transaction helper lives in Example 2's file
    imports.append(f"import {{ {', '.join(sorted(ours))} }} from '{import_path(file_path, store_file)}';")
    body: list[str] = []
    key_type = ts_type(design.column(work.table, work.key).type)
    if system is not None:
        verify = f"verify{pascal(system.id)}Delivery"
        row_of = f"{camel(one_of(record.table))}RowOf" if record is not None else None
        receiver = _receiver(design, system, work, verify, local)
        if receiver is None or not handled or row_of is None:
            return None
        imports = ["import type { IncomingHttpHeaders } from 'node:http';", *imports,
                   f"import {{ eventTypeOf, {row_of}, {verify} }} from '{local}';"]
        row_type = "DueDelivery"
        row_columns = f"{work.key}, payload, attempts"
        body += [f"interface {row_type} {{", f"  id: {key_type};", "  payload: unknown;", "  attempts: number;", "}", ""]
        body += receiver + [""]
        handle = [
            comment(f"The event types {consumer} handles, as {system.name} names them: each changes {record.table}."),
            "const HANDLED = new Set<string>([",
            *(f"  {line}" for line in packed(quoted(handled).split(", "), 96)),
            "]);",
            "",
            f"async function handle(client: PoolClient, work: {row_type}): Promise<void> {{",
            "  const type = eventTypeOf(work.payload);",
            comment("Only the types the endpoint is subscribed to arrive; any other is marked done unchanged.", "  "),
            "  if (!HANDLED.has(type)) return;",
            f"  await {save}(client, {row_of}(work.payload));",
            "}",
        ]
    else:
        if not handled and not raised:
            return None
        row_type = pascal(one_of(work.table))
        columns = [c for c in design.columns(work.table)]
        if camel(work.key) != "id":
            return None  # the worker reads `work.id`
        # pg returns columns by their SQL names: each is selected as the interface's name.
        row_columns = ", ".join(c.name if camel(c.name) == c.name else f'{c.name} AS "{camel(c.name)}"' for c in columns)
        handler = f"handle{pascal(one_of(work.table))}"
        imports.append(f"import {{ {handler} }} from '{local}';")
        imports.insert(0, "import { EventEmitter } from 'node:events';")
        body += [row_interface(row_type, columns).replace("export interface", "interface"), ""]
        body += [comment("The feature's events, dispatched in-process: the design has no message broker."),
                 "export const events = new EventEmitter();", ""]
        handle = [f"async function handle(client: PoolClient, work: {row_type}): Promise<void> {{",
                  f"  await {handler}(client, work);", "}"]
        if handled:
            handle = [comment(f"{', '.join(handled)}: a new {work.table} row is the event; {consumer} handles it here."), *handle]
    setting = [setting_reader(), ""] if system is not None else []
    program = [*imports, "", *setting, *body, *_worker(design, work, consumer, handle, row_type, row_columns, raised)]
    return "\n".join(program)


def events_file(design: ExampleDesign) -> str:
    system = inbound_system(design)
    work = work_table(design)
    owner = system.processed_by if system is not None and system.processed_by else (work.owner if work else "events")
    return f"src/{kebab(owner)}/{kebab(system.id if system is not None else owner)}-events.ts"


def derive(ctx: RenderContext) -> EventsExample | None:
    """The example written from the design, or None when the model writes it."""
    design = design_of(ctx, GENERATED_LANGUAGES)
    if design is None or not design.spine.events:
        return None
    system = inbound_system(design)
    if design.language == "python":
        from . import _events_py as python  # it builds on this module's policy wording

        path = python.events_file(design, system) if system is not None else ""
        code = python.events_program(design)
    else:
        path = events_file(design)
        code = events_program(design, path)
    if code is None:
        return None
    work = work_table(design)
    p = design.spine.failure_policy
    points = [f"failed work stays in {work.table} with its attempts" + (" and last_error" if design.column(work.table, "last_error") else "")
              + f"; after {p.retries} retries it is left for replay",
              "each row is handled in a savepoint: one failure never undoes the others",
              "FOR UPDATE SKIP LOCKED: workers never take the same row twice"]
    if system is not None:
        points.insert(0, f"each {system.name} delivery is verified, stored once on {_event_id_column(design, work)} and answered at once")
        purpose = f"How {system.name}'s deliveries are received once and processed by {system.processed_by} with retries."
    else:
        points.insert(0, "events are dispatched in-process: the design has no message broker")
        purpose = f"How {work.owner} processes {work.table} with retries and raises the feature's events."
    return EventsExample.model_validate({"purpose": purpose, "file_path": path, "code": code, "key_points": points[:5]})
