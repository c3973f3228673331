"""Check 3: every ```mermaid block parses with the real mermaid parser.

mermaid's own parser (npm package, v11) under Node with a jsdom DOM is the
only thing that agrees with what renderers accept; a Python re-implementation
would drift. agentspec/checks/node/mermaid_check.mjs parses all diagrams of a spec in one
Node process because loading mermaid takes about two seconds.

Install once: npm ci --prefix agentspec/checks/node
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "mermaid"
NOT_INSTALLED = "mermaid parser not installed: run npm ci --prefix agentspec/checks/node"

# The Node tools are part of the checks (agentspec/checks/node: package.json, the scripts,
# node_modules). AGENTSPEC_NODE_DIR points an installed package at a node_modules elsewhere.
CLONE_NODE_DIR = Path("agentspec") / "checks" / "node"


def node_dir(cwd: Path | None = None) -> Path:
    """Where the Node tools are installed: AGENTSPEC_NODE_DIR; else the package's own
    node folder when `npm ci` ran there (an editable install); else the clone's one in
    the working directory (`pip install .` copies the scripts but not node_modules: the
    fresh-clone README draft of 2026-12-05 skipped every Node check for that reason)."""
    given = os.environ.get("AGENTSPEC_NODE_DIR")
    if given:
        return Path(given)
    packaged = Path(__file__).resolve().parent / "node"
    clone = (cwd or Path.cwd()) / CLONE_NODE_DIR
    if not (packaged / "node_modules").is_dir() and (clone / "node_modules").is_dir():
        return clone
    return packaged


NODE_DIR = node_dir()
SCRIPT = "mermaid_check.mjs"
TIMEOUT_S = 60.0


class MermaidUnavailable(RuntimeError):
    pass


def parser_available(node_dir: Path | None = None) -> bool:
    node_dir = node_dir or NODE_DIR
    return (
        shutil.which("node") is not None
        and (node_dir / SCRIPT).is_file()
        and (node_dir / "node_modules" / "mermaid").is_dir()
        and (node_dir / "node_modules" / "jsdom").is_dir()
    )


def parse_diagrams(
    diagrams: list[str], node_dir: Path | None = None, timeout: float = TIMEOUT_S
) -> list[dict[str, Any]]:
    """Results from mermaid_check.mjs: {"ok": bool, "error"?: str, "line"?: int|None}."""
    node_dir = node_dir or NODE_DIR
    if not diagrams:
        return []
    if not parser_available(node_dir):
        raise MermaidUnavailable(NOT_INSTALLED)
    try:
        proc = subprocess.run(
            ["node", str(node_dir / SCRIPT)],
            input=json.dumps(diagrams),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=node_dir,
        )
    except subprocess.TimeoutExpired as exc:
        raise MermaidUnavailable(f"mermaid parser timed out after {timeout:.0f}s") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise MermaidUnavailable(f"mermaid parser failed (exit {proc.returncode}): {' | '.join(tail)}")
    results = json.loads(proc.stdout)
    if not isinstance(results, list) or len(results) != len(diagrams):
        raise MermaidUnavailable("mermaid parser returned an unexpected result")
    return results


def _one_line(error: str) -> str:
    """Jison errors span lines (headline, context, caret, expectation); the
    caret line means nothing once joined, the rest is what a redraft needs."""
    parts = [ln.strip() for ln in error.splitlines() if ln.strip() and set(ln.strip()) - set("-^")]
    return " ".join(parts)


def check_mermaid(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    blocks = spec.blocks("mermaid")
    if not blocks:
        return Score.skip(NAME, "no mermaid blocks")
    try:
        results = parse_diagrams([b.content for b in blocks])
    except MermaidUnavailable as exc:
        if (run or {}).get("parser_missing") == "skip":
            # The draft gate: a redraft cannot install Node, and the diagrams are
            # rendered by code from validated data. Reported as a skip, not a pass.
            return Score.skip(NAME, str(exc))
        # Never pass silently: a missing parser must not look like valid diagrams.
        return Score(NAME, 0.0, False, [str(exc)])

    findings: list[Finding] = []
    for block, result in zip(blocks, results, strict=True):
        if result.get("ok"):
            continue
        error_line = result.get("line")
        line = block.line
        if isinstance(error_line, int):
            # Jison reports errors at end of input one or two lines past the
            # text (unclosed brackets); keep the line inside the block.
            last = block.content_line + max(len(block.content.splitlines()) - 1, 0)
            line = min(block.content_line + error_line - 1, last)
        message = _one_line(str(result.get("error") or "parse error"))
        findings.append(Finding(spec.h2_at(block.line), f"mermaid block does not parse: {message}", line))
    return Score.from_findings(NAME, findings, checked=len(blocks))
