"""Lay out TypeScript that a small model wrote on one line.

Inside a JSON string a newline must be written as an escape; 1.5B models
often avoid that and emit a whole example as one line of `;`-separated
statements. The program is fine, only its layout is not, so code (not a
re-ask) puts it back on lines: one statement per line, blocks indented.

The layout follows the tree-sitter syntax tree, so strings, template literals,
regexes and comments are never split. Code that does not parse is laid out
too, from tree-sitter's error-tolerant tree, so the syntax gate's message can
name a line (on one line, "the code has 1 lines" hid a missing `catch`, and
the re-ask repeated the same program); it is kept only if every character
other than whitespace survives, and it still fails that gate.

On one line, a `// comment` swallows every statement after it. Such a comment
is closed at the next `}` (the model meant "comment, then end the block"), and
kept as `/* ... */` only if the program then parses."""

from __future__ import annotations

import re
from typing import Any

from agentspec.render.code import _ts_parser, _tsx_parser

INDENT = "  "
# Nodes whose `{ ... }` hold one member or statement per line.
_BLOCKS = {"statement_block", "class_body", "interface_body", "object_type", "enum_body", "switch_body"}
# Leaves that are printed whole even though tree-sitter gives them children.
_ATOMIC = {"string", "template_string", "regex", "comment", "jsx_text"}
# After a block's `}` these stay on the same line: `} else {`, `});`, `}, 100)`.
_JOIN_AFTER_BRACE = {")", ",", ";", ".", "else", "catch", "finally", "while", "?.", "]"}


def _leaves(node: Any) -> list[Any]:
    if node.type in _ATOMIC or not node.children:
        return [node]
    found: list[Any] = []
    for child in node.children:
        found.extend(_leaves(child))
    return found


def _newline_after(leaf: Any) -> bool:
    parent = leaf.parent
    text = leaf.type
    if leaf.type == "comment":
        return True
    if parent is None:
        return False
    if text == "{" and parent.type in _BLOCKS:
        return True
    if text == ";":
        return not _in_for_header(leaf)
    if text == ":" and parent.type in {"switch_case", "switch_default"}:
        return True
    return text == "}" and parent.type in _BLOCKS


def _in_for_header(leaf: Any) -> bool:
    node = leaf.parent
    while node is not None and node.type not in _BLOCKS and node.type != "program":
        if node.type in {"for_statement", "for_in_statement"}:
            return True
        node = node.parent
    return False


def _empty_block(leaves: list[Any], index: int) -> bool:
    """`{}` (an empty body) stays on one line."""
    leaf = leaves[index]
    return (leaf.type == "{" and index + 1 < len(leaves) and leaves[index + 1].type == "}"
            and leaves[index + 1].parent == leaf.parent)


def _close_line_comments(code: str) -> str:
    """`a(); // note } b();` on one line -> `a(); /* note */ } b();`.

    Quotes are tracked so `//` inside a string or URL is left alone."""
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(code):
        char = code[index]
        if quote:
            out.append(char)
            if char == "\\" and index + 1 < len(code):
                out.append(code[index + 1])
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
            out.append(char)
        elif code.startswith("//", index):
            end = code.find("}", index)
            end = len(code) if end == -1 else end
            text = code[index + 2:end].strip().replace("*/", "* /")
            out.append(f"/* {text} */ ")
            index = end
            continue
        else:
            out.append(char)
        index += 1
    return "".join(out).rstrip()


def reflow_typescript(code: str, *, tsx: bool = False) -> str:
    """One statement per line; unchanged where the layout would lose a character."""
    parser = _tsx_parser() if tsx else _ts_parser()
    source = code.encode("utf-8")
    tree = parser.parse(source)
    if "\n" not in code.strip() and "//" in code:
        closed = _close_line_comments(code)
        closed_tree = parser.parse(closed.encode("utf-8"))
        if not closed_tree.root_node.has_error:
            code, source, tree = closed, closed.encode("utf-8"), closed_tree
    laid_out = _lay_out(tree, source)
    return laid_out if _same_text(laid_out, code) else code


def _same_text(laid_out: str, code: str) -> bool:
    return re.sub(r"\s+", "", laid_out) == re.sub(r"\s+", "", code)


def _lay_out(tree: Any, source: bytes) -> str:
    leaves = _leaves(tree.root_node)
    lines: list[str] = []
    current = ""
    depth = 0
    previous_end = None
    break_pending = False
    for index, leaf in enumerate(leaves):
        text = source[leaf.start_byte:leaf.end_byte].decode("utf-8")
        closes_block = (leaf.type == "}" and leaf.parent is not None and leaf.parent.type in _BLOCKS
                        and not _empty_block(leaves, index - 1))
        if closes_block:
            depth = max(depth - 1, 0)
            if current.strip():
                lines.append(current)
                current = ""
        elif break_pending and leaf.type in _JOIN_AFTER_BRACE and leaves[index - 1].type == "}":
            break_pending = False  # `} else`, `});`: keep on the closing brace's line
        if break_pending and current.strip():
            lines.append(current)
            current = ""
        break_pending = False
        if not current:
            current = INDENT * depth + text
        else:
            gap = source[previous_end:leaf.start_byte] if previous_end is not None else b""
            current += (" " if gap.strip() == b"" and gap else "") + text
        previous_end = leaf.end_byte
        if _empty_block(leaves, index):
            continue
        if leaf.type == "{" and leaf.parent is not None and leaf.parent.type in _BLOCKS:
            depth += 1
        if _newline_after(leaf):
            break_pending = True
    if current.strip():
        lines.append(current)
    return "\n".join(line.rstrip() for line in lines)
