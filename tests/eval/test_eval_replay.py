"""Replay of whole drafts.

1. The real draft pipeline recorded against the fake OpenAI server (TEST DOUBLE,
   synthetic answers: this checks the record/replay machinery, not quality) and
   replayed in another process with another hash seed: every request must match
   and every recorded call must be used. This is what the real cassettes face.
2. The committed cassettes (real local-model output) for evals/datasets/replay.jsonl,
   against evals/baseline.json. Skipped per case until its cassette is recorded.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from agentspec.testing import FakeOpenAIServer
from evals import cassettes
from evals.baseline import BASELINE_PATH, load_baseline
from evals.checks import CHECKS, Score
from evals.harness import DATASETS_DIR, Case, load_dataset, run_eval

ROOT = Path(__file__).resolve().parents[2]
CASE = Case("stripe-invoice-sync", "Sync Stripe invoices into our Postgres billing DB via webhooks, with an admin sync-status page",
            {"entities": ["invoice"], "external_systems": ["stripe"]})

_REPLAY_SCRIPT = """
import io, json, sys
from pathlib import Path
from rich.console import Console
from evals.checks import CHECKS, Score
from evals.harness import Case, run_eval
CHECKS["mermaid"] = lambda spec, run: Score.skip("mermaid", "stubbed")
case = Case(**json.loads(sys.argv[1]))
report = run_eval([case], "replay", None, Path(sys.argv[2]), cassette_dir=Path(sys.argv[3]), judge=False,
                  console=Console(file=io.StringIO()), calibration_dir=None)
print(json.dumps({"exit_code": report["exit_code"], "case": report["cases"][0]}))
"""


def test_a_recorded_draft_replays_in_another_process(tmp_path, monkeypatch):
    monkeypatch.setitem(CHECKS, "mermaid", lambda spec, run: Score.skip("mermaid", "stubbed"))
    cassette_dir = tmp_path / "cassettes"
    with FakeOpenAIServer() as server:
        recorded = run_eval([CASE], "record", None, tmp_path / "record", judge=False, cassette_dir=cassette_dir,
                            upstream=server.base_url, console=Console(file=io.StringIO()), calibration_dir=None)
        calls = len(server.calls)
    case = recorded["cases"][0]
    assert case["status"] in ("ok", "partial"), case["error"]
    assert calls > 20 and (cassette_dir / f"{CASE.id}.yaml").is_file()
    assert not (cassette_dir / f"{CASE.id}.recording.yaml").exists()

    # Another interpreter with another hash seed: set/dict ordering that leaks
    # into a prompt would break the match here, as it would for real cassettes.
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", _REPLAY_SCRIPT, json.dumps(CASE.__dict__), str(tmp_path / "replay"), str(cassette_dir)],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    replayed = json.loads(proc.stdout.strip().splitlines()[-1])
    again = replayed["case"]
    assert again["cassette"]["unused"] == [] and again["cassette"]["played"] == calls, again.get("error")
    assert again["status"] == case["status"] and again["failed_sections"] == case["failed_sections"]
    assert {c["name"]: c["value"] for c in again["checks"]} == {c["name"]: c["value"] for c in case["checks"]}
    assert (tmp_path / "replay" / "cases" / CASE.id / "spec.json").read_text(encoding="utf-8") == \
        (tmp_path / "record" / "cases" / CASE.id / "spec.json").read_text(encoding="utf-8")
    assert replayed["exit_code"] == recorded["exit_code"]


# ------------------------------------------------------------------ committed cassettes


def _replay_cases() -> list[Case]:
    return load_dataset(DATASETS_DIR / "replay.jsonl")


@pytest.mark.parametrize("case", _replay_cases(), ids=lambda c: c.id)
def test_committed_cassette_replays_cleanly(case, tmp_path):
    path = cassettes.CASSETTE_DIR / f"{case.id}.yaml"
    if not path.is_file():
        pytest.skip(f"no recorded cassette {path.relative_to(ROOT)} yet: record it with `agentspec eval --record "
                    f"--dataset evals/datasets/replay.jsonl` on the embedded local model (about 15-20 min per case)")
    baseline = BASELINE_PATH if BASELINE_PATH.is_file() else None
    report = run_eval([case], "replay", baseline, tmp_path / "report", console=Console(file=io.StringIO()),
                      calibration_dir=None)
    result = report["cases"][0]
    assert result["status"] in ("ok", "partial"), result["error"]
    assert result["cassette"]["unused"] == []
    if baseline is not None and case.id in (load_baseline(baseline).get("cases") or {}):
        comparison = report["comparison"]
        assert comparison["passed"], comparison["gate_failures"] or comparison["judge_mean"]
