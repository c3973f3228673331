"""TypeScript examples type-check with the real TypeScript compiler (issue 14, item 2).

Parsing proves a block is TypeScript; the compiler proves it uses its libraries as
they are: the recorded README draft gave `pg`'s Pool a string port, and a reviewer found
`pool.release()`, which does not exist. agentspec/checks/node/ts_check.mjs compiles every block of
the spec as its own module in one program, against the typings agentspec/checks/node/package.json
installs (node, pg, express, axios, ioredis), and against minimal declarations of what is not
installed for it (agentspec/checks/node/local_types: vitest's test API). Not `stripe`: its typings pin `apiVersion`
to the release's own API version, so every spec that names another version would fail
for the SDK release installed here, not for anything it says.

What a snippet cannot be blamed for is left out: a relative import of the project's own
files (there is no repository), and a name no block declares (the `queue` or `pool` a
snippet takes from the code around it); those names are listed in a note. A package no
installed typing declares is checked as `any` and named in a note, never silently passed.
What stays is what a reviewer would mark: a library used the way it is not (a method
that does not exist, a string where a number is typed, a wrong argument count).

Python blocks are checked by mypy (PyPI) against the standard library's types and the
typed packages installed beside agentspec; a package without types is `Any`
(`--ignore-missing-imports`), and an undefined name is the snippet's surroundings, as
for TypeScript. `run["python_types"] = False` leaves Python out (the review pass does:
what a draft asks must not depend on whether mypy is installed).

Install once: npm ci --prefix agentspec/checks/node (TypeScript); pip install 'agentspec[checks]' (mypy)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

from agentspec.checks.mermaid import NODE_DIR
from agentspec.checks.score import Finding, Score
from agentspec.spec_document import CodeBlock, SpecDocument

NAME = "typecheck"
SCRIPT = "ts_check.mjs"
LANGUAGES = ("typescript", "ts", "tsx")
PYTHON = ("python", "py")
NOT_INSTALLED = "TypeScript compiler not installed: run npm ci --prefix agentspec/checks/node"
TIMEOUT_S = 120.0
_CANNOT_FIND_MODULE = 2307
# "Cannot find name 'X'" (2552: "Did you mean …"; 2582 and 2593: a test runner's globals)
_CANNOT_FIND_NAME = (2304, 2552, 2582, 2593)
# JSX in a block fenced as `typescript`: compiled as TSX, as the file it shows would be.
_JSX = re.compile(r"</[A-Za-z][\w.]*>|<[A-Z][\w.]*\s*/>|<[A-Z][\w.]*\s+[a-zA-Z][\w-]*=")
_NAMESPACE_AS_TYPE = 2709  # `Stripe` as a type when 'stripe' is checked as `any`


def compiler_available() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / SCRIPT).is_file() \
        and (NODE_DIR / "node_modules" / "typescript").is_dir()


_FILE_LINE = re.compile(r"^\*\*File\*\*:\s*`([A-Za-z0-9_.@()\[\]/-]+\.(?:ts|tsx|mts|cts))`")


def example_files(spec: SpecDocument | None, blocks: list[CodeBlock]) -> list[str | None]:
    """The file each block says it is (the `**File**:` line just above it), so examples that
    import one another by those paths are compiled together; None where none is said or
    another block said it first."""
    lines = spec.lines if spec is not None else []
    files: list[str | None] = []
    for block in blocks:
        above = lines[max(0, block.line - 5): block.line - 1]
        said = next((m.group(1) for line in reversed(above) if (m := _FILE_LINE.match(line.strip()))), None)
        files.append(said if said and said not in files and ".." not in said.split("/") else None)
    return files


def _compile(blocks: list[CodeBlock], files: list[str | None] | None = None) -> dict[str, Any]:
    files = files or [None] * len(blocks)
    payload = {"blocks": [{"id": f"b{i}", "code": b.content, "tsx": b.language == "tsx" or bool(_JSX.search(b.content)),
                           **({"path": files[i]} if files[i] else {})}
                          for i, b in enumerate(blocks)]}
    proc = subprocess.run(["node", str(NODE_DIR / SCRIPT)], input=json.dumps(payload), capture_output=True, text=True,
                          timeout=TIMEOUT_S, cwd=NODE_DIR)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"TypeScript compiler failed (exit {proc.returncode}): {' | '.join(tail)}")
    return json.loads(proc.stdout)


def _excused(diagnostic: dict[str, Any], unresolved: list[str]) -> str | None:
    """The name a snippet takes from its surroundings, or "" for another excused
    diagnostic; None when the diagnostic is the example's own fault."""
    message = str(diagnostic.get("message") or "")
    code = diagnostic.get("code")
    if code == _CANNOT_FIND_MODULE and re.search(r"Cannot find module '\.{1,2}/", message):
        return ""
    if code == _NAMESPACE_AS_TYPE and unresolved:
        return ""
    if code in _CANNOT_FIND_NAME:
        found = re.search(r"Cannot find name '([A-Za-z_$][\w$]*)'", message)
        return found.group(1) if found else ""
    return None


