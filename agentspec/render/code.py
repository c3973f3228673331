"""Checks for model-written source code: does it parse, and is it free of
template placeholders. Each check returns None when the code is fine, or one
short message (with the line of the first problem) that goes back to the model."""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from agentspec.packs.builtin import builtin_pack
from agentspec.packs.placeholders import BRACKET_RE, placeholders_in_code

# Language -> fence tag, accepted file extensions.
FENCE_TAGS: dict[str, str] = {
    "typescript": "typescript",
    "python": "python",
    "go": "go",
    "java": "java",
    "ruby": "ruby",
    "csharp": "csharp",
    "kotlin": "kotlin",
    "php": "php",
}
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "typescript": (".ts", ".tsx"),
    "python": (".py",),
    "go": (".go",),
    "java": (".java",),
    "ruby": (".rb",),
    "csharp": (".cs",),
    "kotlin": (".kt",),
    "php": (".php",),
}


def fence_tag(language: str) -> str:
    return FENCE_TAGS.get(language, language)


def language_of_path(path: str) -> str | None:
    """The language a file extension implies, or None when unknown."""
    lower = path.lower()
    for language, exts in EXTENSIONS.items():
        if lower.endswith(exts):
            return language
    return None


def _snippet(line: str, limit: int = 80) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- syntax -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _ts_parser():  # type: ignore[no-untyped-def]
    import tree_sitter_typescript as tst
    from tree_sitter import Language, Parser

    return Parser(Language(tst.language_typescript()))


@lru_cache(maxsize=1)
def _tsx_parser():  # type: ignore[no-untyped-def]
    import tree_sitter_typescript as tst
    from tree_sitter import Language, Parser

    return Parser(Language(tst.language_tsx()))


def _first_ts_error(node):  # type: ignore[no-untyped-def]
    """Depth-first: the first ERROR or MISSING node in source order."""
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing or child.is_error:
            found = _first_ts_error(child)
            if found is not None:
                return found
    return None


def typescript_error(code: str, *, tsx: bool = False) -> str | None:
    tree = (_tsx_parser() if tsx else _ts_parser()).parse(code.encode("utf-8"))
    if not tree.root_node.has_error:
        return None
    bad = _first_ts_error(tree.root_node) or tree.root_node
    row = bad.start_point[0]
    lines = code.splitlines() or [""]
    text = lines[min(row, len(lines) - 1)]
    what = f"missing {bad.type!r}" if bad.is_missing else "syntax error"
    return f"TypeScript {what} at line {row + 1}: `{_snippet(text)}`"


def python_error(code: str) -> str | None:
    """The first error Python's compiler reports, without running anything: the parser alone
    accepts `await` in a plain `def` (the grounded draft's pytest example), which never runs."""
    try:
        compile(code, "<example>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.text or (code.splitlines()[exc.lineno - 1] if exc.lineno and exc.lineno <= len(code.splitlines()) else "")
        return f"Python syntax error at line {exc.lineno}: {exc.msg}: `{_snippet(line or '')}`"
    return None


_OPEN, _CLOSE = "([{", ")]}"


def bracket_error(code: str, *, hash_comments: bool = False) -> str | None:
    """Languages without a bundled parser: brackets must balance outside
    strings and comments (a cheap check that catches truncated code)."""
    stack: list[tuple[str, int]] = []
    i, n, line = 0, len(code), 1
    while i < n:
        ch = code[i]
        if ch == "\n":
            line += 1
        elif code.startswith("//", i) or (hash_comments and ch == "#"):
            j = code.find("\n", i)
            i = n if j == -1 else j
            continue
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            end = n if j == -1 else j + 2
            line += code.count("\n", i, end)
            i = end
            continue
        elif ch in "\"'`":
            j = i + 1
            while j < n and code[j] != ch:
                if code[j] == "\\":
                    j += 1
                elif code[j] == "\n" and ch != "`":
                    break
                j += 1
            line += code.count("\n", i, min(j, n))
            i = j + 1
            continue
        elif ch in _OPEN:
            stack.append((ch, line))
        elif ch in _CLOSE:
            want = _OPEN[_CLOSE.index(ch)]
            if not stack or stack[-1][0] != want:
                return f"unbalanced {ch!r} at line {line}"
            stack.pop()
        i += 1
    if stack:
        ch, at = stack[-1]
        return f"{ch!r} opened at line {at} is never closed (is the code cut off?)"
    return None


def syntax_error(code: str, language: str, *, path: str = "") -> str | None:
    """None when `code` parses as `language`; otherwise the first error with its line."""
    if language == "typescript":
        return typescript_error(code, tsx=path.lower().endswith(".tsx"))
    if language == "python":
        return python_error(code)
    return bracket_error(code, hash_comments=language in ("ruby", "php"))


# --- placeholders ----------------------------------------------------------------

# Shapes that only ever mean "fill me in": [API_BASE_URL], [SUMMARY].
_UPPER_PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}[0-9]*)$")
_TEMPLATE_SHAPE = re.compile(r"^(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[0-9]*|[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+)$")
_REAL_CODE = frozenset({"[id]"})  # the template's `pool.query(query, [id])` is real syntax


@lru_cache(maxsize=1)
def template_code_placeholders() -> frozenset[str]:
    """Bracket tokens the shipped template uses as holes in its code, e.g.
    [table_name], [method_name], [EventBus]."""
    text = builtin_pack().template_markdown()
    tokens = {m.group(0) for m in BRACKET_RE.finditer(text) if _TEMPLATE_SHAPE.match(m.group(1))}
    return frozenset(tokens - _REAL_CODE)


def code_placeholder(code: str) -> str | None:
    """A message naming the first template placeholder left in `code`, or None."""
    known = template_code_placeholders()
    found = placeholders_in_code(code, lambda token: bool(_UPPER_PLACEHOLDER.match(token[1:-1])) or token in known)
    if not found:
        return None
    token, line = found[0]
    return f"template placeholder {token} at line {line + 1}; write the real name or value"
