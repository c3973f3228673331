"""Where a spec is written, checked before anything is spent, and written
atomically (temp file, fsync, rename) so Ctrl-C never leaves a half file."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from agentspec.errors import UsageError
from agentspec.agents.brief import slugify


# Words that carry no meaning in a directory name.
_FILLER = frozenset("a an and as at be by for from in into is it its of on or our the their this to via we with "
                    "your my us so that".split())


def default_out_dir(description: str, words: int = 5) -> Path:
    """specs/<slug>, from the description itself, so the directory is known (and
    checked) before the first model call, instead of after intake names the feature."""
    ascii_text = unicodedata.normalize("NFKD", description).encode("ascii", "ignore").decode()
    kept = [w for w in re.findall(r"[a-z0-9]+", ascii_text.lower()) if w not in _FILLER][:words]
    return Path("specs") / slugify(" ".join(kept))


def check_out_dir(out: Path, *, force: bool) -> Path:
    """Validate an output directory without creating it. Raises UsageError."""
    if any(part == ".." for part in out.parts):
        raise UsageError(f"--out must not contain '..': {out}", hint="give a plain or absolute path")
    resolved = out.expanduser().resolve()
    if resolved == Path(resolved.anchor):
        raise UsageError("--out cannot be the filesystem root", hint="give a directory such as specs/my-feature")
    if resolved.exists() and not resolved.is_dir():
        raise UsageError(f"--out points to a file, not a directory: {out}")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"--out goes through a file: {parent}")
            break
    if resolved.is_dir() and any(resolved.iterdir()) and not force:
        raise UsageError(f"output directory is not empty: {out}", hint="pass --force to overwrite, or choose another --out")
    probe = resolved if resolved.exists() else next(p for p in resolved.parents if p.exists())
    _probe_writable(probe)
    return resolved


def _probe_writable(directory: Path) -> None:
    """Really create a file: permission bits say nothing for root or a read-only mount."""
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=".agentspec-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise UsageError(f"cannot write to {directory}: {exc.strerror or exc}",
                         hint="choose a directory you can write to with --out") from exc


def safe_child(directory: Path, name: str) -> Path:
    """A file inside `directory`; refuses names that would escape it."""
    target = (directory / name).resolve()
    if target.parent != directory.resolve() or name in ("", ".", ".."):
        raise UsageError(f"refusing to write outside the output directory: {name!r}")
    return target


def write_atomic(path: Path, content: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_files(directory: Path, files: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        target = safe_child(directory, name)
        write_atomic(target, content)
        written.append(target)
    return written
