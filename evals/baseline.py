"""The eval baseline: what a known-good replay run scored, and the comparison
that decides the exit code.

evals/baseline.json is written by ``agentspec eval --update-baseline`` from a
replay run (deterministic: same cassettes, same scores). A report directory
works as a baseline too (its report.json), which also gives pairwise judging
the baseline's spec files.

Gate rules (why they look like this):
  * a case that errors, hits a cassette mismatch or leaves recorded calls unused
    always fails the gate: the run did not measure what the dataset asks;
  * with a baseline entry for a case, a check fails the gate only when it passed
    in the baseline (a regression). Known failures of a weak drafting model are
    tolerated once they are in the baseline, so CI stays meaningful;
  * without one, the GATE_CHECKS (which the pipeline guarantees by construction)
    must pass outright;
  * more failed sections than in the baseline is a regression;
  * the judge mean (over the cases judged in both runs) may not drop by more
    than `threshold` below the baseline's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from agentspec.spec_document import spec_markdown_path

BASELINE_PATH = Path(__file__).parent / "baseline.json"
GATE_CHECKS = ("headings", "placeholders", "erd_ddl_orm", "example_endpoints", "event_flow")
FAILED_STATUSES = ("error", "cassette_mismatch", "missing_cassette")


def make_baseline(report: dict[str, Any]) -> dict[str, Any]:
    cases = {}
    for case in report.get("cases", []):
        cases[case["id"]] = {
            "status": case.get("status"),
            "failed_sections": list(case.get("failed_sections") or []),
            "checks": {c["name"]: {"value": c["value"], "passed": c["passed"], "skipped": c["skipped"]}
                       for c in case.get("checks") or []},
            "judge_mean": (case.get("judge") or {}).get("mean"),
            "families": {f: v.get("mean") for f, v in ((case.get("judge") or {}).get("families") or {}).items()},
            "usage": case.get("usage") or {},
        }
    summary = report.get("summary") or {}
    return {
        "version": 1,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mode": report.get("mode"),
        "dataset": report.get("dataset"),
        "judge_model": (report.get("judge") or {}).get("model"),
        "judge_mean": summary.get("judge_mean"),
        "families": summary.get("families") or {},
        "cases": cases,
    }


def load_baseline(path: Path) -> dict[str, Any]:
    """A baseline.json, or a report directory / report.json turned into one."""
    if path.is_dir():
        path = path / "report.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if "cases" in data and isinstance(data["cases"], list):  # a report, not a baseline
        return make_baseline(data)
    return data


def baseline_spec_dir(path: Path | None, case_id: str) -> Path | None:
    """The baseline's spec directory for a case, when the baseline is a report dir."""
    if path is None:
        return None
    root = path if path.is_dir() else path.parent
    candidate = root / "cases" / case_id
    return candidate if spec_markdown_path(candidate).is_file() else None


def _delta(base: float | None, current: float | None) -> float | None:
    if base is None or current is None:
        return None
    return round(current - base, 3)


def _judge_means(report: dict[str, Any], baseline: dict[str, Any] | None) -> tuple[float | None, float | None]:
    """(current, baseline) judge means over the cases judged in both runs, so a
    run over a subset of the dataset is compared like for like. Falls back to
    the overall means when no case is common."""
    now = {c["id"]: (c.get("judge") or {}).get("mean") for c in report.get("cases", [])}
    was = {cid: entry.get("judge_mean") for cid, entry in ((baseline or {}).get("cases") or {}).items()}
    common = [cid for cid in now if now[cid] is not None and was.get(cid) is not None]
    if common:
        return (round(sum(now[c] for c in common) / len(common), 3), round(sum(was[c] for c in common) / len(common), 3))
    return (report.get("summary") or {}).get("judge_mean"), (baseline or {}).get("judge_mean")


