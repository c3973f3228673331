"""Graph state. Everything in it is plain JSON data so any checkpointer
(SQLite, Postgres, LangGraph Server) can store it."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

# queued: waiting for its wave · drafted: done, unreviewed · pending_review: waiting for a human
# approved / edited: locked, no later pass may overwrite · stale: a dependency changed
# failed: retries or checks exhausted (kept, visible in the output and run.json)
# not_applicable: the design spine does without what the section is about; no call is made
SectionStatus = Literal["queued", "drafted", "pending_review", "approved", "edited", "stale", "failed", "not_applicable"]
LOCKED = ("approved", "edited")
DONE = ("drafted", "approved", "edited", "failed", "not_applicable")


class SectionState(TypedDict, total=False):
    status: SectionStatus
    data: dict[str, Any] | None  # the validated model, dumped
    edited_markdown: str | None  # a human's edit replaces the rendered section verbatim
    attempts: int  # drafting attempts so far (first draft, repairs, revisions)
    failures: list[str]  # latest check failures or the error that failed it
    feedback: list[str]  # what the next draft must address (repair or human feedback)
    stale_because: str | None
    doc_repairs: int  # redrafts requested by the whole-document check
    not_applicable: str | None  # the one-line reason, when the status is not_applicable
    review_redraft: bool  # queued by the review pass alone: a redraft that fails keeps the earlier draft


def latest(_left: bool | None, right: bool | None) -> bool:
    """Parallel branches may all report a change in one step; any write wins."""
    return bool(right)


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Per-key replace, so parallel branches each update their own section."""
    return {**(left or {}), **(right or {})}


class RunOptions(TypedDict, total=False):
    review: bool  # pause after each section for approval
    dataflow: bool  # draft in one dataflow node (agents/dataflow.py) instead of waves
    repo_given: bool
    max_repairs: int
    date: str
    analyses_enabled: bool
    max_tokens: int | None  # stop starting new sections once spent (input + output)
    max_cost_usd: float | None
    drop_p3: bool  # budget degradation: the scenario analysis keeps P1/P2 only
    critic: bool  # the review pass after assembly (agentspec/review_pass.py); off with `draft --no-critic`


class DraftState(TypedDict, total=False):
    description: str
    options: RunOptions
    brief: dict[str, Any] | None
    sections: Annotated[dict[str, SectionState], merge_dicts]
    analyses: Annotated[dict[str, SectionState], merge_dicts]
    calls: Annotated[list[dict[str, Any]], operator.add]
    document_checks: list[dict[str, Any]]
    needs_check: Annotated[bool, latest]  # something changed since the last document check
    document: dict[str, str] | None  # file name -> content, written by the CLI
    review_pass: dict[str, Any]  # {"first": findings, "open": findings, "redrafted": section ids}


class SectionTask(TypedDict):
    """Payload of one Send: which section (or analysis) to draft, and the state it needs."""

    section_id: str
    description: str
    options: RunOptions
    brief: dict[str, Any]
    sections: dict[str, SectionState]
    analyses: dict[str, SectionState]
