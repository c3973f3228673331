"""The gateway against the fake OpenAI server (a test double): request shape per
provider mode, usage and cost, re-ask counting, and error mapping."""

from __future__ import annotations

import asyncio
import socket

import pytest
from pydantic import BaseModel, field_validator

from agentspec.errors import ConfigError, EndpointError
from agentspec.gateway.client import Gateway, StructuredCallFailed
from agentspec.gateway.endpoint import Endpoint
from agentspec.settings import Settings
from tests.doubles import FakeOpenAIServer, Fault, FaultKind, FaultPlan


class Thing(BaseModel):
    name: str
    size: int

    @field_validator("name")
    @classmethod
    def _lower(cls, value: str) -> str:
        if value != value.lower():
            raise ValueError("name must be lowercase")
        return value


def _gateway(base_url: str, mode: str, provider: str = "openai", **settings) -> Gateway:
    s = Settings(transport_retries=settings.pop("transport_retries", 0), request_timeout_s=5, **settings)
    return Gateway(s, Endpoint(provider=provider, base_url=base_url, api_key="sk-test", mode=mode))


def _call(gw: Gateway, section: str = "things"):
    return asyncio.run(gw.structured(response_model=Thing, messages=[{"role": "user", "content": "a thing"}],
                                     role="integration-specialist", section=section, model="fake-model", temperature=0))


def test_local_mode_sends_lean_grammar_schema_in_response_format():
    seen = []
    with FakeOpenAIServer(responder=lambda r: seen.append(r.body) or {"name": "box", "size": 3}) as srv:
        thing, record = _call(_gateway(srv.base_url, "json_object_schema", provider="local"))
    body = seen[0]
    assert body["response_format"]["type"] == "json_object"
    schema = body["response_format"]["schema"]
    assert set(schema["properties"]) == {"name", "size"} and "title" not in schema
    assert "tools" not in body
    assert thing.name == "box" and record.provider == "local" and record.cost_usd == 0.0
    assert record.input_tokens > 0 and record.output_tokens > 0


def test_openai_mode_uses_tools_and_records_cost_and_section_header():
    with FakeOpenAIServer(responder=lambda r: {"name": "box", "size": 3}) as srv:
        _, record = _call(_gateway(srv.base_url, "tools"), section="database_schema")
        call = srv.calls[0]
    assert call.mode == "tools" and call.section == "database_schema" and call.has_auth
    assert record.section == "database_schema" and record.status == "ok"


def test_tools_mode_sends_the_documented_tool_with_list_bounds():
    """In tools mode the model reads the function schema, so it carries the field
    descriptions (and list bounds, which OpenAI's rendering drops) instead of the prompt."""
    from agentspec.agents.registry import by_id

    model = by_id()["monitoring"].model
    seen = []

    def responder(req):
        seen.append(req.body)
        return None  # schema-driven data

    with FakeOpenAIServer(responder=responder) as srv:
        gw = _gateway(srv.base_url, "tools")
        result, _ = asyncio.run(gw.structured(response_model=model, messages=[{"role": "user", "content": "x"}],
                                              role="devops-specialist", section="monitoring", model="fake-model",
                                              temperature=0))
    (tool,) = seen[0]["tools"]
    function = tool["function"]
    assert seen[0]["tool_choice"]["function"]["name"] == function["name"] == model.__name__
    alerts = function["parameters"]["properties"]["alert_rules"]
    assert alerts["description"].startswith("1-4 items; ") and alerts["maxItems"] == 4
    assert "title" not in function["parameters"]
    assert isinstance(result, model)


def test_reasks_are_counted_and_validation_errors_fed_back():
    answers = iter([{"name": "BOX", "size": 3}, {"name": "box", "size": 3}])
    prompts = []

    def responder(req):
        prompts.append(req.last_user_text)
        return next(answers)

    with FakeOpenAIServer(responder=responder) as srv:
        thing, record = _call(_gateway(srv.base_url, "tools"))
    assert thing.name == "box" and record.reasks == 1
    assert len(prompts) == 2


def test_never_valid_output_fails_the_section_not_the_run():
    with FakeOpenAIServer(responder=lambda r: {"name": "BOX", "size": 3}) as srv:
        with pytest.raises(StructuredCallFailed) as info:
            _call(_gateway(srv.base_url, "tools", reask_retries=1))
        assert len(srv.calls) == 2
    assert info.value.record.status == "failed" and "lowercase" in info.value.record.error


