"""Tables declared as ORM models: SQLModel (`table=True`) and SQLAlchemy
declarative classes (`__tablename__ = "..."`).

A class counts as a table when it says so itself (`table=True` or a
`__tablename__`), so we need not follow `Base` through imports. Attributes
become columns when they are `Column(...)`/`mapped_column(...)`/`Field(...)`
or an annotation with a plain scalar type; relationships are left out.
"""

from __future__ import annotations

import ast
import re

from agentspec.repo.context import Source
from agentspec.repo.hints import Hint
from agentspec.repo.pyast import PyIndex, const_str, dotted, is_true, keyword
from agentspec.repo.sa_columns import PY_TYPES, column_call, sa_type, unwrap_annotation
from agentspec.repo.schema_state import SchemaBuilder

# Cheap byte-level test run before walking a Python tree for models.
PY_HINT = Hint(words=(b"__tablename__",), patterns=(re.compile(rb"table\s*=\s*True"),), gate=(b"True",))
_COLUMN_FACTORIES = {"Column", "mapped_column"}
_NOT_COLUMNS = {"relationship", "Relationship", "association_proxy", "synonym", "column_property",
                "hybrid_property", "deferred"}


def _is_table_class(node: ast.ClassDef) -> tuple[bool, str | None]:
    """(is a table?, explicit table name)."""
    explicit = None
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(dotted(t) == "__tablename__" for t in statement.targets):
            explicit = const_str(statement.value)
            if explicit:
                return True, explicit
        elif isinstance(statement, ast.AnnAssign) and dotted(statement.target) == "__tablename__":
            explicit = const_str(statement.value)
            if explicit:
                return True, explicit
    sqlmodel_table = any(k.arg == "table" and is_true(k.value) for k in node.keywords)
    return sqlmodel_table, None


def parse_models(index: PyIndex, rel: str, builder: SchemaBuilder) -> None:
    for node in index.classes:
        is_table, explicit = _is_table_class(node)
        if not is_table:
            continue
        # SQLModel names the table after the lower-cased class name.
        name = explicit or node.name.lower()
        builder.create_table(name, Source(path=rel, line=node.lineno))
        for statement in node.body:
            _column_from_statement(statement, name, rel, builder)


def _column_from_statement(statement: ast.stmt, table: str, rel: str, builder: SchemaBuilder) -> None:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        attr, annotation, value = statement.target.id, statement.annotation, statement.value
    elif (isinstance(statement, ast.Assign) and len(statement.targets) == 1
          and isinstance(statement.targets[0], ast.Name)):
        attr, annotation, value = statement.targets[0].id, None, statement.value
    else:
        return
    if attr.startswith("__") or re.fullmatch(r"model_config|Config", attr):
        return
    type_name, optional = unwrap_annotation(annotation)
    if (dotted(annotation) or "").rsplit(".", 1)[-1] == "ClassVar":
        return
    call = value if isinstance(value, ast.Call) else None
    factory = (dotted(call.func) or "").rsplit(".", 1)[-1] if call else ""
    if factory in _NOT_COLUMNS:
        return
    source = Source(path=rel, line=statement.lineno)
    if call is not None and factory in _COLUMN_FACTORIES:
        info = column_call(call)
        sql_type = info.type or PY_TYPES.get(type_name or "")
        nullable = info.nullable if info.nullable is not None else (optional if annotation is not None else True)
        builder.add_column(table, info.name or attr, source, type=sql_type, nullable=nullable,
                           primary_key=info.primary_key, references=info.references)
        return
    if call is not None and factory == "Field":
        sa_column = keyword(call, "sa_column")
        if isinstance(sa_column, ast.Call):
            info = column_call(sa_column)
            builder.add_column(table, info.name or attr, source, type=info.type or PY_TYPES.get(type_name or ""),
                               nullable=info.nullable if info.nullable is not None else optional,
                               primary_key=info.primary_key or is_true(keyword(call, "primary_key")),
                               references=info.references or const_str(keyword(call, "foreign_key")))
            return
        nullable_kw = keyword(call, "nullable")
        nullable = bool(nullable_kw.value) if isinstance(nullable_kw, ast.Constant) else optional
        sql_type = sa_type(keyword(call, "sa_type")) or PY_TYPES.get(type_name or "")
        if sql_type is None and type_name is not None and type_name not in PY_TYPES:
            # An enum or custom class: keep its name as the type rather than guess.
            sql_type = type_name
        builder.add_column(table, attr, source, type=sql_type,
                           nullable=nullable, primary_key=is_true(keyword(call, "primary_key")),
                           references=const_str(keyword(call, "foreign_key")))
        return
    # A bare annotation (`name: str`, `name: str = "x"`) is a column in SQLModel;
    # an annotation naming another class is a relationship and is skipped.
    if annotation is not None and type_name in PY_TYPES:
        builder.add_column(table, attr, source, type=PY_TYPES[type_name], nullable=optional)
