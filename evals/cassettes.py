"""Record/replay of model traffic for the eval: a readable cassette format and
the VCR configuration both the harness and the tests use.

Readable cassettes: JSON request and response bodies are stored as YAML data
(``parsed_body``), with multi-line strings as literal blocks, so a prompt
change shows up as a readable diff of the prompt text (pydantic-ai's idea)
instead of one changed line of escaped JSON.

One endpoint in every cassette: requests are recorded as if sent to
REPLAY_BASE_URL, whatever port the real server had while recording, so replay
can point the client at that fixed (unreachable) URL and match host and port.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import vcr
import yaml

CASSETTE_DIR = Path(__file__).parent / "cassettes"
SERIALIZER = "agentspec-yaml"
# Port 9 (discard) on loopback: nothing answers there, so a request that is not
# in the cassette fails instead of reaching a model.
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
# json_body instead of vcr's body matcher: same semantics for JSON, but vcr's
# computes a difflib diff of two large prompts for every non-matching pair
# (minutes for one replayed draft). explain_mismatch() diffs once, on failure.
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "json_body")
FILTER_HEADERS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie")
ROLE_HEADER = "x-agentspec-role"


# ------------------------------------------------------------------ serializer


# libyaml when available: a full draft's cassette is megabytes of prompts, and
# the pure-Python loader takes seconds per load.
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    pass


def _str_presenter(dumper: Any, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        # Literal block: prompts diff line by line. PyYAML falls back to a
        # quoted scalar by itself when the text cannot be a block (e.g. trailing spaces).
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def _parse_json(body: Any) -> Any | None:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(body, str) or not body.strip().startswith(("{", "[")):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _set_header(headers: dict[str, Any], name: str, value: str) -> None:
    for key in list(headers):
        if key.lower() == name.lower():
            headers[key] = [value] if isinstance(headers[key], list) else value


class ReadableSerializer:
    """vcr serializer: YAML with JSON bodies as data. Register it under SERIALIZER."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        data = copy.deepcopy(cassette_dict)
        for interaction in data.get("interactions", []):
            request = interaction["request"]
            parsed = _parse_json(request.get("body"))
            if parsed is not None:
                del request["body"]
                request["parsed_body"] = parsed
            response = interaction["response"]
            body = response.get("body") or {}
            parsed = _parse_json(body.get("string"))
            if parsed is not None:
                response["body"] = {"parsed_body": parsed}
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        data = yaml.load(cassette_string, Loader=_Loader) or {}
        for interaction in data.get("interactions", []):
            request = interaction["request"]
            if "parsed_body" in request:
                request["body"] = json.dumps(request.pop("parsed_body"))
            response = interaction["response"]
            body = response.get("body") or {}
            if "parsed_body" in body:
                text = json.dumps(body["parsed_body"])
                response["body"] = {"string": text}
                # The re-dumped JSON differs in whitespace from what was received.
                _set_header(response.get("headers") or {}, "content-length", str(len(text.encode())))
        return data


# ------------------------------------------------------------------ VCR config


def canonical_endpoint(request: Any) -> Any:
    """before_record_request hook: record every request as sent to REPLAY_BASE_URL."""
    target = urlsplit(REPLAY_BASE_URL)
    parts = urlsplit(request.uri)
    request.uri = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
    return request


def _raw_body(request: Any) -> bytes:
    from vcr.util import read_body

    body = read_body(request)
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


