"""Tests for the fake OpenAI server TEST DOUBLE, driven by the real openai SDK and instructor."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from enum import Enum
from typing import Literal, Optional

import instructor
import openai
import pytest
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai import AsyncOpenAI, OpenAI
from pydantic import BaseModel, Field, HttpUrl, ValidationError, field_validator, model_validator

from tests.doubles import Fault, FaultKind, FaultPlan, FakeOpenAIServer, Latency
from tests.doubles.fake_request import FakeRequest
from tests.doubles.schema_faker import SchemaFaker, corrupt, generate_from_schema

IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


# --------------------------------------------------------------------- models
class Kind(str, Enum):
    TABLE = "table"
    VIEW = "view"


class Column(BaseModel):
    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: Literal["text", "integer", "boolean"]
    nullable: bool = False
    comment: Optional[str] = None


class Table(BaseModel):
    name: str
    kind: Kind
    columns: list[Column] = Field(min_length=1, max_length=5)
    created: datetime.date

    @field_validator("columns")
    @classmethod
    def unique_columns(cls, cols: list[Column]) -> list[Column]:
        names = [c.name for c in cols]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate column names: {names}")
        return cols


class DataModel(BaseModel):
    tables: list[Table] = Field(min_length=1)
    summary: str = Field(min_length=5, max_length=200)
    version: int = Field(ge=1, le=10)
    notes: Optional[str] = None
    homepage: HttpUrl
    id: uuid.UUID

    @field_validator("tables")
    @classmethod
    def unique_tables(cls, tables: list[Table]) -> list[Table]:
        names = [t.name for t in tables]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate table names: {names}")
        return tables


class Keyed(BaseModel):
    """A cross-field rule the generic generator cannot satisfy: needs a responder."""

    columns: list[str] = Field(min_length=1)
    primary_key: str

    @model_validator(mode="after")
    def pk_is_a_column(self) -> Keyed:
        if self.primary_key not in self.columns:
            raise ValueError(f"primary_key {self.primary_key!r} is not one of {self.columns}")
        return self


MSGS = [{"role": "system", "content": "You design data models."},
        {"role": "user", "content": "Model a library: books and loans."}]


def client_for(srv: FakeOpenAIServer, mode: instructor.Mode = instructor.Mode.TOOLS, **kw):
    kw.setdefault("max_retries", 0)
    return instructor.from_openai(OpenAI(base_url=srv.base_url, api_key="test", **kw), mode=mode)


def ask(client, model=DataModel, max_retries: int = 0, **kw):
    return client.chat.completions.create(
        model="fake-model", response_model=model, messages=list(MSGS), max_retries=max_retries, **kw)


# --------------------------------------------------------------- every mode
@pytest.mark.parametrize(("mode", "wire_mode"), [
    (instructor.Mode.TOOLS, "tools"),
    (instructor.Mode.JSON, "json"),
    (instructor.Mode.JSON_SCHEMA, "json_schema"),
    (instructor.Mode.MD_JSON, "md_json"),
])
def test_each_instructor_mode_gets_schema_valid_data(mode, wire_mode):
    with FakeOpenAIServer(seed=7) as srv:
        result = ask(client_for(srv, mode))
        (call,) = srv.calls
    assert isinstance(result, DataModel)
    all_names = [t.name for t in result.tables] + [c.name for t in result.tables for c in t.columns]
    assert len(set(all_names)) == len(all_names)
    assert all(IDENT.match(n) for n in all_names)
    assert 1 <= len(result.tables) <= 2 and 1 <= result.version <= 10
    assert call.mode == wire_mode and call.status == 200 and call.fault is None
    # Usage is ~chars/4 of what was sent / returned, so it scales with the schema.
    assert call.prompt_tokens > 100 and call.completion_tokens > 40
    assert result._raw_response.usage.completion_tokens == call.completion_tokens


def test_llama_cpp_json_object_with_schema():
    with FakeOpenAIServer() as srv:
        raw = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0).chat.completions.create(
            model="local", messages=MSGS,
            response_format={"type": "json_object", "schema": DataModel.model_json_schema()})
        assert srv.calls[0].mode == "json_object_schema"
    assert raw.choices[0].finish_reason == "stop"
    DataModel.model_validate_json(raw.choices[0].message.content)


def test_no_schema_gets_plain_text_and_models_are_listed():
    with FakeOpenAIServer(models=["m1", "m2"]) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
        out = client.chat.completions.create(model="m1", messages=[{"role": "user", "content": "Say hi"}])
        ids = [m.id for m in client.models.list()]
        assert srv.calls[0].mode == "text"
        with pytest.raises(openai.BadRequestError, match="stream"):  # loud, not a garbled SSE parse
            client.chat.completions.create(model="m1", messages=MSGS, stream=True)
    text = out.choices[0].message.content
    assert "test double" in text and "Say hi" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert ids == ["m1", "m2"]


def test_same_seed_same_answer_different_seed_different_answer():
    def one(seed):
        with FakeOpenAIServer(seed=seed) as srv:
            return ask(client_for(srv)).model_dump(mode="json")
    assert one(1) == one(1)
    assert one(1) != one(2)


# ----------------------------------------------------------------- responder
def test_responder_supplies_data_for_cross_field_validators():
    seen: list[FakeRequest] = []

    def responder(req: FakeRequest):
        seen.append(req)
        if req.section == "generic":
            return None  # fall back to the generator
        return {"columns": ["id", "title"], "primary_key": "id"}

    with FakeOpenAIServer(responder=responder) as srv:
        client = client_for(srv)
        good = ask(client, Keyed, extra_headers={"x-agentspec-section": "keys"})
        with pytest.raises(InstructorRetryException) as err:  # generic data breaks the cross-field rule
            ask(client, Keyed, extra_headers={"x-agentspec-section": "generic"})
        calls = srv.calls
    assert good.primary_key == "id"
    assert "primary_key" in str(err.value)
    assert [c.responder_used for c in calls] == [True, False]
    assert seen[0].mode == "tools" and seen[0].tool_name == "Keyed"
    assert seen[0].schema["required"] == ["columns", "primary_key"]
    assert seen[0].headers["authorization"] == "<redacted>"


# ----------------------------------------------------------------- faults
def test_rate_limit_honours_retry_after_then_succeeds():
    plan = FaultPlan(by_call={0: Fault(FaultKind.RATE_LIMIT, retry_after_s=0.4)})
    with FakeOpenAIServer(faults=plan) as srv:
        t0 = time.monotonic()
        result = ask(client_for(srv, max_retries=1))
        elapsed = time.monotonic() - t0
        calls = srv.calls
    assert isinstance(result, DataModel)
    assert [(c.status, c.fault) for c in calls] == [(429, "rate_limit"), (200, None)]
    gap = calls[1].start - calls[0].end
    assert 0.35 <= gap < 1.5 and elapsed >= 0.4  # openai waited retry-after, not its own backoff


def test_rate_limit_without_retries_surfaces_as_rate_limit_error():
    with FakeOpenAIServer(faults=FaultPlan(rates={"rate_limit": 1.0}, retry_after_s=0.01)) as srv:
        with pytest.raises(openai.RateLimitError) as err:
            OpenAI(base_url=srv.base_url, api_key="x", max_retries=2).chat.completions.create(
                model="m", messages=MSGS)
        assert len(srv.calls) == 3  # first try + 2 SDK retries
    assert err.value.response.headers["retry-after"] == "0.01"
    # Through instructor the SDK error is wrapped, its cause kept.
    with FakeOpenAIServer(faults=FaultPlan(rates={"rate_limit": 1.0}, retry_after_s=0.01)) as srv:
        with pytest.raises(InstructorRetryException) as err2:
            ask(client_for(srv))
    assert isinstance(err2.value.__cause__, openai.RateLimitError)


def test_server_error_is_retried_by_the_sdk_and_raised_when_retries_run_out():
    with FakeOpenAIServer(faults=FaultPlan(by_call={0: "server_error"})) as srv:
        assert isinstance(ask(client_for(srv, max_retries=1)), DataModel)
        assert [c.status for c in srv.calls] == [500, 200]
    with FakeOpenAIServer(faults=FaultPlan(by_call={0: Fault(FaultKind.SERVER_ERROR, status=503)})) as srv:
        with pytest.raises(openai.InternalServerError) as err:
            OpenAI(base_url=srv.base_url, api_key="x", max_retries=0).chat.completions.create(
                model="m", messages=MSGS)
    assert err.value.status_code == 503


def test_timeout_fault_holds_until_the_client_gives_up():
    plan = FaultPlan(by_call={0: "timeout"}, timeout_hold_s=3.0)
    with FakeOpenAIServer(faults=plan) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0, timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=MSGS)
        assert 0.25 < time.monotonic() - t0 < 1.5
        # The next call has no fault and is served normally.
        assert client.chat.completions.create(model="m", messages=MSGS).choices[0].message.content
        assert srv.calls[0].fault == "timeout" and srv.calls[1].status == 200
    # stop() woke the held handler: it recorded "no response sent".
    assert srv.calls[0].status == 0 and srv.calls[0].end is not None


@pytest.mark.parametrize("mode", [instructor.Mode.TOOLS, instructor.Mode.JSON,
                                  instructor.Mode.JSON_SCHEMA, instructor.Mode.MD_JSON])
@pytest.mark.parametrize("kind", ["truncated", "invalid"])
def test_bad_json_on_first_call_triggers_reask_then_succeeds(mode, kind):
    requests: list[FakeRequest] = []

    def spy(req: FakeRequest):
        requests.append(req)
        return None

    with FakeOpenAIServer(faults=FaultPlan(by_call={0: kind}), responder=spy) as srv:
        result = ask(client_for(srv, mode), max_retries=2)
        calls = srv.calls
    assert isinstance(result, DataModel)
    assert [(c.fault, c.status) for c in calls] == [(kind, 200), (None, 200)]
    # The second request is a re-ask: it carries the failed answer and the error.
    assert len(requests[1].messages) > len(requests[0].messages)
    assert "error" in json.dumps(requests[1].messages[-1]).lower()


def test_faulty_json_without_retries_fails_validation():
    for kind in ("truncated", "invalid"):
        with FakeOpenAIServer(faults=FaultPlan(rates={kind: 1.0})) as srv:
            with pytest.raises(InstructorRetryException) as err:
                ask(client_for(srv), max_retries=1)
            assert len(srv.calls) == 2
        assert isinstance(err.value.__cause__, ValidationError)


def test_length_fault_reports_finish_reason_length():
    with FakeOpenAIServer(faults=FaultPlan(by_call={0: "length"})) as srv:
        raw = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0).chat.completions.create(
            model="m", messages=MSGS, response_format={"type": "json_schema", "json_schema": {
                "name": "DataModel", "schema": DataModel.model_json_schema()}})
        assert raw.choices[0].finish_reason == "length"
        with pytest.raises(json.JSONDecodeError):
            json.loads(raw.choices[0].message.content)
        with pytest.raises(IncompleteOutputException):
            srv.faults = FaultPlan(rates={"length": 1.0})
            ask(client_for(srv))


def test_fault_choice_is_deterministic_and_scripts_win():
    a = FaultPlan(rates={"server_error": 0.3, "invalid": 0.2}, seed=5)
    b = FaultPlan(rates={"server_error": 0.3, "invalid": 0.2}, seed=5)
    c = FaultPlan(rates={"server_error": 0.3, "invalid": 0.2}, seed=6)

    def picks(plan):
        return [getattr(plan.choose(100 + i, "s", i), "kind", None) for i in range(200)]

    assert picks(a) == picks(b) != picks(c)
    counts = {k: picks(a).count(k) for k in (FaultKind.SERVER_ERROR, FaultKind.INVALID, None)}
    assert 40 <= counts[FaultKind.SERVER_ERROR] <= 80 and 20 <= counts[FaultKind.INVALID] <= 60
    scripted = FaultPlan(rates={"server_error": 1.0}, by_call={0: "timeout"},
                         by_section={"s": [None, "slow"]}, slow_delay_s=0.5)
    assert scripted.choose(0, "s", 0).kind is FaultKind.TIMEOUT
    assert scripted.choose(1, "s", 0) is None  # script says "no fault" beats rates
    assert scripted.choose(2, "s", 1) == Fault(FaultKind.SLOW, retry_after_s=1.0, status=500,
                                               hold_s=30.0, delay_s=0.5)
    assert scripted.choose(3, "s", 2).kind is FaultKind.SERVER_ERROR  # script ran out
    with pytest.raises(ValueError):
        FaultPlan(rates={"server_error": 0.7, "invalid": 0.5})
    with pytest.raises(ValueError):
        FaultPlan(by_call={0: "ratelimit"})


def test_by_section_script_targets_one_section():
    plan = FaultPlan(by_section={"api": ["server_error"]})
    with FakeOpenAIServer(faults=plan) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
        client.chat.completions.create(model="m", messages=MSGS, extra_headers={"x-agentspec-section": "db"})
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=MSGS,
                                           extra_headers={"x-agentspec-section": "api"})
        client.chat.completions.create(model="m", messages=MSGS, extra_headers={"x-agentspec-section": "api"})
        assert [c.status for c in srv.calls_for("api")] == [500, 200]
        assert [c.status for c in srv.calls_for("db")] == [200]


# ----------------------------------------------------------- latency, concurrency
def test_latency_model_ttft_plus_tokens_per_second():
    with FakeOpenAIServer(latency=Latency(ttft_s=0.2, tokens_per_s=400)) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
        t0 = time.monotonic()
        client.chat.completions.create(model="m", messages=MSGS, response_format={
            "type": "json_schema", "json_schema": {"name": "D", "schema": DataModel.model_json_schema()}})
        elapsed = time.monotonic() - t0
        (call,) = srv.calls
    expected = 0.2 + call.completion_tokens / 400
    assert call.latency_s == pytest.approx(expected)
    assert call.completion_tokens > 40  # so the per-token part is visible (> 0.1 s)
    assert expected <= elapsed < expected + 0.4


def test_slow_fault_adds_delay():
    with FakeOpenAIServer(faults=FaultPlan(by_call={0: Fault(FaultKind.SLOW, delay_s=0.3)})) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
        t0 = time.monotonic()
        client.chat.completions.create(model="m", messages=MSGS)
        assert time.monotonic() - t0 >= 0.3
        assert srv.calls[0].fault == "slow" and srv.calls[0].latency_s == pytest.approx(0.3)


def test_concurrent_calls_overlap_and_are_logged_per_section():
    async def run(srv: FakeOpenAIServer) -> float:
        client = instructor.from_openai(
            AsyncOpenAI(base_url=srv.base_url, api_key="test", max_retries=0), mode=instructor.Mode.TOOLS)
        t0 = time.monotonic()
        results = await asyncio.gather(*[
            client.chat.completions.create(
                model="m", response_model=DataModel, messages=list(MSGS), max_retries=0,
                extra_headers={"x-agentspec-section": f"s{i}", "x-agentspec-role": "architect"})
            for i in range(5)])
        assert all(isinstance(r, DataModel) for r in results)
        return time.monotonic() - t0

    with FakeOpenAIServer(latency=Latency(ttft_s=0.4)) as srv:
        wall = asyncio.run(run(srv))
        assert srv.max_concurrency() == 5
        assert wall < 1.5  # serial would be >= 2.0 s
        assert [c.role for c in srv.calls_for("s3")] == ["architect"]
        srv.reset()
        assert srv.calls == [] and srv.max_concurrency() == 0
        OpenAI(base_url=srv.base_url, api_key="x", max_retries=0).chat.completions.create(
            model="m", messages=MSGS)
        assert srv.max_concurrency() == 1 and srv.calls[0].index == 0


# ------------------------------------------------------------------ call log
def test_call_log_records_auth_presence_but_never_the_key():
    with FakeOpenAIServer() as srv:
        OpenAI(base_url=srv.base_url, api_key="sk-very-secret-123", max_retries=0).chat.completions.create(
            model="m", messages=MSGS, extra_headers={"x-agentspec-section": "intro"})
        req = urllib.request.Request(
            f"{srv.base_url}/chat/completions", data=json.dumps({"model": "m", "messages": MSGS}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200 and resp.headers["x-test-double"]
        calls = srv.calls
    assert [c.has_auth for c in calls] == [True, False]
    assert calls[0].section == "intro" and calls[1].section is None
    assert all(c.end is not None and c.end >= c.start for c in calls)
    assert "very-secret" not in repr(calls)
    with FakeOpenAIServer(require_auth=True) as srv:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req.__class__(
                f"{srv.base_url}/chat/completions", data=req.data,
                headers={"Content-Type": "application/json"}, method="POST"), timeout=5)
        assert err.value.code == 401 and srv.calls[0].status == 401


def test_cli_prints_banner_and_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.doubles.fake_openai_server", "--port", "0", "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("base_url: "):
                break
        base_url = lines[-1].split(": ", 1)[1].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", base_url)
        assert "T  E  S  T     D  O  U  B  L  E" in "".join(lines)
        models = OpenAI(base_url=base_url, api_key="x", max_retries=0).models.list()
        assert [m.id for m in models] == ["fake-model"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# -------------------------------------------------------------- schema faker
def test_faker_handles_refs_combinators_and_constraints():
    schema = {
        "$defs": {
            "Item": {"type": "object", "required": ["key", "qty"], "properties": {
                "key": {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$"},
                "qty": {"type": "integer", "minimum": 5, "maximum": 6},
                "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            }},
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 3},
            "one": {"type": "array", "items": {"type": "string"}, "maxItems": 1, "minItems": 0},
            "maybe": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Item"}]},
            "merged": {"allOf": [{"$ref": "#/$defs/Item"}, {"properties": {"extra": {"const": 42}}}]},
            "color": {"enum": ["red", "green"]},
            "fixed": {"const": "v1"},
            "nullable": {"type": ["null", "integer"]},
            "untyped": {"default": "dflt"},
            "code": {"type": "string", "minLength": 12, "maxLength": 14},
            "short": {"type": "string", "maxLength": 4},
            "day": {"type": "string", "format": "date"},
            "when": {"type": "string", "format": "date-time"},
            "site": {"type": "string", "format": "uri"},
            "mail": {"type": "string", "format": "email"},
            "uid": {"type": "string", "format": "uuid"},
            "kebab": {"type": "string", "pattern": "^[a-z]+(-[a-z0-9]+)*$"},
            "upper": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
            "semver": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        "required": ["items"],
    }
    doc = generate_from_schema(schema, seed=3)
    assert doc == generate_from_schema(schema, seed=3)
    assert len(doc["items"]) >= 3 and len(doc["one"]) == 1
    assert all(IDENT.match(i["key"]) and i["qty"] in (5, 6) and 0 < i["price"] <= 1 for i in doc["items"])
    assert len({i["key"] for i in doc["items"]}) == len(doc["items"])
    assert set(doc["maybe"]) >= {"key", "qty"} and doc["merged"]["extra"] == 42
    assert doc["color"] in ("red", "green") and doc["fixed"] == "v1"
    assert isinstance(doc["nullable"], int) and doc["untyped"] == "dflt"
    assert 12 <= len(doc["code"]) <= 14 and len(doc["short"]) <= 4
    datetime.date.fromisoformat(doc["day"])
    datetime.datetime.fromisoformat(doc["when"].replace("Z", "+00:00"))
    assert doc["site"].startswith("https://") and re.fullmatch(r"[\w.]+@example\.com", doc["mail"])
    assert uuid.UUID(doc["uid"]).version == 4
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", doc["kebab"])
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", doc["upper"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", doc["semver"])
    assert doc["tables"] == ["table_1", "table_2"]  # singular of the array name, numbered
    assert doc["tags"] and all(isinstance(v, int) for v in doc["tags"].values())


def test_faker_terminates_on_recursive_schemas():
    class Node(BaseModel):
        name: str
        children: list[Node] = []

    doc = generate_from_schema(Node.model_json_schema(), seed=1)
    node = Node.model_validate(doc)
    depth, cur = 0, node
    while cur.children:
        depth, cur = depth + 1, cur.children[0]
    assert 1 <= depth <= 10


def test_corrupt_breaks_validation_but_stays_json():
    schema = DataModel.model_json_schema()
    good = SchemaFaker(schema).generate()
    DataModel.model_validate(good)
    bad = corrupt(good, schema)
    json.dumps(bad)
    with pytest.raises(ValidationError):
        DataModel.model_validate(bad)
