"""kill -9 in the middle of a draft, at several points, then `agentspec resume`:
the spec completes and no section that had finished is requested again. Also the
interactive review driven through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cli.harness import terminal_sigint

from tests.doubles import FakeOpenAIServer, Latency
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder

pytestmark = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")


def _cli(args: list[str], base_url: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test"}
    return subprocess.Popen([sys.executable, "-m", "agentspec.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=terminal_sigint, **kwargs)


def _finished_sections(srv, first_call: int, before: float) -> set[str]:
    """Sections whose answer this run received in full before the kill. Calls of
    earlier runs do not count: the server may finish writing an answer after the
    process that asked for it was killed, and nobody received that one."""
    return {c.section for c in srv.calls[first_call:] if c.status == 200 and c.end is not None and c.end < before}


# Kill points: after this many answered LLM calls (intake is call 1; ~30 calls in a full draft).
KILL_POINTS = (1, 4, 11, 19, 27)
# Waits below are for events (calls answered, a process exiting); this only bounds a hang.
HANG_S = 300
# An answer the server finished sending this long before the kill has reached the client
# and its checkpoint. Generous, so a busy machine (slow client, slow sqlite) does not
# turn a late checkpoint into a false "paid twice".
CHECKPOINTED_AFTER_S = 1.0


def test_kill_9_at_five_points_then_resume_requests_no_finished_section_again(tmp_path):
    """One draft, killed with SIGKILL five times (the draft, then each resume),
    resumed after every kill: each resume requests no section that had finished
    before any earlier kill, and the last resume completes the spec."""
    with FakeOpenAIServer(responder=RecordedResponder(), latency=Latency(ttft_s=0.15, tokens_per_s=2000)) as srv:
        args = ["draft", DESCRIPTION, "--out", str(tmp_path / "spec"), "--concurrency", "3", "--no-critic"]
        finished: set[str] = set()
        for kill_after in KILL_POINTS:
            before = Counter(c.section for c in srv.calls)
            first_call = len(srv.calls)
            proc = _cli(args, srv.base_url)
            deadline = time.monotonic() + HANG_S
            while sum(1 for c in srv.calls if c.status == 200) < kill_after:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(0.05 * kill_after % 0.2)  # vary the point inside the wave
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = time.monotonic()
            requested = set(Counter(c.section for c in srv.calls) - before)
            again = finished & requested
            assert not again, f"finished sections requested again after a kill at {kill_after} calls: {sorted(again)}"
            # An answer still in the client's hands at the kill may be lost; one that
            # arrived CHECKPOINTED_AFTER_S earlier has been checkpointed and must never be paid again.
            finished |= _finished_sections(srv, first_call, killed_at - CHECKPOINTED_AFTER_S)
            args = ["resume", _thread_id()]
        before = Counter(c.section for c in srv.calls)
        resume = _cli(args, srv.base_url)
        out, _ = resume.communicate(timeout=HANG_S)
        assert resume.returncode == 0, out
        again = finished & set(Counter(c.section for c in srv.calls) - before)
    assert not again, f"finished sections requested again after the last resume: {sorted(again)}"
    spec = (tmp_path / "spec" / "integration-requirements.md").read_text()
    assert "## Testing & Validation" in spec and not re.search(r"^> \*\*Section `[^`]+` failed\*\*", spec, re.M)
    run = json.loads((tmp_path / "spec" / "run.json").read_text())
    assert run["failed_sections"] == []


def _thread_id() -> str:
    from agentspec.runlog import RunLog

    runs = RunLog(Path(os.environ["AGENTSPEC_DATA_DIR"]) / "threads.sqlite").list()
    return runs[0]["thread_id"]


def test_interactive_review_through_a_pty(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    server = subprocess.Popen([sys.executable, "-m", "tests.fake_server_main"], stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().split()[-1]
        env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test", "EDITOR": "true",
               "TERM": "dumb", "COLUMNS": "120"}
        child = pexpect.spawn(sys.executable, ["-m", "agentspec.cli", "draft", DESCRIPTION, "--review", "--no-critic",
                                               "--out", str(tmp_path / "spec"), "--concurrency", "2"],
                              env=env, encoding="utf-8", timeout=HANG_S, dimensions=(50, 120))
        answers = {"revise": 0}
        while True:
            index = child.expect([r"\(a\)pprove.*: ", r"feedback for the agent", pexpect.EOF])
            if index == 2:
                break
            if index == 1:
                child.sendline("mention the invoice.payment_failed event")
                continue
            # Revise the first section once, edit the second (EDITOR=true keeps the text), approve the rest.
            if answers["revise"] == 0:
                answers["revise"] = 1
                child.sendline("r")
            elif answers["revise"] == 1:
                answers["revise"] = 2
                child.sendline("e")
            else:
                child.sendline("a")
        child.close()
        assert child.exitstatus == 0, child.before
        spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
        statuses = Counter(e["status"] for e in spec["sections"].values())
        assert statuses["edited"] == 1 and statuses["approved"] >= 20, statuses
    finally:
        server.terminate()
        server.wait(timeout=60)
