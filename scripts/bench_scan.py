"""Benchmark `agentspec.repo.scan` on a synthetic repository and write docs/benchmarks-scan.md.

The repository is generated in a temporary folder: Python and TypeScript
modules (some with routes, models, env reads, SDK imports), SQL migrations,
Markdown docs, manifests, and a node_modules folder full of files that the
scan must prune without reading. Usage:

    python scripts/bench_scan.py                 # 10,000 files, best of 3
    python scripts/bench_scan.py --files 2000 --runs 1 --output -
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agentspec.repo import RepoContext, scan  # noqa: E402

TARGET_FILES = 10_000
TARGET_SECONDS = 10.0
FILES_PER_FOLDER = 100
NODE_MODULES_FILES = 4_000

# Share of scanned files per kind (the rest is Markdown).
MIX = {"py": 0.35, "ts": 0.35, "sql": 0.05}


def _python_module(rng: random.Random, index: int) -> str:
    kind = index % 10
    lines = ["from __future__ import annotations", "", "import os", "import json", ""]
    if kind == 0:
        lines += ["from fastapi import APIRouter", "", f'router = APIRouter(prefix="/r{index}")', ""]
        for n in range(rng.randint(2, 6)):
            lines += [f'@router.get("/items/{{item_id}}/v{n}")', f"def read_{n}(item_id: int) -> dict:",
                      "    return {'id': item_id}", ""]
    elif kind == 1:
        lines += ["from sqlmodel import Field, SQLModel", "", f"class Model{index}(SQLModel, table=True):",
                  f'    __tablename__ = "model_{index}"', "    id: int | None = Field(default=None, primary_key=True)",
                  "    name: str", "    score: float | None = None", ""]
    elif kind == 2:
        lines += [f'SETTING_{index} = os.getenv("SETTING_{index}", "x")', "import stripe", ""]
    for n in range(rng.randint(4, 12)):
        lines += [f"def helper_{n}(value: int, other: str = 'x') -> dict:",
                  '    """Do a small amount of work."""',
                  "    data = {'value': value, 'other': other, 'items': [i * 2 for i in range(value)]}",
                  "    if value > 10:", "        data['big'] = True", "    return json.loads(json.dumps(data))", ""]
    return "\n".join(lines)


def _ts_module(rng: random.Random, index: int) -> str:
    kind = index % 10
    lines = ["import { readFileSync } from 'fs';", ""]
    if kind == 0:
        lines += ["import { Router } from 'express';", "", "const router = Router();"]
        for n in range(rng.randint(2, 6)):
            lines += [f"router.get('/r{index}/items/:id/v{n}', handler{n});"]
        lines += ["export default router;", ""]
    elif kind == 1:
        lines += [f"const token = process.env.TOKEN_{index};", "import twilio from 'twilio';", ""]
    for n in range(rng.randint(4, 12)):
        lines += [f"export function handler{n}(req: any, res: any): void {{",
                  "  const items = [1, 2, 3].map((x) => x * 2);",
                  "  if (items.length > 2) {", "    res.json({ ok: true, items });", "  } else {",
                  "    res.status(404).end();", "  }", "}", ""]
    lines += [f"export class Service{index} {{", "  private cache = new Map<string, number>();",
              "  get(key: string): number | undefined { return this.cache.get(key); }", "}", ""]
    return "\n".join(lines)


def _sql_migration(index: int) -> str:
    if index % 3 == 0 or index < 3:
        return (f"CREATE TABLE t_{index} (\n  id bigserial PRIMARY KEY,\n  name text NOT NULL,\n"
                f"  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
                f"CREATE INDEX t_{index}_name ON t_{index} (name);\n")
    target = index - index % 3
    return f"ALTER TABLE t_{target} ADD COLUMN c_{index} integer;\nUPDATE t_{target} SET c_{index} = 0;\n"


def _markdown(rng: random.Random, index: int) -> str:
    words = ["scan", "route", "table", "spec", "client", "topic", "budget", "file"]
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(rng.randint(3, 8))]
    return f"# Note {index}\n\n" + "\n\n".join(paragraphs) + "\n"


def generate(root: Path, files: int, seed: int = 7) -> dict[str, int]:
    """Write a synthetic repository of `files` scannable files (plus ignored ones) under `root`."""
    rng = random.Random(seed)
    counts = {"py": 0, "ts": 0, "sql": 0, "md": 0, "other": 0, "node_modules": 0}
    (root / ".gitignore").write_text("generated/\n*.log\n")
    (root / "package.json").write_text('{"dependencies": {"express": "^4", "twilio": "^5"},'
                                       ' "devDependencies": {"jest": "^29"}}\n')
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\ndependencies = ["fastapi", "sqlmodel"]\n')
    (root / ".env.example").write_text("".join(f"SETTING_{i}=value-{i}\n" for i in range(50)))
    counts["other"] = 4
    budget = files - counts["other"]
    plan = {kind: int(budget * share) for kind, share in MIX.items()}
    plan["md"] = budget - sum(plan.values())
    for kind, total in plan.items():
        for index in range(total):
            folder = root / {"py": "app", "ts": "src", "sql": "db/migrations", "md": "docs"}[kind]
            if kind != "sql":
                folder = folder / f"pkg{index // FILES_PER_FOLDER:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            if kind == "py":
                (folder / f"module_{index}.py").write_text(_python_module(rng, index))
            elif kind == "ts":
                (folder / f"module_{index}.ts").write_text(_ts_module(rng, index))
            elif kind == "sql":
                (folder / f"{index:05d}_step.sql").write_text(_sql_migration(index))
            else:
                (folder / f"note_{index}.md").write_text(_markdown(rng, index))
            counts[kind] += 1
    # Ignored: node_modules (built-in skip) and a gitignored folder; neither may be read.
    for index in range(NODE_MODULES_FILES):
        folder = root / "node_modules" / f"dep{index // 50}" / "lib"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"index{index}.js").write_text("module.exports = (app) => app.get('/ignored', h);\n")
        counts["node_modules"] += 1
    generated = root / "generated"
    generated.mkdir()
    for index in range(200):
        (generated / f"gen_{index}.py").write_text("import os\nX = os.getenv('IGNORED')\n")
    return counts


def _rss_mib() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class BenchResult:
    files: int
    counts: dict[str, int]
    generate_s: float
    timings: list[float]
    rss_before_mib: float
    rss_peak_mib: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    ctx: RepoContext


def run(files: int, runs: int) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="agentspec-bench-scan-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        counts = generate(root, files)
        generate_s = time.perf_counter() - started
        rss_before = _rss_mib()
        load_before = os.getloadavg()
        timings: list[float] = []
        ctx: RepoContext | None = None
        for _ in range(runs):
            started = time.perf_counter()
            ctx = scan(root, max_files=max(files * 2, 20_000), time_budget_s=600)
            timings.append(time.perf_counter() - started)
        assert ctx is not None
        return BenchResult(files=files, counts=counts, generate_s=generate_s, timings=timings,
                           rss_before_mib=rss_before, rss_peak_mib=_rss_mib(), load_before=load_before,
                           load_after=os.getloadavg(), ctx=ctx)


def render(result: BenchResult, note: str) -> str:
    ctx, timings, counts = result.ctx, result.timings, result.counts
    best = min(timings)
    stats = ctx.stats
    cpus = os.cpu_count() or 0
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    if stats.files_seen < TARGET_FILES:
        verdict = f"does not test (only {stats.files_seen:,} files)"
    else:
        verdict = "meets" if best <= TARGET_SECONDS and not stats.stopped_early else "MISSES"
    load_before = ", ".join(f"{x:.2f}" for x in result.load_before)
    load_after = ", ".join(f"{x:.2f}" for x in result.load_after)
    lines = [
        "# Benchmark: repository scan (`agentspec.repo.scan`)",
        "",
        "Generated by `python scripts/bench_scan.py`; rerun it to refresh this page.",
        "",
        f"Target (issue \"Ground the spec in the user's codebase\"): {TARGET_FILES:,} files in at most "
        f"{TARGET_SECONDS:.0f} s on 2 cores. This run **{verdict}** it: best of {len(timings)} is "
        f"**{best:.2f} s** for {stats.files_seen:,} files.",
        "",
        "## Result",
        "",
        "| measure | value |",
        "|---|---|",
        f"| files scanned (seen by the walk) | {stats.files_seen:,} |",
        f"| files parsed | {stats.files_parsed:,} |",
        f"| ignored entries pruned (node_modules, .gitignore) | {stats.skipped_ignored:,} |",
        f"| scan time, best of {len(timings)} | {best:.2f} s |",
        f"| scan times, all runs | {', '.join(f'{t:.2f} s' for t in timings)} |",
        f"| throughput (best run) | {stats.files_seen / best:,.0f} files/s |",
        f"| peak RSS of the process after the scans | {result.rss_peak_mib:.0f} MiB |",
        f"| RSS before the first scan (interpreter + imports + generator) | {result.rss_before_mib:.0f} MiB |",
        f"| stopped early | {stats.stopped_early} |",
        f"| problems recorded | {len(stats.problems)} |",
        "",
        "Facts found: "
        f"{len(ctx.routes):,} routes, {len(ctx.tables):,} tables, {len(ctx.env_vars):,} env var names, "
        f"{len(ctx.clients)} SDK clients, frameworks {', '.join(f.name for f in ctx.frameworks) or 'none'}.",
        "",
        "## Synthetic repository",
        "",
        f"{counts['py']:,} Python modules (1 in 10 a FastAPI router, 1 in 10 a SQLModel model), "
        f"{counts['ts']:,} TypeScript modules (1 in 10 an Express router), {counts['sql']:,} SQL migrations "
        f"in one folder, {counts['md']:,} Markdown files, {counts['other']} manifests/config files; plus "
        f"{counts['node_modules']:,} files under `node_modules/` and 200 under a gitignored folder, which "
        "the walk prunes without reading. Code files are 30 to 120 lines. Generation took "
        f"{result.generate_s:.1f} s (not counted).",
        "",
        "## Machine",
        "",
        f"- CPUs: {cpus} (usable by this process: {affinity}; `nproc`)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()} ({platform.machine()})",
        f"- Load average (1, 5, 15 min) before the scans: {load_before}; after: {load_after}",
        f"- Date (UTC): {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')}",
        "",
    ]
    if note:
        lines += ["## Note", "", note, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=TARGET_FILES, help="scannable files to generate")
    parser.add_argument("--runs", type=int, default=3, help="scans to time; the best counts")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks-scan.md"),
                        help="Markdown file to write, or - for stdout")
    parser.add_argument("--note", default="", help="free text added to the page (e.g. machine conditions)")
    args = parser.parse_args(argv)
    result = run(args.files, args.runs)
    page = render(result, args.note)
    if args.output == "-":
        print(page)
    else:
        Path(args.output).write_text(page, encoding="utf-8")
        print(f"best {min(result.timings):.2f} s for {result.ctx.stats.files_seen} files -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
