"""Pipeline benchmark against the fake OpenAI server (a TEST DOUBLE) with a latency
model (time to first token + tokens per second). Every figure is a ratio measured
in one run of this script, because the machine is shared and noisy.

    python scripts/bench_pipeline.py [--ttft 0.4] [--tps 40] [--write docs/benchmarks.md]

Measures:
1. full-draft wall time at concurrency 8 vs the critical-path lower bound (the
   longest chain of dependent calls under the same latency model) and vs a
   sequential run (concurrency 1) of the same calls;
2. orchestration overhead per LLM call at zero latency (graph, instructor,
   validation, checkpoint write) with the deterministic checks skipped (they are
   timed in their own run), the draft's one-off work shown apart, and the LLM
   gateway alone;
3. input vs output tokens against the number of sections (10, 20, 40 synthetic);
4. the cost of revising one section (a leaf, and the most depended-on one).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from agentspec import quality  # noqa: E402
from agentspec.gateway.client import documented_tool  # noqa: E402
from agentspec.gateway.tokens import count_message_tokens, count_tokens, count_tool_tokens  # noqa: E402
from agentspec.runner import Runner  # noqa: E402
from agentspec.settings import load_settings  # noqa: E402
from tests.doubles import FakeOpenAIServer, Latency  # noqa: E402
from agentspec.agents.analyses import analysis_specs  # noqa: E402
from agentspec.agents.registry import by_id, dependents, registry  # noqa: E402
from tests.fakes import DESCRIPTION, RecordedResponder  # noqa: E402


def _env(tmp: Path, base_url: str, concurrency: int, scheduler: str = "dataflow") -> None:
    os.environ.update({
        "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-bench", "AGENTSPEC_CONCURRENCY": str(concurrency),
        "AGENTSPEC_SCHEDULER": scheduler,
        "AGENTSPEC_DATA_DIR": str(tmp / "data"), "AGENTSPEC_CACHE_DIR": str(tmp / "cache"),
        "AGENTSPEC_CONFIG_DIR": str(tmp / "config"),
    })
    os.environ.pop("AGENTSPEC_PG_URL", None)


class CheckTimer:
    """Time spent in the deterministic checks (mermaid via node, SQL, TS parsing), or,
    with run_checks=False, skip them (every section passes): the orchestration
    overhead is measured without them, because they run in worker threads beside the
    event loop and their thread time cannot simply be subtracted from the wall time."""

    def __init__(self, run_checks: bool = True) -> None:
        self.seconds = 0.0
        self.run_checks = run_checks
        self._section, self._document = quality.section_failures, quality.document_failures

    def __enter__(self) -> "CheckTimer":
        def timed(fn, skipped):
            def wrapper(*a, **k):
                if not self.run_checks:
                    return skipped
                start = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    self.seconds += time.perf_counter() - start
            return wrapper
        import agentspec.agents.nodes as nodes

        nodes.section_failures = quality.section_failures = timed(self._section, [])
        nodes.document_failures = quality.document_failures = timed(self._document, ({}, {}))
        return self

    def __exit__(self, *exc) -> None:
        import agentspec.agents.nodes as nodes

        nodes.section_failures = quality.section_failures = self._section
        nodes.document_failures = quality.document_failures = self._document


def draft_once(latency: Latency | None, concurrency: int, scheduler: str = "dataflow", run_checks: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp_dir, FakeOpenAIServer(responder=RecordedResponder(), latency=latency) as srv:
        tmp = Path(tmp_dir)
        _env(tmp, srv.base_url, concurrency, scheduler)
        runner = Runner(load_settings(), Console(file=io.StringIO()))
        with CheckTimer(run_checks) as checks:
            start = time.monotonic()  # the server stamps its calls with time.monotonic() too
            code = asyncio.run(runner.draft(DESCRIPTION, out=tmp / "spec", force=False, review=False, interactive=False))
            end = time.monotonic()
        run = json.loads((tmp / "spec" / "run.json").read_text())
        calls = [c for c in srv.calls if c.status == 200]
        return {"code": code, "wall": end - start, "checks_s": checks.seconds, "calls": calls, "run": run,
                "max_concurrency": srv.max_concurrency(),
                # before the first call (open the checkpoint database, compile the graph, start
                # the gateway) and after the last (assemble and write the spec files)
                "one_off_s": (min(c.start for c in calls) - start) + (end - max(c.end for c in calls))}


def _recorded_brief():
    """The brief of the recorded draft the fake server answers with."""
    from agentspec.agents.brief import FeatureBrief

    return FeatureBrief.model_validate(RecordedResponder().data["intake"])


def gateway_overhead_ms(calls: int = 30) -> float:
    """Client-side time of one structured call through the gateway, nothing else
    running: wall time of sequential calls minus the fake server's own handling."""
    from agentspec.gateway.client import Gateway
    from agentspec.gateway.endpoint import remote_endpoint
    from agentspec.agents.drafting import section_messages

    spec = by_id()["monitoring"]
    messages = section_messages(spec, description=DESCRIPTION, brief=_recorded_brief(), dependencies=[], feedback=[],
                                repo_given=False)

    async def run(gateway: Gateway) -> float:
        async def call() -> None:
            await gateway.structured(response_model=spec.model, messages=messages, role=spec.role, section=spec.id,
                                     model="gpt-4o-mini", temperature=0.0)
        await call()  # connection and first-use costs
        start = time.monotonic()
        for _ in range(calls):
            await call()
        elapsed = time.monotonic() - start
        await gateway.aclose()
        return elapsed

    with tempfile.TemporaryDirectory() as tmp_dir, FakeOpenAIServer(responder=RecordedResponder()) as srv:
        _env(Path(tmp_dir), srv.base_url, 1)
        settings = load_settings()
        elapsed = asyncio.run(run(Gateway(settings, remote_endpoint(settings))))
        server = sum(c.end - c.start for c in srv.calls[1:])
    return (elapsed - server) / calls * 1000