def _python_findings(spec: SpecDocument, blocks: list[CodeBlock]) -> tuple[list[Finding], list[str]]:
    """mypy over each Python block as its own module; (findings, notes)."""
    import tempfile
    from pathlib import Path

    try:
        from mypy import api as mypy_api
    except ImportError:
        return [], ["Python blocks not type-checked: mypy not installed (pip install 'agentspec[checks]')"]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, block in enumerate(blocks):
            path = Path(folder) / f"example_{i}.py"
            path.write_text(block.content, encoding="utf-8")
            paths.append(path)
        out, _err, _code = mypy_api.run([*map(str, paths), "--ignore-missing-imports", "--no-error-summary",
                                         "--show-error-codes", "--follow-imports=silent", "--cache-dir", str(Path(folder) / ".cache"),
                                         "--no-color-output"])
    findings, context = [], set()
    for line in out.splitlines():
        found = re.match(r".*example_(\d+)\.py:(\d+): error: (.*?)(?:\s+\[([\w-]+)\])?$", line)
        if not found:
            continue
        block, at, message, code = blocks[int(found.group(1))], int(found.group(2)), found.group(3), found.group(4)
        if code in ("name-defined", "import-not-found", "import-untyped"):
            named = re.search(r'Name "([^"]+)"', message)
            context |= {named.group(1)} if named else set()
            continue
        source = block.content.splitlines()
        quoted = source[at - 1].strip() if 0 < at <= len(source) else ""
        findings.append(Finding(spec.h2_at(block.line), f"mypy [{code}]: {message}" + (f': "{quoted[:90]}"' if quoted else ""),
                                block.content_line + at - 1))
    import mypy.version

    notes = [f"mypy {mypy.version.__version__}: {len(blocks)} Python block(s) checked"]
    if context:
        notes.append("Python names no block defines, taken as the snippet's surroundings: " + ", ".join(sorted(context)))
    return findings, notes


def check_typecheck(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    python = spec.blocks(*PYTHON) if (run or {}).get("python_types", True) else []
    blocks = spec.blocks(*LANGUAGES)
    if not blocks and not python:
        return Score.skip(NAME, "no TypeScript or Python blocks")
    if not blocks:
        findings, notes = _python_findings(spec, python)
        return Score.from_findings(NAME, findings, checked=len(python), notes=notes,
                                   failed=len({f.line for f in findings}))
    if not compiler_available():
        if (run or {}).get("parser_missing") == "skip":
            return Score.skip(NAME, NOT_INSTALLED)
        return Score(NAME, 0.0, False, [NOT_INSTALLED])
    try:
        output = _compile(blocks, example_files(spec, blocks))
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return Score(NAME, 0.0, False, [f"type check did not run: {exc}"])

    findings: list[Finding] = []
    failed: set[int] = set()
    unresolved: set[str] = set()
    context_names: set[str] = set()
    for index, (block, result) in enumerate(zip(blocks, output["results"], strict=True)):
        packages = [n for n in result.get("unresolved") or [] if not n.startswith(".")]
        unresolved |= set(packages)
        lines = block.content.splitlines()
        for diagnostic in result.get("diagnostics") or []:
            excused = _excused(diagnostic, packages)
            if excused is not None:
                context_names |= {excused} - {""}
                continue
            at = diagnostic.get("line")
            line = block.content_line + at - 1 if isinstance(at, int) else block.line
            quoted = lines[at - 1].strip() if isinstance(at, int) and 0 < at <= len(lines) else ""
            findings.append(Finding(spec.h2_at(block.line), f"TS{diagnostic.get('code')}: {diagnostic.get('message')}"
                                    + (f': "{quoted[:90]}"' if quoted else ""), line))
            failed.add(index)
    notes = [f"TypeScript {output.get('version')}: {len(blocks)} block(s) compiled"]
    if python:
        more, python_notes = _python_findings(spec, python)
        findings += more
        notes += python_notes
    if unresolved:
        notes.append("checked as `any` (no installed typing declares them): " + ", ".join(sorted(unresolved)))
    if context_names:
        notes.append("names no block declares, taken as the snippet's surroundings: " + ", ".join(sorted(context_names)))
    return Score.from_findings(NAME, findings, checked=len(blocks) + len(python), notes=notes,
                               failed=len(failed) + len({f.line for f in findings if f.message.startswith("mypy")}))
