"""Check 4: SQL blocks parse (sqlglot, postgres dialect) and, when a server
is configured, execute on a real PostgreSQL.

Parsing is not executing: sqlglot accepts things PostgreSQL rejects. Set
AGENTSPEC_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres; see
scripts/ci_postgres.sh) to run the blocks in a throwaway database. Without
it the execute part is reported as skipped and `passed` reflects parsing.

The run dict may override: run["pg_url"] (instead of the environment) and
run["sql_execute"] = False (parse only, e.g. for one section on its own).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.checks.file_refs import repo_dir
from agentspec.checks.sql_baseline import baseline_ddl
from agentspec.checks.sql_parse import SQL_LANGUAGES, parse_problems
from agentspec.spec_document import CodeBlock, SpecDocument

NAME = "sql"
PG_URL_ENV = "AGENTSPEC_PG_URL"


def _parse_findings(spec: SpecDocument, blocks: list[CodeBlock]) -> list[tuple[CodeBlock, Finding]]:
    out = []
    for block in blocks:
        for problem in parse_problems(block.content):
            line = block.content_line + problem.line - 1 if problem.line else block.line
            out.append((block, Finding(spec.h2_at(block.line), problem.message, line)))
    return out


def unique_required(spec: SpecDocument) -> tuple[tuple[str, str], ...]:
    """(table, column) for each value the design spine says is unique, on its new tables."""
    from agentspec.agents.spine import spine_of

    sections = (spec.spec_json or {}).get("sections")
    spine = spine_of(sections) if isinstance(sections, dict) else None
    if spine is None:
        return ()
    return tuple((e.table, column) for e in spine.entities if e.change == "new" for column in e.unique)


def _execute(
    spec: SpecDocument, blocks: list[CodeBlock], pg_url: str, repo: Path | None = None
) -> tuple[list[tuple[CodeBlock, Finding]], list[str]]:
    """Findings and notes from running the blocks on PostgreSQL."""
    try:
        # psycopg is an optional dependency (extras "postgres"/"test"):
        # import it only when execution was asked for.
        import psycopg

        from agentspec.checks.sql_exec import execute_blocks
    except ImportError:
        return [(blocks[0], Finding(None, "execute: psycopg not installed: pip install 'agentspec[postgres]'"))], []
    try:
        baseline = baseline_ddl(repo) if repo is not None else None
        result = execute_blocks(pg_url, blocks, unique_required(spec), baseline=baseline)
    except psycopg.Error as exc:
        # Execution was asked for; an unreachable server must fail the check
        # rather than read as "the SQL is fine".
        return [(blocks[0], Finding(None, f"execute: PostgreSQL unavailable: {exc}".strip()))], []

    located = [
        (f.block, Finding(spec.h2_at(f.block.line), f"{f.message} (while running {f.phase} SQL)", f.line))
        for f in result.failures
    ]
    notes = [f"execute: on the repository's schema first ({len(baseline)} existing table(s) from {repo})"] if baseline else []
    if result.stubbed_tables:
        notes.append(
            "execute: stubbed referenced existing table(s) not created by the spec: " + ", ".join(result.stubbed_tables)
        )
    notes.append(
        f"execute: ran {result.executed_blocks} of {len(blocks)} block(s) on PostgreSQL"
        + (f"; {result.not_run_blocks} not run after the first failure" if result.not_run_blocks else "")
    )
    notes += [f"execute: {note}" for note in result.notes]
    return located, notes


def check_sql(spec: SpecDocument, run: dict[str, Any] | None = None, *, pg_url: str | None = None) -> Score:
    blocks = spec.blocks(*SQL_LANGUAGES)
    if not blocks:
        return Score.skip(NAME, "no sql blocks")

    located = _parse_findings(spec, blocks)
    run = run or {}
    pg_url = pg_url or run.get("pg_url") or os.environ.get(PG_URL_ENV)
    if run.get("sql_execute") is False:
        # A section checked on its own: its migration may need tables another
        # section creates, so only the whole document is executed.
        notes = ["execute: skipped (run['sql_execute'] is False)"]
    elif pg_url:
        repo = repo_dir(run)  # the local repository a run was grounded in (run.json "repo"), else a marker
        executed, notes = _execute(spec, blocks, pg_url, repo if isinstance(repo, Path) else None)
        located += executed
    else:
        notes = [f"execute: skipped: parsed only; not executed: no PostgreSQL (set {PG_URL_ENV} to run the SQL on PostgreSQL)"]

    failed_blocks = {id(block) for block, _ in located}
    return Score.from_findings(
        NAME, [f for _, f in located], checked=len(blocks), notes=notes, failed=len(failed_blocks)
    )
