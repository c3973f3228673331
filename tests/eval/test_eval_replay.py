"""Replay of whole drafts.

1. The real draft pipeline recorded against the fake OpenAI server (TEST DOUBLE,
   synthetic answers: this checks the record/replay machinery, not quality) and
   replayed in another process with another hash seed: every request must match
   and every recorded call must be used. This is what the real cassettes face.
2. The committed cassettes (real local-model output) for evals/datasets/replay.jsonl,
   against evals/baseline.json. Skipped per case until its cassette is recorded.
   They replay with the clock moved 30 days ahead: the run's date comes from the
   recording (it reaches the judge prompts as the spec's "Last Updated" line).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from tests.doubles import FakeOpenAIServer
from agentspec.evals import cassettes
from agentspec.evals.baseline import BASELINE_PATH, load_baseline
from agentspec.checks import CHECKS, Score
from agentspec.evals.harness import DATASETS_DIR, Case, load_dataset, run_eval
from tests.fakes import REPLAY_TOOLS_REASON, replay_tools_missing

ROOT = Path(__file__).resolve().parents[2]
CASE = Case("stripe-invoice-sync", "Sync Stripe invoices into our Postgres billing DB via webhooks, with an admin sync-status page",
            {"entities": ["invoice"], "external_systems": ["stripe"]})

_REPLAY_SCRIPT = """
import io, json, sys
from pathlib import Path
from rich.console import Console
from agentspec.checks import CHECKS, Score
from agentspec.evals.harness import Case, run_eval
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


SHIFT_DAYS = 30
_LAST_UPDATED = re.compile(r"\*\*Last Updated\*\*: (\d{4}-\d{2}-\d{2})")


def shift_clock(monkeypatch: pytest.MonkeyPatch, days: int = SHIFT_DAYS) -> str:
    """Move the wall clock the run reads (time.strftime/localtime/gmtime without a
    time argument, which is how the runner dates a run) `days` ahead; returns the
    shifted today. Monotonic time is left alone, so timeouts are unaffected."""
    real_strftime, real_localtime, real_gmtime = time.strftime, time.localtime, time.gmtime
    offset = days * 86400

    def localtime(secs=None):  # noqa: ANN001, ANN202
        return real_localtime(time.time() + offset if secs is None else secs)

    def gmtime(secs=None):  # noqa: ANN001, ANN202
        return real_gmtime(time.time() + offset if secs is None else secs)

    def strftime(fmt, t=None):  # noqa: ANN001, ANN202
        return real_strftime(fmt, localtime() if t is None else t)

    monkeypatch.setattr(time, "localtime", localtime)
    monkeypatch.setattr(time, "gmtime", gmtime)
    monkeypatch.setattr(time, "strftime", strftime)
    return time.strftime("%Y-%m-%d")


@pytest.mark.skipif(replay_tools_missing(), reason=REPLAY_TOOLS_REASON)
@pytest.mark.parametrize("case", _replay_cases(), ids=lambda c: c.id)
def test_committed_cassette_replays_cleanly(case, tmp_path, monkeypatch):
    path = cassettes.CASSETTE_DIR / f"{case.id}.yaml"
    if not path.is_file():
        pytest.skip(f"no recorded cassette {path.relative_to(ROOT)} yet: record it with `agentspec eval --record "
                    f"--dataset evals/datasets/replay.jsonl` on the embedded local model (about 15-20 min per case)")
    baseline = BASELINE_PATH if BASELINE_PATH.is_file() else None
    # Another day than the recording's, whatever day the suite runs on.
    shifted_today = shift_clock(monkeypatch)
    report = run_eval([case], "replay", baseline, tmp_path / "report", console=Console(file=io.StringIO()),
                      calibration_dir=None)
    result = report["cases"][0]
    assert result["status"] in ("ok", "partial"), result["error"]
    assert result["cassette"]["unused"] == []
    run_date = result["run_date"]["date"]
    assert run_date is not None and run_date != shifted_today, result["run_date"]
    spec = (tmp_path / "report" / "cases" / case.id / "integration-requirements.md").read_text(encoding="utf-8")
    assert _LAST_UPDATED.findall(spec) == [run_date]  # the document carries the recording's date
    if baseline is not None and case.id in (load_baseline(baseline).get("cases") or {}):
        comparison = report["comparison"]
        assert comparison["passed"], comparison["gate_failures"] or comparison["judge_mean"]


