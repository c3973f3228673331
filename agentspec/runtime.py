"""What a run needs around the graph: the model endpoint (starting the embedded
local server when nothing is configured), the checkpointer, and the compiled graph."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver

from agentspec.errors import ConfigError, UsageError
from agentspec.gateway.endpoint import Endpoint, local_endpoint, remote_endpoint
from agentspec.settings import Settings


@contextmanager
def endpoint_session(settings: Settings, on_status=print) -> Iterator[Endpoint]:  # noqa: ANN001
    """Yield the endpoint to use. For `local`, assemble/verify the model and run
    llama.cpp's server for the duration (stopped on exit, Ctrl-C and errors)."""
    if settings.resolved_provider() != "local":
        endpoint = remote_endpoint(settings)
        on_status(f"provider: {endpoint.provider} · model: {settings.model_for('integration-specialist')} · {endpoint.base_url or 'api.openai.com'}")
        yield endpoint
        return
    from agentspec.local import LocalServer, ensure_model  # imported lazily: optional extra

    on_status("provider: local (no OPENAI_API_KEY / OPENAI_BASE_URL set) · preparing the embedded model…")
    model_path = ensure_model(settings.cache_dir)
    with LocalServer(model_path, n_ctx=settings.local_n_ctx, cache_dir=settings.cache_dir) as server:
        on_status(f"provider: local · model: {server.model} ({model_path.name}) · {server.base_url}")
        yield local_endpoint(server.base_url, settings)


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """SQLite in the user's data dir by default; Postgres when AGENTSPEC_CHECKPOINT_URL is set."""
    url = settings.checkpoint_url
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"AGENTSPEC_CHECKPOINT_URL must be a postgresql:// URL, got {url.split(':')[0]}://…")
        try:
            from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        except ImportError as exc:
            raise ConfigError("Postgres checkpoints need the postgres extra", hint="pip install 'agentspec[postgres]'") from exc
        try:
            async with AsyncPostgresSaver.from_conn_string(url) as saver:
                await saver.setup()
                yield saver
        except OSError as exc:
            raise ConfigError(f"cannot reach the checkpoint database: {exc}") from exc
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = settings.checkpoint_db
    path.parent.mkdir(parents=True, exist_ok=True)
    _ensure_sqlite_healthy(path)
    import aiosqlite

    # A generous busy timeout: a second process (resume, show) may wait on a write.
    async with aiosqlite.connect(str(path), timeout=30) as conn:
        # WAL + NORMAL keeps every checkpoint through a crash or kill -9 of this
        # process (what resume needs) and drops the fsync per checkpoint write; only
        # a power cut can lose the last few, which costs redrafting those sections.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        yield AsyncSqliteSaver(conn)


def _ensure_sqlite_healthy(path: Path) -> None:
    if not path.exists():
        return
    try:
        with sqlite3.connect(path) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result != "ok":
        raise UsageError(
            f"the checkpoint database {path} is corrupt ({result})",
            hint=f"move it aside (mv {path} {path}.bad) to start fresh; runs in it cannot be resumed",
        )
