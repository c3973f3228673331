"""Dataflow drafting: every section and analysis starts the moment its inputs are
done, instead of in waves.

LangGraph runs a graph in supersteps: the Sends of one wave all finish before the
next wave starts, so a section whose dependencies finished early still waits for
the slowest section of the wave. This node runs the whole remaining plan inside one
superstep as asyncio tasks, starting each item as soon as `ready_work` allows, with
the HTTP concurrency capped by the gateway as before.

What a wave run guarantees still holds:
- Resume never pays twice: calls here go through the content-keyed memo
  (agentspec/gateway/memo.py), because their order depends on timing.
- Budgets are ceilings: every call reserves its estimate first (agents/tasks.py
  Budget, which counts the calls in flight here); once a call is refused, no new
  item starts, and what was not drafted is marked failed with the reason, so
  `agentspec resume RUN --max-tokens N` continues it.
- An endpoint failure stops the run resumably: the other in-flight calls are
  cancelled (they are unfinished, so nothing finished is lost) and the error
  propagates as from any node.

Runs with review use the waves: a human answers one section at a time there."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.runnables import RunnableConfig

from agentspec.gateway.memo import CallMemo, memo_scope
from agentspec.agents.nodes import _task, analyze, draft_section, over_budget, ready_work, stop_for_budget
from agentspec.agents.state import DraftState

_NODES = {"draft_section": draft_section, "analyze": analyze}


async def draft_all(state: DraftState, config: RunnableConfig) -> dict[str, Any]:
    configurable = config.get("configurable") or {}
    memo = configurable.get("call_memo") or CallMemo()  # in memory under LangGraph Server
    with memo_scope(memo, str(configurable.get("thread_id", ""))):
        return await _run(state)


async def _run(state: DraftState) -> dict[str, Any]:
    live: dict[str, Any] = {**state, "sections": dict(state.get("sections") or {}),
                            "analyses": dict(state.get("analyses") or {}), "calls": list(state.get("calls") or [])}
    update: dict[str, Any] = {"sections": {}, "analyses": {}, "calls": [], "needs_check": True}
    running: dict[asyncio.Task[dict[str, Any]], str] = {}
    started: set[str] = set()
    budget_hit = False
    try:
        while True:
            budget_hit = budget_hit or over_budget(live) is not None
            if not budget_hit:
                for node, item_id in ready_work(live, frozenset(started)):
                    started.add(item_id)
                    running[asyncio.create_task(_NODES[node](_task(live, item_id)))] = item_id
            if not running:
                break
            done, _pending = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                running.pop(finished)
                _merge(live, update, finished.result())  # an endpoint failure raises here
    finally:
        await _cancel(running)
    if budget_hit:
        _merge(live, update, stop_for_budget(live))
    return update


def _merge(live: dict[str, Any], update: dict[str, Any], result: dict[str, Any]) -> None:
    for key in ("sections", "analyses"):
        live[key].update(result.get(key) or {})
        update[key].update(result.get(key) or {})
    live["calls"].extend(result.get("calls") or [])
    update["calls"].extend(result.get("calls") or [])


async def _cancel(running: dict[asyncio.Task[dict[str, Any]], str]) -> None:
    for item in running:
        item.cancel()
    if running:
        await asyncio.gather(*running, return_exceptions=True)
