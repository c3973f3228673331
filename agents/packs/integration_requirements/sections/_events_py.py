"""Example 3 in Python, written from the design as the TypeScript one is (example_events), for a
provider that delivers webhooks: the receiver verifies each delivery, stores it once on the
provider's event id and answers at once; the worker takes due rows (FOR UPDATE SKIP LOCKED),
handles each in a savepoint (`session.begin_nested()`), marks it processed, and on an error
counts the attempt, keeps the reason and retries on the failure policy's schedule until the row
is left failed for replay. A FastAPI repository gets the route that hands the raw body over.

Events the feature raises itself (no provider) are the model's to write in Python."""

from __future__ import annotations

from agentspec.agents.knowledge.briefing import notes_for
from agentspec.agents.spine import Entity, ExternalSystem
from agentspec.render.sql import ident

from ._database_py import row_name, save_name, store_module
from ._example_design import ExampleDesign, inbound_system, receiver_path, secret_of, work_table, written_record
from ._example_py import comment, docstring, module_of, package_root, setting_reader, snake, sql_constant
from ._example_ts import one_of
from .example_database import processed_value
from .example_events import RETRY_BASE_SECONDS, _event_id_column, _failed_value, _policy_said


def events_file(design: ExampleDesign, system: ExternalSystem) -> str:
    owner = system.processed_by or system.connects_to
    return f"{package_root(design.repo)}/{snake(owner)}/{snake(system.id)}_events.py"


def _fastapi(design: ExampleDesign) -> bool:
    return any("fastapi" in str(item).lower() for item in (design.repo or {}).get("stack") or [])


