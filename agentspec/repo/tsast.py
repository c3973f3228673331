"""tree-sitter plumbing for TypeScript and JavaScript files.

JavaScript is parsed with the TSX grammar: TypeScript is a superset of
JavaScript and TSX adds JSX, so one installed grammar package covers .js/.jsx
too (a .ts file uses the plain TypeScript grammar, where `<T>x` casts parse).

One query captures every node kind the extractors read, so the tree is walked
once, in C, instead of once per extractor in Python.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import tree_sitter
import tree_sitter_typescript

# Calls are filtered by name here, in C: a large file has thousands of calls and
# turning each into a Python object costs more than the parse itself.
_QUERY = """
((call_expression function: (member_expression property: (property_identifier) @_method)) @call
 (#any-of? @_method "get" "post" "put" "patch" "delete" "options" "head" "all" "use" "route"
   "setGlobalPrefix" "send" "sendBatch" "subscribe" "assertQueue" "sendToQueue" "consume" "checkQueue"))
((call_expression function: (identifier) @_require) @call (#eq? @_require "require"))
(call_expression function: (import)) @call
((new_expression constructor: (identifier) @_new) @new (#any-of? @_new "Queue" "Worker"))
(import_statement) @import
(variable_declarator value: [(call_expression) (await_expression)]) @declarator
(export_statement) @export
((assignment_expression left: (member_expression) @_left) @assign
 (#match? @_left "^(module[.]exports|exports[.])"))
(class_declaration) @class
(abstract_class_declaration) @class
((member_expression
   object: (member_expression object: (identifier) @_p1 property: (property_identifier) @_e1)
   property: (property_identifier) @env_name)
 (#eq? @_p1 "process") (#eq? @_e1 "env"))
((subscript_expression
   object: (member_expression object: (identifier) @_p2 property: (property_identifier) @_e2)
   index: (string (string_fragment) @env_name))
 (#eq? @_p2 "process") (#eq? @_e2 "env"))
((variable_declarator
   name: (object_pattern) @env_pattern
   value: (member_expression object: (identifier) @_p3 property: (property_identifier) @_e3))
 (#eq? @_p3 "process") (#eq? @_e3 "env"))
"""

Node = tree_sitter.Node


@dataclass(frozen=True)
class _Grammar:
    parser: tree_sitter.Parser
    query: tree_sitter.Query


@functools.cache
def _grammar(tsx: bool) -> _Grammar:
    raw = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    language = tree_sitter.Language(raw)
    return _Grammar(parser=tree_sitter.Parser(language), query=tree_sitter.Query(language, _QUERY))


def uses_tsx_grammar(suffix: str) -> bool:
    return suffix != ".ts" and suffix != ".mts" and suffix != ".cts"


@dataclass
class TsParse:
    root: Node
    captures: dict[str, list[Node]]

    def nodes(self, name: str) -> list[Node]:
        return self.captures.get(name, [])


def parse_ts(data: bytes, suffix: str) -> TsParse:
    grammar = _grammar(uses_tsx_grammar(suffix))
    tree = grammar.parser.parse(data)
    captures = tree_sitter.QueryCursor(grammar.query).captures(tree.root_node)
    # A node matched by two patterns is captured twice; keep one, in source order.
    unique = {}
    for name, nodes in captures.items():
        if not name.startswith("_"):
            unique[name] = sorted({(n.start_byte, n.end_byte, n.type): n for n in nodes}.values(),
                                  key=lambda n: n.start_byte)
    return TsParse(root=tree.root_node, captures=unique)


def first_error_line(node: Node) -> int | None:
    """1-based line of the first ERROR/MISSING node, if the tree has one."""
    if not node.has_error:
        return None
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current.start_point.row + 1
        # Children in reverse so the earliest error is found first.
        stack.extend(reversed([c for c in current.children if c.has_error or c.is_error or c.is_missing]))
    return node.start_point.row + 1


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: Node) -> int:
    return node.start_point.row + 1


def string_value(node: Node | None) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return text(node)[1:-1]
    return None


def call_parts(call: Node) -> tuple[Node | None, str | None, list[Node]]:
    """(receiver object, method/function name, argument nodes) of a call_expression."""
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    args = [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []
    if function is None:
        return None, None, args
    if function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return function.child_by_field_name("object"), text(prop), args
    if function.type == "identifier":
        return None, text(function), args
    return None, None, args


def object_string_property(node: Node, key: str) -> list[str]:
    """String value(s) of `key` in an object literal: {topic: 'x'} / {topics: ['a', 'b']}."""
    if node.type != "object":
        return []
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        pair_key = pair.child_by_field_name("key")
        name = string_value(pair_key) if pair_key is not None and pair_key.type == "string" else text(pair_key)
        if name != key:
            continue
        value = pair.child_by_field_name("value")
        if value is None:
            return []
        if value.type == "array":
            return [s for s in (string_value(v) for v in value.named_children) if s is not None]
        single = string_value(value)
        return [single] if single is not None else []
    return []
