"""Helpers for reading Python files with the ast module (never importing them)."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator


def dotted(node: ast.AST | None) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def const_strs(node: ast.AST | None) -> list[str]:
    """Strings of a literal list/tuple/set (or a single string)."""
    single = const_str(node)
    if single is not None:
        return [single]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for s in (const_str(e) for e in node.elts) if s is not None]
    return []


def single_assignment(node: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    """(target, value) of `x = v` or `x: T = v`; None for anything else (`a = b = v`, `x: T`)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return node.targets[0], node.value
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return node.target, node.value
    return None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def iter_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node under `tree`, in no particular order; about twice as fast as ast.walk."""
    stack: list[object] = [tree]
    pop, extend, append = stack.pop, stack.extend, stack.append
    while stack:
        node = pop()
        if not isinstance(node, ast.AST):
            continue  # lists also hold None (dict unpacking) and str (global names)
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                extend(value)
            elif isinstance(value, ast.AST):
                append(value)


# Fields that hold nested statements; every other field of a statement is its "header".
_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _statements(body: list[ast.stmt]) -> list[ast.AST]:
    """Statements (and except/case clauses) at any depth, in source order."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        out.append(node)
        nested: list[ast.AST] = []
        for name in _BODY_FIELDS:
            value = getattr(node, name, None)
            if value.__class__ is list:
                nested.extend(value)
        if nested:
            nested.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
            stack.extend(reversed(nested))
    return out


def _header_nodes(statement: ast.AST) -> Iterator[ast.AST]:
    """Expression nodes of a statement, not descending into its nested statements."""
    for name in statement._fields:
        if name in _BODY_FIELDS:
            continue
        value = getattr(statement, name, None)
        for item in value if value.__class__ is list else [value]:
            if isinstance(item, ast.AST):
                yield from iter_nodes(item)


class PyIndex:
    """One parsed module, with the cheap views the extractors need.

    Walking every expression node of a big module in Python costs more than
    parsing it, so expressions are only walked on the lines where a byte
    pattern says something interesting is (`nodes_on_lines`); everything else
    is read from statements, which are an order of magnitude fewer.
    """

    def __init__(self, tree: ast.Module, data: bytes) -> None:
        self.tree = tree
        self.data = data
        self.statements = _statements(tree.body)
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.classes: list[ast.ClassDef] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.assigns: list[ast.Assign | ast.AnnAssign] = []
        self.statement_calls: list[ast.Call] = []  # `x.include_router(...)` as a statement of its own
        for node in self.statements:
            kind = node.__class__
            if kind is ast.Import or kind is ast.ImportFrom:
                self.imports.append(node)  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                self.classes.append(node)  # type: ignore[arg-type]
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.functions.append(node)  # type: ignore[arg-type]
            elif kind is ast.Assign or kind is ast.AnnAssign:
                self.assigns.append(node)  # type: ignore[arg-type]
            elif kind is ast.Expr and isinstance(node.value, ast.Call):  # type: ignore[attr-defined]
                self.statement_calls.append(node.value)  # type: ignore[attr-defined]

    @classmethod
    def build(cls, tree: ast.Module, data: bytes = b"") -> PyIndex:
        return cls(tree, data)

    def _hit_lines(self, pattern: re.Pattern[bytes]) -> list[int]:
        lines: list[int] = []
        line, position = 1, 0
        for match in pattern.finditer(self.data):
            line += self.data.count(b"\n", position, match.start())
            position = match.start()
            if not lines or lines[-1] != line:
                lines.append(line)
        return lines

    def nodes_on_lines(self, pattern: re.Pattern[bytes]) -> list[ast.AST]:
        """Expression nodes of the statements whose lines match `pattern`, in source order."""
        lines = self._hit_lines(pattern)
        if not lines:
            return []
        found: list[ast.AST] = []
        for statement in self.statements:
            first = getattr(statement, "lineno", 0)
            last = getattr(statement, "end_lineno", None) or first
            index = bisect.bisect_left(lines, first)
            if index < len(lines) and lines[index] <= last:
                found.extend(_header_nodes(statement))
        found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return found

    def import_aliases(self) -> dict[str, str]:
        """Local name -> the dotted thing it stands for (`from os import environ` -> os.environ)."""
        aliases: dict[str, str] = {}
        for node in self.imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        aliases[head] = head
            elif node.module and node.level == 0:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return aliases

    def resolve(self, node: ast.AST | None, aliases: dict[str, str]) -> str | None:
        """The dotted name of `node` with its first part expanded through imports."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        expanded = aliases.get(head, head)
        return f"{expanded}.{rest}" if rest else expanded


def module_name(rel: str) -> str:
    """Dotted module name of a repository-relative .py path (packages by folder)."""
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