def events_program(design: ExampleDesign) -> str | None:
    work, record, system = work_table(design), written_record(design), inbound_system(design)
    if work is None or record is None or system is None:
        return None
    id_column, secret, path = _event_id_column(design, work), secret_of(design, system), receiver_path(design, system)
    key = design.column(work.table, work.key)
    consumer = system.processed_by or system.connects_to
    # What the provider sends reaches the worker through the receiver, whichever of the two the design names.
    handled = [e.name for e in design.spine.events if e.producer == system.id and e.consumer in (consumer, system.connects_to)]
    if None in (id_column, secret, path, key) or design.column(work.table, "created_at") is None or not handled:
        return None
    filled = {id_column, "payload"}
    if any(not c.nullable and c.default is None and not c.primary_key and c.name not in filled for c in design.columns(work.table)):
        return None  # a NOT NULL column the delivery cannot fill: the model writes this one
    root = package_root(design.repo)
    payloads = module_of(f"{root}/{snake(consumer)}/{snake(system.id)}_payloads.py", root)
    verify, row_of = f"verify_{snake(system.id)}_delivery", f"{one_of(record.table)}_row_of"
    facts = [f for note in notes_for(system) for f in note.facts if f.topic == "signature"][:2]
    has_error = design.column(work.table, "last_error") is not None
    done, failed = processed_value(design, work) or "processed", _failed_value(design, work)
    table = ident(work.table)
    lines = [
        *docstring(f"{system.name}'s deliveries to {path}: received once, processed by {consumer} with retries."),
        "",
        "from __future__ import annotations",
        "",
        "import json",
        "import os",
        "from collections.abc import Mapping",
        "from dataclasses import dataclass",
        "from typing import Any",
        "",
        *(["from fastapi import APIRouter, Request, Response"] if _fastapi(design) else []),
        "from sqlalchemy import Engine, text",
        "from sqlalchemy.orm import Session",
        "",
        f"from {payloads} import event_type_of, {row_of}, {verify}",
        f"from {store_module(design, record)} import {save_name(record)}",
        "",
        *[comment(f"{system.name}: \"{f.fact}\" ({f.source_url})") for f in facts],
        comment(f"{verify} (in {payloads}) checks that signature with {secret.name} and returns the event's id, type and "
                "body, or None when the delivery is not genuine."),
        "",
        comment(f"Failure policy: {_policy_said(design, work.table)}."),
        f"RETRIES = {design.spine.failure_policy.retries}",
        comment("Retry k waits RETRY_BASE_SECONDS * (2^k - 1) after the row arrived: exponential, and kept in the row, "
                "so a restart loses no schedule."),
        f"RETRY_BASE_SECONDS = {RETRY_BASE_SECONDS}",
        comment(f"The event types {consumer} handles, as {system.name} names them: each changes {record.table}."),
        f"HANDLED = frozenset({{{', '.join(repr(h) for h in handled)}}})",
        "",
        *sql_constant("STORE_DELIVERY", [f"INSERT INTO {table} ({id_column}, payload)",
                                         "VALUES (:event_id, CAST(:payload AS jsonb))", f"ON CONFLICT ({id_column}) DO NOTHING"]),
        *sql_constant("DUE", [f"SELECT {work.key}, payload, attempts FROM {table}", "WHERE status = 'pending'",
                              "  AND created_at + make_interval(secs => :base * (power(2, attempts) - 1)) <= now()",
                              "ORDER BY created_at", "LIMIT :batch", "FOR UPDATE SKIP LOCKED"]),
        *sql_constant("DONE", [f"UPDATE {table} SET status = '{done}' WHERE {work.key} = :id"]),
        *sql_constant("FAILED", [f"UPDATE {table} SET attempts = :attempts, status = :status"
                                 + (", last_error = :error" if has_error else "") + f" WHERE {work.key} = :id"]),
        "",
        "",
        *setting_reader(),
        "",
        "",
        "@dataclass(frozen=True)",
        "class ReceiverAnswer:",
        "    status: int",
        "    body: str",
        "",
        "",
        f"def receive_{snake(system.id)}_delivery(engine: Engine, raw_body: bytes, headers: Mapping[str, str]) -> ReceiverAnswer:",
        *docstring(f"{path} (POST, called by {system.name}): the raw body as sent, since the signature covers its exact "
                   "bytes. The delivery is stored once and answered at once; process_due does the work.", "    "),
        f"    delivery = {verify}(raw_body, headers, setting({secret.name!r}))",
        "    if delivery is None:",
        "        return ReceiverAnswer(400, 'signature does not verify')",
        "    with Session(engine) as session, session.begin():",
        "        session.execute(STORE_DELIVERY, {'event_id': delivery.id, 'payload': json.dumps(delivery.payload)})",
        comment(f"A repeated delivery is already stored: {system.name} gets the same 200 and stops resending it.", "    "),
        "    return ReceiverAnswer(200, 'received')",
        "",
        "",
        "def handle(session: Session, payload: dict[str, Any]) -> None:",
        comment("Only the types the endpoint is subscribed to arrive; any other is marked done unchanged.", "    "),
        "    if event_type_of(payload) in HANDLED:",
        f"        {save_name(record)}(session, {row_of}(payload))",
        "",
        "",
        "def process_due(engine: Engine, batch_size: int = 10) -> int:",
        *docstring(f"{consumer}: takes the rows that are due, each in a savepoint so one failure does not undo the "
                   "others; SKIP LOCKED lets several workers run without taking the same row. Returns how many it took.",
                   "    "),
        "    with Session(engine) as session, session.begin():",
        "        due = session.execute(DUE, {'batch': batch_size, 'base': RETRY_BASE_SECONDS}).mappings().all()",
        "        for work in due:",
        "            try:",
        "                with session.begin_nested():",
        "                    handle(session, work['payload'])",
        f"                    session.execute(DONE, {{'id': work[{work.key!r}]}})",
        "            except Exception as error:  # the savepoint is rolled back; the row keeps the reason",
        "                attempts = work['attempts'] + 1",
        f"                status = {failed!r} if attempts > RETRIES else 'pending'",
        f"                session.execute(FAILED, {{'id': work[{work.key!r}], 'attempts': attempts, 'status': status"
        + (", 'error': str(error)" if has_error else "") + "})",
        "        return len(due)",
    ]
    if _fastapi(design):
        lines += [
            "",
            "",
            f"def {snake(system.id)}_router(engine: Engine) -> APIRouter:",
            *docstring(f"The route {system.name} posts to. Its path is complete ({path}): include it in the application "
                       "itself, not under a router that adds a prefix.", "    "),
            "    router = APIRouter()",
            "",
            f"    @router.post({path!r})",
            "    async def receive(request: Request) -> Response:",
            f"        answer = receive_{snake(system.id)}_delivery(engine, await request.body(), request.headers)",
            "        return Response(content=answer.body, status_code=answer.status, media_type='text/plain')",
            "",
            "    return router",
        ]
    return "\n".join(lines) + "\n"
