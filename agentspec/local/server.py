"""Run llama-cpp-python's OpenAI-compatible server as a managed child process.

`with LocalServer() as srv:` gives an endpoint (`srv.base_url`, `srv.model`)
that the normal openai/instructor client can talk to; the server is stopped on
exit, on exceptions, on Ctrl-C, and (via a finalizer) at interpreter exit.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from agentspec.errors import LocalModelError
from agentspec.local.model import cache_root, ensure_model

DEFAULT_ALIAS = "qwen2.5-coder-1.5b-instruct"
DEFAULT_N_CTX = 8192
DEFAULT_STARTUP_TIMEOUT_S = 120.0
LOG_NAME = "llama-server.log"
BUILD_HINT = (
    "pip install 'agentspec[local]' (llama-cpp-python compiles from source: "
    "8-20 min on 2 cores), or set OPENAI_API_KEY / OPENAI_BASE_URL to use a remote endpoint"
)

# llama_cpp.server's settings are pydantic BaseSettings: any env var named like a
# field (MODEL, PORT, HOST, API_KEY, CACHE, ...; case-insensitive) silently
# configures the server. A user's unrelated `API_KEY` would make every request 401,
# so the child gets an environment without them. List from llama-cpp-python 0.3.36.
_SERVER_SETTING_NAMES = frozenset(
    """api_key cache cache_size cache_type chat_format chat_template_kwargs
    clip_model_path disable_ping_events draft_model draft_model_num_pred_tokens
    embedding flash_attn hf_model_repo_id hf_pretrained_model_name_or_path
    hf_tokenizer_config_path host interrupt_requests kv_overrides last_n_tokens_size
    logits_all lora_base lora_path main_gpu model model_alias models mul_mat_q
    n_batch n_ctx n_gpu_layers n_threads n_threads_batch n_ubatch numa offload_kqv
    port root_path rope_freq_base rope_freq_scale rope_scaling_type rpc_servers seed
    split_mode ssl_certfile ssl_keyfile tensor_split type_k type_v use_mlock use_mmap
    verbose vocab_only yarn_attn_factor yarn_beta_fast yarn_beta_slow
    yarn_ext_factor yarn_orig_ctx config_file""".split()
)
# Counted whole (agentspec/local/prompt_cache.py): a cached state is its KV cells plus a 311 MB
# score buffer, so 1.5 GiB keeps the three or four most recent prompts a re-ask or redraft reuses.
PROMPT_CACHE_BYTES = 3 << 29
_BIND_ERRORS = ("address already in use", "error while attempting to bind", "errno 98")
_PORT_ATTEMPTS = 3
_LOG_KEEP_S = 7 * 24 * 3600  # side logs of concurrent servers are pruned after a week
_log_seq = itertools.count(1)

CommandBuilder = Callable[[int], Sequence[str]]

# `python -c boot_code() <server args>` is `python -m llama_cpp.server <server args>`
# plus an orphan guard: we hold the write end of the child's stdin, so when this
# process dies by any means (even SIGKILL, where atexit never runs) the child reads
# EOF and exits instead of holding ~1.5 GB of RAM and a port forever. For the llama.cpp
# server it also installs llama.cpp's check-first grammar sampling (grammar_sampling.py;
# about 1.3x faster decoding under a JSON-schema grammar, docs/benchmarks-local.md);
# AGENTSPEC_GRAMMAR_SAMPLING=llama-cpp-python keeps the stock sampler, for comparison.
_ORPHAN_GUARD = """\
import os, sys, threading, runpy
def _watch_parent():
    try:
        while sys.stdin.buffer.read(1):
            pass
    finally:
        os._exit(0)
threading.Thread(target=_watch_parent, daemon=True).start()
"""
_SERVER_PATCHES = """\
from agentspec.local.prompt_cache import install as count_cached_states
count_cached_states()
if os.environ.get("AGENTSPEC_GRAMMAR_SAMPLING", "check-first") == "check-first":
    from agentspec.local.grammar_sampling import install
    install()
    print("agentspec: grammar sampling check-first (agentspec/local/grammar_sampling.py)", flush=True)
