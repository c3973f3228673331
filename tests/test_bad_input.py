"""The bad-input suite, run through the real CLI: each case gets a clear
one-line error, exit code 2, no traceback, and no partial or overwritten files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

DEAD_ENDPOINT = "http://127.0.0.1:9/v1"


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "OPENAI_BASE_URL": DEAD_ENDPOINT, "OPENAI_API_KEY": "sk-test", **(env or {})}
    return subprocess.run([sys.executable, "-m", "agentspec.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120)


def assert_clean_usage_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert fragment.lower() in output.lower(), output


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def no_files(directory: Path) -> bool:
    return not directory.exists() or not any(directory.iterdir())


def test_empty_description(workdir):
    assert_clean_usage_error(cli("draft", "", "--out", str(workdir / "o")), "empty")
    assert no_files(workdir / "o")


def test_whitespace_only(workdir):
    assert_clean_usage_error(cli("draft", "  \n\t ", "--out", str(workdir / "o")), "empty")


def test_one_megabyte_file(workdir):
    big = workdir / "big.txt"
    big.write_text("sync invoices " * 80_000)
    assert_clean_usage_error(cli("draft", "--file", str(big), "--out", str(workdir / "o")), "larger than")


def test_long_argument_over_token_budget(workdir):
    assert_clean_usage_error(cli("draft", "sync invoices via webhooks " * 2000), "budget is")


def test_non_utf8_file(workdir):
    bad = workdir / "bad.txt"
    bad.write_bytes(b"Sync \xc3\x28 invoices \xff")
    assert_clean_usage_error(cli("draft", "--file", str(bad)), "not valid UTF-8")


def test_control_characters(workdir):
    assert_clean_usage_error(cli("draft", "sync\x07 invoices"), "control character")


def test_unknown_template(workdir):
    assert_clean_usage_error(cli("draft", "sync invoices", "--template", "prd"), "unknown template")


def test_out_into_a_file(workdir):
    f = workdir / "file.txt"
    f.write_text("precious")
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", str(f / "spec")), "through a file")
    assert f.read_text() == "precious"


def test_out_is_a_file(workdir):
    f = workdir / "file.txt"
    f.write_text("precious")
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", str(f)), "not a directory")
    assert f.read_text() == "precious"


def test_out_at_root():
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", "/"), "root")


def test_out_through_dotdot(workdir):
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", str(workdir / "a" / ".." / "b")), "'..'")


def test_out_not_empty_without_force(workdir):
    out = workdir / "o"
    out.mkdir()
    (out / "mine.md").write_text("keep")
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", str(out)), "not empty")
    assert (out / "mine.md").read_text() == "keep" and len(list(out.iterdir())) == 1


def test_unwritable_directory():
    assert_clean_usage_error(cli("draft", "sync invoices", "--out", "/proc/agentspec-spec"), "cannot write")


def test_bad_base_url(workdir):
    result = cli("draft", "sync invoices", "--out", str(workdir / "o"), env={"OPENAI_BASE_URL": "ftp://models.example"})
    assert_clean_usage_error(result, "not an http(s) URL")
    assert no_files(workdir / "o")


def test_unknown_model(workdir):
    from tests.doubles import FakeOpenAIServer

    with FakeOpenAIServer(models=("gpt-4o-mini",), strict_models=True) as srv:
        result = cli("draft", "sync invoices", "--out", str(workdir / "o"),
                     env={"OPENAI_BASE_URL": srv.base_url, "AGENTSPEC_MODEL": "no-such-model"})
    assert_clean_usage_error(result, "does not know model")
    assert no_files(workdir / "o")


def test_corrupt_checkpoint_database(workdir):
    data = Path(os.environ["AGENTSPEC_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "runs.sqlite").write_bytes(b"this is not a database" * 100)
    sqlite3.connect(data / "threads.sqlite").close()
    result = cli("draft", "sync invoices", "--out", str(workdir / "o"))
    assert_clean_usage_error(result, "corrupt")
    assert no_files(workdir / "o")


def test_unknown_thread_id():
    assert_clean_usage_error(cli("resume", "nope123"), "unknown run")
    assert_clean_usage_error(cli("review", "nope123"), "unknown run")
    assert_clean_usage_error(cli("show", "nope123"), "unknown run")


def test_concurrent_resume_of_the_same_thread():
    from agentspec.runlog import RunLog

    data = Path(os.environ["AGENTSPEC_DATA_DIR"])
    RunLog(data / "threads.sqlite").record("abc123", description="x", status="interrupted")
    (data / "locks").mkdir(parents=True, exist_ok=True)
    with FileLock(str(data / "locks" / "abc123.lock")):
        assert_clean_usage_error(cli("resume", "abc123"), "already running")


def test_description_and_file_together(workdir):
    f = workdir / "d.txt"
    f.write_text("sync invoices")
    assert_clean_usage_error(cli("draft", "sync invoices", "--file", str(f)), "not both")


def test_ctrl_c_during_a_write_keeps_the_old_file(tmp_path, monkeypatch):
    from agentspec import output

    target = tmp_path / "integration-requirements.md"
    target.write_text("old complete spec")

    def interrupted(_fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_atomic(target, "new spec, half written")
    assert target.read_text() == "old complete spec"
    assert [p.name for p in tmp_path.iterdir()] == ["integration-requirements.md"]
