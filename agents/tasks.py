"""LLM calls as LangGraph tasks. A task's result is checkpointed, so when a node
re-runs on resume (LangGraph re-executes node code up to interrupt()), finished
calls are replayed from the checkpoint instead of being paid for twice."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_config
from langgraph.func import task

from agentspec.gateway.client import Gateway, StructuredCallFailed
from agentspec.section import SectionSpec
from agents.analyses import analysis_specs
from agents.brief import FeatureBrief
from agents.drafting import draft
from agents.registry import by_id


_server_gateway: Gateway | None = None


def gateway() -> Gateway:
    """The CLI passes its gateway in the run config. Under LangGraph Server
    (langgraph.json) there is none, so one is built once from the environment."""
    global _server_gateway
    configured = get_config().get("configurable", {}).get("gateway")
    if configured is not None:
        return configured
    if _server_gateway is None:
        from agentspec.gateway.endpoint import remote_endpoint
        from agentspec.settings import load_settings

        settings = load_settings()
        _server_gateway = Gateway(settings, remote_endpoint(settings))
    return _server_gateway


def spec_for(section_id: str) -> SectionSpec:
    if section_id == "intake":
        return SectionSpec(id="intake", headings=(), role="product-analyst", model=FeatureBrief,
                           render=lambda d, c: "", stage="draft", max_tokens=900)
    analyses = {s.id: s for s in analysis_specs()}
    return analyses.get(section_id) or by_id()[section_id]


@task
async def call_llm(section_id: str, messages: list[dict[str, str]], attempt: int,
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
