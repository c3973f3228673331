"""`agentspec doctor`: one table saying what a draft would use, without starting anything."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rich.table import Table

from agentspec.settings import Settings, mask


def rows(settings: Settings) -> list[tuple[str, str]]:
    provider = settings.resolved_provider()
    out = [
        ("provider", f"{provider}" + (" (nothing configured: embedded local model)" if provider == "local" and settings.provider == "auto" else "")),
        ("model", settings.model_for("integration-specialist")),
        ("OPENAI_BASE_URL", settings.openai_base_url or "(not set)"),
        ("OPENAI_API_KEY", mask(settings.api_key)),
        ("role overrides", ", ".join(f"{k}={v}" for k, v in settings.role_models.items()) or "(none)"),
        ("instructor mode", settings.instructor_mode),
    ]
    try:
        from agentspec.local import local_status

        status = local_status(settings.cache_dir)
        for key, value in status.items():
            out.append((f"local: {key}", str(value)))
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        out.append(("local", f"unavailable: {exc}"))
    out += [
        ("checkpoints", settings.checkpoint_url and _mask_url(settings.checkpoint_url) or str(settings.checkpoint_db)),
        ("data dir", str(settings.data_dir)),
        ("cache dir", str(settings.cache_dir)),
        ("node (mermaid checks)", shutil.which("node") or "not found"),
        ("mermaid parser", "installed" if (Path(__file__).resolve().parents[1] / "evals/node/node_modules/mermaid").exists() else "not installed (npm ci --prefix evals/node); drafts skip the diagram parse check, check/eval fail it"),
        ("AGENTSPEC_PG_URL (SQL execution checks)", _mask_url(os.environ.get("AGENTSPEC_PG_URL", "")) or "(not set)"),
    ]
    return out


def _mask_url(url: str) -> str:
    import re

    return re.sub(r"//([^:/@]+):[^@]+@", r"//\1:****@", url)


def table(settings: Settings) -> Table:
    t = Table(title="agentspec doctor")
    t.add_column("what")
    t.add_column("value")
    for key, value in rows(settings):
        t.add_row(key, value)
    return t
