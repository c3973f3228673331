"""`agentspec verify SPEC --repo PATH`: the drift report, printed; exit 0 when every
required element is in the repository, 1 when one is missing or different (so it can
gate CI), 2 when the spec or the repository cannot be read."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from agentspec.check_cmd import load_spec
from agentspec.errors import UsageError
from agentspec.verify import verify


def run_verify(spec_dir: Path, repo: Path, console: Console, *, as_json: bool = False) -> tuple[int, dict]:
    if not repo.is_dir():
        raise UsageError(f"{repo} is not a directory", hint="give the repository's root folder with --repo")
    spec = load_spec(spec_dir)
    if not spec.spec_json:
        raise UsageError(f"{spec_dir} holds no spec.json", hint="verify reads the structured result `agentspec draft` writes")
    report = verify(spec.spec_json, str(spec_dir), repo)
    if not as_json:
        console.print(report.markdown(), highlight=False, markup=False, soft_wrap=True)
    return (0 if report.passed else 1), report.to_dict()
