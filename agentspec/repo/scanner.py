"""`scan()`: walk a repository once and hand each file to the extractors that want it.

Deterministic (sorted walk, sorted results), offline, and never runs project
code. Facts that need the whole repository (router prefixes, migration order)
are kept as small per-file summaries during the walk and resolved at the end.
"""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from agentspec.repo.clients import JS_HINT as JS_CLIENT_HINT
from agentspec.repo.clients import PY_HINT as CLIENT_HINT
from agentspec.repo.clients import js_clients, python_clients
from agentspec.repo.context import RepoContext, ScanStats, Source, StackItem
from agentspec.repo.env import PY_HINT as ENV_HINT
from agentspec.repo.env import TS_HINT as TS_ENV_HINT
from agentspec.repo.env import is_env_file, parse_env_file, python_env_reads, ts_env_reads
from agentspec.repo.facts import Facts
from agentspec.repo.languages import LanguageCounter
from agentspec.repo.manifests import ci_system, is_manifest, parse_manifest, test_runner_config
from agentspec.repo.pyast import PyIndex
from agentspec.repo.routes_openapi import is_openapi_name, parse_openapi
from agentspec.repo.routes_python import PY_HINT as ROUTE_HINT
from agentspec.repo.routes_python import (PATH_CONSTANT_HINT, PyRouteFile, path_constants, resolve_python_routes,
                                          summarize_python_routes)
from agentspec.repo.routes_ts import HINT as TS_ROUTE_HINT
from agentspec.repo.routes_ts import TsRouteFile, module_specs, resolve_ts_routes, summarize_ts_routes
from agentspec.repo.schema_alembic import (
    AlembicRevision,
    is_alembic_revision,
    order_revisions,
    parse_alembic_revision,
)
from agentspec.repo.schema_models import PY_HINT as MODEL_HINT
from agentspec.repo.schema_models import parse_models
from agentspec.repo.schema_prisma import parse_prisma_schema
from agentspec.repo.schema_sql import SchemaOp, apply_ops, natural_key, parse_sql_migration
from agentspec.repo.schema_state import merge_tables
from agentspec.repo.topics import PY_HINT as TOPIC_HINT
from agentspec.repo.topics import TS_HINT as TS_TOPIC_HINT
from agentspec.repo.topics import python_topics, ts_topics
from agentspec.repo.tsast import first_error_line, parse_ts
from agentspec.repo.walk import MAX_FILE_BYTES, RepoWalker, WalkedFile

TS_SUFFIXES = frozenset({".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"})
_PRISMA_MIGRATION = re.compile(r"(^|/)migrations/[^/]+/migration\.sql$")


@dataclass
class _ScanState:
    facts: Facts = field(default_factory=Facts)
    languages: LanguageCounter = field(default_factory=LanguageCounter)
    files_parsed: int = 0
    # (origin, folder) -> [(sort key, operations)]: applied in filename order at the end
    sql: dict[tuple[str, str], list[tuple[list[object], list[SchemaOp]]]] = field(default_factory=dict)
    alembic: dict[str, list[AlembicRevision]] = field(default_factory=dict)
    py_routes: list[PyRouteFile] = field(default_factory=list)
    py_path_constants: list[dict[str, str]] = field(default_factory=list)
    ts_routes: list[TsRouteFile] = field(default_factory=list)


def scan(root: Path, *, max_files: int = 20000, time_budget_s: float = 10.0) -> RepoContext:
    """Scan the repository at `root` (offline, read-only) and return what it already has.

    Stops cleanly after `max_files` files or `time_budget_s` seconds, saying so in
    `stats`; files that cannot be parsed are listed in `stats.problems`.
    """
    started = time.monotonic()
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    walker = RepoWalker(root.resolve(), max_files=max_files, deadline=started + time_budget_s)
    state = _ScanState()
    for file in walker:
        state.languages.add(file.rel, file.suffix)
        if not _dispatch(file, walker, state):
            walker.note_unread(file)
    return _finish(state, walker, started)


