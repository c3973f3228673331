"""Rules 3 and 4, applicability: a section the spine says applies but that is
empty, and a section marked not applicable that carries content anyway. Both
read spec.json's sections table and the section registry rather than
sentences."""

from __future__ import annotations

import re

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import Context, Outcome, _quote, _sections_json
from agentspec.spec_document import SpecDocument, normalize_heading

# --------------------------------------------------------------------- 3. and 4. applicability


def _h2_for(spec: SpecDocument, sid: str, spans: dict[str, tuple[int, int]], headings: tuple[str, ...]) -> str | None:
    if sid in spans:
        return spec.h2_at(spans[sid][0])
    own = next((h.lstrip("#").strip() for h in headings if h.startswith("## ")), None)
    return own


def empty_applicable_sections(ctx: Context) -> Outcome:
    """A section the spine says applies but that holds nothing (failed, no data,
    or marked not applicable): the document is silent where the design says it
    has something to say."""
    from agentspec.agents.registry import registry
    from agentspec.agents.spine import SPINE_ID, applies

    from agentspec.sections_map import section_spans

    out = Outcome()
    entries = _sections_json(ctx.spec)
    spans = section_spans(ctx.spec)
    for spec in registry():
        entry = entries.get(spec.id)
        if spec.stage == "static" or spec.id == SPINE_ID or not isinstance(entry, dict):
            continue
        applicable, _reason = applies(ctx.spine, spec.applies_when)
        if not applicable:
            continue
        out.checked += 1
        status = entry.get("status")
        heading = _h2_for(ctx.spec, spec.id, spans, spec.headings)
        line = spans[spec.id][0] if spec.id in spans else None
        if status == "not_applicable":
            out.findings.append(Finding(heading, f"empty: section {spec.id} is marked not applicable "
                                                 f"({_quote(str(entry.get('not_applicable') or ''), 80)}), but the spine uses "
                                                 f"{(spec.applies_when or 'it').replace('_', ' ')}", line))
        elif entry.get("edited_markdown") or status == "pending_review":
            continue  # a human's text, or a draft shown for review: the section is not empty
        elif status == "failed" or entry.get("data") is None:
            reasons = entry.get("failures") or []
            why = f"failed: {_quote(str(reasons[0]), 100)}" if status == "failed" and reasons else f"status {status}, no data"
            out.findings.append(Finding(heading, f"empty: section {spec.id} applies to this design but has no content ({why})", line))
    return out


_NA_LINE = re.compile(r"^\s*(?:>\s*)?(?:\*\*)?not applicable\b", re.I)


def content_in_not_applicable(ctx: Context) -> Outcome:
    """A section marked not applicable renders as its headings and one
    "Not applicable:" line; anything more is content the design has no use for
    (a hand edit, or a renderer that ignored the status)."""
    from agentspec.agents.registry import registry

    from agentspec.sections_map import section_spans

    out = Outcome()
    entries = _sections_json(ctx.spec)
    spans = section_spans(ctx.spec)
    for spec in registry():
        entry = entries.get(spec.id)
        if not isinstance(entry, dict) or entry.get("status") != "not_applicable" or spec.id not in spans:
            continue
        out.checked += 1
        start, end = spans[spec.id]
        own = {normalize_heading(h.lstrip("#").strip()) for h in spec.headings}
        extra: list[tuple[int, str]] = []
        said = False
        for number in range(start, end):
            text = ctx.spec.lines[number - 1]
            stripped = text.strip()
            if stripped == "---":
                break  # the footer's rule: what follows is not this section's
            if not stripped:
                continue
            if stripped.startswith("#") and normalize_heading(stripped.lstrip("#").strip()) in own:
                continue
            if _NA_LINE.match(stripped) and not said:
                said = True
                continue
            extra.append((number, stripped))
        if extra:
            number, first = extra[0]
            more = f" and {len(extra) - 1} more line(s)" if len(extra) > 1 else ""
            out.findings.append(Finding(ctx.spec.h2_at(start), f"not applicable but has content: section {spec.id} is marked "
                                                               f"not applicable, yet holds {_quote(first, 100)}{more}", number))
    return out