# ------------------------------------------------------------------ the run's date comes from the recording


def _request(body: str | None):  # noqa: ANN202
    from vcr.request import Request

    return Request("POST", cassettes.REPLAY_BASE_URL + "/chat/completions", body, {})


class _Cassette:
    """What recorded_run_date reads from a vcr cassette: requests and metadata."""

    def __init__(self, bodies: list[str | None], recording: dict | None = None) -> None:
        self.requests = [_request(b) for b in bodies]
        self._metadata = {"recording": recording} if recording is not None else {}

    def get_metadata(self, key, default):  # noqa: ANN001, ANN201
        return self._metadata.get(key, default)


def _judge_body(day: str) -> str:
    return json.dumps({"model": "m", "messages": [
        {"role": "user", "content": f"<<<\n---\n\n**Template Version**: 2.0.0\n**Last Updated**: {day}\n>>>"}]})


def test_run_date_from_metadata_then_requests_then_recorded_at():
    plain = json.dumps({"messages": [{"role": "user", "content": "draft the intake"}]})
    recorded_at = {"recorded_at": "2026-11-26T23:59:59Z"}
    # 1. saved at record time
    assert cassettes.recorded_run_date(_Cassette([_judge_body("2026-11-25")], {"run_date": "2026-11-24", **recorded_at})) \
        == ("2026-11-24", "recording metadata run_date")
    # 2. cassettes recorded before run_date was saved: the date the recorded requests hold,
    #    not recorded_at (saved when the case ended, possibly after midnight)
    assert cassettes.recorded_run_date(_Cassette([plain, None, _judge_body("2026-11-25")], recorded_at)) \
        == ("2026-11-25", "recorded request bodies")
    # 3. no request holds a date (so any date matches): recorded_at keeps the document stable
    assert cassettes.recorded_run_date(_Cassette([plain], recorded_at)) == ("2026-11-26", "recording metadata recorded_at")
    assert cassettes.recorded_run_date(_Cassette([plain])) == (None, "the cassette records no date")
    # malformed metadata is ignored
    assert cassettes.recorded_run_date(_Cassette([_judge_body("2026-11-25")], {"run_date": "yesterday"}))[0] == "2026-11-25"


def test_replay_takes_the_date_from_the_cassette_and_record_from_today(monkeypatch):
    from agentspec.evals.harness import _run_date

    shifted_today = shift_clock(monkeypatch)
    assert shifted_today == (date.today() + timedelta(days=SHIFT_DAYS)).isoformat()
    cassette = _Cassette([_judge_body("2026-11-25")])
    assert _run_date("replay", cassette) == ("2026-11-25", "recorded request bodies")
    assert _run_date("record", None)[0] == shifted_today
    assert _run_date("live", None)[0] is None  # the runner dates a live run itself, today


def test_record_saves_the_run_date_and_replay_uses_it_on_another_day(tmp_path, monkeypatch):
    """A real draft and judge recorded against the fake server (TEST DOUBLE) today,
    replayed 30 days later: the judge prompts quote the document's date, and every
    request still matches because the replay dates the run as recorded."""
    import yaml

    monkeypatch.setitem(CHECKS, "mermaid", lambda spec, run: Score.skip("mermaid", "stubbed"))
    cassette_dir = tmp_path / "cassettes"
    with FakeOpenAIServer() as server:
        recorded = run_eval([CASE], "record", None, tmp_path / "record", cassette_dir=cassette_dir,
                            upstream=server.base_url, console=Console(file=io.StringIO()), calibration_dir=None)
    today = time.strftime("%Y-%m-%d")
    first = recorded["cases"][0]
    assert first["status"] in ("ok", "partial") and first["run_date"]["date"] == today, first["error"]
    text = (cassette_dir / f"{CASE.id}.yaml").read_text(encoding="utf-8")
    assert f"**Last Updated**: {today}" in text  # the date is part of what must match
    assert yaml.load(text, Loader=yaml.CSafeLoader)["metadata"]["recording"]["run_date"] == today

    shift_clock(monkeypatch)
    replayed = run_eval([CASE], "replay", None, tmp_path / "replay", cassette_dir=cassette_dir,
                        console=Console(file=io.StringIO()), calibration_dir=None)
    case = replayed["cases"][0]
    assert case["status"] == first["status"] and case["cassette"]["unused"] == [], case["error"]
    assert case["judge"]["status"] == "ok"
    assert case["run_date"] == {"date": today, "from": "recording metadata run_date"}
    assert (tmp_path / "replay" / "cases" / CASE.id / "spec.json").read_text(encoding="utf-8") == \
        (tmp_path / "record" / "cases" / CASE.id / "spec.json").read_text(encoding="utf-8")


