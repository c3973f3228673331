"""Check 1: every H2/H3 heading of the template is present, in template order.

Extra headings are fine (H4s named after real services, added subsections).
An H3 counts only under its own H2, because several H3 titles would be
ambiguous on their own and the pipeline redrafts whole H2 sections.
"""

from __future__ import annotations

from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.checks.template import RequiredHeading, required_headings, template_of
from agentspec.spec_document import SpecDocument, normalize_heading

NAME = "headings"


def _spec_keys(spec: SpecDocument) -> list[tuple[tuple[str, str], int]]:
    """(key, line) for each H2/H3 of the spec, in document order."""
    out: list[tuple[tuple[str, str], int]] = []
    h2 = ""
    for h in spec.headings:
        if h.level == 2:
            h2 = h.key
            out.append(((h2, ""), h.line))
        elif h.level == 3:
            out.append(((h2, h.key), h.line))
        elif h.level == 1:
            h2 = ""
    return out


def _longest_increasing(positions: list[int]) -> set[int]:
    """Indices (into `positions`) of one longest strictly increasing subsequence.

    Flagging only the headings outside it names the fewest moved headings
    instead of everything after the first displaced one.
    """
    best_len = [1] * len(positions)
    prev = [-1] * len(positions)
    for i in range(len(positions)):
        for j in range(i):
            if positions[j] < positions[i] and best_len[j] + 1 > best_len[i]:
                best_len[i], prev[i] = best_len[j] + 1, j
    if not positions:
        return set()
    i = max(range(len(positions)), key=best_len.__getitem__)
    keep: set[int] = set()
    while i != -1:
        keep.add(i)
        i = prev[i]
    return keep


def _missing_message(req: RequiredHeading, spec: SpecDocument) -> str:
    # Say when the title exists but at another level or under another H2:
    # the fix is then a move, not new content.
    for h in spec.headings:
        if h.key != normalize_heading(req.text):
            continue
        found = f"'{'#' * h.level} {h.text}' at line {h.line}"
        if h.level != req.level:
            return f"missing heading '{req.label}'; found {found} (wrong level)"
        where = f"under '## {spec.h2_at(h.line)}', expected under '## {req.h2}'"
        return f"missing heading '{req.label}'; found {found} {where}"
    return f"missing heading '{req.label}'"


def check_headings(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    required = required_headings(template_of(spec, run))
    first_index: dict[tuple[str, str], int] = {}
    for index, (key, _line) in enumerate(_spec_keys(spec)):
        first_index.setdefault(key, index)

    findings: list[Finding] = []
    present = [(req, first_index[req.key]) for req in required if req.key in first_index]
    for req in required:
        if req.key not in first_index:
            findings.append(Finding(req.h2, _missing_message(req, spec)))

    in_order = _longest_increasing([pos for _, pos in present])
    spec_keys = _spec_keys(spec)
    for i, (req, pos) in enumerate(present):
        if i not in in_order:
            hint = f" (template puts it after '{present[i - 1][0].label}')" if i else ""
            findings.append(Finding(req.h2, f"heading '{req.label}' is out of template order{hint}", spec_keys[pos][1]))
    return Score.from_findings(NAME, findings, checked=len(required))
