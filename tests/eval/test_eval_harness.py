"""The eval harness: record/replay wiring, unused and mismatched cassette calls,
baselines and exit codes, report files.

The drafting step is replaced by a hand-made spec (spec_factory) so these tests
take seconds; the judge calls are real HTTP to the fake OpenAI server (TEST
DOUBLE) while recording, and come from the cassette on replay.
test_eval_replay.py runs the real draft pipeline end to end.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import spec_factory
import yaml
from rich.console import Console

from agentspec.errors import UsageError
from agentspec.evals.command import run_eval_command
from tests.doubles import FakeOpenAIServer
from agentspec.evals import harness
from agentspec.evals.baseline import compare, make_baseline
from agentspec.checks import CHECKS, Score
from agentspec.evals.cassettes import REPLAY_BASE_URL, ReadableSerializer
from agentspec.evals.harness import Case, run_eval

CASES = [Case("inv", "Let customers pay invoices with Stripe", {"entities": ["invoice"], "external_systems": ["stripe"]})]
QUIET = Console(file=io.StringIO())


def _verdicts(score: int):
    def respond(req):
        return {cid: {"evidence": ["CREATE TABLE invoices"], "feedback": "ok", "score": score} for cid in req.schema["properties"]}
    return respond


@pytest.fixture
def fast_draft(monkeypatch):
    """Draft = write the hand-made spec; everything after it (checks, judge,
    cassettes, report) is the real harness. The mermaid check (3 s of node per
    run, tested on its own elsewhere) is stubbed."""
    async def draft(case, out, ctx, result):
        spec_factory.write_spec(out)
        result["status"] = "ok"

    monkeypatch.setattr(harness, "_draft", draft)
    monkeypatch.setitem(CHECKS, "mermaid", lambda spec, run: Score.skip("mermaid", "stubbed in harness tests"))


@pytest.fixture
def recorded(tmp_path, fast_draft):
    """A cassette holding the judge calls for CASES (score 3 everywhere)."""
    cassettes = tmp_path / "cassettes"
    with FakeOpenAIServer(responder=_verdicts(3)) as server:
        report = run_eval(CASES, "record", None, tmp_path / "record", cassette_dir=cassettes,
                          upstream=server.base_url, console=QUIET, calibration_dir=None)
        calls = len(server.calls)
    assert report["cases"][0]["status"] == "ok", report["cases"][0]
    assert calls == 5  # one judge call per family: the hand-made spec fits one unit each
    return cassettes


def _replay(tmp_path, cassettes, name="replay", **kwargs):
    return run_eval(CASES, "replay", kwargs.pop("baseline", None), tmp_path / name, cassette_dir=cassettes,
                    console=QUIET, calibration_dir=None, **kwargs)


def _cassette(cassettes: Path) -> dict:
    return ReadableSerializer.deserialize((cassettes / "inv.yaml").read_text(encoding="utf-8"))


def _save(cassettes: Path, data: dict) -> None:
    (cassettes / "inv.yaml").write_text(ReadableSerializer.serialize(data), encoding="utf-8")


# ------------------------------------------------------------------ record / replay


def test_replay_reproduces_the_recording_without_a_server(tmp_path, recorded):
    report = _replay(tmp_path, recorded)
    case = report["cases"][0]
    assert report["exit_code"] == 0, report["comparison"]
    assert case["status"] == "ok"
    assert case["judge"]["mean"] == 3.0 and set(case["judge"]["families"]) == {
        "architecture", "data", "security_ops", "code_examples", "analysis"}
    assert case["cassette"] == {"interactions": 5, "played": 5, "unused": [], "judge_unused_ignored": 0}
    assert report["judge"]["model"] == harness.PINNED_MODEL
    assert {c["name"] for c in case["checks"]} >= {"erd_ddl_orm", "example_endpoints", "event_flow", "expectations"}


def test_cassettes_are_readable_and_hold_no_secrets(recorded):
    text = (recorded / "inv.yaml").read_text(encoding="utf-8")
    assert "eval-cassette-key" not in text  # the (dummy) API key is filtered out
    data = yaml.safe_load(text)
    request = data["interactions"][0]["request"]
    assert not {h.lower() for h in request["headers"]} & {"authorization", "api-key", "cookie"}
    assert request["uri"] == REPLAY_BASE_URL + "/chat/completions"  # the recording port is not in it
    assert "body" not in request and request["parsed_body"]["model"] == harness.PINNED_MODEL
    assert "parsed_body" in data["interactions"][0]["response"]["body"]
    # Prompts are literal blocks: one line of prompt per line of YAML.
    assert re.search(r"content: \|-?\n\s+### Feature request\n\s+Let customers pay invoices with Stripe\n", text)


def test_an_unused_recorded_call_fails_the_replay(tmp_path, recorded):
    data = _cassette(recorded)
    extra = json.loads(json.dumps(data["interactions"][0]))
    body = json.loads(extra["request"]["body"])
    body["messages"][-1]["content"] += "\nA request the pipeline no longer makes."
    extra["request"]["body"] = json.dumps(body)
    data["interactions"].append(extra)
    _save(recorded, data)
    report = _replay(tmp_path, recorded)
    assert report["exit_code"] == 1
    (unused,) = report["cases"][0]["cassette"]["unused"]
    assert unused.startswith("#5 POST /v1/chat/completions (role judge")
    assert any("recorded call never requested" in g for g in report["comparison"]["gate_failures"])


def test_judge_off_on_replay_ignores_the_recorded_judge_calls(tmp_path, recorded):
    report = _replay(tmp_path, recorded, judge=False)
    assert report["exit_code"] == 0
    assert report["cases"][0]["judge"] is None
    assert report["cases"][0]["cassette"]["judge_unused_ignored"] == 5


def test_a_changed_prompt_is_a_mismatch_with_a_diff(tmp_path, recorded):
    data = _cassette(recorded)
    for interaction in data["interactions"]:
        body = json.loads(interaction["request"]["body"])
        if interaction["request"]["headers"]["x-agentspec-section"] == ["judge:data"]:
            body["messages"][-1]["content"] = body["messages"][-1]["content"].replace("### Rubric", "### Old rubric")
            interaction["request"]["body"] = json.dumps(body)
    _save(recorded, data)
    report = _replay(tmp_path, recorded)
    case = report["cases"][0]
    assert report["exit_code"] == 1
    assert case["status"] == "cassette_mismatch"
    assert "section 'judge:data'" in case["error"]
    assert "-### Old rubric" in case["error"] and "+### Rubric" in case["error"]


def test_a_missing_cassette_is_reported_not_crashed(tmp_path, fast_draft):
    report = _replay(tmp_path, tmp_path / "empty")
    case = report["cases"][0]
    assert case["status"] == "missing_cassette" and "agentspec eval --record" in case["error"]
    assert report["exit_code"] == 1
    assert (tmp_path / "replay" / "report.html").is_file()


def test_a_cassette_without_judge_calls_skips_the_judge(tmp_path, fast_draft):
    cassettes = tmp_path / "cassettes"
    with FakeOpenAIServer(responder=_verdicts(3)) as server:
        run_eval(CASES, "record", None, tmp_path / "rec", False, False, cassette_dir=cassettes,
                 upstream=server.base_url, console=QUIET, calibration_dir=None)
        assert server.calls == []
    report = _replay(tmp_path, cassettes)  # judge on
    case = report["cases"][0]
    assert case["status"] == "ok" and case["judge"] is None
    assert case["notes"] == ["judge skipped: the cassette holds no judge calls (record with the judge on)"]
    assert case["recording"]["models"] == [] and "recorded_at" in case["recording"]
    assert report["exit_code"] == 0


def test_record_mode_pins_the_request_shape(tmp_path, fast_draft, monkeypatch):
    # The user's environment must not leak into recorded requests.
    monkeypatch.setenv("AGENTSPEC_MODEL", "gpt-4o")
    monkeypatch.setenv("AGENTSPEC_MAX_OUTPUT_TOKENS", "77")
    monkeypatch.setenv("AGENTSPEC_JUDGE_MODEL", "gpt-4.1")
    with FakeOpenAIServer(responder=_verdicts(4)) as server:
        report = run_eval(CASES, "record", None, tmp_path / "rec", cassette_dir=tmp_path / "c",
                          upstream=server.base_url, console=QUIET, calibration_dir=None)
        models = {c.model for c in server.calls}
    assert models == {harness.PINNED_MODEL}
    assert any("AGENTSPEC_JUDGE_MODEL is ignored" in n for n in report["notes"])
    settings = harness.pinned_settings(harness.load_settings(), "http://x/v1", tmp_path, replay=True)
    assert (settings.model, settings.max_output_tokens, settings.transport_retries) == (harness.PINNED_MODEL, 2048, 0)
    # the embedded model answers slowly on 2 cores: its timeout, not the hosted one
    recording = harness.pinned_settings(harness.load_settings(), "http://x/v1", tmp_path, replay=False)
    assert recording.timeout_for(recording.resolved_provider()) == harness.LOCAL_REQUEST_TIMEOUT_S


# ------------------------------------------------------------------ baselines, exit codes


def test_judge_drop_beyond_the_threshold_fails(tmp_path, recorded):
    report = _replay(tmp_path, recorded)
    baseline = make_baseline(report)
    assert compare(report, baseline, 0.3)["passed"]
    baseline["cases"]["inv"]["judge_mean"] = 3.25  # current 3.0: drop 0.25 <= 0.3
    assert compare(report, baseline, 0.3)["passed"]
    baseline["cases"]["inv"]["judge_mean"] = 3.5  # drop 0.5
    result = compare(report, baseline, 0.3)
    assert not result["passed"] and result["judge_mean"]["regressed"] and result["judge_mean"]["drop"] == 0.5
    assert compare(report, baseline, 0.6)["passed"]
    # A baseline case this run did not judge does not count against it.
    baseline["cases"]["other"] = {"judge_mean": 1.0, "checks": {}}
    assert compare(report, baseline, 0.3)["judge_mean"]["baseline"] == 3.5


def test_a_check_that_passed_in_the_baseline_must_still_pass(tmp_path, recorded):
    report = _replay(tmp_path, recorded)
    baseline = make_baseline(report)
    report["cases"][0]["checks"] = [dict(c, passed=False, value=0.5) if c["name"] == "sql" else c
                                    for c in report["cases"][0]["checks"]]
    result = compare(report, baseline, 0.3)
    assert not result["passed"]
    assert result["gate_failures"] == ["inv: check sql passed in the baseline and fails now"]
    # A known failure (failing in the baseline too) does not fail the gate.
    baseline["cases"]["inv"]["checks"]["sql"]["passed"] = False
    assert compare(report, baseline, 0.3)["passed"]


def test_without_a_baseline_the_gate_checks_must_pass(tmp_path, recorded):
    report = _replay(tmp_path, recorded)
    report["cases"][0]["checks"] = [dict(c, passed=False) if c["name"] == "erd_ddl_orm" else c
                                    for c in report["cases"][0]["checks"]]
    result = compare(report, None, 0.3)
    assert not result["passed"] and "gate check erd_ddl_orm fails" in result["gate_failures"][0]


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "dataset.jsonl"
    path.write_text(json.dumps({"id": "inv", "description": CASES[0].description, "expect": CASES[0].expect}) + "\n",
                    encoding="utf-8")
    return path


def test_eval_command_exit_codes_and_baseline_update(tmp_path, recorded, monkeypatch):
    monkeypatch.setattr("agentspec.evals.cassettes.CASSETTE_DIR", recorded)
    monkeypatch.setattr("agentspec.evals.judge.CALIBRATION_DIR", tmp_path / "no-calibration")
    dataset, baseline = _dataset(tmp_path), tmp_path / "baseline.json"

    def run(**kw):
        args = dict(dataset=dataset, replay=True, live=False, record=False, baseline=baseline, report=tmp_path / "r",
                    concurrency=1, judge=True, threshold=0.3, update_baseline=False, console=QUIET)
        args.update(kw)
        return run_eval_command(**args)

    assert run() == 0  # no baseline yet: a note, and the gate checks pass
    assert run(update_baseline=True) == 0
    stored = json.loads(baseline.read_text(encoding="utf-8"))
    assert stored["judge_mean"] == 3.0 and stored["mode"] == "replay" and "inv" in stored["cases"]
    assert run() == 0
    stored["judge_mean"] = stored["cases"]["inv"]["judge_mean"] = 4.0
    baseline.write_text(json.dumps(stored), encoding="utf-8")
    assert run() == 1  # judge mean 3.0 is 1.0 below the baseline
    assert run(threshold=1.5) == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["comparison"]["judge_mean"]["delta"] == -1.0


def test_eval_command_rejects_bad_options(tmp_path):
    dataset = _dataset(tmp_path)
    base = dict(dataset=dataset, replay=False, live=False, record=False, baseline=None, report=tmp_path / "r",
                concurrency=1, judge=True, threshold=0.3, update_baseline=False, console=QUIET)
    with pytest.raises(UsageError, match="choose one"):
        run_eval_command(**{**base, "replay": True, "live": True})
    with pytest.raises(UsageError, match="reproducible"):
        run_eval_command(**{**base, "live": True, "update_baseline": True})
    with pytest.raises(UsageError, match="not found"):
        run_eval_command(**{**base, "dataset": tmp_path / "nope.jsonl"})
    with pytest.raises(UsageError, match="threshold"):
        run_eval_command(**{**base, "threshold": -1})


def test_dataset_loading_validates_ids(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "description": "x"}\n{"id": "a", "description": "y"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="duplicate case id"):
        harness.load_dataset(path)
    path.write_text('{"id": "../evil", "description": "x"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="names files"):
        harness.load_dataset(path)
    core = harness.load_dataset(Path(harness.DATASETS_DIR) / "core.jsonl")
    assert len(core) >= 12
    # A case drafted with --repo names its repository relative to the dataset, as a template path is.
    (tmp_path / "service").mkdir()
    path.write_text('{"id": "grounded", "description": "x", "repo": "service"}\n', encoding="utf-8")
    assert harness.load_dataset(path)[0].repo == (tmp_path / "service").resolve()
    path.write_text('{"id": "grounded", "description": "x", "repo": "nowhere"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="repo must be a path to a directory"):
        harness.load_dataset(path)


# ------------------------------------------------------------------ report files


def test_report_files_are_written_and_the_html_is_self_contained(tmp_path, recorded):
    report = _replay(tmp_path, recorded)
    out = tmp_path / "replay"
    for name in ("report.json", "report.md", "report.html"):
        assert (out / name).is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert "url(" not in html
    for target in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html):
        assert not re.match(r"^(?:[a-z]+:|//)", target, re.I), f"external reference: {target}"
    assert 'href="cases/inv/integration-requirements.md"' in html
    assert (out / "cases" / "inv" / "integration-requirements.md").is_file()
    assert html.count("<svg") >= 4
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| inv | ok | 3.00 |" in md and "[spec](cases/inv/integration-requirements.md)" in md
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["exit_code"] == report["exit_code"]


def test_report_highlights_regressions(tmp_path, recorded):
    first = _replay(tmp_path, recorded, name="first")
    baseline = make_baseline(first)
    baseline["judge_mean"] = baseline["cases"]["inv"]["judge_mean"] = 4.5
    baseline["cases"]["inv"]["families"]["data"] = 4.0
    baseline["cases"]["inv"]["checks"]["expectations"]["passed"] = True
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    # Expect something the spec lacks: the expectations check now fails.
    cases = [Case("inv", CASES[0].description, {"entities": ["refund"]})]
    report = run_eval(cases, "replay", path, tmp_path / "second", cassette_dir=recorded, console=QUIET, calibration_dir=None)
    assert report["exit_code"] == 1
    html = (tmp_path / "second" / "report.html").read_text(encoding="utf-8")
    assert "Why this run fails" in html
    assert "cell fail regressed" in html and "▼ " in html
    assert "judge mean dropped by 1.5" in html
    assert '<span class="down">▼ -1.00</span>' in html  # the data family's delta
    assert '<span class="down">▼ -1.50</span>' in html  # the case's judge mean


# ------------------------------------------------------------------ live mode


def _live_responder(req):
    if (req.section or "").startswith("judge:pairwise"):
        return {"feedback": "same content", "winner": "A"}  # a position-biased judge
    return _verdicts(4)(req)


def test_live_mode_caches_the_judge_and_compares_with_a_baseline_report(tmp_path, fast_draft, monkeypatch):
    cases = [CASES[0], Case("inv2", "Let customers pay invoices with Adyen", {})]
    with FakeOpenAIServer(responder=_live_responder) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("AGENTSPEC_MODEL", "fake-model")
        monkeypatch.setenv("AGENTSPEC_INSTRUCTOR_MODE", "json_object_schema")
        first = run_eval(cases, "live", None, tmp_path / "first", concurrency=2, console=QUIET, calibration_dir=None)
        judged = len(server.calls)
        assert judged == 10  # 5 families x 2 cases
        second = run_eval(cases, "live", tmp_path / "first", tmp_path / "second", concurrency=2, console=QUIET,
                          calibration_dir=None)
        pairwise = [c for c in server.calls[judged:] if c.section.startswith("judge:pairwise")]
        # Scores come from the cache. Pairwise: 5 families x 2 cases; the spec is the
        # same in both runs, so both orders are one prompt and the second is a cache hit.
        assert len(server.calls) - judged == len(pairwise) == 10
    assert first["judge"]["model"] == "fake-model" and first["judge"]["cached"]
    assert [c["judge"]["mean"] for c in second["cases"]] == [4.0, 4.0]
    assert second["cases"][0]["judge"]["usage"]["cached"] == 10
    outcomes = {p["outcome"] for c in second["cases"] for p in c["judge"]["pairwise"].values()}
    assert outcomes == {"tie"}  # "A" in both orders is position bias, not a win
    assert second["comparison"]["judge_mean"] == {"baseline": 4.0, "current": 4.0, "delta": 0.0, "drop": 0.0,
                                                  "threshold": 0.3, "regressed": False}
    assert second["exit_code"] == 0
