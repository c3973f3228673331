"""!!! TEST DOUBLE !!! A fake OpenAI-compatible chat-completions server.

THIS IS NOT A MODEL AND NOT PART OF THE PRODUCT'S RUNTIME PATH. agentspec never
starts or points at it by default; it exists only for unit tests,
fault-injection tests and benchmarks, which opt in explicitly by passing its
``base_url`` to an OpenAI client. Its answers are synthetic filler shaped by the
JSON schema the client sent, so they say nothing about the quality of a spec.

What it does:
  * serves ``POST /v1/chat/completions`` (non-streaming) and ``GET /v1/models``
    on 127.0.0.1 only, from a background thread, on a free port;
  * answers in whichever instructor mode the request uses (TOOLS, JSON,
    JSON_SCHEMA, MD_JSON, llama.cpp's json_object+schema, plain text) with data
    that satisfies the schema (see schema_faker.py), or with what a pluggable
    ``responder`` returns;
  * injects faults deterministically (429 + retry-after, 500, timeout,
    truncated JSON, schema-invalid JSON, slow answers; see faults.py) and
    simulates latency as ``ttft_s + completion_tokens / tokens_per_s``;
  * logs every completion call (timestamps, section/role headers, whether an
    Authorization header was present - never its value - fault, status, tokens).

Usage::

    with FakeOpenAIServer(faults=FaultPlan(by_call={0: "rate_limit"})) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="test")
        ...
        assert srv.max_concurrency() == 1

Manual use / benchmarks::

    python -m tests.doubles.fake_openai_server --port 8099 --ttft 0.2 --tps 50 \\
        --fail-rate 0.2 --malformed-rate 0.1 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentspec.gateway.tokens import count_message_tokens, count_tokens, count_tool_tokens
from tests.doubles.fake_request import FakeRequest, parse_request
from tests.doubles.faults import Fault, FaultKind, FaultPlan, Latency
from tests.doubles.schema_faker import SchemaFaker, corrupt

__all__ = ["FakeOpenAIServer", "CallRecord", "Responder", "main"]

# A responder may return a dict/list (serialized as JSON), a pydantic model,
# a str (used verbatim as content/arguments), or None to use the generic faker.
Responder = Callable[[FakeRequest], Any]

HOST = "127.0.0.1"  # loopback only, by design: this must never face a network


@dataclass
class CallRecord:
    """One chat-completion call. Timestamps are time.monotonic() seconds.

    status is the HTTP status sent; 0 means no response was sent (timeout fault).
    """

    index: int
    section: str | None
    role: str | None
    has_auth: bool
    start: float
    end: float | None = None
    status: int = 0
    mode: str | None = None
    model: str | None = None
    fault: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0            # simulated generation delay that was slept
    responder_used: bool = False      # the custom responder supplied the data
    client_disconnected: bool = False  # writing the answer failed (client gave up)

    @property
    def duration_s(self) -> float | None:
        return None if self.end is None else self.end - self.start


class FakeOpenAIServer:
    """Loopback fake of the OpenAI chat API. Use as a context manager.

    Args:
        port: 0 (default) picks a free port.
        responder: ``f(FakeRequest) -> dict | list | str | BaseModel | None``;
            None falls back to the schema-driven generator.
        faults: when to inject which fault (FaultPlan); default: never.
        latency: simulated generation time (Latency); default: none.
        seed: seeds the generated data (per section and per call of a section).
        models: ids listed by GET /v1/models.
        require_auth: answer 401 when no Authorization header is sent.
        on_call: called with each finished CallRecord (from the server thread).
        verbose: log HTTP lines to stderr.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        responder: Responder | None = None,
        faults: FaultPlan | None = None,
        latency: Latency | None = None,
        seed: int = 0,
        models: Sequence[str] = ("fake-model",),
        strict_models: bool = False,
        require_auth: bool = False,
        on_call: Callable[[CallRecord], None] | None = None,
        verbose: bool = False,
    ) -> None:
        self.responder = responder
        self.faults = faults or FaultPlan()
        self.latency = latency or Latency()
        self.seed = seed
        self.models = list(models)
        self.strict_models = strict_models  # answer 404 to models not in `models`
        self.require_auth = require_auth
        self.on_call = on_call
        self.verbose = verbose
        self._port = port
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []
        self._section_counts: dict[str, int] = defaultdict(int)
        self._next_index = 0
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        httpd = _Server((HOST, self._port), handler)
        self._httpd = httpd
        self._stop.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-openai-server", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stop.set()  # wakes sleeping/holding handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    # ------------------------------------------------------------- call log
    @property
    def calls(self) -> list[CallRecord]:
        """Snapshot of the call log (copies, safe to inspect while serving)."""
        with self._lock:
            return [replace(r) for r in self._records]

    def calls_for(self, section: str | None) -> list[CallRecord]:
        return [r for r in self.calls if r.section == section]

    def max_concurrency(self) -> int:
        """Most calls that were in flight at the same instant."""
        events: list[tuple[float, int]] = []
        for r in self.calls:
            events.append((r.start, 1))
            events.append((r.end if r.end is not None else float("inf"), -1))
        # At equal timestamps, count the end before the start: touching != overlapping.
        events.sort(key=lambda e: (e[0], e[1]))
        peak = level = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        return peak

    def reset(self) -> None:
        """Clear the log and the call counters (so by_call/by_section scripts restart)."""
        with self._lock:
            self._records.clear()
            self._section_counts.clear()
            self._next_index = 0

    # ------------------------------------------------------------ internals
    def _open_record(self, section: str | None, role: str | None, has_auth: bool) -> tuple[CallRecord, int]:
        with self._lock:
            key = section or ""
            section_index = self._section_counts[key]
            self._section_counts[key] += 1
            record = CallRecord(
                index=self._next_index, section=section, role=role,
                has_auth=has_auth, start=time.monotonic(),
            )
            self._next_index += 1
            self._records.append(record)
        return record, section_index

    def _close_record(self, record: CallRecord, **fields: Any) -> None:
        # Called just before the answer is written: a client that reads the log
        # right after its response arrives must already see the finished record.
        with self._lock:
            for key, value in fields.items():
                setattr(record, key, value)
            record.end = time.monotonic()

    def _after_send(self, record: CallRecord, sent: bool) -> None:
        with self._lock:
            record.client_disconnected = not sent
        if self.on_call is not None:
            self.on_call(replace(record))

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stop.wait(seconds)  # returns early on shutdown

    def _payload(self, req: FakeRequest) -> tuple[Any, bool]:
        """The data to answer with, and whether the responder supplied it."""
        if self.responder is not None:
            supplied = self.responder(req)
            if supplied is not None:
                if hasattr(supplied, "model_dump"):
                    supplied = supplied.model_dump(mode="json")
                return supplied, True
        if req.schema is None:
            return _plain_text(req), False
        rng = random.Random(f"{self.seed}|{req.section or ''}|{req.section_call_index}")
        return SchemaFaker(req.schema, rng).generate(), False


