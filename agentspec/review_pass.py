"""The review pass: after assembly, the spec is read the way a staff engineer reads a
design doc, and what is wrong comes back as findings (severity, section, quote, fix).

The reviewer is code, not a model: the checks of meaning (agentspec/checks: names outside
the design spine, contradictions with it, money, lints, TypeScript that does not
compile) decide each finding, so a finding is never the model's opinion and never
depends on how generous a 1.5B judge is (it scored unimplementable drafts 4.48 of 5).
Sections with critical or major findings are redrafted once with the findings as
feedback (agents/nodes.py `check`); what remains is listed in the spec as open questions
with their severity, and counted in run.json.

SQL is executed on seeded rows when a PostgreSQL is configured (AGENTSPEC_PG_URL), as
`agentspec check` does: a migration that empties or doubles a table, a rollback that does
not restore it, or a unique column the design decided without a constraint goes back to
the section as feedback. Without one it is parsed only, and the spec's SQL check says so.
A replay therefore needs the PostgreSQL its recording had (tests/fakes.py).
"""

from __future__ import annotations

from typing import Any, TypedDict

from agentspec.checks.file_refs import repo_of
from agentspec.assemble import Rendered, spec_json
from agentspec.checks import run_checks
from agentspec.spec_document import SpecDocument

REVIEW_CHECKS = ("semantic_defects", "lints", "typecheck", "sql", "provider_values")
SEVERITIES = ("critical", "major", "minor")
REDRAFTED = ("critical", "major")

# semantic_defects findings by the family their message starts with: (severity, fix).
# "empty:" findings are failed sections, already counted as failed; they are not repeated.
_SEMANTIC = {
    "outside the spine": ("critical", "use only the components, tables, endpoints and events of the design spine, or remove it"),
    "contradiction": ("critical", "state what the design spine decides"),
    "money": ("critical", "store and show amounts the way the design spine decides"),
    "no actor": ("major", "name the service or worker that does it"),
    "not applicable but has content": ("major", "remove it: the design does without this"),
    "language": ("minor", "write it in the description's language"),
}
_LINT_FIX = {
    "verb_matches_operation": "make the HTTP method match what the operation does",
    "one_to_one_said": "make the ERD and the unique constraint say the same cardinality",
    "no_live_credentials_before_production": "use test or sandbox credentials outside production",
    "time_units_consistent": "give the value in the unit the API takes",
    "out_of_scope_not_required": "drop the requirement or the out-of-scope entry",
    "imports_named_dependencies": "name the package in the dependency list, or use one the spec names",
    "one_statement_per_parameterised_query": "send each statement as its own query, inside one transaction",
}


class ReviewFinding(TypedDict):
    severity: str
    section: str  # section id ("_document" when no section holds it)
    check: str
    message: str  # quotes the text it is about
    fix: str


def _classify(check: str, message: str) -> tuple[str, str] | None:
    if check == "semantic_defects":
        family = message.split(":", 1)[0]
        return _SEMANTIC.get(family)
    if check == "lints":
        rule = message.split(":", 1)[0]
        return "major", _LINT_FIX.get(rule, "correct it as the finding says")
    if check == "typecheck":
        return "major", "use the library's real API and types"
    if check == "sql":
        return _sql_kind(message)
    if check == "provider_values":  # a wrong fact about the provider: the code would not match what it sends
        return "critical", "use the provider's documented values and event types"
    return None


# SQL findings by what they say: executed on seeded rows, a wrong meaning is critical
# (data lost or doubled in production); SQL that does not run is major.
_SQL = (
    (("emptied", "duplicated"), "make the statement change only the rows the migration says it changes"),
    (("rollback",), "make the rollback restore every table's rows and drop what the migration created"),
    (("unique",), "enforce the column the design says is unique with a UNIQUE constraint"),
)


def _sql_kind(message: str) -> tuple[str, str] | None:
    if message.startswith("execute:"):
        return None  # no psycopg, or PostgreSQL went away: nothing the section can fix
    lowered = message.lower()
    for words, fix in _SQL:
        if any(w in lowered for w in words):
            return "critical", fix
    if "(while running" in lowered:
        return "major", "make the SQL run on PostgreSQL as written"
    return None  # a parse error: the draft gate already sends it back


def review_findings(state: dict[str, Any], rendered: Rendered | None = None) -> list[ReviewFinding]:
    """Findings on the assembled document, each attributed to the section whose rendered
    lines hold it. Checks that need a tool this machine lacks (Node) are skipped."""
    rendered = rendered or Rendered.of(state)
    document = rendered.document
    doc = SpecDocument.from_markdown(document.markdown, analyses=rendered.analyses, spec_json=spec_json(state))
    template = ((state.get("options") or {}).get("template") or {}).get("markdown")
    # The seeded-rows execution checks a schema, its migration and rollback, which is what the
    # built-in template's SQL is; a user's template's SQL (an impact query) is parsed only.
    # A grounded draft's SQL runs on the repository's schema (agentspec.checks.sql_baseline).
    run = {"parser_missing": "skip", "python_types": False, "template": template, "repo": repo_of(state.get("options")),
           **({"sql_execute": False} if template else {})}
    scores = run_checks(doc, run=run, names=REVIEW_CHECKS)
    found: list[ReviewFinding] = []
    for score in scores:
        for finding in score.findings or []:
            kind = _classify(score.name, finding.message)
            if kind is None:
                continue
            severity, fix = kind
            found.append(ReviewFinding(severity=severity, section=document.section_at(finding.line) or "_document",
                                       check=score.name, message=finding.message, fix=fix))
    return found


def feedback(findings: list[ReviewFinding]) -> list[str]:
    """The lines a redraft is given, one per finding."""
    return [f"review ({f['severity']}): {f['message']} Fix: {f['fix']}." for f in findings]
