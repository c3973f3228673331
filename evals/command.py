"""`agentspec eval`, plugged into the CLI through the `agentspec.commands` entry point
(pyproject.toml), so the product never imports evals: run the eval dataset, write the
report, compare with the baseline. Exit 0 when the gates hold, 1 when a gate fails or the judge mean
drops by more than the threshold (like `agentspec check`, 1 means "ran, but
failed"); configuration problems raise UsageError/ConfigError (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agentspec.errors import UsageError


def run_eval_command(
    dataset: Path | None,
    replay: bool,
    live: bool,
    record: bool,
    baseline: Path | None,
    report: Path,
    concurrency: int,
    judge: bool,
    threshold: float,
    update_baseline: bool,
    console: Console,
    upstream: str | None = None,
) -> int:
    from agentspec.evals.baseline import BASELINE_PATH, make_baseline
    from agentspec.evals.harness import DATASETS_DIR, load_dataset, run_eval

    dataset = dataset if dataset is not None else DATASETS_DIR / "replay.jsonl"  # the cases that have cassettes

    chosen = [name for name, on in (("replay", replay), ("live", live), ("record", record)) if on]
    if len(chosen) > 1:
        raise UsageError(f"choose one of --replay, --live, --record (got {', '.join('--' + c for c in chosen)})")
    mode = chosen[0] if chosen else "replay"  # the default needs no model and no network
    if not dataset.is_file():
        raise UsageError(f"dataset {dataset} not found", hint="see evals/datasets/ (core.jsonl, replay.jsonl)")
    if threshold < 0:
        raise UsageError("--threshold must be >= 0")
    if concurrency < 1:
        raise UsageError("--concurrency must be >= 1")
    if upstream is not None and mode != "record":
        raise UsageError("--upstream only applies to --record")
    if update_baseline and mode == "live":
        raise UsageError("a baseline must come from a reproducible run", hint="use --replay --update-baseline")
    baseline_path = baseline if baseline is not None else BASELINE_PATH
    if update_baseline and baseline_path.is_dir():
        raise UsageError(f"--update-baseline writes a JSON file; {baseline_path} is a directory",
                         hint="give --baseline a .json path, or leave it out to write evals/baseline.json")

    # Every case is validated (shape, types, draft's input checks) before
    # anything is drafted or the report directory is created.
    load_dataset(dataset)
    if report.exists() and not report.is_dir():
        raise UsageError(f"--report {report} is a file; the report is a directory")

    result = run_eval(dataset, mode, baseline_path, report, concurrency, judge, threshold,
                      console=console, upstream=upstream)
    _print_summary(result, report, console)
    if update_baseline:
        broken = [c["id"] for c in result["cases"] if c["status"] not in ("ok", "partial")]
        if broken:
            console.print(f"[red]baseline not updated[/]: cases did not complete: {', '.join(broken)}")
            return 1
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(json.dumps(make_baseline(result), indent=2) + "\n", encoding="utf-8")
        console.print(f"baseline written to {baseline_path}")
        return 0
    return int(result["exit_code"])


def _print_summary(result: dict, report_dir: Path, console: Console) -> None:
    from agentspec.checks.semantic import defect_count

    table = Table(title=f"agentspec eval ({result['mode']})")
    for column in ("case", "status", "judge", "Δ judge", "defects", "checks failed", "tokens", "time s"):
        table.add_column(column)
    comp_cases = (result.get("comparison") or {}).get("cases") or {}
    for case in result["cases"]:
        judge = (case.get("judge") or {}).get("mean")
        delta = ((comp_cases.get(case["id"]) or {}).get("judge_mean") or {}).get("delta")
        failed = sum(1 for c in case.get("checks") or [] if not c["passed"])
        usage = case.get("usage") or {}
        defects = defect_count(case.get("checks") or [])
        table.add_row(case["id"], case["status"], "–" if judge is None else f"{judge:.2f}",
                      "–" if delta is None else f"{delta:+.2f}", "–" if defects is None else str(defects), str(failed),
                      f"{usage.get('input_tokens', 0) + usage.get('output_tokens', 0):,}",
                      f"{usage.get('case_wall_s') or 0:.1f}")
    console.print(table)
    comp = result.get("comparison") or {}
    for note in [*result.get("notes", []), *(result.get("judge") or {}).get("notes", []), *comp.get("notes", [])]:
        console.print(f"[yellow]note[/]: {note}", highlight=False)
    for failure in comp.get("gate_failures") or []:
        console.print(f"[red]gate[/]: {failure}", highlight=False)
    jm = comp.get("judge_mean") or {}
    if jm.get("regressed"):
        console.print(f"[red]judge regression[/]: mean {jm['current']} vs baseline {jm['baseline']} "
                      f"(drop {jm['drop']} > {jm['threshold']})", highlight=False)
    verdict = "[green]PASS[/]" if result["exit_code"] == 0 else "[red]FAIL[/]"
    console.print(f"{verdict} · report: {report_dir / 'report.html'}", highlight=False)
