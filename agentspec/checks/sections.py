"""Document-level check for `agentspec check`: sections that failed while drafting.

A failed section is written into the document as its headings and a "> **Section
`id` failed**" note (assemble.render_section; documents written before 12-05 put
"> **Checks still failing for this section**" after the rejected draft), and spec.json marks
it with status "failed" (run.json lists it in failed_sections). Every other
check may well pass on such a document, so without this row a spec whose
sections failed would read as mostly passing.

Not part of the drafting gate (agentspec.checks.CHECKS): while a run drafts, the
section statuses are the pipeline's own state, not a finding about the text.
"""

from __future__ import annotations

import re
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "failed_sections"
_FAILED_NOTE = re.compile(r"^>\s*\*\*Section `([^`]+)` failed\*\*")
_STILL_FAILING = re.compile(r"^>\s*\*\*Checks still failing for this section\*\*")


def _statuses(table: Any) -> dict[str, Any]:
    return table if isinstance(table, dict) else {}


def check_failed_sections(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    failed: dict[str, str] = {}  # id -> first failure reason
    data = spec.spec_json or {}
    for prefix, table in (("", data.get("sections")), ("analysis:", data.get("analyses"))):
        for sid, entry in _statuses(table).items():
            if isinstance(entry, dict) and entry.get("status") == "failed":
                reasons = entry.get("failures") or []
                failed[f"{prefix}{sid}"] = str(reasons[0]) if reasons else ""
    listed = (run or spec.run or {}).get("failed_sections")
    for sid in listed if isinstance(listed, list) else []:
        failed.setdefault(str(sid), "")

    # Where the markdown marks a failure: "Section `id` failed" names the id;
    # "Checks still failing" follows drafted content and names none.
    noted: dict[str, int] = {}
    unnamed: list[int] = []
    for number, line in enumerate(spec.lines, 1):
        note = _FAILED_NOTE.match(line)
        if note:
            noted.setdefault(note.group(1), number)
        elif _STILL_FAILING.match(line):
            unnamed.append(number)

    findings: list[Finding] = []
    for sid in sorted(set(failed) | set(noted)):
        line = noted.get(sid)
        reason = failed.get(sid, "")
        findings.append(Finding(spec.h2_at(line) if line else None,
                                f"section {sid} failed" + (f": {reason}" if reason else ""), line))
    if not failed:  # no spec.json/run.json to name them: the markdown's own marks
        findings += [Finding(spec.h2_at(n), "a section's checks still fail", n) for n in unnamed]
    total = len(_statuses(data.get("sections"))) + len(_statuses(data.get("analyses")))
    return Score.from_findings(NAME, findings, checked=max(total, len(findings)))
