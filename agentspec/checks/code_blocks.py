"""Check 5: fenced code blocks parse in their declared language.

TypeScript/JavaScript via tree-sitter (an error-tolerant parser, so we look
for ERROR/MISSING nodes rather than exceptions), Python via ast, YAML via
yaml.safe_load_all, JSON via json. Other languages are not checked here
(mermaid and sql have their own checks).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import tree_sitter
import tree_sitter_typescript
import yaml

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument

NAME = "code_blocks"

# A parse error: (message, 1-based line within the block or None).
ParseError = tuple[str, "int | None"]


@lru_cache(maxsize=2)
def _ts_parser(tsx: bool) -> tree_sitter.Parser:
    raw = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    return tree_sitter.Parser(tree_sitter.Language(raw))


def _first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    if node.has_error:
        for child in node.children:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _parse_tree_sitter(code: str, tsx: bool) -> ParseError | None:
    tree = _ts_parser(tsx).parse(code.encode("utf-8"))
    if not tree.root_node.has_error:
        return None
    bad = _first_error(tree.root_node) or tree.root_node
    row, col = bad.start_point
    if bad.is_missing:
        what = f"missing '{bad.type}'"
    else:
        snippet = code.encode("utf-8")[bad.start_byte : bad.end_byte].decode("utf-8", "replace")
        snippet = " ".join(snippet.split())[:40]
        what = f"unexpected '{snippet}'" if snippet else "syntax error"
    return f"syntax error: {what} at column {col + 1}", row + 1


def _parse_python(code: str) -> ParseError | None:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}", exc.lineno
    return None


def _parse_yaml(code: str) -> ParseError | None:
    try:
        list(yaml.safe_load_all(code))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return f"YAML error: {problem}", (mark.line + 1 if mark else None)
    return None


def _parse_json(code: str) -> ParseError | None:
    try:
        json.loads(code)
    except json.JSONDecodeError as exc:
        return f"JSON error: {exc.msg} at column {exc.colno}", exc.lineno
    return None


PARSERS: dict[str, Callable[[str], ParseError | None]] = {
    "typescript": lambda c: _parse_tree_sitter(c, tsx=False),
    "ts": lambda c: _parse_tree_sitter(c, tsx=False),
    "tsx": lambda c: _parse_tree_sitter(c, tsx=True),
    # The TSX grammar is a superset of modern JavaScript including JSX.
    "javascript": lambda c: _parse_tree_sitter(c, tsx=True),
    "js": lambda c: _parse_tree_sitter(c, tsx=True),
    "jsx": lambda c: _parse_tree_sitter(c, tsx=True),
    "python": _parse_python,
    "py": _parse_python,
    "yaml": _parse_yaml,
    "yml": _parse_yaml,
    "json": _parse_json,
}


def check_code_blocks(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    blocks = [b for b in spec.code_blocks if b.language in PARSERS]
    if not blocks:
        return Score.skip(NAME, "no typescript/python/yaml/json blocks")
    findings = []
    for block in blocks:
        error = PARSERS[block.language](block.content)
        if error is None:
            continue
        message, rel_line = error
        line = block.content_line + rel_line - 1 if rel_line else block.line
        findings.append(Finding(spec.h2_at(block.line), f"{block.language} block does not parse: {message}", line))
    return Score.from_findings(NAME, findings, checked=len(blocks))
