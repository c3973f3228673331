"""An index of runs (threads) in SQLite, next to the checkpoints: what was asked,
where it was written, and how it ended. Schema changes are numbered migrations."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from agentspec.errors import UsageError

MIGRATIONS = [
    """CREATE TABLE threads (
        thread_id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        description TEXT NOT NULL,
        out_dir TEXT,
        status TEXT NOT NULL,
        endpoint TEXT,
        options TEXT
    )""",
]


class RunLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(self._connect()) as db:
                self._migrate(db)
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"run index {path} is corrupt: {exc}", hint=f"move it aside: mv {path} {path}.bad") from exc

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, statement in enumerate(MIGRATIONS[version:], start=version + 1):
            db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        db.commit()

    def record(self, thread_id: str, **fields: Any) -> None:
        now = time.time()
        with closing(self._connect()) as db:
            exists = db.execute("SELECT 1 FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
            if exists:
                sets = ", ".join(f"{k} = ?" for k in fields)
                db.execute(f"UPDATE threads SET {sets}, updated_at = ? WHERE thread_id = ?", (*fields.values(), now, thread_id))
            else:
                fields.setdefault("status", "running")
                cols = ", ".join(["thread_id", "created_at", "updated_at", *fields])
                marks = ", ".join("?" * (3 + len(fields)))
                db.execute(f"INSERT INTO threads ({cols}) VALUES ({marks})", (thread_id, now, now, *fields.values()))
            db.commit()

    def get(self, thread_id: str) -> dict[str, Any] | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
        return dict(row) if row else None

    def list(self, limit: int = 50, locks: Path | None = None) -> list[dict[str, Any]]:
        """Newest first. With the runner's `locks` directory, a run marked running whose
        process is gone (kill -9, a power cut) shows as interrupted: nobody holds its lock."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM threads ORDER BY updated_at DESC LIMIT ?", (limit,)).fetchall()
        runs = [dict(r) for r in rows]
        if locks is not None:
            for run in runs:
                if run["status"] == "running" and not _lock_held(locks / f"{run['thread_id']}.lock"):
                    run["status"] = "interrupted"
        return runs


def _lock_held(path: Path) -> bool:
    if not path.exists():
        return False
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False
