"""What the checks of meaning cost (issue 14, item 4), measured in one run on this machine.

    python scripts/bench_checks.py            # writes docs/benchmarks-checks.md

1. The review pass (agentspec/review_pass.py) on a whole draft: the fake OpenAI server
   (a test double) answers with data recorded from a real draft, once with the pass
   and once without (`critic`), so the ratio shows what the pass adds, redrafts included.
2. The SQL check on the seeded-rows fixtures, parse only and executed on PostgreSQL
   (AGENTSPEC_PG_URL; skipped without it), and the TypeScript type check on its own.

Ratios from one run are what to quote: this machine is shared and noisy.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from agentspec.runner import Runner  # noqa: E402
from agentspec.settings import load_settings  # noqa: E402
from tests.doubles import FakeOpenAIServer  # noqa: E402
from tests.doubles.fake_openai_server import Latency  # noqa: E402
from agentspec.checks.sql import check_sql  # noqa: E402
from agentspec.checks.typecheck import check_typecheck, compiler_available  # noqa: E402
from agentspec.spec_document import SpecDocument  # noqa: E402
from tests.fakes import DESCRIPTION, RecordedResponder  # noqa: E402

OUT = ROOT / "docs" / "benchmarks-checks.md"
LATENCY = Latency(ttft_s=0.4, tokens_per_s=40.0)  # as scripts/bench_pipeline.py


def draft(critic: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as home, FakeOpenAIServer(responder=RecordedResponder(), latency=LATENCY) as srv:
        os.environ.update(OPENAI_BASE_URL=srv.base_url, OPENAI_API_KEY="sk-bench", AGENTSPEC_HOME=home)
        runner = Runner(load_settings(concurrency=8), Console(file=io.StringIO()))
        start = time.perf_counter()
        asyncio.run(runner.draft(DESCRIPTION, out=Path(home) / "spec", force=False, review=False, interactive=False,
                                 critic=critic))
        wall = time.perf_counter() - start
        run = json.loads((Path(home) / "spec" / "run.json").read_text(encoding="utf-8"))
    return wall, run


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def derived_examples() -> list[tuple[str, str]]:
    """What writing the four code examples from the design costs (no model call)."""
    from agentspec.assemble import render_context
    from agentspec.agents.registry import registry

    spec = json.loads((ROOT / "tests" / "fixtures" / "recorded" / "spec.json").read_text(encoding="utf-8"))
    ctx = render_context({"brief": spec["brief"], "description": spec["description"], "options": {},
                          "sections": spec["sections"], "analyses": {}})
    derivers = [s for s in registry() if s.derive is not None]
    elapsed, written = timed(lambda: [s.id for s in derivers if s.derive(ctx) is not None])
    return [(f"code examples written from the design ({len(written)} of {len(derivers)})",
             f"{elapsed * 1000:.0f} ms for all, instead of {len(written)} model calls")]


def embedded_draft() -> list[tuple[str, str]]:
    """The README example's recorded draft on the embedded model: its wall time against the
    time its model calls took; checks, the review pass and assembly are the rest."""
    run = json.loads((ROOT / "examples" / "stripe-invoice-sync" / "run.json").read_text(encoding="utf-8"))
    wall, llm = run["timings"]["wall_s"], run["totals"]["llm_seconds"]
    review = run["review_pass"]
    return [("README example on the embedded model (its recording's run.json)",
             f"{wall:.1f} s wall, {llm:.1f} s in {run['totals']['calls']} model calls: checks, review pass "
             f"(findings {sum(review['first'].values())}, redrafted {len(review['redrafted'])}) and assembly add at most "
             f"{max(wall - llm, 0):.1f} s (**{max(wall - llm, 0) / wall:.1%}**)")]


def main() -> None:
    rows: list[tuple[str, str]] = []
    off_wall, off = draft(critic=False)
    on_wall, on = draft(critic=True)
    review = on["review_pass"]
    rows += [("full draft wall, no review pass (concurrency 8)", f"{off_wall:.1f} s, {off['totals']['calls']} calls"),
             ("full draft wall, with the review pass", f"{on_wall:.1f} s, {on['totals']['calls']} calls"),
             ("with / without", f"**{on_wall / off_wall:.2f}×** wall, "
                                f"{on['totals']['input_tokens'] / max(off['totals']['input_tokens'], 1):.2f}× input tokens"),
             ("review findings first round (critical / major)", f"{review['first']['critical']} / {review['first']['major']}"),
             ("sections redrafted by the review pass", ", ".join(review["redrafted"]) or "none"),
             ("open after the redraft (critical / major)",
              f"{review['open']['critical']} / {review['open']['major']} (the test double answers the same data again)")]
    fixtures = ROOT / "tests" / "fixtures" / "checks" / "meaning"
    docs = [SpecDocument.load(p) for p in sorted(fixtures.glob("*.md"))]
    parse_s = sum(timed(check_sql, d, {"sql_execute": False})[0] for d in docs)
    rows.append((f"SQL check, parse only ({len(docs)} fixture specs)", f"{parse_s * 1000 / len(docs):.0f} ms per spec"))
    pg = os.environ.get("AGENTSPEC_PG_URL")
    if pg:
        exec_s = sum(timed(check_sql, d, pg_url=pg)[0] for d in docs)
        rows.append(("SQL check, executed on seeded rows (throwaway database each)",
                     f"{exec_s * 1000 / len(docs):.0f} ms per spec (**{exec_s / parse_s:.0f}×** parse only)"))
    else:
        rows.append(("SQL check, executed", "skipped: AGENTSPEC_PG_URL not set"))
    if compiler_available():
        example = SpecDocument.load(ROOT / "examples" / "stripe-invoice-sync")
        ts_s, score = timed(check_typecheck, example)
        compiled = next((d for d in score.details if d.startswith("TypeScript ")), "")
        rows.append(("TypeScript type check of the README example's examples",
                     f"{ts_s:.2f} s ({compiled}; {len(score.findings)} finding(s))"))
    rows += derived_examples() + embedded_draft()
    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"# Cost of the checks of meaning — {stamp} — {os.cpu_count()} CPUs, Python {platform.python_version()}", "",
             "Reproduce: `python scripts/bench_checks.py` (PostgreSQL from `scripts/ci_postgres.sh` for the executed row). "
             "The checks run in the graph's `check` node, which LangGraph runs in a worker thread, not on the event "
             "loop; the compiler is bounded by a 120 s timeout and each SQL statement by PostgreSQL's 15 s "
             "statement_timeout.", "", "| measure | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows], ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