def _dispatch(file: WalkedFile, walker: RepoWalker, state: _ScanState) -> bool:
    """Hand `file` to its extractors; False when no extractor wanted to read it."""
    facts, rel, name, suffix = state.facts, file.rel, file.name, file.suffix
    ci = ci_system(rel, name)
    if ci:
        facts.add_stack("ci", ci, Source(path=rel, line=1))
    runner = test_runner_config(name)
    if runner:
        facts.add_stack("test_runner", runner, Source(path=rel, line=1))
    if is_env_file(name):
        if file.size > MAX_FILE_BYTES:
            return False
        state.files_parsed += 1
        try:
            parse_env_file(file.path, rel, facts)
        except OSError as exc:
            facts.problem(rel, f"unreadable: {type(exc).__name__}")
        return True
    manifest = is_manifest(rel, name)
    openapi = suffix in (".yaml", ".yml", ".json") and is_openapi_name(name)
    is_ts = suffix in TS_SUFFIXES and not name.endswith(".d.ts") and ".min." not in name
    if not (manifest or openapi or is_ts or suffix in (".py", ".sql", ".prisma")):
        return False
    data = walker.read(file)
    if data is None:
        return True
    if suffix == ".py":
        state.files_parsed += _python(data, rel, state)
    elif is_ts:
        state.files_parsed += _typescript(data, rel, suffix, state)
    else:
        state.files_parsed += 1
        text = data.decode("utf-8", errors="replace")
        if manifest:
            parse_manifest(text, rel, name, facts)
        elif openapi:
            for route in parse_openapi(text, rel, facts):
                facts.add_route(route)
        elif suffix == ".sql":
            _sql(text, rel, state)
        elif suffix == ".prisma":
            parse_prisma_schema(text, rel, facts, facts.schema("prisma_schema", rel))
    return True


def _python(data: bytes, rel: str, state: _ScanState) -> bool:
    """Extract from a Python file; False when it cannot hold a fact and was not parsed."""
    # Most files hold none of the facts we look for; a regex over the bytes (in C)
    # is far cheaper than parsing them. A file skipped this way is not checked
    # for syntax errors either: only files we need are parsed.
    wants_env, wants_clients = ENV_HINT.search(data), CLIENT_HINT.search(data)
    wants_topics, wants_models = TOPIC_HINT.search(data), MODEL_HINT.search(data)
    wants_routes, maybe_alembic = ROUTE_HINT.search(data), "/versions/" in f"/{rel}"
    wants_paths = PATH_CONSTANT_HINT.search(data)
    if not (wants_env or wants_clients or wants_topics or wants_models or wants_routes or maybe_alembic or wants_paths):
        return False
    facts = state.facts
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as exc:
        facts.problem(rel, f"Python syntax error: {exc.msg}", line=exc.lineno)
        return True
    except (ValueError, RecursionError) as exc:  # null bytes, absurd nesting
        facts.problem(rel, f"Python file does not parse: {type(exc).__name__}")
        return True
    index = PyIndex.build(tree, data)
    if wants_env:
        python_env_reads(index, rel, facts)
    if wants_clients:
        python_clients(index, rel, facts)
    if wants_topics:
        python_topics(index, rel, facts)
    if maybe_alembic and is_alembic_revision(rel, index):
        folder = rel.rsplit("/", 1)[0]
        state.alembic.setdefault(folder, []).append(parse_alembic_revision(index, rel, facts))
    elif wants_models:
        parse_models(index, rel, facts.schema("orm_model", "models"))
    if wants_paths:
        state.py_path_constants.append(path_constants(tree))
    if wants_routes:
        summary = summarize_python_routes(index, rel)
        if summary is not None:
            state.py_routes.append(summary)
    return True


def _typescript(data: bytes, rel: str, suffix: str, state: _ScanState) -> bool:
    """Extract from a TS/JS file; False when it cannot hold a fact and was not parsed."""
    wants_env, wants_clients = TS_ENV_HINT.search(data), JS_CLIENT_HINT.search(data)
    wants_topics, wants_routes = TS_TOPIC_HINT.search(data), TS_ROUTE_HINT.search(data)
    if not (wants_env or wants_clients or wants_topics or wants_routes):
        return False
    facts = state.facts
    parsed = parse_ts(data, suffix)
    error_line = first_error_line(parsed.root)
    if error_line is not None:
        # tree-sitter recovers from errors, so the facts around the error still count.
        facts.problem(rel, "syntax error (tree-sitter); facts read around it", line=error_line)
    if wants_env:
        ts_env_reads(parsed, rel, facts)
    if wants_clients:
        js_clients(module_specs(parsed), rel, facts)
    if wants_topics:
        ts_topics(parsed, rel, facts)
    if wants_routes:
        summary = summarize_ts_routes(parsed, rel)
        if summary is not None:
            state.ts_routes.append(summary)
    return True