@lru_cache(maxsize=8192)
def _body_key(body: bytes) -> str:
    """Key-order-insensitive digest of a JSON body (raw digest otherwise).
    Cached on the bytes object, whose hash CPython computes once."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        canonical = b"raw:" + body
    return hashlib.sha256(canonical).hexdigest()


def json_body(r1: Any, r2: Any) -> None:
    """vcr matcher: equal bodies, JSON compared as data."""
    b1, b2 = _raw_body(r1), _raw_body(r2)
    if b1 != b2 and _body_key(b1) != _body_key(b2):
        raise AssertionError("request bodies differ")


def make_vcr(**overrides: Any) -> vcr.VCR:
    config: dict[str, Any] = {
        "serializer": SERIALIZER,
        "match_on": list(MATCH_ON),
        "filter_headers": list(FILTER_HEADERS),
        "decode_compressed_response": True,
        "before_record_request": canonical_endpoint,
        "record_on_exception": False,  # a failed recording must not half-overwrite a cassette
    }
    config.update(overrides)
    recorder = vcr.VCR(**config)
    recorder.register_serializer(SERIALIZER, ReadableSerializer)
    recorder.register_matcher("json_body", json_body)
    return recorder


def header(request: Any, name: str) -> str | None:
    value = request.headers.get(name)
    if value is None:
        for key, val in request.headers.items():
            if key.lower() == name.lower():
                value = val
                break
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value.decode() if isinstance(value, bytes) else value


def metadata(cassette: Any, key: str) -> Any | None:
    """A value saved in the cassette next to its interactions (None if absent)."""
    from vcr.errors import MissingMetadataError

    try:
        return cassette.get_metadata(key, None)
    except MissingMetadataError:
        return None


# The document's date line (agents/packs/integration_requirements/sections/footer.py) as it appears in a recorded
# request body, e.g. a judge prompt quoting the spec's footer.
_DATE_LINE = re.compile(r"\*\*Last Updated\*\*: (\d{4}-\d{2}-\d{2})\b")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def recorded_run_date(cassette: Any) -> tuple[str | None, str]:
    """The date (YYYY-MM-DD) the recorded run used, and where it was read.

    A replay must not depend on the clock: the run's date shapes request bodies
    (the spec's "Last Updated" line reaches the judge prompts), so a replay runs
    with the recording's date, never today's. In order:
      1. metadata ``recording.run_date``, saved when the cassette was recorded;
      2. the date in the recorded request bodies (cassettes recorded before 1.);
      3. the date of metadata ``recording.recorded_at`` (no request holds a date,
         so any date matches; this one keeps the replayed document stable).
    (None, reason) when the cassette says nothing about its date."""
    facts = metadata(cassette, "recording")
    facts = facts if isinstance(facts, dict) else {}
    run_date = facts.get("run_date")
    if isinstance(run_date, str) and _ISO_DATE.fullmatch(run_date):
        return run_date, "recording metadata run_date"
    found: Counter[str] = Counter()
    for request in getattr(cassette, "requests", None) or []:
        body = _raw_body(request)
        if b"Last Updated" in body:
            found.update(_DATE_LINE.findall(body.decode("utf-8", "replace")))
    if found:
        # One run has one date; a cassette with several was pieced together and
        # will report its mismatches on replay.
        return found.most_common(1)[0][0], "recorded request bodies"
    recorded_at = facts.get("recorded_at")
    if isinstance(recorded_at, str) and _ISO_DATE.match(recorded_at):
        return recorded_at[:10], "recording metadata recorded_at"
    return None, "the cassette records no date"


def unplayed(cassette: Any) -> list[tuple[int, Any]]:
    """(index, request) of recorded interactions the run never asked for."""
    return [(i, request) for i, request in enumerate(cassette.requests) if cassette.play_counts[i] == 0]


def roles_in(path: Path) -> set[str]:
    """The x-agentspec-role values recorded in a cassette (e.g. to tell whether it holds judge calls)."""
    data = ReadableSerializer.deserialize(path.read_text(encoding="utf-8"))
    roles = set()
    for interaction in data.get("interactions", []):
        headers = interaction["request"].get("headers") or {}
        for key, value in headers.items():
            if key.lower() == ROLE_HEADER:
                roles.add(value[0] if isinstance(value, list) else value)
    return roles


def find_mismatch(exc: BaseException) -> str | None:
    """The cassette-mismatch message hidden in an exception chain (the openai
    SDK wraps transport errors as APIConnectionError), or None."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CannotOverwriteExistingCassetteException):
            return explain_mismatch(current)
        current = current.__cause__ or current.__context__
    return None


def _readable(request: Any) -> list[str]:
    """A request body as lines for a diff: each message's text as-is, the rest as JSON."""
    raw = _raw_body(request)
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace").splitlines()
    if not isinstance(body, dict):
        return json.dumps(body, indent=2).splitlines()
    lines: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else message
        lines.append(f"--- message ({message.get('role') if isinstance(message, dict) else '?'}) ---")
        lines += (content if isinstance(content, str) else json.dumps(content, indent=2)).splitlines()
    rest = {k: v for k, v in body.items() if k != "messages"}
    lines.append("--- parameters ---")
    lines += json.dumps(rest, indent=2, sort_keys=True).splitlines()
    return lines


def explain_mismatch(exc: Any = None, *, cassette: Any = None, failed: Any = None, reason: str | None = None,
                     max_lines: int = 40) -> str:
    """Say which request was not in the cassette and how it differs from the
    closest recorded request of the same section (a prompt change, usually).
    Takes vcr's exception, or the cassette and the request directly."""
    if exc is not None:
        cassette, failed = exc.cassette, exc.failed_request
        reason = getattr(exc, "reason", None)
    if failed is None or cassette is None:
        return " ".join(str(exc).split())[:1500]
    section = header(failed, "x-agentspec-section")
    role = header(failed, ROLE_HEADER)
    if reason is None:
        reason = "already_played" if any(r for _, r in cassette._responses(failed)) else "no_match"
    head = f"request for section {section!r} (role {role}) is not in the cassette ({reason})"
    if reason == "already_played":
        return head + ": the run asked for it more often than when it was recorded"
    same = [r for r in cassette.requests if header(r, "x-agentspec-section") == section][:12]
    if not same:
        return head + "; the cassette holds no request for that section: re-record"
    new = _readable(failed)
    best: list[str] | None = None
    for recorded in same:
        diff = list(difflib.unified_diff(_readable(recorded), new, "recorded", "this run", n=1, lineterm=""))
        if best is None or len(diff) < len(best):
            best = diff
    shown = [line if len(line) <= 160 else line[:159] + "…" for line in (best or [])[:max_lines]]
    more = f"\n… ({len(best or []) - max_lines} more diff lines)" if len(best or []) > max_lines else ""
    return head + "; closest recorded request differs (prompt or settings changed? re-record):\n" + "\n".join(shown) + more


def track_misses(cassette: Any) -> list[Any]:
    """Record every request the cassette cannot answer. Needed because a miss
    inside instructor's retry loop surfaces only as a failed section ("Connection
    error."), not as an exception the harness could inspect."""
    misses: list[Any] = []
    original = cassette.can_play_response_for

    def can_play(request: Any) -> bool:
        ok = original(request)
        if not ok:
            misses.append(request)
        return ok

    cassette.can_play_response_for = can_play  # instance attribute: the stubs look it up per call
    return misses
