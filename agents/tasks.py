"""LLM calls as LangGraph tasks. A task's result is checkpointed, so when a node
re-runs on resume (LangGraph re-executes node code up to interrupt()), finished
calls are replayed from the checkpoint instead of being paid for twice."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from langgraph.config import get_config
from langgraph.func import task

from agentspec.gateway.client import Gateway, StructuredCallFailed
from agentspec.gateway.memo import memo_active, memo_attempt
from agentspec.gateway.pricing import cost_usd
from agentspec.gateway.tokens import count_message_tokens
from agentspec.section import SectionSpec
from agentspec.agents.analyses import analysis_specs
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.drafting import call_model, draft
from agentspec.agents.registry import by_id


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
    ledger = budget()
    estimate = (0, 0.0)
    if ledger is not None:
        gw = gateway()
        used = call_model(gw, spec, model)
        estimate = call_estimate(spec, messages, used, gw.endpoint.provider,
                                 spec.max_tokens or gw.settings.max_output_tokens)
        ledger.reserve(*estimate)  # raises BudgetExhausted: the call is not made
    record: dict[str, Any] | None = None
    try:
        try:
            data, made = await draft(gateway(), spec, messages, attempt, model=model)
        except StructuredCallFailed as exc:
            record = exc.record.model_dump()
            return {"data": None, "call": record, "error": str(exc)}
        record = made.model_dump()
        return {"data": data.model_dump(mode="json"), "call": record, "error": None}
    finally:
        if ledger is not None:
            ledger.settle(*estimate, record)


call_llm = task(_structured_call, name="call_llm")


async def request_llm(section_id: str, messages: list[dict[str, str]], attempt: int,
                      model: str | None = None) -> dict[str, Any]:
    """A structured call that is replayed on resume: by content inside the dataflow
    node (agentspec/gateway/memo.py says why), else by LangGraph's task cache."""
    if memo_active():
        with memo_attempt(section_id, attempt):
            return await _structured_call(section_id, messages, attempt, model)
    return await call_llm(section_id, messages, attempt, model)


# ----------------------------------------------------------------------------- budgets
class BudgetExhausted(Exception):
    """The next call would cross the run's token or cost budget; it was not made."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


BUDGET_NOTE = "budget stop"  # prefix of the failure a budget stop leaves (never prompt feedback)
# thread id -> why its budget refused a call in this process (the Runner's exit hint)
BUDGET_STOPPED: dict[str, str] = {}


class Budget:
    """The run's ceiling, checked before every call. `spent` is what the recorded
    calls cost; `reserved` is the estimate of the calls in flight (the dataflow
    node runs several at once), so concurrent calls cannot cross it together."""

    def __init__(self, max_tokens: int | None, max_cost: float | None, spent_tokens: int, spent_cost: float,
                 thread_id: str = "") -> None:
        self.thread_id = thread_id
        self.max_tokens, self.max_cost = max_tokens, max_cost
        self.spent_tokens, self.spent_cost = spent_tokens, spent_cost
        self.reserved_tokens, self.reserved_cost = 0, 0.0
        self.refused: str | None = None  # why a call was refused: no new work starts after that

    def reserve(self, tokens: int, cost: float) -> None:
        if self.max_tokens is not None and self.spent_tokens + self.reserved_tokens + tokens > self.max_tokens:
            self.refused = (f"token budget reached: {self.spent_tokens} spent, {self.reserved_tokens} in flight, "
                            f"the next call needs up to {tokens} (budget {self.max_tokens})")
        elif self.max_cost is not None and self.spent_cost + self.reserved_cost + cost > self.max_cost + 1e-12:
            self.refused = (f"cost budget reached: ${self.spent_cost:.4f} spent, ${self.reserved_cost:.4f} in flight, "
                            f"the next call needs up to ${cost:.4f} (budget ${self.max_cost:.4f})")
        else:
            self.reserved_tokens += tokens
            self.reserved_cost += cost
            return
        BUDGET_STOPPED[self.thread_id] = self.refused
        raise BudgetExhausted(self.refused)

    def settle(self, tokens: int, cost: float, record: dict[str, Any] | None) -> None:
        self.reserved_tokens -= tokens
        self.reserved_cost -= cost
        if record:
            self.spent_tokens += int(record.get("input_tokens", 0)) + int(record.get("output_tokens", 0))
            self.spent_cost += float(record.get("cost_usd", 0.0))


# One ledger per Gateway, i.e. per CLI command that runs the graph: a resume starts a
# fresh one from the calls in its state, with the limits in effect for that command.
_budgets: "weakref.WeakKeyDictionary[Any, Budget]" = weakref.WeakKeyDictionary()
# `agentspec resume RUN --max-tokens N` raises a run's budget for that command.
BUDGET_OVERRIDES: dict[str, dict[str, Any]] = {}


def _thread_id() -> str:
    try:
        return str(get_config().get("configurable", {}).get("thread_id", ""))
    except RuntimeError:
        return ""


def budget_limits(options: dict[str, Any], thread_id: str | None = None) -> tuple[int | None, float | None]:
    override = BUDGET_OVERRIDES.get(thread_id if thread_id is not None else _thread_id()) or {}
    max_tokens = override.get("max_tokens", options.get("max_tokens"))
    max_cost = override.get("max_cost_usd", options.get("max_cost_usd"))
    return (int(max_tokens) if max_tokens else None), (float(max_cost) if max_cost else None)


def budget(state: dict[str, Any] | None = None) -> Budget | None:
    """This command's ledger; created from `state` (its calls and options) on first use.
    None outside a graph run or when the run has no budget."""
    try:
        owner = gateway()
    except RuntimeError:  # not inside a runnable context
        return None
    found = _budgets.get(owner)
    if found is None and state is not None:
        max_tokens, max_cost = budget_limits(state.get("options") or {})
        if max_tokens is None and max_cost is None:
            return None
        calls = state.get("calls") or []
        found = Budget(max_tokens, max_cost,
                       sum(int(c.get("input_tokens", 0)) + int(c.get("output_tokens", 0)) for c in calls),
                       sum(float(c.get("cost_usd", 0.0)) for c in calls), thread_id=_thread_id())
        _budgets[owner] = found
    return found


def call_estimate(spec: SectionSpec, messages: list[dict[str, str]], model: str, provider: str,
                  max_output: int) -> tuple[int, float]:
    """The most one call can spend: its prompt (counted) plus its output cap."""
    tokens_in = count_message_tokens(messages, model)
    return tokens_in + max_output, cost_usd(model, provider, tokens_in, max_output)
