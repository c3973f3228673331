"""Executing half of the SQL check: run the spec's SQL on a real PostgreSQL.

Each run gets a throwaway database (CREATE DATABASE agentspec_check_<random>)
that is dropped afterwards whatever happens. Blocks run in three phases:
schema DDL in document order, then migration blocks, then rollback blocks,
so a rollback is tested against the state the migration left behind.

Statements are split with sqlglot's tokenizer and sent one at a time in
autocommit mode: explicit BEGIN/COMMIT in a block then behave as written, and
statements that refuse to run inside a transaction (CREATE INDEX
CONCURRENTLY) work, which a single multi-statement query would not allow.
Execution stops at the first failure because later errors would mostly be
consequences of it ("relation does not exist").

Specs reference existing application tables they do not create (e.g.
``customer_id UUID REFERENCES customers(id)``). Such foreign-key targets are
stubbed first with just the referenced key columns, typed like the
referencing column, and the stubs are listed in the report. Other tables the
SQL uses without creating are not invented: that is reported as an error.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import sqlglot
from psycopg import sql as pgsql
from psycopg.conninfo import make_conninfo
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from agentspec.spec_document import CodeBlock

PHASES = ("schema", "migration", "rollback")
STATEMENT_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 10

_ROLLBACK = re.compile(r"\b(rollback|roll[- ]back|down[- ]migration|revert|undo)\b", re.IGNORECASE)
_MIGRATION = re.compile(r"\b(migration|migrate|up[- ]migration)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExecFailure:
    block: CodeBlock
    phase: str
    message: str
    line: int  # line in the markdown file


@dataclass(frozen=True)
class ExecResult:
    failures: list[ExecFailure]
    executed_blocks: int
    not_run_blocks: int
    stubbed_tables: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the seeded-rows checks did or could not do


def _leading_comment(block: CodeBlock) -> str:
    lines = []
    for line in block.content.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:])
    return " ".join(lines)


def classify(block: CodeBlock) -> str:
    """schema | migration | rollback.

    The block's own words (fence info, leading comment) beat its heading,
    since one "Migration & Rollback" heading often holds both directions.
    """
    own = f"{block.info} {_leading_comment(block)}"
    nearest = block.heading_path[-1] if block.heading_path else ""
    if _ROLLBACK.search(own):
        return "rollback"
    if _MIGRATION.search(own):
        return "migration"
    if _ROLLBACK.search(nearest):
        return "rollback"
    if any(_MIGRATION.search(h) for h in block.heading_path[1:]):
        return "migration"
    return "schema"


def split_statements(sql: str) -> Iterator[tuple[int, str]]:
    """(offset, statement text) for each statement, comments-only pieces dropped."""
    try:
        tokens = Dialect.get_or_raise("postgres").tokenize(sql)
    except Exception:
        # Unterminated string or similar: the parse check reports it; let
        # PostgreSQL have the whole block so its own message comes through.
        yield 0, sql
        return
    start = 0
    has_code = False
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if has_code:
                yield start, sql[start : token.end + 1]
            start, has_code = token.end + 1, False
        else:
            has_code = True
    if has_code and sql[start:].strip():
        yield start, sql[start:]


def _table_key(table: exp.Table) -> str:
    return table.sql("postgres").lower()


def _parsed(blocks: list[CodeBlock]) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for block in blocks:
        try:
            out += [e for e in sqlglot.parse(block.content, read="postgres") if e is not None]
        except SqlglotError:
            continue  # the parse check reports it
    return out


def _target(ref: exp.Reference) -> tuple[str, list[str]] | None:
    target = ref.this
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        return _table_key(target.this), [c.name for c in target.expressions] or ["id"]
    if isinstance(target, exp.Table):
        return _table_key(target), ["id"]  # REFERENCES t means t's primary key
    return None


def existing_table_stubs(blocks: list[CodeBlock]) -> dict[str, str]:
    """{table: CREATE TABLE stub} for foreign-key targets no block creates."""
    expressions = _parsed(blocks)
    created: set[str] = set()
    column_types: dict[tuple[str, str], str] = {}
    for expression in expressions:
        if isinstance(expression, exp.Create) and str(expression.kind).upper() == "TABLE":
            table = expression.find(exp.Table)
            if table is None:
                continue
            created.add(_table_key(table))
            for column in expression.find_all(exp.ColumnDef):
                kind = column.args.get("kind")
                if kind is not None:
                    column_types[(_table_key(table), column.name)] = kind.sql("postgres")

    wanted: dict[str, dict[str, str]] = {}  # table -> {column: type}

    def want(ref: exp.Reference, local_types: list[str | None]) -> None:
        target = _target(ref)
        if target is None:
            return
        table, columns = target
        for name, col_type in zip(columns, local_types, strict=False):
            if col_type is None:
                return  # unknown type: a guessed stub could mislead, let PostgreSQL complain
            wanted.setdefault(table, {}).setdefault(name, col_type)

    for expression in expressions:
        owner = expression.find(exp.Table)
        owner_key = _table_key(owner) if owner is not None else ""
        for column in expression.find_all(exp.ColumnDef):
            kind = column.args.get("kind")
            for ref in column.find_all(exp.Reference):
                want(ref, [kind.sql("postgres") if kind is not None else None])
        for fk in expression.find_all(exp.ForeignKey):
            ref = fk.args.get("reference")
            if isinstance(ref, exp.Reference):
                want(ref, [column_types.get((owner_key, c.name)) for c in fk.expressions])

    return {
        table: "CREATE TABLE {} ({})".format(
            table,
            ", ".join(
                f"{col} {typ} {'PRIMARY KEY' if i == 0 else 'UNIQUE'}" for i, (col, typ) in enumerate(cols.items())
            ),
        )
        for table, cols in wanted.items()
        if table not in created
    }


def _error_line(block: CodeBlock, offset: int, statement: str, exc: psycopg.Error) -> int:
    position = getattr(exc.diag, "statement_position", None)
    within = int(position) - 1 if position and str(position).isdigit() else len(statement) - len(statement.lstrip())
    return block.content_line + block.content.count("\n", 0, offset + within)


def _message(exc: psycopg.Error) -> str:
    primary = exc.diag.message_primary or str(exc).splitlines()[0]
    state = f" [{exc.sqlstate}]" if exc.sqlstate else ""
    # A table the spec uses but never creates: the spec does not say what it holds, so
    # nothing is invented for it; the user's schema can be given instead.
    hint = ("; the spec uses a table it does not create (a draft with `--repo PATH` runs its SQL on "
            "the repository's schema first)") if exc.sqlstate == "42P01" else ""
    return f"PostgreSQL: {primary}{state}{hint}"


def execute_blocks(url: str, blocks: list[CodeBlock], unique_required: tuple[tuple[str, str], ...] = (),
                   seeded: bool = True, baseline: dict[str, str] | None = None) -> ExecResult:
    """Run `blocks` in a throwaway database on the server at `url`; with `seeded`, on rows
    (sql_meaning): the migration must not empty or duplicate a table, the rollback must
    restore it, and each (table, column) in `unique_required` must refuse a duplicate.

    `baseline` (the repository's tables, agentspec.checks.sql_baseline) is created first;
    then only the foreign-key targets it lacks are stubbed.

    Raises psycopg.OperationalError when the server cannot be reached.
    """
    ordered = [(phase, b) for phase in PHASES for b in blocks if classify(b) == phase]
    baseline = baseline or {}
    stubs = {t: ddl for t, ddl in existing_table_stubs(blocks).items() if t not in baseline}
    db_name = f"agentspec_check_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as admin:
        admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(db_name)))
    try:
        result = _run(make_conninfo(url, dbname=db_name), ordered, [*baseline.values(), *stubs.values()], unique_required, seeded)
        return ExecResult(result.failures, result.executed_blocks, result.not_run_blocks, tuple(stubs), result.notes)
    finally:
        _drop(url, db_name)


def _run(conninfo: str, ordered: list[tuple[str, CodeBlock]], stubs: list[str],
         unique_required: tuple[tuple[str, str], ...] = (), seeded: bool = True) -> ExecResult:
    from agentspec.checks.sql_meaning import Watch
    from agentspec.checks.sql_seed import added_columns

    with psycopg.connect(
        conninfo,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_S,
        options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    ) as conn:
        for stub in stubs:
            # Generated from parsed SQL; if even this fails, the FK clause is
            # broken and the schema phase will report it at its real line.
            try:
                conn.execute(stub.encode())
            except psycopg.Error:
                pass
        added = added_columns("\n".join(b.content for p, b in ordered if p == "schema"))
        watch = Watch(conn, unique_required, added) if seeded else None
        meaning: list[ExecFailure] = []
        phases_done: set[str] = set()

        def finish_phases(upto: str) -> None:
            """Run the seeded-rows step of each phase before `upto` that has not had it."""
            for phase in PHASES[: PHASES.index(upto)]:
                if watch is None or phase in phases_done:
                    continue
                phases_done.add(phase)
                if phase == "schema":
                    watch.seeded()
                elif phase == "migration":
                    meaning.extend(ExecFailure(last_block, "migration", f.message, last_block.line)
                                   for f in watch.migrated())

        last_block = ordered[0][1] if ordered else None
        for index, (phase, block) in enumerate(ordered):
            finish_phases(phase)
            last_block = block
            for offset, statement in split_statements(block.content):
                if watch is not None and phase == "migration":
                    watch.before_statement()
                try:
                    conn.execute(statement.encode())  # bytes: no %-placeholder processing
                except psycopg.Error as exc:
                    failure = ExecFailure(block, phase, _message(exc), _error_line(block, offset, statement, exc))
                    return ExecResult([*meaning, failure], index + 1, len(ordered) - index - 1,
                                      notes=tuple(watch.notes) if watch else ())
                if watch is not None and phase == "migration":
                    line = block.content_line + block.content.count("\n", 0, offset + len(statement) - len(statement.lstrip()))
                    meaning += [ExecFailure(block, phase, f.message, line) for f in watch.after_statement(statement)]
        if watch is not None and last_block is not None:
            finish_phases("rollback")
            if "rollback" in {p for p, _ in ordered}:
                meaning += [ExecFailure(last_block, "rollback", f.message, last_block.line) for f in watch.rolled_back()]
            elif "migration" in {p for p, _ in ordered}:
                watch.notes.append("no rollback SQL: the migration's reversal was not tested")
    return ExecResult(meaning, len(ordered), 0, notes=tuple(watch.notes) if watch else ())


def _drop(url: str, db_name: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as admin:
        name = pgsql.Identifier(db_name)
        try:
            # FORCE (PostgreSQL 13+) ends sessions a failed run left behind.
            admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        except psycopg.errors.SyntaxError:
            admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(name))
