"""What one LLM call cost: the unit of run.json."""

from __future__ import annotations

from pydantic import BaseModel


class CallRecord(BaseModel):
    model: str
    provider: str
    role: str
    section: str
    attempt: int = 0  # 0 for the first draft, n for the n-th repair/revision
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    reasks: int = 0  # instructor re-asks after validation errors
    status: str = "ok"  # ok | failed
    error: str | None = None
    started_at: float = 0.0  # unix time


def totals(calls: list[CallRecord]) -> dict[str, float | int]:
    return {
        "calls": len(calls),
        "input_tokens": sum(c.input_tokens for c in calls),
        "output_tokens": sum(c.output_tokens for c in calls),
        "cost_usd": round(sum(c.cost_usd for c in calls), 6),
        "llm_seconds": round(sum(c.duration_s for c in calls), 3),
        "reasks": sum(c.reasks for c in calls),
        "failed_calls": sum(1 for c in calls if c.status != "ok"),
    }
