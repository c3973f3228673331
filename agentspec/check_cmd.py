"""`agentspec check DIR`: the deterministic checks on an existing spec."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agentspec.errors import UsageError
from evals.checks import run_checks
from evals.spec_document import SpecDocument


def run_check(spec_dir: Path, console: Console, *, as_json: bool = False) -> int:
    if not (spec_dir / "integration-requirements.md").is_file():
        raise UsageError(f"{spec_dir} holds no integration-requirements.md")
    spec = SpecDocument.load(spec_dir)
    scores = run_checks(spec)
    if as_json:
        console.print_json(json.dumps([s.to_dict() for s in scores]))
    else:
        table = Table(title=f"checks: {spec_dir}")
        for column in ("check", "score", "result", "details"):
            table.add_column(column)
        for s in scores:
            result = "skip" if s.skipped else "pass" if s.passed else "FAIL"
            table.add_row(s.name, f"{s.value:.2f}", result, "; ".join(s.details[:3]))
        console.print(table)
    return 0 if all(s.passed for s in scores) else 1
