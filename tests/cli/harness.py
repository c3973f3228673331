"""Drive the installed `agentspec` console script as a user does: a subprocess,
real files, pipes and signals. The fake OpenAI server (a TEST DOUBLE) answers
in this process; the CLI reaches it over loopback.

Every helper here asserts the contract the README's exit-code table promises:
the exit code, no traceback, and (with `Tree`) that nothing outside the run's
own directory changed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes import DESCRIPTION  # noqa: F401 - re-exported for the tests

AGENTSPEC = Path(sys.executable).with_name("agentspec")
DEAD_ENDPOINT = "http://127.0.0.1:9/v1"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def fake_endpoint_env(server, key: str = "sk-test-not-a-real-key", **extra: str) -> dict[str, str]:  # noqa: ANN001
    """The environment that points the CLI at a fake OpenAI-compatible server (a test double)."""
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": key, "AGENTSPEC_MODEL": "fake-model",
            "AGENTSPEC_INSTRUCTOR_MODE": "tools", **extra}


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    # os.environ already carries the per-test data/config/cache dirs (tests/conftest.py).
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(extra or {})}
    return {k: v for k, v in env.items() if v is not None}


def agentspec(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              stdin: str | bytes | None = None, timeout: float = 120) -> Result:
    """Run the installed console script to completion."""
    if not AGENTSPEC.exists():
        pytest.fail(f"the console script {AGENTSPEC} is not installed (pip install -e .)")
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([str(AGENTSPEC), *args], input=data, capture_output=True, env=_env(env), cwd=cwd,
                          timeout=timeout, stdin=None if data is not None else subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def terminal_sigint() -> None:
    """Ctrl-C as at a terminal: a test run started as a background job (`cmd &` in a
    non-interactive shell, as CI runners do) inherits SIGINT ignored, and so would every
    process it spawns; a user at a terminal has the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start the console script without waiting (for signals)."""
    return subprocess.Popen([str(AGENTSPEC), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=terminal_sigint,
                            stdin=subprocess.DEVNULL, env=_env(env), cwd=cwd)


def wait_for(predicate, timeout: float = 60, interval: float = 0.05) -> bool:  # noqa: ANN001
    """Poll until `predicate()` is true; a deadline, not a sleep, so load only slows it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def interrupt(proc: subprocess.Popen, timeout: float = 60) -> Result:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=timeout)
    return Result(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def assert_exit(result: Result, code: int, fragment: str | None = None) -> None:
    assert result.code == code, f"exit {result.code}, want {code}\n{result.output}"
    assert "Traceback" not in result.output, result.output
    if fragment is not None:
        assert fragment.lower() in result.output.lower(), result.output


class Tree:
    """A snapshot of every file under a root (path -> sha256), to prove that a
    command changed nothing outside the directories it was allowed to write."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.before = self._scan()

    def _scan(self) -> dict[str, str]:
        files = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[str(path.relative_to(self.root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        return files

    def changed(self, *allowed: Path) -> list[str]:
        after = self._scan()
        keys = set(self.before) | set(after)
        prefixes = [str(p.resolve().relative_to(self.root.resolve())) for p in allowed]
        return sorted(k for k in keys if self.before.get(k) != after.get(k)
                      and not any(k == p or k.startswith(p + os.sep) for p in prefixes))

    def assert_unchanged(self, *allowed: Path) -> None:
        assert self.changed(*allowed) == [], f"files changed outside {allowed}: {self.changed(*allowed)}"


def verify_left(repo: Path, spec: Path) -> tuple[int, set[tuple[str, str, str]]]:
    """`agentspec verify SPEC --repo REPO --json`: its exit code and the required elements it
    finds missing or different, as (kind, name, status)."""
    result = agentspec("verify", str(spec), "--repo", str(repo), "--json")
    report = json.loads(result.stdout)
    return result.code, {(e["kind"], e["name"], e["status"]) for e in report["elements"]
                         if e["required"] and e["status"] != "present"}