def tools_as_json_extra(calls) -> int:
    """How many more input tokens the draft would count if each call's tool were billed
    as its JSON text rather than in OpenAI's TypeScript rendering (the fake server's
    count): the sensitivity of the input/output ratio to that assumption."""
    from agentspec.agents.tasks import spec_for

    extra = 0
    for call in calls:
        tool = documented_tool(spec_for(call.section).model)
        extra += count_tokens(json.dumps(tool, ensure_ascii=False)) - count_tool_tokens([tool])
    return extra


def critical_path(calls) -> float:
    """Longest chain of dependent calls: intake → draft sections along depends_on →
    the analyses (after the sections they read) → fold-in sections (after the
    analyses and their own dependencies)."""
    latency = {}
    for c in calls:
        latency[c.section] = latency.get(c.section, 0.0) + (c.end - c.start)
    specs = by_id()
    finish: dict[str, float] = {"intake": latency.get("intake", 0.0)}

    def done(sid: str) -> float:
        if sid in finish:
            return finish[sid]
        spec = specs[sid]
        if spec.stage == "draft":
            start = max([finish["intake"], *[done(d) for d in spec.depends_on if specs[d].stage == "draft"]])
        else:  # fold-in: after its dependencies and all analyses
            start = max([analyses_done(), *[done(d) for d in spec.depends_on]])
        finish[sid] = start + latency.get(sid, 0.0)
        return finish[sid]

    def analyses_done() -> float:
        return max(max([finish["intake"], *[done(d) for d in spec.depends_on]]) + latency.get(spec.id, 0.0)
                   for spec in analysis_specs())

    return max(done(s.id) for s in registry() if s.needs_llm)


