"""A streaming, budgeted walk of a repository that honours .gitignore files.

The walk yields one file at a time in a stable (sorted) order, so scans are
deterministic and memory stays bounded by the depth of the tree, not its size.
Ignored folders are pruned before descending: node_modules alone can hold more
files than the rest of a repository.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

# Folders that never hold the project's own source, whatever .gitignore says.
ALWAYS_SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "dist", "build", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".next", ".turbo", ".cache",
})

MAX_FILE_BYTES = 1024 * 1024
BINARY_SNIFF_BYTES = 8192

# Extensions that are binary for sure; counted without opening the file.
BINARY_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".tiff", ".pdf", ".zip", ".gz", ".tgz",
    ".bz2", ".xz", ".7z", ".tar", ".jar", ".war", ".class", ".so", ".dylib", ".dll", ".exe", ".bin",
    ".o", ".a", ".pyc", ".pyo", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov",
    ".wav", ".sqlite", ".sqlite3", ".db", ".parquet", ".wasm",
})


@dataclass(frozen=True)
class WalkedFile:
    rel: str  # POSIX path relative to the root
    path: Path
    size: int

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        dot = name.rfind(".")
        return name[dot:].lower() if dot > 0 else ""


@dataclass
class WalkCounters:
    files_seen: int = 0
    skipped_ignored: int = 0
    skipped_too_big: int = 0
    skipped_binary: int = 0
    stopped_early: bool = False
    stop_reason: str | None = None
    unreadable: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _IgnoreRules:
    base: str  # folder of the .gitignore, relative to the root ("" for the root)
    spec: pathspec.GitIgnoreSpec


class RepoWalker:
    """Iterate the files of `root` that a scan should look at.

    Stops (and records why) after `max_files` files or once `deadline`
    (a time.monotonic() value) has passed.
    """

    def __init__(self, root: Path, *, max_files: int, deadline: float) -> None:
        self.root = root
        self.max_files = max_files
        self.deadline = deadline
        self.counters = WalkCounters()

    def _stop(self, reason: str) -> None:
        self.counters.stopped_early = True
        self.counters.stop_reason = reason

    def __iter__(self) -> Iterator[WalkedFile]:
        # Depth-first with an explicit stack of (folder, rules in force there).
        stack: list[tuple[Path, str, tuple[_IgnoreRules, ...]]] = [(self.root, "", ())]
        while stack:
            folder, rel_folder, rules = stack.pop()
            rules = rules + self._load_gitignore(folder, rel_folder)
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.counters.unreadable.append((rel_folder or ".", type(exc).__name__))
                continue
            subfolders: list[tuple[Path, str, tuple[_IgnoreRules, ...]]] = []
            for entry in entries:
                if time.monotonic() > self.deadline:
                    self._stop("time_budget")
                    return
                rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
                try:
                    if entry.is_symlink():
                        # Not followed: links can loop or leave the repository.
                        self.counters.skipped_ignored += 1
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if entry.name in ALWAYS_SKIPPED_DIRS or _is_ignored(rules, rel, is_dir=True):
                        self.counters.skipped_ignored += 1
                    else:
                        subfolders.append((Path(entry.path), rel, rules))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                if _is_ignored(rules, rel, is_dir=False):
                    self.counters.skipped_ignored += 1
                    continue
                if self.counters.files_seen >= self.max_files:
                    self._stop("max_files")
                    return
                self.counters.files_seen += 1
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
                yield WalkedFile(rel=rel, path=Path(entry.path), size=size)
            # Reversed so that the sorted first subfolder is popped first.
            stack.extend(reversed(subfolders))

    def _load_gitignore(self, folder: Path, rel_folder: str) -> tuple[_IgnoreRules, ...]:
        path = folder / ".gitignore"
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                return ()
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ()
        try:
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
        except Exception as exc:  # a pattern pathspec rejects; git would skip that line, we skip the file
            self.counters.unreadable.append((f"{rel_folder}/.gitignore" if rel_folder else ".gitignore",
                                             f"invalid pattern ({type(exc).__name__})"))
            return ()
        return (_IgnoreRules(base=rel_folder, spec=spec),)

    def note_unread(self, file: WalkedFile) -> None:
        """Count a file no parser wants, so the skip statistics cover every file seen."""
        if file.size > MAX_FILE_BYTES:
            self.counters.skipped_too_big += 1
        elif file.suffix in BINARY_EXTENSIONS:
            self.counters.skipped_binary += 1

    def read(self, file: WalkedFile) -> bytes | None:
        """The file's bytes, or None (counted) when it is too big, binary or unreadable."""
        if file.size > MAX_FILE_BYTES:
            self.counters.skipped_too_big += 1
            return None
        if file.suffix in BINARY_EXTENSIONS:
            self.counters.skipped_binary += 1
            return None
        try:
            data = file.path.read_bytes()
        except OSError as exc:
            self.counters.unreadable.append((file.rel, type(exc).__name__))
            return None
        if len(data) > MAX_FILE_BYTES:  # grew since stat
            self.counters.skipped_too_big += 1
            return None
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            self.counters.skipped_binary += 1
            return None
        return data


def _is_ignored(rules: tuple[_IgnoreRules, ...], rel: str, *, is_dir: bool) -> bool:
    """Git semantics: the deepest .gitignore with a matching pattern decides."""
    verdict: bool | None = None
    for rule in rules:
        if rule.base:
            sub = rel[len(rule.base) + 1:]
        else:
            sub = rel
        result = rule.spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            verdict = result.include
    return bool(verdict)
