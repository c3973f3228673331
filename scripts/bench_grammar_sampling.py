"""A/B of the embedded server's grammar sampling on real drafting requests.

Replays the request bodies of a recorded draft (prompt, JSON schema, temperature,
max_tokens) against the embedded llama.cpp server started twice per round: once with
llama-cpp-python's stock sampler (grammar over the whole vocabulary every token) and
once with agentspec's check-first sampler (agentspec/local/grammar_sampling.py).
Rounds alternate the two so machine noise hits both; the ratio is from one run.

    .venv/bin/python scripts/bench_grammar_sampling.py [--rounds 2] [--requests 4] [--write docs/benchmarks-local.md]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from openai import OpenAI  # noqa: E402

from agentspec.local import LocalServer, ensure_model  # noqa: E402

CASSETTE = ROOT / "evals" / "cassettes" / "stripe-invoice-sync.yaml"
MODES = ("llama-cpp-python", "check-first")


def recorded_requests(limit: int) -> list[dict]:
    """The first drafting requests of the recorded README example, one per section."""
    seen, bodies = set(), []
    for interaction in yaml.safe_load(CASSETTE.read_text())["interactions"]:
        body = interaction["request"]["parsed_body"]
        section = interaction["request"]["headers"].get("x-agentspec-section", ["?"])[0]
        if section in seen or len(body["messages"]) != 2:
            continue
        seen.add(section)
        bodies.append(body)
        if len(bodies) == limit:
            break
    return bodies


def run_mode(mode: str, bodies: list[dict]) -> list[tuple[int, float, bool]]:
    """(completion tokens, seconds, answer is JSON) per request, on a fresh server."""
    os.environ["AGENTSPEC_GRAMMAR_SAMPLING"] = mode
    results = []
    with LocalServer(ensure_model(), startup_timeout=180) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-local", max_retries=0, timeout=600)
        for body in bodies:
            request = {k: v for k, v in body.items() if k != "model"}
            t0 = time.perf_counter()
            resp = client.chat.completions.create(model=server.model, **request)
            elapsed = time.perf_counter() - t0
            try:
                json.loads(resp.choices[0].message.content or "")
                parsed = True
            except ValueError:
                parsed = False
            results.append((resp.usage.completion_tokens if resp.usage else 0, elapsed, parsed))
            print(f"[{mode}] {results[-1]}", file=sys.stderr, flush=True)
    return results


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=4)
    ap.add_argument("--write", type=Path, default=None)
    args = ap.parse_args()
    bodies = recorded_requests(args.requests)
    totals = {mode: {"tokens": 0, "seconds": 0.0, "json": 0, "n": 0, "rates": []} for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            for tokens, seconds, parsed in run_mode(mode, bodies):
                t = totals[mode]
                t["tokens"] += tokens
                t["seconds"] += seconds
                t["json"] += parsed
                t["n"] += 1
                t["rates"].append(tokens / seconds)
    stock, fast = totals["llama-cpp-python"], totals["check-first"]
    rate = {m: t["tokens"] / t["seconds"] for m, t in totals.items()}
    lines = [
        f"## {time.strftime('%Y-%m-%d %H:%M')} — grammar sampling A/B on recorded drafting requests ({os.cpu_count()} CPUs)",
        "",
        f"{len(bodies)} requests of the recorded README draft (real prompts and section schemas, temperature and "
        f"max_tokens as recorded), {args.rounds} alternating rounds per mode, a fresh server per mode and round. "
        "Rate = completion tokens / request wall time (includes prompt evaluation). "
        "Reproduce: `.venv/bin/python scripts/bench_grammar_sampling.py`.",
        "",
        "| sampler | requests | answers that parse as JSON | completion tokens | wall | tokens / s (all) | median per request |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {m} | {t['n']} | {t['json']} | {t['tokens']} | {t['seconds']:.1f} s | {rate[m]:.1f} | "
            f"{statistics.median(t['rates']):.1f} |"
            for m, t in totals.items()
        ],
        "",
        f"check-first / stock: **{rate['check-first'] / rate['llama-cpp-python']:.2f}×** the tokens per second "
        f"(time per token {fast['seconds'] / max(fast['tokens'], 1) * 1000:.0f} ms vs "
        f"{stock['seconds'] / max(stock['tokens'], 1) * 1000:.0f} ms).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        args.write.write_text(args.write.read_text().rstrip() + "\n\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
