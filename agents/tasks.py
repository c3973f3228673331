"""LLM calls as LangGraph tasks. A task's result is checkpointed, so when a node
re-runs on resume (LangGraph re-executes node code up to interrupt()), finished
calls are replayed from the checkpoint instead of being paid for twice."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.config import get_config
from langgraph.func import task

from agentspec.gateway.client import Gateway, StructuredCallFailed
from agentspec.gateway.memo import memo_active, memo_attempt
from agentspec.section import SectionSpec
from agents.analyses import analysis_specs
from agents.brief import FeatureBrief
from agents.drafting import draft
from agents.registry import by_id


_server_gateways: dict[int, Gateway] = {}


def gateway() -> Gateway:
    """The CLI passes its gateway in the run config. Under LangGraph Server
    (langgraph.json) there is none, so one is built from the environment, once per
    event loop (an async HTTP client must not outlive the loop it was made in)."""
    configured = get_config().get("configurable", {}).get("gateway")
    if configured is not None:
        return configured
    loop = id(asyncio.get_running_loop())
    if loop not in _server_gateways:
        from agentspec.gateway.endpoint import remote_endpoint
        from agentspec.settings import load_settings

        settings = load_settings()
        _server_gateways[loop] = Gateway(settings, remote_endpoint(settings))
    return _server_gateways[loop]


def field_guide_in_prompt() -> bool:
    """Whether this run's prompts list the output fields (no: the endpoint reads the
    documented tool schema instead, see endpoint.field_guide_in_prompt)."""
    return gateway().endpoint.field_guide_in_prompt


def spec_for(section_id: str) -> SectionSpec:
    if section_id == "intake":
        return SectionSpec(id="intake", headings=(), role="product-analyst", model=FeatureBrief,
                           render=lambda d, c: "", stage="draft", max_tokens=900)
    analyses = {s.id: s for s in analysis_specs()}
    return analyses.get(section_id) or by_id()[section_id]


async def _structured_call(section_id: str, messages: list[dict[str, str]], attempt: int,
                           model: str | None = None) -> dict[str, Any]:
    """One structured call. Validation that never succeeds is a result (the section
    fails visibly), not an exception; endpoint failures raise and stop the run
    resumably."""
    spec = spec_for(section_id)
    try:
        data, record = await draft(gateway(), spec, messages, attempt, model=model)
    except StructuredCallFailed as exc:
        return {"data": None, "call": exc.record.model_dump(), "error": str(exc)}
    return {"data": data.model_dump(mode="json"), "call": record.model_dump(), "error": None}


call_llm = task(_structured_call, name="call_llm")


async def request_llm(section_id: str, messages: list[dict[str, str]], attempt: int,
                      model: str | None = None) -> dict[str, Any]:
    """A structured call that is replayed on resume: by content inside the dataflow
    node (agentspec/gateway/memo.py says why), else by LangGraph's task cache."""
    if memo_active():
        with memo_attempt(section_id, attempt):
            return await _structured_call(section_id, messages, attempt, model)
    return await call_llm(section_id, messages, attempt, model)
