"""`agentspec draft --file` through the installed console script: devices, pipes,
FIFOs, stdin and directories. A description is read with a bounded read (the
cap plus one byte), never trusting st_size, so none of these can exhaust
memory; each bad one is exit 2 with a one-line error naming the file, and no
file is written."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from agentspec.inputs import MAX_FILE_BYTES
from tests.cli.harness import DESCRIPTION, Tree, agentspec, assert_exit

TOO_BIG = "larger than 256 KiB"


def _no_specs(workdir: Path) -> None:
    assert not (workdir / "specs").exists(), list((workdir / "specs").rglob("*"))


def test_dev_zero_is_too_big_not_a_memory_error(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", "/dev/zero", env=endpoint_env, cwd=workdir)
    assert_exit(result, 2, f"/dev/zero is {TOO_BIG}")
    assert "MemoryError" not in result.output
    _no_specs(workdir)
    tree.assert_unchanged()


def test_dev_stdin_fed_more_than_the_cap(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", "/dev/stdin", env=endpoint_env, cwd=workdir,
                       stdin=b"sync invoices " * (MAX_FILE_BYTES // 7))
    assert_exit(result, 2, f"/dev/stdin is {TOO_BIG}")
    _no_specs(workdir)
    tree.assert_unchanged()


def test_fifo_that_never_ends_is_cut_at_the_cap(workdir, endpoint_env, tmp_path):
    fifo = tmp_path / "desc.fifo"
    os.mkfifo(fifo)
    written = []

    def writer() -> None:  # writes until the reader closes its end (at most 8 MiB)
        try:
            with open(fifo, "wb") as out:
                for _ in range(128):
                    out.write(b"y" * 65536)
                    written.append(65536)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", str(fifo), env=endpoint_env, cwd=workdir)
    thread.join(timeout=30)
    assert_exit(result, 2, f"{fifo} is {TOO_BIG}")
    assert sum(written) < 128 * 65536, "the reader read the whole stream instead of stopping at the cap"
    _no_specs(workdir)
    tree.assert_unchanged()


def test_a_directory_is_a_clean_error(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", str(tmp_path), env=endpoint_env, cwd=workdir)
    assert_exit(result, 2, f"{tmp_path} is a directory")
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # the error and at most a hint
    _no_specs(workdir)
    tree.assert_unchanged()


def test_dash_reads_the_description_from_stdin(workdir, endpoint_env, tmp_path):
    # --estimate spends nothing: it shows the description was read from the pipe.
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", "-", "--estimate", env=endpoint_env, cwd=workdir, stdin=DESCRIPTION)
    assert_exit(result, 0)
    assert json.loads(result.stdout)
    tree.assert_unchanged()


def test_dash_with_empty_stdin_is_an_empty_description(workdir, endpoint_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", "--file", "-", env=endpoint_env, cwd=workdir, stdin=b"")
    assert_exit(result, 2, "empty")
    _no_specs(workdir)
    tree.assert_unchanged()


@pytest.mark.parametrize("size, ok", [(MAX_FILE_BYTES, True), (MAX_FILE_BYTES + 1, False)])
def test_the_cap_is_exact_for_regular_files(tmp_path, size, ok):
    from agentspec.errors import UsageError
    from agentspec.inputs import read_description_file

    path = tmp_path / "d.txt"
    path.write_bytes(b"a" * size)
    if ok:
        assert len(read_description_file(path)) == size
    else:
        with pytest.raises(UsageError, match=TOO_BIG):
            read_description_file(path)