"""
LLAMA_SERVER_MODULE = "llama_cpp.server"


def boot_code(module: str = LLAMA_SERVER_MODULE) -> str:
    """The `python -c` program that runs `module` as __main__ behind the orphan guard.
    Tests run Python's http.server through it, which needs neither llama_cpp nor the
    grammar patch (nor numpy, which only the `local` extra installs)."""
    patch = _SERVER_PATCHES if module == LLAMA_SERVER_MODULE else ""
    return (_ORPHAN_GUARD + patch
            + f"sys.argv[0] = {module!r}\nrunpy.run_module({module!r}, run_name=\"__main__\", alter_sys=True)\n")


def log_path_for(cache_dir: Path | None = None) -> Path:
    """Where the server's stdout/stderr go (overwritten on each start). A second
    server running at the same time logs to `llama-server-<pid>-<n>.log` instead."""
    return cache_root(cache_dir) / "logs" / LOG_NAME


def cpu_count() -> int:
    """CPUs this process may run on (honours taskset/cgroup affinity, unlike os.cpu_count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def llama_cpp_available() -> bool:
    # find_spec, not import: importing loads the 20 MB shared library.
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):
        return False


def free_port() -> int:
    """Ask the kernel for an unused loopback port. Racy by nature; start() retries."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


class LocalServer:
    """Context manager owning one `python -m llama_cpp.server` child.

    `command` replaces the default launch line (tests inject a fake server); it
    gets the port and returns argv. With `command`, no model or llama_cpp is needed.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        alias: str = DEFAULT_ALIAS,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_S,
        cache_dir: Path | None = None,
        log_path: Path | None = None,
        command: CommandBuilder | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self._model_path = Path(model_path) if model_path else None
        self._alias = alias
        self._n_ctx = n_ctx
        self._n_threads = n_threads or cpu_count()
        self._startup_timeout = startup_timeout
        self._cache_dir = cache_dir
        self._log_explicit = log_path is not None
        self._log_path = Path(log_path) if log_path else log_path_for(cache_dir)
        self._log_lock: FileLock | None = None
        self._command = command
        self._extra_args = list(extra_args)
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._finalizer: weakref.finalize | None = None
        self.startup_seconds: float | None = None  # wall time of the last successful start

    # ------------------------------------------------------------ properties

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("LocalServer is not started")
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def model(self) -> str:
        return self._alias

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def model_path(self) -> Path | None:
        return self._model_path

    def is_alive(self) -> bool:
        """False once the server process has exited (crash, OOM kill, stop())."""
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        return tail(self._log_path, lines)

    # -------------------------------------------------------------- lifecycle

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Launch the server and block until it answers GET /v1/models."""
        if self.is_alive():
            return
        if self._command is None:
            if not llama_cpp_available():
                raise LocalModelError(
                    "The local model server (llama-cpp-python) is not installed.",
                    hint=BUILD_HINT,
                )
            if self._model_path is None:
                self._model_path = ensure_model(self._cache_dir)
        self._claim_log()

        started = time.monotonic()
        try:
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                self._port = free_port()
                self._launch()
                if self._wait_ready():
                    self.startup_seconds = time.monotonic() - started
                    return
                # Died during startup. Another process grabbing our port between
                # free_port() and the server's bind is worth a retry; anything else isn't.
                if attempt < _PORT_ATTEMPTS and self._lost_bind_race():
                    self.stop()
                    continue
                raise self._startup_error(f"exited with code {self._proc.returncode if self._proc else '?'}")
        except BaseException:
            self.stop()  # timeout, Ctrl-C while loading, or any error: no orphan
            raise

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (then kill) the server. Idempotent."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._proc is not None:
            _terminate(self._proc, timeout)
            self._proc = None
        if self._log_lock is not None:
            self._log_lock.release()
            self._log_lock = None

    # -------------------------------------------------------------- internals

    def _claim_log(self) -> None:
        """Take the well-known log name, unless a concurrent server (another agentspec
        run) holds it: then log beside it, so neither truncates the other's tail."""
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log_explicit or self._log_lock is not None:
            return
        default = log_path_for(self._cache_dir)
        lock = FileLock(str(default) + ".lock", thread_local=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self._log_path = default.with_name(f"llama-server-{os.getpid()}-{next(_log_seq)}.log")
            _prune_side_logs(default.parent)
        else:
            self._log_lock = lock
            self._log_path = default

    def _argv(self) -> list[str]:
        if self._command is not None:
            return [str(a) for a in self._command(self._port or 0)]
        assert self._model_path is not None
        return [
            sys.executable, "-c", boot_code(),
            "--model", str(self._model_path),
            "--model_alias", self._alias,
            "--host", "127.0.0.1",
            "--port", str(self._port),
            "--n_ctx", str(self._n_ctx),
            "--n_threads", str(self._n_threads),
            "--n_threads_batch", str(self._n_threads),
            # Default True allocates n_ctx x vocab float32 (8192 x 151936 = 5 GB virtual)
            # for logprobs we never ask for; False keeps RSS near the model size.
            "--logits_all", "false",
            # Default True cancels a running *stream* when another request arrives;
            # we'd rather queue concurrent requests than lose one.
            "--interrupt_requests", "false",
            # A re-ask, a second attempt and a review-pass redraft send their first prompt
            # again with the problems appended. Without a cache only the last prompt's prefix
            # is kept, and another section's call sits between them; with one, the retry
            # evaluates just the appended lines (measured: 1,510 of 1,537 prompt tokens
            # reused, 5.3 s instead of ~27 s at ~58 prompt tokens/s on 2 cores). The cap counts
            # everything a state holds (prompt_cache.py): uncounted, a draft's server reached 7.8 GB.
            "--cache", "true",
            "--cache_size", str(PROMPT_CACHE_BYTES),
            # No --chat_format: the Qwen GGUF carries its chat template, which the
            # server uses (and grammar-constrains response_format through).
            *self._extra_args,
        ]

    def _launch(self) -> None:
        env = {k: v for k, v in os.environ.items() if k.lower() not in _SERVER_SETTING_NAMES}
        env["PYTHONUNBUFFERED"] = "1"  # so the log tail is current when it dies
        kwargs: dict[str, object] = {}
        if os.name == "posix":
            # Own session: the terminal's Ctrl-C reaches only us; we stop the server
            # ourselves, once, instead of it dying mid-request on the same signal.
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        # Truncated per start so the tail we report is this start's. The child keeps
        # its own descriptor; ours closes as soon as it is spawned.
        with open(self._log_path, "wb") as log:
            self._proc = subprocess.Popen(  # noqa: S603 - argv is ours
                self._argv(),
                stdin=subprocess.PIPE,  # orphan guard, see boot_code
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                close_fds=True,
                **kwargs,  # type: ignore[arg-type]
            )
        # If we crash without __exit__ (or the object is dropped), still stop it.
        self._finalizer = weakref.finalize(self, _terminate, self._proc, 5.0)

    def _wait_ready(self) -> bool:
        """Poll /v1/models until 200. False if the process died; raises on timeout."""
        url = f"{self.base_url}/models"
        # No proxies: an HTTP(S)_PROXY in the environment must not capture loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self._startup_timeout
        delay = 0.1
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            try:
                with opener.open(url, timeout=2.0) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() >= deadline:
                raise self._startup_error(f"did not answer within {self._startup_timeout:.0f}s")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def _lost_bind_race(self) -> bool:
        return any(marker in self.log_tail(40).lower() for marker in _BIND_ERRORS)

    def _startup_error(self, what: str) -> LocalModelError:
        log_tail = self.log_tail(20) or "(log is empty)"
        return LocalModelError(
            f"The local model server {what}. Last lines of {self._log_path}:\n{log_tail}",
            hint="Check the log above; set AGENTSPEC_LOCAL_MODEL to another GGUF, or "
            "set OPENAI_API_KEY / OPENAI_BASE_URL to use a remote endpoint.",
        )


def _prune_side_logs(directory: Path) -> None:
    cutoff = time.time() - _LOG_KEEP_S
    for old in directory.glob("llama-server-*.log"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def _terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the server's process group, wait, then SIGKILL. Safe to call twice."""
    try:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=5.0)
    finally:
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, sig)  # the group: uvicorn workers/threads go too
        elif sig == signal.SIGTERM:  # pragma: no cover - Windows
            proc.terminate()
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
