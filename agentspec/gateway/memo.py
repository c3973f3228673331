"""A record of the model's answers keyed by what was asked, so that a resumed
dataflow run never pays for a call twice.

LangGraph replays a node's @task results on resume by the order of the calls
inside that node. The dataflow node (agents/dataflow.py) starts each section the
moment its inputs are done, so the order of its calls depends on timing, and an
order-keyed replay could hand one section another section's answer. This memo is
keyed by content instead: the run's thread id, the section and its drafting
attempt, and the exact request body (model, messages, schema; a re-ask's body
carries the answer it corrects). The attempt number is part of the key because a
redraft (a revision, a repair, a retry of a failed section on resume) must ask
anew even when its prompt happens to be the same; a resume after a crash repeats
the attempt numbers of the unfinished calls, so it finds them.

It sits in the HTTP transport (`MemoTransport`), so an answer is stored the moment
its last byte arrives, before any parsing or checking: a kill -9 after that loses
nothing that was paid for. A resumed run rebuilds the same requests from the same
finished dependencies and finds every answer; anything that changed is asked anew.

Only answer bodies are stored, never request headers (where the API key travels)."""

from __future__ import annotations

import contextvars
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

_SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL DEFAULT (julianday('now'))
)"""


class CallMemo:
    """SQLite file (or memory) of answers. Each write is committed at once."""

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if path is None else str(path)
        self._db = sqlite3.connect(target, timeout=30, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: a commit survives the process dying (kill -9, the
                # crash this memo is for) without an fsync per answer (~1.3 ms here).
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    @staticmethod
    def key(thread_id: str, attempt_id: str, url_path: str, body: bytes) -> str:
        digest = hashlib.sha256()
        for part in (thread_id.encode(), b"\0", attempt_id.encode(), b"\0", url_path.encode(), b"\0", body):
            digest.update(part)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[str, bytes] | None:
        with self._lock:
            row = self._db.execute("SELECT content_type, body FROM answers WHERE key = ?", (key,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def put(self, key: str, *, thread_id: str, section_id: str, content_type: str, body: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (key, thread_id, section_id, content_type, body) VALUES (?, ?, ?, ?, ?)",
                (key, thread_id, section_id, content_type, body))

    def count(self, thread_id: str | None = None) -> int:
        query, args = "SELECT count(*) FROM answers", ()
        if thread_id is not None:
            query, args = query + " WHERE thread_id = ?", (thread_id,)
        with self._lock:
            return self._db.execute(query, args).fetchone()[0]

# (memo, thread id) while a dataflow node drafts; None elsewhere (the memo is then bypassed).
_scope: contextvars.ContextVar[tuple[CallMemo, str] | None] = contextvars.ContextVar("agentspec_call_memo", default=None)
# "<section>#<attempt>" of the call being made.
_attempt: contextvars.ContextVar[str] = contextvars.ContextVar("agentspec_call_attempt", default="")


@contextmanager
def memo_scope(memo: CallMemo, thread_id: str) -> Iterator[None]:
    token = _scope.set((memo, thread_id))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def memo_attempt(section_id: str, attempt: int) -> Iterator[None]:
    token = _attempt.set(f"{section_id}#{attempt}")
    try:
        yield
    finally:
        _attempt.reset(token)


def memo_active() -> bool:
    return _scope.get() is not None


class MemoTransport(httpx2.AsyncBaseTransport):
    """Answers a POST from the memo when the same run asked it before; stores every
    200 answer as soon as it is read. Outside a memo scope it only passes through."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        scope = _scope.get()
        if scope is None or request.method != "POST":
            return await self._inner.handle_async_request(request)
        memo, thread_id = scope
        body = await request.aread()
        key = CallMemo.key(thread_id, _attempt.get(), request.url.path, body)
        found = memo.get(key)
        if found is not None:
            return httpx2.Response(200, headers={"content-type": found[0], "x-agentspec-memo": "hit"},
                                   content=found[1], request=request)
        response = await self._inner.handle_async_request(request)
        if response.status_code != 200:
            return response
        content = await response.aread()
        content_type = response.headers.get("content-type", "application/json")
        memo.put(key, thread_id=thread_id, section_id=request.headers.get("x-agentspec-section", ""),
                 content_type=content_type, body=content)
        # Decoded content, so no content-encoding / content-length of the wire form.
        return httpx2.Response(200, headers={"content-type": content_type}, content=content, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()
