"""The draft graph. This module only wires nodes (agents/nodes.py) together:

intake → plan → [draft waves (Send) → join]* → [analyses ∥ → join] → [fold-in → join]
      → check → (redraft → join → check)? → assemble

Without review, one `draft_all` node replaces the waves: it starts each section the
moment its inputs are done (agents/dataflow.py).
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agentspec.agents import nodes
from agentspec.agents.dataflow import draft_all
from agentspec.agents.state import DraftState

ROUTES = ["draft_section", "analyze", "draft_all", "check", "assemble", "stop_for_budget"]


def build() -> StateGraph:
    builder = StateGraph(DraftState)
    builder.add_node("intake", nodes.intake)
    builder.add_node("plan", nodes.plan)
    builder.add_node("draft_section", nodes.draft_section)
    builder.add_node("analyze", nodes.analyze)
    builder.add_node("draft_all", draft_all)
    builder.add_node("join", nodes.join)
    builder.add_node("check", nodes.check)
    builder.add_node("assemble", nodes.assemble)
    builder.add_node("stop_for_budget", nodes.stop_for_budget)

    builder.add_edge(START, "intake")
    builder.add_edge("intake", "plan")
    builder.add_conditional_edges("plan", nodes.schedule, ROUTES)
    # Send targets join through a plain edge: a conditional edge on them would fire once per branch.
    builder.add_edge("draft_section", "join")
    builder.add_edge("analyze", "join")
    builder.add_conditional_edges("join", nodes.schedule, ROUTES)
    builder.add_conditional_edges("draft_all", nodes.schedule, ROUTES)
    builder.add_conditional_edges("check", nodes.schedule, ROUTES)
    builder.add_edge("stop_for_budget", "check")
    builder.add_edge("assemble", END)
    return builder


def compile_graph(checkpointer=None, **kwargs) -> CompiledStateGraph:  # noqa: ANN001 - any BaseCheckpointSaver
    return build().compile(checkpointer=checkpointer, **kwargs)


# For `langgraph dev` / LangGraph Server (langgraph.json): compiled without a
# checkpointer, since the server brings its own.
graph = compile_graph()
