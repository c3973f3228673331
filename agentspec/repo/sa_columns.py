"""Reading SQLAlchemy column declarations from the AST.

Shared by Alembic revisions (`sa.Column("id", sa.Integer(), primary_key=True)`)
and declarative models (`Column(...)`, `mapped_column(...)`, SQLModel
`Field(...)` with a type annotation).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from agentspec.repo.pyast import const_str, const_strs, dotted, is_true, keyword

# SQLAlchemy type name (last dotted part) -> SQL type.
SA_TYPES = {
    "Integer": "integer", "INTEGER": "integer", "INT": "integer", "SmallInteger": "smallint",
    "SMALLINT": "smallint", "BigInteger": "bigint", "BIGINT": "bigint", "String": "varchar",
    "VARCHAR": "varchar", "Unicode": "varchar", "AutoString": "varchar", "CHAR": "char", "Text": "text",
    "TEXT": "text", "UnicodeText": "text", "Boolean": "boolean", "BOOLEAN": "boolean",
    "DateTime": "timestamp", "DATETIME": "timestamp", "TIMESTAMP": "timestamp", "Date": "date",
    "DATE": "date", "Time": "time", "Interval": "interval", "Float": "float", "FLOAT": "float",
    "REAL": "real", "Double": "double precision", "Numeric": "numeric", "NUMERIC": "numeric",
    "DECIMAL": "numeric", "JSON": "json", "JSONB": "jsonb", "UUID": "uuid", "Uuid": "uuid", "GUID": "uuid",
    "LargeBinary": "bytea", "BYTEA": "bytea", "Enum": "enum", "ARRAY": "array", "INET": "inet",
}

# Python annotation -> SQL type (SQLModel fields, `Mapped[...]` attributes).
PY_TYPES = {
    "int": "integer", "str": "varchar", "float": "float", "bool": "boolean", "bytes": "bytea",
    "datetime": "timestamp", "date": "date", "time": "time", "timedelta": "interval", "Decimal": "numeric",
    "UUID": "uuid", "dict": "json", "Dict": "json", "list": "json", "List": "json", "Any": "json",
}


@dataclass
class ColumnInfo:
    name: str | None
    type: str | None
    nullable: bool | None  # None: not said, the caller decides the default
    primary_key: bool
    references: str | None
    line: int


def sa_type(node: ast.AST | None) -> str | None:
    """SQL type of a SQLAlchemy type expression: `sa.String(length=255)` -> `varchar(255)`."""
    call = node if isinstance(node, ast.Call) else None
    name = dotted(call.func if call else node)
    if name is None:
        return None
    base_name = name.rsplit(".", 1)[-1]
    base = SA_TYPES.get(base_name)
    if base is None:
        # Only names that look like types (CamelCase or CAPS), not ForeignKey & co.
        if not base_name[:1].isupper() or base_name in ("ForeignKey", "Identity", "Sequence", "Computed"):
            return None
        base = base_name.lower()
    if call is None:
        return base
    if base == "timestamp" and is_true(keyword(call, "timezone")):
        return "timestamptz"
    if base == "array" and call.args:
        inner = sa_type(call.args[0])
        return f"{inner}[]" if inner else base
    sizes = [str(a.value) for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
    for key in ("length", "precision", "scale"):
        value = keyword(call, key)
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            sizes.append(str(value.value))
    return f"{base}({','.join(sizes)})" if sizes else base


def _foreign_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "ForeignKey" and node.args:
        target = const_str(node.args[0])
        if target:
            return target
        # ForeignKey(Workspace.id) points at a model attribute; keep its dotted text.
        return dotted(node.args[0])
    return None


def column_call(call: ast.Call) -> ColumnInfo:
    """A `Column(...)`/`sa.Column(...)`/`mapped_column(...)` call."""
    name = const_str(call.args[0]) if call.args else None
    type_: str | None = None
    references = None
    for arg in call.args[1:] if name is not None else call.args:
        fk = _foreign_key(arg)
        if fk is not None:
            references = fk
        elif type_ is None:
            type_ = sa_type(arg)
    explicit_name = const_str(keyword(call, "name"))
    type_kw = keyword(call, "type_")
    if type_kw is not None:
        type_ = sa_type(type_kw) or type_
    nullable_kw = keyword(call, "nullable")
    nullable = bool(nullable_kw.value) if isinstance(nullable_kw, ast.Constant) else None
    return ColumnInfo(name=explicit_name or name, type=type_, nullable=nullable,
                      primary_key=is_true(keyword(call, "primary_key")), references=references, line=call.lineno)


def unwrap_annotation(node: ast.AST | None) -> tuple[str | None, bool]:
    """(innermost type name, optional?) of `Mapped[Optional[int]]`, `int | None`, `"Workspace"`..."""
    optional = False
    while True:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None, optional
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left_none = isinstance(node.left, ast.Constant) and node.left.value is None
            right_none = isinstance(node.right, ast.Constant) and node.right.value is None
            if left_none or right_none:
                optional = True
                node = node.right if left_none else node.left
                continue
            return None, optional
        if isinstance(node, ast.Subscript):
            outer = (dotted(node.value) or "").rsplit(".", 1)[-1]
            if outer in ("Mapped", "Optional"):
                optional = optional or outer == "Optional"
                node = node.slice
                continue
            if outer == "Union" and isinstance(node.slice, ast.Tuple):
                rest = [e for e in node.slice.elts if not (isinstance(e, ast.Constant) and e.value is None)]
                optional = optional or len(rest) < len(node.slice.elts)
                if len(rest) == 1:
                    node = rest[0]
                    continue
                return None, optional
            return outer or None, optional
        name = dotted(node)
        return (name.rsplit(".", 1)[-1] if name else None), optional


def constraint_call(call: ast.Call) -> tuple[str, list[str], str | None] | None:
    """`sa.PrimaryKeyConstraint("a")` -> ("pk", ["a"], None);
    `sa.ForeignKeyConstraint(["b"], ["t.id"])` -> ("fk", ["b"], "t.id")."""
    kind = (dotted(call.func) or "").rsplit(".", 1)[-1]
    if kind == "PrimaryKeyConstraint":
        return "pk", [s for s in (const_str(a) for a in call.args) if s], None
    if kind == "ForeignKeyConstraint" and len(call.args) >= 2:
        local, remote = const_strs(call.args[0]), const_strs(call.args[1])
        return "fk", local, remote[0] if len(remote) == 1 else None
    return None