def _sql(text: str, rel: str, state: _ScanState) -> None:
    ops = parse_sql_migration(text, rel, state.facts)
    if not ops:
        return
    if _PRISMA_MIGRATION.search(rel):
        # prisma/migrations/<timestamp>_<name>/migration.sql: ordered by folder name.
        origin, folder = "prisma_migrations", rel.rsplit("/", 2)[0]
    else:
        origin, folder = "sql_migrations", rel.rsplit("/", 1)[0] if "/" in rel else "."
    state.sql.setdefault((origin, folder), []).append((natural_key(rel), ops))


def _finish(state: _ScanState, walker: RepoWalker, started: float) -> RepoContext:
    facts = state.facts
    for (origin, folder), files in state.sql.items():
        builder = facts.schema(origin, folder)  # type: ignore[arg-type]
        for _, ops in sorted(files, key=lambda item: item[0]):  # type: ignore[arg-type, return-value]
            apply_ops(builder, ops)
    heads = []
    for folder, revisions in state.alembic.items():
        builder = facts.schema("alembic", folder)
        for revision in order_revisions(revisions):
            apply_ops(builder, revision.ops)
        revised = {parent for r in revisions for parent in r.down_revisions}
        heads += sorted(f"{r.revision} {r.rel}" for r in revisions if r.revision and r.revision not in revised)
    tables = merge_tables(list(facts.schemas.values()))

    routes = facts.routes + resolve_python_routes(state.py_routes, state.py_path_constants) + resolve_ts_routes(state.ts_routes)
    unique_routes = {(r.method, r.path, r.framework, r.source.path, r.source.line): r for r in routes}
    ordered_routes = sorted(unique_routes.values(),
                            key=lambda r: (r.path, r.method, r.framework, r.source.path, r.source.line))

    stack = _dedupe_stack(facts.stack)
    for rel, reason in walker.counters.unreadable:
        facts.problem(rel, f"unreadable: {reason}")
    counters = walker.counters
    stats = ScanStats(
        files_seen=counters.files_seen,
        files_parsed=state.files_parsed,
        skipped_ignored=counters.skipped_ignored,
        skipped_too_big=counters.skipped_too_big,
        skipped_binary=counters.skipped_binary,
        elapsed_s=round(time.monotonic() - started, 3),
        stopped_early=counters.stopped_early,
        stop_reason=counters.stop_reason,  # type: ignore[arg-type]
        problems=sorted(facts.problems, key=lambda p: (p.path, p.line or 0, p.reason)),
        problems_dropped=facts.problems_dropped,
    )
    return RepoContext(
        languages=state.languages.stats(),
        frameworks=[s for s in stack if s.kind == "framework"],
        orms=[s for s in stack if s.kind == "orm"],
        migration_tools=[s for s in stack if s.kind == "migration_tool"],
        test_runners=[s for s in stack if s.kind == "test_runner"],
        ci=[s for s in stack if s.kind == "ci"],
        tables=tables,
        routes=ordered_routes,
        env_vars=sorted(facts.env.values(), key=lambda v: v.name),
        clients=sorted(facts.clients.values(), key=lambda c: (c.service, c.package)),
        topics=sorted(facts.topics, key=lambda t: (t.kind, t.name, t.role, t.source.path, t.source.line)),
        alembic_heads=heads,
        stats=stats,
    )


def _dedupe_stack(items: list[StackItem]) -> list[StackItem]:
    """One entry per (kind, name, file): a runner named by a dependency and a [tool] section is one fact."""
    chosen: dict[tuple[str, str, str], StackItem] = {}
    for item in items:
        key = (item.kind, item.name, item.source.path)
        current = chosen.get(key)
        if current is None or (current.package is None and item.package is not None):
            chosen[key] = item
    return sorted(chosen.values(), key=lambda s: (s.kind, s.name.lower(), s.source.path, s.source.line))


__all__ = ["scan"]