def revision_cost(section_id: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp_dir, FakeOpenAIServer(responder=RecordedResponder()) as srv:
        tmp = Path(tmp_dir)
        _env(tmp, srv.base_url, 8)
        asyncio.run(Runner(load_settings(), Console(file=io.StringIO())).draft(
            DESCRIPTION, out=tmp / "spec", force=False, review=False, interactive=False))
        full = json.loads((tmp / "spec" / "run.json").read_text())["totals"]
        thread = Runner(load_settings(), Console(file=io.StringIO())).runs()[0]["thread_id"]
        asyncio.run(Runner(load_settings(), Console(file=io.StringIO())).review(
            thread, approve=[], approve_all=False, revise=section_id, feedback="tighten the limits",
            edit=None, edit_file=None, interactive=False))
        after = json.loads((tmp / "spec" / "run.json").read_text())["totals"]
        full_tokens = full["input_tokens"] + full["output_tokens"]
        revision_tokens = after["input_tokens"] + after["output_tokens"] - full_tokens
        return {"section": section_id, "dependents": len(dependents(section_id)), "calls": after["calls"] - full["calls"],
                "tokens": revision_tokens, "share": revision_tokens / full_tokens}


def token_scaling() -> list[dict]:
    """Synthetic registries of N sections made by cycling through the real draft-stage
    sections: their prompt files, documented tools, dependencies (with the digests of
    the recorded answers) and recorded answers as output. A prompt holds its own
    dependencies' digests and nothing else of the draft, so input grows linearly in N."""
    from agentspec.agents.drafting import digest_of, section_messages

    recorded = RecordedResponder().data
    brief = _recorded_brief()
    specs = by_id()
    real = [s for s in registry() if s.needs_llm and s.stage == "draft" and s.id in recorded]
    rows = []
    for n in (10, 20, 40):
        total_in = total_out = 0
        for i in range(n):
            spec = real[i % len(real)]
            deps = [{"id": d, "digest": digest_of(specs[d], recorded[d])} for d in spec.depends_on if d in recorded]
            # As in the fake-server draft (tools mode): no field guide, the documented tool instead.
            messages = section_messages(spec, description=DESCRIPTION, brief=brief, feedback=[], repo_given=False,
                                        dependencies=deps, field_guide=False)
            total_in += count_message_tokens(messages) + count_tool_tokens([documented_tool(spec.model)])
            total_out += count_tokens(json.dumps(recorded[spec.id], ensure_ascii=False))
        rows.append({"sections": n, "input": total_in, "output": total_out, "input_per_section": total_in / n,
                     "ratio": total_in / total_out})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ttft", type=float, default=0.4)
    parser.add_argument("--tps", type=float, default=40.0)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    model = Latency(ttft_s=args.ttft, tokens_per_s=args.tps)

    par = draft_once(model, 8)
    waves = draft_once(model, 8, "waves")
    seq = draft_once(model, 1)
    zero = draft_once(None, 1)  # the checks' own time
    # Overhead: zero latency, checks skipped, median of three drafts. Everything
    # but the fake server's own handling counts, one-off costs included (opening
    # the checkpoint database, compiling the graph, writing the spec files).
    bare = sorted((draft_once(None, 1, run_checks=False) for _ in range(3)), key=lambda r: r["wall"])[1]
    cp = critical_path(par["calls"])
    n_calls = len(zero["calls"])
    server_time = sum(c.end - c.start for c in bare["calls"])
    overhead_ms = (bare["wall"] - server_time) / len(bare["calls"]) * 1000
    per_call_ms = (bare["wall"] - bare["one_off_s"] - server_time) / len(bare["calls"]) * 1000
    gateway_ms = gateway_overhead_ms()
    run = par["run"]["totals"]
    json_extra = tools_as_json_extra(par["calls"])
    scaling = token_scaling()
    leaf = revision_cost("example_cache")
    hub = max((s.id for s in registry() if s.stage == "draft"), key=lambda sid: len(dependents(sid)))
    hub_cost = revision_cost(hub)

    lines = [
        f"## Pipeline benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
        f"Fake OpenAI server (test double) with latency model TTFT {args.ttft}s + {args.tps} tok/s, answering with data "
        "recorded from a real draft. Scheduler: dataflow (the default) unless a row says waves. "
        "Reproduce: `python scripts/bench_pipeline.py`.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| LLM calls in a full draft | {len(par['calls'])} | |",
        f"| full draft wall, concurrency 8 | {par['wall']:.2f} s | |",
        f"| critical-path lower bound (same latency model) | {cp:.2f} s | |",
        f"| wall / critical path | **{par['wall'] / cp:.2f}×** | ≤ 1.15× |",
        f"| sequential run (concurrency 1) wall | {seq['wall']:.2f} s | |",
        f"| sequential / concurrency 8 | **{seq['wall'] / par['wall']:.2f}×** faster | ≥ 4× |",
        f"| sum of call latencies / critical path (the most any scheduler can gain) | {sum(c.end - c.start for c in seq['calls']) / cp:.2f}× | |",
        f"| same draft with the waves scheduler (review mode's), concurrency 8 | {waves['wall']:.2f} s = {waves['wall'] / cp:.2f}× the critical path; sequential / waves = {seq['wall'] / waves['wall']:.2f}× | |",
        f"| max concurrent calls seen by the server | {par['max_concurrency']} | ≤ 8 |",
        f"| deterministic checks inside the draft (concurrency 8 run) | {par['checks_s']:.2f} s of thread time | |",
        f"| orchestration overhead per call at zero latency, checks skipped (graph, instructor, validation, checkpoint write), from the first call to the last; median of 3 drafts | **{per_call_ms:.1f} ms** | ≤ 5 ms |",
        f"| the same with the draft's one-off work spread over its calls (before the first call: checkpoint database, graph, gateway; after the last: assembling and writing the spec, {bare['one_off_s'] * 1000:.0f} ms) | {overhead_ms:.1f} ms | |",
        f"| of it, the LLM gateway alone (instructor, openai SDK, HTTP, parsing, validation; 30 sequential calls for one section) | {gateway_ms:.1f} ms | |",
        f"| checks per call at zero latency (mermaid via node, SQL, TS parse) | {zero['checks_s'] / n_calls * 1000:.0f} ms | (not orchestration) |",
        f"| input / output tokens, full draft (tools mode: prompts without field guide, documented tools counted as OpenAI renders them) | {run['input_tokens']} / {run['output_tokens']} = **{run['input_tokens'] / run['output_tokens']:.2f}** | ≤ 3 |",
        f"| the same if the tools were billed as their JSON text (upper bound) | {run['input_tokens'] + json_extra} / {run['output_tokens']} = {(run['input_tokens'] + json_extra) / run['output_tokens']:.2f} | |",
        f"| revise a leaf ({leaf['section']}, {leaf['dependents']} dependents) | {leaf['calls']} calls, {leaf['tokens']} tokens = **{leaf['share']:.1%}** of a full draft | ≤ 20% |",
        f"| revise the most depended-on ({hub_cost['section']}, {hub_cost['dependents']} dependents) | {hub_cost['calls']} calls, {hub_cost['tokens']} tokens = **{hub_cost['share']:.1%}** | |",
        "",
        "Input tokens against the number of sections (synthetic registries cycling through the real draft-stage "
        "sections: their prompts, documented tools, dependencies with real digests, and recorded answers as output; "
        "tools mode as above; the analyses and fold-ins, whose answers are the longest, are not in these rows):",
        "",
        "| sections | total input | input per section | total output | input / output |",
        "|---|---|---|---|---|",
        *[f"| {r['sections']} | {r['input']} | {r['input_per_section']:.0f} | {r['output']} | {r['ratio']:.2f} |" for r in scaling],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        existing = args.write.read_text() if args.write.exists() else "# Benchmarks\n\n"
        args.write.write_text(existing.rstrip() + "\n\n" + text)


if __name__ == "__main__":
    main()