def test_unknown_model_is_a_config_error():
    with FakeOpenAIServer(models=("other-model",), strict_models=True) as srv:
        gw = _gateway(srv.base_url, "tools")
        with pytest.raises(ConfigError, match="does not know model"):
            asyncio.run(gw.structured(response_model=Thing, messages=[{"role": "user", "content": "x"}], role="r",
                                      section="s", model="missing-model", temperature=0))


def test_dead_endpoint_is_a_resumable_endpoint_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EndpointError, match="resume|failed"):
        _call(_gateway(f"http://127.0.0.1:{port}/v1", "tools"))


def test_rate_limit_honours_retry_after_then_succeeds():
    plan = FaultPlan(by_call={0: Fault(FaultKind.RATE_LIMIT, retry_after_s=0.05)})
    with FakeOpenAIServer(faults=plan, responder=lambda r: {"name": "box", "size": 1}) as srv:
        thing, _ = _call(_gateway(srv.base_url, "tools", transport_retries=2))
        assert [c.status for c in srv.calls] == [429, 200]
    assert thing.size == 1


def test_concurrency_cap_is_enforced_by_the_gateway():
    from tests.doubles import Latency

    async def many(gw):
        await asyncio.gather(*[gw.structured(response_model=Thing, messages=[{"role": "user", "content": str(i)}],
                                             role="r", section=f"s{i}", model="fake-model", temperature=0)
                               for i in range(6)])

    with FakeOpenAIServer(latency=Latency(ttft_s=0.1, tokens_per_s=1000), responder=lambda r: {"name": "a", "size": 1}) as srv:
        asyncio.run(many(_gateway(srv.base_url, "tools", concurrency=2)))
        assert srv.max_concurrency() == 2


def test_a_call_failing_validation_every_time_counts_exactly_its_reasks():
    # Every answer breaks the validator (uppercase name): 1 first try + 1 re-ask, so exactly 1 re-ask.
    with FakeOpenAIServer(responder=lambda r: {"name": "BOX", "size": 3}) as srv:
        with pytest.raises(StructuredCallFailed) as failed:
            _call(_gateway(srv.base_url, "tools", reask_retries=1))
        calls = len(srv.calls)
    assert calls == 2
    assert failed.value.record.reasks == 1


def test_transport_retry_is_announced_with_attempt_status_and_wait(capsys):
    plan = FaultPlan(by_call={0: Fault(FaultKind.SERVER_ERROR, status=503)})
    with FakeOpenAIServer(responder=lambda r: {"name": "box", "size": 3}, faults=plan) as srv:
        thing, _ = _call(_gateway(srv.base_url, "tools", transport_retries=2), section="api_specifications")
    assert thing.name == "box"
    err = capsys.readouterr().err
    assert "api_specifications: retrying (attempt 2 of 3, HTTP 503, waiting" in err


def test_html_200_is_an_endpoint_error_not_a_failed_section():
    with FakeOpenAIServer(responder=lambda r: {"name": "box", "size": 3}, faults=FaultPlan(by_call={0: "html"})) as srv:
        with pytest.raises(EndpointError) as err:
            _call(_gateway(srv.base_url, "tools"))
    assert "not OpenAI-compatible" in err.value.message and "text/html" in err.value.message
    assert "THREAD" not in (err.value.hint or "")


def test_echoed_key_is_redacted_from_the_error():
    plan = FaultPlan(by_call={0: Fault(FaultKind.ECHO_AUTH, status=500)})
    with FakeOpenAIServer(responder=lambda r: {"name": "box", "size": 3}, faults=plan) as srv:
        with pytest.raises(EndpointError) as err:
            _call(_gateway(srv.base_url, "tools"))
    assert "sk-test" not in str(err.value) and "Authorization" in str(err.value)
    assert err.value.__cause__ is None


def test_request_timeout_defaults_by_provider_and_env_override(monkeypatch):
    monkeypatch.delenv("AGENTSPEC_REQUEST_TIMEOUT_S", raising=False)
    s = Settings()
    assert s.timeout_for("openai") == 120 and s.timeout_for("local") == 900
    monkeypatch.setenv("AGENTSPEC_REQUEST_TIMEOUT_S", "7.5")
    assert Settings().timeout_for("openai") == 7.5 == Settings().timeout_for("local")
