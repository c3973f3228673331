"""The repair gate: deterministic checks (agentspec.checks) applied to one section
while it is drafted, and to the whole document before assembly."""

from __future__ import annotations

from typing import Any

from agentspec.assemble import Rendered, render_document
from agentspec.checks import run_checks
from agentspec.checks.file_refs import repo_of
from agentspec.checks.score import Score
from agentspec.spec_document import SpecDocument

# Checks that make sense on a section alone. Headings, length and P1 traceability
# need the whole document.
SECTION_CHECKS = ("placeholders", "mermaid", "sql", "code_blocks", "file_refs")
DOCUMENT_CHECKS = ("headings", "placeholders", "mermaid", "sql", "code_blocks", "file_refs", "p1_traceability")
# A fresh install has no mermaid parser (Node + npm packages, agentspec/checks/node): the gate
# then skips that check instead of failing sections that no redraft could fix.
# `agentspec check` and `agentspec eval` still fail on a missing parser.
_GATE_RUN = {"sql_execute": False, "parser_missing": "skip"}


def section_failures(markdown: str, *, repo: str | None, template: str | None = None) -> list[str]:
    doc = SpecDocument.from_markdown(markdown)
    scores = run_checks(doc, run={**_GATE_RUN, "repo": repo, "template": template}, names=SECTION_CHECKS)
    return [f"{s.name}: {_strip_heading(d)}" for s in scores if not s.passed for d in s.details]


def document_failures(state: dict[str, Any], rendered: Rendered | None = None) -> tuple[list[Score], dict[str, list[str]]]:
    """All document checks, with each finding attributed to the section whose
    rendered lines contain it (findings outside any section go under "_document")."""
    rendered = rendered or Rendered.of(state)
    document = rendered.document
    doc = SpecDocument.from_markdown(document.markdown, analyses=rendered.analyses)
    repo = repo_of(state.get("options"))
    # The gate parses and lints SQL but does not execute it: what a draft asks the
    # model must not depend on whether a PostgreSQL happens to be reachable (that
    # would also break cassette replay). `agentspec check` and `eval` execute it.
    scores = run_checks(doc, run={**_GATE_RUN, "repo": repo, "template": _template(state)}, names=DOCUMENT_CHECKS)
    by_section: dict[str, list[str]] = {}
    for score in scores:
        if score.passed:
            continue
        for finding in score.findings or []:
            sid = document.section_at(finding.line) or "_document"
            by_section.setdefault(sid, []).append(f"{score.name}: {finding.message}")
        if not score.findings:
            by_section.setdefault("_document", []).extend(f"{score.name}: {d}" for d in score.details)
    return scores, by_section


def _template(state: dict[str, Any]) -> str | None:
    """The user's template the run drafts over (None: the built-in one), for the heading
    and placeholder checks."""
    return ((state.get("options") or {}).get("template") or {}).get("markdown")


def _strip_heading(detail: str) -> str:
    return detail.split(": ", 1)[1] if detail.startswith("(document): ") else detail


# The document-level checks a written spec must pass to count as a success: every
# template heading present and in order, no template placeholder left.
FINAL_CHECKS = ("headings", "placeholders")


def document_problems(state: dict[str, Any]) -> list[str]:
    """The failing document-level checks of the final document, one line per
    finding ("headings: ..."); empty when the spec is whole.

    A document that fails its own heading check (model text that opened a fence
    and swallowed headings, say) is a failed run, never a success: the runner
    raises PartialResult (exit 5) when this is non-empty."""
    document = render_document(state)
    doc = SpecDocument.from_markdown(document.markdown)
    repo = repo_of(state.get("options"))
    scores = run_checks(doc, run={**_GATE_RUN, "repo": repo, "template": _template(state)}, names=FINAL_CHECKS)
    problems: list[str] = []
    for score in scores:
        if score.passed:
            continue
        details = [_strip_heading(d) for d in score.details] or [f.message for f in score.findings or []] or ["failed"]
        problems += [f"{score.name}: {d}" for d in details]
    return problems
