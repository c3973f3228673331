"""Mermaid diagrams from data. Ids are sanitised and labels quoted, so any
model-chosen name renders."""

from __future__ import annotations

import re
from collections.abc import Iterable


def node_id(name: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "node"
    return ident if not ident[0].isdigit() else "n_" + ident


def label(text: str) -> str:
    # Inside "..." mermaid accepts anything but a double quote; #quot; is its escape.
    return '"' + " ".join(text.split()).replace('"', "#quot;") + '"'


# A flowchart node written `B[text]`: its id, then a label that is not already quoted and
# not a shape of its own (`[(cylinder)]`, `[[subroutine]]`, `[/parallelogram/]`).
_SQUARE_NODE = re.compile(r"(?<![\w\]])([A-Za-z_][\w-]*)\[(?![\[(/\\])([^\[\]\"\n]+)\]")
# A decision node written `Q{text}` (not `{{hexagon}}`), not already quoted.
_RHOMBUS_NODE = re.compile(r"(?<![\w}])([A-Za-z_][\w-]*)\{(?!\{)([^{}\"\n]+)\}")
# An edge label written `-->|text|` (or after -.->, ==>, ---), not already quoted.
_EDGE_LABEL = re.compile(r"((?:-->|-\.->|==>|---|-\.-|===)\s*)\|([^|\"\n]+)\|")
# What mermaid's flowchart lexer reads as syntax inside an unquoted label.
_LABEL_SYNTAX = re.compile(r"[()<>{}|;'`]")


def quote_flowchart_labels(code: str) -> str:
    """A model-written flowchart with its node labels quoted where they hold syntax:
    `B[SELECT id FROM t WHERE created_at < NOW()]` does not parse, `B["…"]` does. Other
    diagram kinds are returned as they are."""
    first = next((line.strip() for line in code.splitlines() if line.strip() and not line.strip().startswith("%%")), "")
    if not re.match(r"(graph|flowchart)\b", first):
        return code

    for pattern, opening, closing in ((_SQUARE_NODE, "[", "]"), (_RHOMBUS_NODE, "{", "}"), (_EDGE_LABEL, "|", "|")):
        code = pattern.sub(lambda m, o=opening, c=closing: m.group(0) if not _LABEL_SYNTAX.search(m.group(2))
                           else f"{m.group(1)}{o}{label(m.group(2))}{c}", code)
    return code


def flowchart(nodes: Iterable[tuple[str, str]], edges: Iterable[tuple[str, str, str | None]], direction: str = "TD") -> str:
    """nodes: (id, label); edges: (from_id, to_id, optional label)."""
    lines = [f"graph {direction}"]
    for ident, text in nodes:
        lines.append(f"    {node_id(ident)}[{label(text)}]")
    for src, dst, text in edges:
        arrow = f" -->|{label(text)}| " if text else " --> "
        lines.append(f"    {node_id(src)}{arrow}{node_id(dst)}")
    return "\n".join(lines)


_ER_TYPE = re.compile(r"[^A-Za-z0-9_]")


def er_type(sql_type: str) -> str:
    """erDiagram attribute types must be one word: VARCHAR(255) -> varchar."""
    word = sql_type.split("(")[0].strip().lower().replace(" ", "_")
    return _ER_TYPE.sub("_", word) or "text"


def er_entity_name(name: str) -> str:
    return node_id(name).upper()


def sequence(participants: Iterable[tuple[str, str]], messages: Iterable[tuple[str, str, str]]) -> str:
    lines = ["sequenceDiagram"]
    for ident, text in participants:
        lines.append(f"    participant {node_id(ident)} as {' '.join(text.split())}")
    for src, dst, text in messages:
        clean = " ".join(text.split()).replace(";", ",").replace("#", "")
        lines.append(f"    {node_id(src)}->>{node_id(dst)}: {clean}")
    return "\n".join(lines)
