"""`agentspec check DIR`: the deterministic checks on an existing spec.

Exit 0 when every row passes, 1 when a row fails (a section that failed while
drafting is a failing row), UsageError (exit 2) when the spec cannot be read."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agentspec.errors import UsageError
from agentspec.checks import run_checks
from agentspec.checks.sections import check_failed_sections
from agentspec.spec_document import SPEC_FILENAME, SpecDocument, SpecFileError, spec_markdown_path


def load_spec(spec_dir: Path) -> SpecDocument:
    if spec_dir.is_file() and (spec_dir.name == SPEC_FILENAME or spec_markdown_path(spec_dir.parent) == spec_dir):
        spec_dir = spec_dir.parent
    if not spec_markdown_path(spec_dir).is_file():
        raise UsageError(f"{spec_dir} holds no {spec_markdown_path(spec_dir).name}", hint="give the directory `agentspec draft` wrote")
    try:
        return SpecDocument.load(spec_dir)
    except SpecFileError as exc:
        raise UsageError(str(exc), hint="spec files are UTF-8 text written by `agentspec draft`") from exc


def require_execution(scores: list) -> list:
    """The SQL row fails when its blocks were only parsed (no PostgreSQL reachable): with
    `--require-execution` a spec passes only when its SQL ran, on seeded rows."""
    from agentspec.checks.score import Score

    out = []
    for s in scores:
        skipped = [d for d in s.details if d.startswith("execute: skipped")]
        if s.name == "sql" and skipped and not s.skipped:
            s = Score(s.name, 0.0, False, [f"execution required (--require-execution) but {skipped[0].removeprefix('execute: ')}",
                                           *[d for d in s.details if d not in skipped]])
        out.append(s)
    return out


def run_check(spec_dir: Path, console: Console, *, as_json: bool = False,
              execution_required: bool = False) -> tuple[int, dict]:
    """(exit code, result): with as_json nothing is printed; the CLI prints the result
    as its one JSON document (docs/cli-json.md)."""
    spec = load_spec(spec_dir)
    scores = run_checks(spec)
    if execution_required:
        scores = require_execution(scores)
    try:
        scores.append(check_failed_sections(spec, spec.run))
    except Exception as exc:  # noqa: BLE001 - like run_checks: a crashed check is a failed row
        from agentspec.checks.score import Score

        scores.append(Score("failed_sections", 0.0, False, [f"check crashed: {type(exc).__name__}: {exc}"]))
    passed = all(s.passed for s in scores)
    result = {"spec_dir": str(spec_dir), "passed": passed, "checks": [s.to_dict() for s in scores]}
    if not as_json:
        table = Table(title=f"checks: {escape(str(spec_dir))}")
        for column in ("check", "score", "result", "details"):
            table.add_column(column)
        skipped_notes = []
        for s in scores:
            result = "skip" if s.skipped else "pass" if s.passed else "FAIL"
            # A skipped execution is said on its own line, where findings cannot push it out of view.
            skipped_notes += [f"{s.name}: {d}" for d in s.details if d.startswith("execute: skipped")]
            details = [d for d in s.details if not d.startswith("execute: skipped")]
            table.add_row(s.name, f"{s.value:.2f}", result, escape("; ".join(details[:3])))
        console.print(table)
        for note in skipped_notes:
            console.print(note, highlight=False, markup=False, soft_wrap=True)
    return (0 if passed else 1), result
