"""The README's exit-code table and the no-overwrite rules, through the installed
console script: usage errors, --version, Ctrl-C, kill -9, --json, the output
directory decided before any call, and `show --out`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.doubles import FakeOpenAIServer, Latency
from tests.cli.harness import _env as harness_env
from tests.cli.harness import AGENTSPEC, DEAD_ENDPOINT, DESCRIPTION, Result, Tree, agentspec, assert_exit, fake_endpoint_env, interrupt, spawn, wait_for
from tests.fakes import RecordedResponder

USAGE_ERRORS = [
    [],                                     # a bare `agentspec`
    ["draft", "--bogus", "x"],
    ["no-such-command"],
    ["draft", "x", "--concurrency", "0"],
    ["draft", "x", "--max-cost", "-1"],
    ["draft", "x", "--archetype", "no_such_archetype"],
    ["resume"],
    ["review"],
    ["check"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: " ".join(a) or "bare")
def test_usage_errors_are_bad_input(args, workdir, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec(*args, cwd=workdir)
    assert_exit(result, 2)
    assert "internal error" not in result.output
    assert "resume" not in result.stderr.lower() or args[:1] == ["resume"]
    tree.assert_unchanged()


def test_version_prints_the_version():
    from agentspec import __version__

    result = agentspec("--version")
    assert_exit(result, 0)
    assert result.stdout.strip() == f"agentspec {__version__}"


def test_help_is_ok():
    assert_exit(agentspec("--help"), 0, "draft")
    assert_exit(agentspec("draft", "--help"), 0, "--out")


def _run_id(workdir: Path) -> str:
    (spec_dir,) = (workdir / "specs").iterdir()
    return json.loads((spec_dir / "run.json").read_text())["thread_id"]


def _slow_server():
    # Every answer takes ~1 s: long enough to interrupt a run in the middle.
    return FakeOpenAIServer(responder=RecordedResponder(), latency=Latency(ttft_s=1.0, tokens_per_s=5000))


_env = fake_endpoint_env


def test_ctrl_c_during_draft_exits_130_and_the_run_resumes(workdir, tmp_path):
    tree = Tree(tmp_path)
    with _slow_server() as server:
        proc = spawn("draft", DESCRIPTION, env=_env(server), cwd=workdir)
        assert wait_for(lambda: len(server.calls) >= 2, timeout=120), "the draft never reached the endpoint"
        result = interrupt(proc)
        assert_exit(result, 130, "interrupted")
        runs = json.loads(agentspec("runs", "--json").stdout)["runs"]
        assert [r["status"] for r in runs] == ["interrupted"]
        run_id = runs[0]["thread_id"]
        assert f"agentspec resume {run_id}" in result.stderr
        paid = len(server.calls)
        resumed = agentspec("resume", run_id, env=_env(server), cwd=workdir, timeout=300)
    assert_exit(resumed, 0, "wrote")
    assert len(server.calls) > paid
    assert _run_id(workdir) == run_id
    tree.assert_unchanged(workdir / "specs")


def test_sigterm_during_draft_exits_143_and_the_run_resumes(workdir):
    """A service manager or `kill` stops a run as Ctrl-C does: marked interrupted, resumable."""
    with _slow_server() as server:
        proc = spawn("draft", DESCRIPTION, env=_env(server), cwd=workdir)
        assert wait_for(lambda: len(server.calls) >= 2, timeout=120), "the draft never reached the endpoint"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        result = Result(proc.returncode, out.decode(), err.decode())
        assert_exit(result, 143, "terminated")
        runs = json.loads(agentspec("runs", "--json").stdout)["runs"]
        assert [r["status"] for r in runs] == ["interrupted"]
        assert f"agentspec resume {runs[0]['thread_id']}" in result.stderr
        resumed = agentspec("resume", runs[0]["thread_id"], env=_env(server), cwd=workdir, timeout=300)
    assert_exit(resumed, 0, "wrote")


# The default run keeps the case CI hits (SIGTERM with SIGINT ignored, as a CI runner starts
# processes); the other two take 20 s each and run with -m slow.
@pytest.mark.parametrize("sig, code, sigint_ignored", [pytest.param(signal.SIGINT, 130, False, marks=pytest.mark.slow),
                                                     pytest.param(signal.SIGTERM, 143, False, marks=pytest.mark.slow),
                                                     (signal.SIGTERM, 143, True)])
def test_a_signal_during_eval_stops_the_whole_eval(workdir, tmp_path, sig, code, sigint_ignored):
    """SIGTERM once cancelled only the current case of `eval --record`, which then started
    the next one (seen on a recording): a signal stops the eval."""
    dataset = tmp_path / "two.jsonl"
    dataset.write_text("\n".join(json.dumps({"id": f"case-{i}", "description": f"{DESCRIPTION} ({i})"}) for i in (1, 2)) + "\n")
    with _slow_server() as server:
        args = ("eval", "--live", "--no-judge", "--dataset", str(dataset), "-o", str(tmp_path / "report"))
        # Started in the background (`nohup cmd &`, a CI runner), a process has SIGINT ignored and
        # asyncio installs no Ctrl-C handler: SIGTERM then printed asyncio's shutdown traceback.
        proc = (subprocess.Popen([str(AGENTSPEC), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, env=harness_env(_env(server)), cwd=workdir,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
                if sigint_ignored else spawn(*args, env=_env(server), cwd=workdir))
        assert wait_for(lambda: len(server.calls) >= 2, timeout=120), "the eval never reached the endpoint"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    result = Result(proc.returncode, out.decode(), err.decode())
    assert_exit(result, code)
    assert "case-2" not in result.output, "the eval went on to the next case"
    assert "unhandled exception" not in result.output, result.output


def test_kill_9_shows_the_run_as_interrupted(workdir):
    with _slow_server() as server:
        proc = spawn("draft", DESCRIPTION, env=_env(server), cwd=workdir)
        assert wait_for(lambda: len(server.calls) >= 1, timeout=120)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    runs = json.loads(agentspec("runs", "--json").stdout)["runs"]
    assert [r["status"] for r in runs] == ["interrupted"]


def test_draft_json_result_on_stdout(workdir, endpoint_env):
    result = agentspec("draft", DESCRIPTION, "--json", env=endpoint_env, cwd=workdir)
    assert_exit(result, 0)
    payload = json.loads(result.stdout)  # stdout holds the JSON document and nothing else
    assert payload["exit_code"] == 0 and payload["status"] == "done" and payload["failed"] == []
    assert "integration-requirements.md" in payload["files"] and payload["usage"]["calls"] > 0
    assert Path(payload["out_dir"]).resolve() == (workdir / "specs").resolve() / Path(payload["out_dir"]).name
    assert "wrote" in result.stderr  # progress and the summary go to stderr


def test_default_directory_is_checked_before_any_call(workdir, endpoint_env, fake_server):
    first = agentspec("draft", DESCRIPTION, env=endpoint_env, cwd=workdir)
    assert_exit(first, 0)
    tree = Tree(workdir)
    calls = len(fake_server.calls)
    second = agentspec("draft", DESCRIPTION, env=endpoint_env, cwd=workdir)
    assert_exit(second, 2, "not empty")
    assert len(fake_server.calls) == calls, "the refused run paid for calls"
    tree.assert_unchanged()
    runs = json.loads(agentspec("runs", "--json").stdout)["runs"]
    assert len(runs) == 1  # the refused run never started


def test_a_directory_claimed_by_an_unfinished_run_is_refused(workdir, tmp_path):
    with _slow_server() as server:
        proc = spawn("draft", DESCRIPTION, env=_env(server), cwd=workdir)
        assert wait_for(lambda: len(server.calls) >= 1, timeout=120)
        calls = len(server.calls)
        second = agentspec("draft", DESCRIPTION, env=_env(server), cwd=workdir)
        assert_exit(second, 2, "writes its spec to")
        interrupt(proc)
    assert len([c for c in server.calls if c.section == "intake"]) == 1, "the second run paid for its intake"
    assert calls >= 1


@pytest.mark.slow  # 17-27 s each on 2 workers: the default run stays under 10 min on CI
def test_show_out_refuses_a_non_empty_directory_and_keeps_the_run_directory(workdir, endpoint_env, tmp_path):
    assert_exit(agentspec("draft", DESCRIPTION, env=endpoint_env, cwd=workdir), 0)
    run_id = _run_id(workdir)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.md").write_text("mine\n")
    tree = Tree(tmp_path)
    refused = agentspec("show", run_id, "--out", str(busy), cwd=workdir)
    assert_exit(refused, 2, "not empty")
    tree.assert_unchanged()

    copy = tmp_path / "copy"
    assert_exit(agentspec("show", run_id, "--out", str(copy), cwd=workdir), 0)
    assert (copy / "integration-requirements.md").is_file()
    runs = json.loads(agentspec("runs", "--json").stdout)["runs"]
    assert Path(runs[0]["out_dir"]).resolve() == next((workdir / "specs").iterdir()).resolve(), \
        "show --out moved the run's own directory"
    # Showing again into the run's own directory is not an overwrite of someone else's files.
    assert_exit(agentspec("show", run_id, cwd=workdir), 0)


def test_endpoint_failure_hint_names_the_run(workdir):
    env = {"OPENAI_BASE_URL": DEAD_ENDPOINT, "OPENAI_API_KEY": "sk-test-not-a-real-key",
           "AGENTSPEC_MODEL": "fake-model", "AGENTSPEC_TRANSPORT_RETRIES": "0", "AGENTSPEC_INSTRUCTOR_MODE": "tools"}
    result = agentspec("draft", DESCRIPTION, env=env, cwd=workdir)
    assert_exit(result, 4)
    run_id = json.loads(agentspec("runs", "--json").stdout)["runs"][0]["thread_id"]
    assert f"agentspec resume {run_id}" in result.stderr
    assert "THREAD" not in result.output


def test_internal_error_hint_only_names_a_started_run(workdir):
    # A corrupt key file is a configuration error before any run exists: no resume hint.
    config = Path(os.environ["AGENTSPEC_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "keys.json").write_text("{not json")
    result = agentspec("draft", DESCRIPTION, cwd=workdir)
    assert_exit(result, 2, "key file")
    assert "resume" not in result.stderr