def compare(report: dict[str, Any], baseline: dict[str, Any] | None, threshold: float) -> dict[str, Any]:
    """Per-case and overall deltas plus the gate verdict. Pure: reads only its arguments."""
    gate: list[str] = []
    cases_out: dict[str, Any] = {}
    base_cases = (baseline or {}).get("cases") or {}
    for case in report.get("cases", []):
        cid = case["id"]
        status = case.get("status")
        if status in FAILED_STATUSES:
            gate.append(f"{cid}: {status}: {case.get('error') or ''}".rstrip(": "))
        for note in (case.get("cassette") or {}).get("unused") or []:
            gate.append(f"{cid}: recorded call never requested: {note}")
        base = base_cases.get(cid)
        entry: dict[str, Any] = {"in_baseline": base is not None, "checks": {}, "regressions": [], "improvements": []}
        for check in case.get("checks") or []:
            name = check["name"]
            was = (base or {}).get("checks", {}).get(name)
            row = {"current": check["value"], "passed": check["passed"], "skipped": check["skipped"],
                   "baseline": was.get("value") if was else None, "baseline_passed": was.get("passed") if was else None}
            row["delta"] = _delta(row["baseline"], row["current"])
            if check["skipped"]:
                pass
            elif base is not None and was is not None:
                if was.get("passed") and not was.get("skipped") and not check["passed"]:
                    entry["regressions"].append(f"check {name} passed in the baseline and fails now")
                elif not was.get("passed") and check["passed"]:
                    entry["improvements"].append(f"check {name} now passes")
            elif not check["passed"] and name in GATE_CHECKS:
                gate.append(f"{cid}: gate check {name} fails (no baseline entry to compare with)")
            entry["checks"][name] = row
        if base is not None and status not in FAILED_STATUSES:
            now_failed = set(case.get("failed_sections") or [])
            was_failed = set(base.get("failed_sections") or [])
            newly = sorted(now_failed - was_failed)
            if newly:
                entry["regressions"].append(f"sections failed that drafted in the baseline: {', '.join(newly)}")
            fixed = sorted(was_failed - now_failed)
            if fixed:
                entry["improvements"].append(f"sections now drafted: {', '.join(fixed)}")
        judge_now = (case.get("judge") or {}).get("mean")
        entry["judge_mean"] = {"baseline": (base or {}).get("judge_mean"), "current": judge_now,
                               "delta": _delta((base or {}).get("judge_mean"), judge_now)}
        fams = {}
        for fam, data in ((case.get("judge") or {}).get("families") or {}).items():
            b = ((base or {}).get("families") or {}).get(fam)
            fams[fam] = {"baseline": b, "current": data.get("mean"), "delta": _delta(b, data.get("mean"))}
        entry["families"] = fams
        gate.extend(f"{cid}: {r}" for r in entry["regressions"])
        cases_out[cid] = entry

    summary = report.get("summary") or {}
    judge_now, judge_base = _judge_means(report, baseline)
    drop = None if judge_now is None or judge_base is None else round(judge_base - judge_now, 3)
    judge_regressed = drop is not None and drop > threshold
    notes = []
    if baseline is None:
        notes.append("no baseline: gate checks must pass outright and the judge mean is not compared")
    elif judge_base is not None and judge_now is None:
        notes.append("the baseline has judge scores but this run has none (judge off or skipped): not compared")
    missing = sorted(set(base_cases) - {c["id"] for c in report.get("cases", [])})
    if missing:
        notes.append(f"baseline cases not in this run: {', '.join(missing)}")
    families = {}
    for fam, now in (summary.get("families") or {}).items():
        b = ((baseline or {}).get("families") or {}).get(fam)
        families[fam] = {"baseline": b, "current": now, "delta": _delta(b, now)}
    return {
        "judge_mean": {"baseline": judge_base, "current": judge_now, "delta": _delta(judge_base, judge_now),
                       "drop": drop, "threshold": threshold, "regressed": judge_regressed},
        "families": families,
        "cases": cases_out,
        "gate_failures": gate,
        "passed": not gate and not judge_regressed,
        "notes": notes,
    }