_FAKETIME_PROBE = """
import json, sys, time
from agentspec.evals import cassettes
from agentspec.evals.harness import _run_date
with cassettes.make_vcr().use_cassette(sys.argv[1], record_mode="none") as cassette:
    print(json.dumps({"today": time.strftime("%Y-%m-%d"), "run_date": _run_date("replay", cassette)[0]}))
"""


def _faketime() -> str:
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        # Nested, its subprocess timeouts fail: libfaketime's clock_nanosleep gives EINVAL there.
        pytest.skip("the suite already runs under libfaketime")
    path = shutil.which("faketime")
    if path is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime); the in-process clock shift above "
                    "covers the same ground")
    return path


# libfaketime 0.9.10 also shifts CLOCK_MONOTONIC, and then a timed wait on a condition
# variable (threading.Event.wait(1), queue.get(timeout=...), asyncio's executor) blocks
# for the whole shift: only the wall clock is moved.
FAKETIME_ENV = {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}


@pytest.mark.skipif(replay_tools_missing(), reason=REPLAY_TOOLS_REASON)
def test_under_faketime_a_replay_keeps_the_recorded_date():
    """The real clock moved (libfaketime, in a subprocess): the replay still dates the run as recorded."""
    cassette = cassettes.CASSETTE_DIR / "gdpr-data-deletion.yaml"
    if not cassette.is_file():
        pytest.skip(f"no recorded cassette {cassette.name}")
    faketime = _faketime()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    plain = subprocess.run([sys.executable, "-c", _FAKETIME_PROBE, str(cassette)], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=600)
    moved = subprocess.run([faketime, "-f", f"+{SHIFT_DAYS}d", sys.executable, "-c", _FAKETIME_PROBE, str(cassette)],
                           capture_output=True, text=True, env={**env, **FAKETIME_ENV}, cwd=ROOT, timeout=600)
    assert plain.returncode == 0 and moved.returncode == 0, plain.stderr[-2000:] + moved.stderr[-2000:]
    now, later = json.loads(plain.stdout.splitlines()[-1]), json.loads(moved.stdout.splitlines()[-1])
    assert date.fromisoformat(later["today"]) - date.fromisoformat(now["today"]) == timedelta(days=SHIFT_DAYS)
    recorded = yaml.safe_load(cassette.read_text(encoding="utf-8"))["metadata"]["recording"]["run_date"]
    assert later["run_date"] == now["run_date"] == recorded  # the date the cassette was recorded on, not either clock's
    assert later["today"] != recorded


@pytest.mark.slow
@pytest.mark.skipif(replay_tools_missing(), reason=REPLAY_TOOLS_REASON)
def test_eval_replay_cli_under_faketime(tmp_path):
    """`agentspec eval --replay` end to end with the clock 30 days ahead (about a minute; -m slow)."""
    faketime = _faketime()
    dataset = tmp_path / "replay.jsonl"
    dataset.write_text((DATASETS_DIR / "replay.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run([faketime, "-f", f"+{SHIFT_DAYS}d", sys.executable, "-m", "agentspec.cli", "eval", "--replay",
                           "--dataset", str(dataset), "--report", str(tmp_path / "report")],
                          capture_output=True, text=True, cwd=ROOT, timeout=1200,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **FAKETIME_ENV})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert all(c["status"] in ("ok", "partial") and c["cassette"]["unused"] == [] for c in report["cases"]), \
        [(c["id"], c["status"], c["error"]) for c in report["cases"]]
