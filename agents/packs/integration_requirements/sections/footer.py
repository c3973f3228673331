"""The closing rule and version lines (static: no LLM call)."""

from __future__ import annotations

import datetime as dt

from agentspec.section import RenderContext

TEMPLATE_VERSION = "2.0.0"
REVIEW_AFTER_DAYS = 90

MODEL = None


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        return dt.date.today()


def render(data: object, ctx: RenderContext) -> str:
    today = _date(ctx.date)
    review = today + dt.timedelta(days=REVIEW_AFTER_DAYS)
    return "\n".join([
        "---",
        "",
        f"**Template Version**: {TEMPLATE_VERSION}",
        f"**Last Updated**: {today.isoformat()}",
        f"**Integration Review Date**: {review.isoformat()}",
    ])
