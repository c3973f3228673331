#!/usr/bin/env python
"""Benchmark the embedded local model through its real llama.cpp server.

Measures server startup, time to first token, decode speed on free text and
under a JSON-schema grammar (usage.completion_tokens / wall time), and the
server's peak RSS (VmHWM from /proc; psutil is not a dependency). Prints a
markdown table and appends it to docs/benchmarks-local.md.

    .venv/bin/python scripts/bench_local.py [--runs 3] [--max-tokens 200] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")  # loopback must bypass any proxy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openai import OpenAI  # noqa: E402

from agentspec.local import LocalServer, ensure_model  # noqa: E402
from agentspec.local.server import cpu_count  # noqa: E402

FREE_PROMPT = (
    "Explain, in about 150 words, how an HTTP API should handle idempotency keys "
    "for payment requests. Plain prose, no code."
)
SCHEMA_PROMPT = (
    "List the integration requirements for adding Stripe webhooks to a Django app "
    "as JSON with a title, 4-6 requirements (id, text, priority) and open_questions."
)
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "text": {"type": "string"},
                    "priority": {"type": "string", "enum": ["must", "should", "could"]},
                },
                "required": ["id", "text", "priority"],
            },
        },
        "open_questions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "requirements", "open_questions"],
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM: the process's high-water resident set size, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


_nonce = 0


def fresh(prompt: str) -> str:
    """Prefix a unique request number: llama.cpp reuses the KV cache of a matching
    prompt prefix, which would make repeated identical prompts look free."""
    global _nonce
    _nonce += 1
    return f"Request {_nonce}. {prompt}"


def timed_completion(client: OpenAI, model: str, prompt: str, max_tokens: int, **extra) -> tuple[int, float]:
    """Non-streaming call: (completion_tokens, seconds). Wall time includes prompt eval."""
    t0 = time.perf_counter()
    resp = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": fresh(prompt)}],
        max_tokens=max_tokens,
        temperature=0.2,
        **extra,
    )
    elapsed = time.perf_counter() - t0
    assert resp.usage is not None, "server returned no usage"
    return resp.usage.completion_tokens, elapsed


def time_to_first_token(client: OpenAI, model: str, prompt: str, **extra) -> float:
    t0 = time.perf_counter()
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": fresh(prompt)}],
        max_tokens=16,
        temperature=0.2,
        stream=True,
        **extra,
    )
    first = None
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - t0
    return first if first is not None else float("nan")


def note(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="repetitions per measurement (median reported)")
    ap.add_argument("--max-tokens", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-local.md")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    model_path = ensure_model()
    schema_fmt = {"response_format": {"type": "json_object", "schema": SCHEMA}}
    with LocalServer(model_path) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="sk-local", max_retries=0, timeout=600)
        # Warm-up: first request pays one-off allocations; not what a run feels after that.
        timed_completion(client, srv.model, "Say hi.", 8)

        note(f"server up in {srv.startup_seconds:.1f}s (pid {srv.pid}, log {srv.log_path})")
        ttft = [time_to_first_token(client, srv.model, FREE_PROMPT) for _ in range(args.runs)]
        note(f"ttft free: {ttft}")
        ttft_schema = [time_to_first_token(client, srv.model, SCHEMA_PROMPT, **schema_fmt) for _ in range(args.runs)]
        note(f"ttft schema: {ttft_schema}")
        free = [timed_completion(client, srv.model, FREE_PROMPT, args.max_tokens) for _ in range(args.runs)]
        note(f"free (tokens, s): {free}")
        grammar = [
            timed_completion(client, srv.model, SCHEMA_PROMPT, args.max_tokens, **schema_fmt)
            for _ in range(args.runs)
        ]
        note(f"grammar (tokens, s): {grammar}")
        assert srv.pid is not None
        rss = peak_rss_mib(srv.pid)
        startup = srv.startup_seconds or float("nan")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    def tps(samples: list[tuple[int, float]]) -> str:
        rates = [n / s for n, s in samples if s > 0]
        toks = median([float(n) for n, _ in samples])
        return (
            f"{median(rates):.1f} tok/s (median of {len(rates)}; range {min(rates):.1f}-{max(rates):.1f}; "
            f"~{toks:.0f} tokens each)"
        )

    def secs(xs: list[float]) -> str:
        return f"{median(xs):.2f} s (range {min(xs):.2f}-{max(xs):.2f})"

    rows = [
        ("Server startup (spawn -> /v1/models answers)", f"{startup:.1f} s"),
        ("Time to first token, free text (~60-token prompt)", secs(ttft)),
        ("Time to first token, JSON-schema grammar", secs(ttft_schema)),
        ("Decode, free text (usage.completion_tokens / wall)", tps(free)),
        ("Decode, JSON-schema grammar (response_format json_object+schema)", tps(grammar)),
        ("Server peak RSS (VmHWM)", f"{rss:.0f} MiB" if rss is not None else "n/a (no /proc)"),
    ]
    cmd = "python scripts/bench_local.py " + " ".join(sys.argv[1:])
    machine = f"{cpu_count()} CPUs usable (nproc), {os.cpu_count()} online; {cpu_model()}; {platform.system()} {platform.machine()}"
    lines = [
        f"## {dt.date.today().isoformat()} — {machine}",
        "",
        f"Model: `{model_path.name}`, n_ctx 8192, n_threads {cpu_count()}, max_tokens {args.max_tokens}, "
        f"runs {args.runs}; 1-min load average {load_before:.2f} before, {load_after:.2f} after "
        "(other work on the machine skews decode speed).  ",
        f"Reproduce: `{cmd.strip()}`",
        "",
        "| Measure | Result |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not args.out.exists():
            args.out.write_text(
                "# Local model benchmarks\n\n"
                "Produced by `scripts/bench_local.py` against the embedded llama.cpp server "
                "(Qwen2.5-Coder-1.5B-Instruct Q4_K_M). Newest runs are appended at the end.\n\n",
                encoding="utf-8",
            )
        with args.out.open("a", encoding="utf-8") as f:
            f.write(table + "\n")
        print(f"appended to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
