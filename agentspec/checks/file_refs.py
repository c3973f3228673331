"""Check 6: no invented `path/file.ext:123` references.

Without a repository the drafting models have never seen any code, so a
"src/middleware/auth.ts:15" reference can only be made up. The template's
own examples invite exactly that. When a local repository is given
(run["repo"] is a directory), references must name files that exist and
lines that exist in them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "file_refs"

# Source-ish extensions only, so "api.example.com:443" or "redis.io:6379"
# (hostname:port) never look like file references.
_EXTENSIONS = (
    "ts tsx js jsx mjs cjs py rb go rs java kt kts scala swift m mm c h cc cpp hpp cs php "
    "vue svelte sql prisma graphql gql proto sh bash ps1 yaml yml json toml ini cfg conf env "
    "md mdx html htm css scss sass less ex exs erl clj dart lua r pl tf hcl xml gradle"
).split()
FILE_REF_RE = re.compile(
    r"(?<![\w/.:@-])"  # not the tail of a URL or a longer token
    r"(/?(?:[\w.@-]+/)*[\w@-][\w.@-]*\.(?:" + "|".join(_EXTENSIONS) + r"))"
    r":(\d+)(?:-(\d+))?(?!\w|\.\w)",
)


def find_file_refs(text: str) -> list[tuple[str, int, str, int]]:
    """(path, first line number, reference as written, offset) for each reference."""
    return [(m.group(1), int(m.group(2)), m.group(0), m.start()) for m in FILE_REF_RE.finditer(text)]


def repo_of(options: dict[str, Any] | None) -> str | None:
    """What the checks know of the repository: its root folder when `draft --repo` scanned one
    (then a `path:line` reference must exist there), "given" when one was named but is not a
    local folder, None without one (then every reference is invented)."""
    options = options or {}
    if not options.get("repo_given"):
        return None
    return (options.get("repo") or {}).get("root") or "given"


NO_REPO = "no-repo"
REMOTE_REPO = "remote-repo"


def repo_dir(run: dict[str, Any] | None) -> Path | str:
    """The local repository directory, or NO_REPO / REMOTE_REPO."""
    repo = (run or {}).get("repo")
    if not repo:
        return NO_REPO
    path = Path(str(repo)).expanduser()
    return path if path.is_dir() else REMOTE_REPO


def _line_count(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def check_file_refs(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    run = run if run is not None else spec.run
    repo = repo_dir(run)
    refs = find_file_refs(spec.markdown)
    if repo == REMOTE_REPO:
        return Score.skip(NAME, "repository is not a local directory; references not verified")
    if not refs:
        return Score(NAME, 1.0, True)

    findings: list[Finding] = []
    for path, line_no, ref, offset in refs:
        line = spec.markdown.count("\n", 0, offset) + 1
        if not isinstance(repo, Path):
            message = f"file reference `{ref}` but no repository was given; the path is invented"
        else:
            target = (repo / path).resolve()
            if not target.is_relative_to(repo.resolve()) or not target.is_file():
                message = f"file reference `{ref}` names a file that is not in the repository"
            elif line_no > _line_count(target):
                message = f"file reference `{ref}` points past the end of the file"
            else:
                continue
        findings.append(Finding(spec.h2_at(line), message, line))
    return Score.from_findings(NAME, findings, checked=len(refs))