def _plain_text(req: FakeRequest) -> str:
    topic = " ".join(req.last_user_text.split()[:12]) or "your request"
    return f"[fake-openai test double] Canned reply about: {topic}"


def _truncate(text: str) -> str:
    # Half the text, at least one char short: an object/array can't survive it.
    return text[: max(1, min(len(text) - 1, len(text) // 2))]


def _error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True     # held/slow requests must not block shutdown
    request_queue_size = 256  # benchmarks open many connections at once; 5 would stall them


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, like real endpoints; every answer has a Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI-TestDouble/1.0"
    # TCP_NODELAY, as real servers (uvicorn, nginx) set it. Without it the headers and
    # the body go out as two small segments and Nagle holds the body until the
    # client's delayed ACK (40 ms on Linux): every call looked 40 ms slower on the
    # client than the server's own record said, outside any latency model.
    disable_nagle_algorithm = True
    fake: FakeOpenAIServer  # bound per server instance in start()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            super().log_message(format, *args)

    # ----------------------------------------------------------- plumbing
    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> bool:
        data = json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-test-double", "agentspec-fake-openai")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
            return False

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    # ---------------------------------------------------------------- GET
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "agentspec-test-double"}
                    for m in self.fake.models]
            self._send_json(200, {"object": "list", "data": data})
        elif path.startswith("/v1/models/") and path.rsplit("/", 1)[1] in self.fake.models:
            mid = path.rsplit("/", 1)[1]
            self._send_json(200, {"id": mid, "object": "model", "created": 0,
                                  "owned_by": "agentspec-test-double"})
        else:
            self._send_json(404, _error_body(f"no route {path}", "invalid_request_error"))

    # --------------------------------------------------------------- POST
    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        if self.fake._stop.is_set():
            # Stopped: behave like a dead endpoint even on kept-alive connections.
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0].rstrip("/")
        if path != "/v1/chat/completions":
            self._read_json_quietly()
            self._send_json(404, _error_body(f"no route {path}", "invalid_request_error"))
            return
        fake = self.fake
        headers = {k: v for k, v in self.headers.items()}
        req_probe = parse_request({}, headers)
        has_auth = "authorization" in req_probe.headers
        record, section_index = fake._open_record(req_probe.section, req_probe.role, has_auth)
        try:
            body = self._read_json()
        except (ValueError, UnicodeDecodeError):
            fake._close_record(record, status=400)
            fake._after_send(record, self._send_json(400, _error_body("body is not JSON",
                                                                       "invalid_request_error")))
            return
        if fake.require_auth and not has_auth:
            fake._close_record(record, status=401)
            fake._after_send(record, self._send_json(401, _error_body(
                "missing Authorization header", "invalid_request_error", "invalid_api_key")))
            return
        if isinstance(body, dict) and body.get("stream"):
            # Not implemented; fail loudly rather than send JSON to an SSE parser.
            fake._close_record(record, status=400)
            fake._after_send(record, self._send_json(400, _error_body(
                "stream=true is not supported by the fake OpenAI test double", "invalid_request_error")))
            return
        req = parse_request(body if isinstance(body, dict) else {}, headers)
        req.call_index, req.section_call_index = record.index, section_index
        if fake.strict_models and req.model not in fake.models:
            # Like OpenAI: an unknown model is a 404 model_not_found.
            fake._close_record(record, status=404)
            fake._after_send(record, self._send_json(404, _error_body(
                f"The model `{req.model}` does not exist", "invalid_request_error", "model_not_found")))
            return
        fault = fake.faults.choose(record.index, req.section, section_index)
        with fake._lock:
            record.mode, record.model = req.mode, req.model
            record.fault = fault.kind.value if fault else None
        prompt_tokens = _prompt_tokens(body)
        if fault is not None and self._answer_with_error(fault, record, prompt_tokens):
            return
        self._answer(req, fault, record, prompt_tokens)

    def _read_json_quietly(self) -> None:
        try:
            self._read_json()
        except ValueError:
            pass

    def _answer_with_error(self, fault: Fault, record: CallRecord, prompt_tokens: int) -> bool:
        """Handle the faults that replace the answer; False if this fault isn't one."""
        fake = self.fake
        if fault.kind is FaultKind.RATE_LIMIT:
            retry_after = f"{fault.retry_after_s:g}"
            fake._close_record(record, status=429, prompt_tokens=prompt_tokens)
            ok = self._send_json(429, _error_body("Rate limit reached (injected by test double)",
                                                  "rate_limit_error", "rate_limit_exceeded"),
                                 {"retry-after": retry_after})
            fake._after_send(record, ok)
            return True
        if fault.kind is FaultKind.SERVER_ERROR:
            status = fault.status or 500
            fake._close_record(record, status=status, prompt_tokens=prompt_tokens)
            ok = self._send_json(status, _error_body("Internal error (injected by test double)",
                                                     "server_error"))
            fake._after_send(record, ok)
            return True
        if fault.kind is FaultKind.ECHO_AUTH:
            # A careless gateway: its error text repeats the credentials it was sent.
            status = fault.status or 500
            auth = self.headers.get("Authorization") or "(none)"
            fake._close_record(record, status=status, prompt_tokens=prompt_tokens)
            ok = self._send_json(status, _error_body(
                f"upstream rejected request with headers Authorization: {auth} (injected by test double)",
                "server_error"))
            fake._after_send(record, ok)
            return True
        if fault.kind in (FaultKind.HTML, FaultKind.NOT_JSON):
            if fault.kind is FaultKind.HTML:
                data, ctype = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>It works</body></html>", "text/html; charset=utf-8"
            else:
                data, ctype = b"OK this is not json {", "application/json"
            fake._close_record(record, status=200, prompt_tokens=prompt_tokens)
            try:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-test-double", "agentspec-fake-openai")
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                sent = True
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection, sent = True, False
            fake._after_send(record, sent)
            return True
        if fault.kind is FaultKind.TIMEOUT:
            # Say nothing until the client's timeout fires, then hang up.
            fake._sleep(fault.hold_s or 0)
            self.close_connection = True
            fake._close_record(record, status=0, prompt_tokens=prompt_tokens, latency_s=fault.hold_s or 0)
            fake._after_send(record, False)
            return True
        return False

    def _answer(self, req: FakeRequest, fault: Fault | None, record: CallRecord, prompt_tokens: int) -> None:
        fake = self.fake
        data, used_responder = fake._payload(req)
        kind = fault.kind if fault else None
        if kind is FaultKind.INVALID:
            data = corrupt(_as_json_value(data), req.schema)
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        finish = "tool_calls" if req.mode == "tools" else "stop"
        if kind in (FaultKind.TRUNCATED, FaultKind.LENGTH):
            text = _truncate(text)
            if kind is FaultKind.LENGTH:
                finish = "length"
        if req.mode == "md_json":
            fence_end = "" if kind in (FaultKind.TRUNCATED, FaultKind.LENGTH) else "\n```"
            text = f"```json\n{text}{fence_end}"
        completion_tokens = max(1, count_tokens(text, req.model or ""))
        delay = fake.latency.seconds(completion_tokens)
        if kind is FaultKind.SLOW:
            delay += fault.delay_s or 0  # type: ignore[union-attr]
        fake._sleep(delay)
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if req.mode == "tools":
            message["content"] = None
            message["tool_calls"] = [{
                "id": f"call_fake_{record.index}",
                "type": "function",
                "function": {"name": req.tool_name or "respond", "arguments": text},
            }]
        response = {
            "id": f"chatcmpl-fake-{record.index}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.model or (fake.models[0] if fake.models else "fake-model"),
            "system_fingerprint": "agentspec-test-double",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        fake._close_record(
            record, status=200, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            latency_s=delay, responder_used=used_responder,
        )
        fake._after_send(record, self._send_json(200, response))


def _prompt_tokens(body: Any) -> int:
    """What the model reads, counted with a real BPE (o200k, bundled): the messages
    with their per-message overhead, plus the tools or response schema, which OpenAI
    also bills as input. Tools are counted in the TypeScript form OpenAI renders them
    into the prompt (agentspec.gateway.tokens.tool_definitions_text); a response_format
    schema, whose rendering is not known, as compact JSON. The benchmark's
    input/output ratio is read off these numbers."""
    if not isinstance(body, dict):
        return 1
    model = str(body.get("model") or "")
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    total = count_message_tokens([m for m in messages if isinstance(m, dict)], model)
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        total += count_tool_tokens([t for t in tools if isinstance(t, dict)], model)
    if body.get("response_format"):
        total += count_tokens(json.dumps(body["response_format"], ensure_ascii=False, separators=(",", ":")), model)
    return max(1, total)


def _as_json_value(data: Any) -> Any:
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError:
            return {"unexpected": data}
    return data


# -------------------------------------------------------------------- CLI
BANNER = "\n".join([
    "#" * 66,
    "##" + " " * 62 + "##",
    "##" + "T  E  S  T     D  O  U  B  L  E".center(62) + "##",
    "##" + " " * 62 + "##",
    "##" + "agentspec FAKE OpenAI-compatible server (127.0.0.1 only)".center(62) + "##",
    "##" + "Answers are synthetic, schema-shaped filler - NOT a model.".center(62) + "##",
    "##" + "For tests and benchmarks only; never use it for real work.".center(62) + "##",
    "##" + " " * 62 + "##",
    "#" * 66,
])


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tests.doubles.fake_openai_server",
        description="TEST DOUBLE: fake OpenAI-compatible server for tests and benchmarks (127.0.0.1 only).",
    )
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    p.add_argument("--ttft", type=float, default=0.0, help="seconds before the first token")
    p.add_argument("--tps", type=float, default=0.0, help="completion tokens per second (0 = instant)")
    p.add_argument("--fail-rate", type=float, default=0.0, help="share of calls answered 429 or 500 (half each)")
    p.add_argument("--malformed-rate", type=float, default=0.0,
                   help="share of calls answered with truncated or schema-invalid JSON (half each)")
    p.add_argument("--timeout-rate", type=float, default=0.0, help="share of calls held until the client times out")
    p.add_argument("--slow-rate", type=float, default=0.0, help="share of calls given --slow-delay extra latency")
    p.add_argument("--retry-after", type=float, default=1.0, help="retry-after seconds on 429")
    p.add_argument("--hold", type=float, default=30.0, help="seconds a timeout fault holds the connection")
    p.add_argument("--slow-delay", type=float, default=2.0, help="extra seconds for slow faults")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", action="append", help="model id to list (repeatable)")
    p.add_argument("--verbose", action="store_true", help="print each call as it finishes")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    rates = {
        FaultKind.RATE_LIMIT: args.fail_rate / 2,
        FaultKind.SERVER_ERROR: args.fail_rate / 2,
        FaultKind.TRUNCATED: args.malformed_rate / 2,
        FaultKind.INVALID: args.malformed_rate / 2,
        FaultKind.TIMEOUT: args.timeout_rate,
        FaultKind.SLOW: args.slow_rate,
    }
    plan = FaultPlan(
        rates={k: v for k, v in rates.items() if v > 0}, seed=args.seed,
        retry_after_s=args.retry_after, timeout_hold_s=args.hold, slow_delay_s=args.slow_delay,
    )

    def report(rec: CallRecord) -> None:
        print(f"call {rec.index} section={rec.section} role={rec.role} mode={rec.mode} "
              f"fault={rec.fault} status={rec.status} tokens={rec.prompt_tokens}/{rec.completion_tokens} "
              f"took={rec.duration_s:.3f}s", flush=True)

    server = FakeOpenAIServer(
        port=args.port, faults=plan, latency=Latency(args.ttft, args.tps), seed=args.seed,
        models=args.model or ("fake-model",), on_call=report if args.verbose else None,
    )
    with server:
        print(BANNER, flush=True)
        print(f"base_url: {server.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"stopping; {len(server.calls)} calls, max concurrency {server.max_concurrency()}",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
