"""Tables from plain SQL migration files (and Prisma's migration.sql files).

Each file is split into statements with sqlglot's tokenizer (so semicolons in
strings and $$ bodies do not split), and only CREATE/ALTER/DROP TABLE
statements are parsed: a migration full of functions and data fixes should
not cost a parse per statement. A statement that fails to parse becomes a
problem with its line; the rest of the file still counts.

Parsing returns a list of operations instead of touching the schema at once
because migrations must be applied in filename order, and the walk may not
visit them in that order (natural order: V2 before V10).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from agentspec.repo.context import Source
from agentspec.repo.facts import Facts
from agentspec.repo.schema_state import SchemaBuilder

SchemaOp = Callable[[SchemaBuilder], None]

_DIALECT = "postgres"
# Words that end a column's type in a column definition.
_CONSTRAINT_WORDS = re.compile(
    r"(?i)\b(NOT|NULL|PRIMARY|DEFAULT|REFERENCES|UNIQUE|CHECK|CONSTRAINT|COLLATE|GENERATED|IDENTITY)\b")
_TABLE_PREFIX_WORDS = frozenset({"GLOBAL", "LOCAL", "UNLOGGED"})  # TEMP tables are not schema: left out
_COLUMN_CHANGE = re.compile(r"(?i)\b(ADD|DROP)\s+COLUMN\b")


class _QuietCommandFallback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    # sqlglot logs a warning for syntax it keeps as an opaque Command; that is
    # expected for migrations and would only be noise in the user's terminal.
    logger = logging.getLogger("sqlglot")
    quiet = _QuietCommandFallback()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def natural_key(name: str) -> list[object]:
    """Sort key for migration names: V2__x.sql before V10__x.sql."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def parse_sql_migration(text: str, rel: str, facts: Facts) -> list[SchemaOp]:
    try:
        tokens = Dialect.get_or_raise(_DIALECT).tokenize(text)
    except Exception as exc:  # sqlglot raises TokenError and, on odd input, plain ValueErrors
        facts.problem(rel, f"SQL tokenizer: {_first_line(exc)}")
        return []
    ops: list[SchemaOp] = []
    with _quiet_sqlglot():
        for statement in _statements(tokens):
            if not _is_table_ddl(statement):
                continue
            first = statement[0]
            chunk = text[first.start: statement[-1].end + 1]
            try:
                tree = sqlglot.parse_one(chunk, read=_DIALECT)
            except Exception as exc:  # ParseError, or internal errors on exotic syntax
                facts.problem(rel, f"SQL parse error: {_first_line(exc)}", line=first.line)
                continue
            if not isinstance(tree, exp.Expression):
                continue
            if isinstance(tree, exp.Command):
                # sqlglot keeps syntax it does not model as an opaque Command. Harmless
                # for ALTER TABLE ... OWNER TO, but a lost column or table otherwise.
                if first.token_type == TokenType.CREATE or _COLUMN_CHANGE.search(chunk):
                    facts.problem(rel, "table statement not understood by the SQL parser", line=first.line)
                continue
            ops.extend(_ops_for(tree, chunk, rel, first.line))
    return ops


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _statements(tokens: list[Token]) -> Iterator[list[Token]]:
    current: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


def _is_table_ddl(statement: list[Token]) -> bool:
    head = statement[0].token_type
    if head not in (TokenType.CREATE, TokenType.ALTER, TokenType.DROP):
        return False
    # CREATE [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE ...
    for token in statement[1:4]:
        if token.token_type == TokenType.TABLE:
            return True
        if token.text.upper() not in _TABLE_PREFIX_WORDS:
            return False
    return False


def _ops_for(tree: exp.Expression, chunk: str, rel: str, first_line: int) -> list[SchemaOp]:
    def source_of(node: exp.Expression | None) -> Source:
        line = first_line
        if isinstance(node, exp.Expression):
            meta_line = node.meta.get("line") if node.meta else None
            if meta_line:
                line = first_line + int(meta_line) - 1
        return Source(path=rel, line=line)

    ops: list[SchemaOp] = []
    if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "TABLE":
        target = tree.this
        table = target.this if isinstance(target, exp.Schema) else target
        if not isinstance(table, exp.Table):
            return ops
        name = table.name
        db_schema = table.db or None
        ops.append(functools.partial(_create, name=name, db_schema=db_schema, source=source_of(table.this)))
        if isinstance(target, exp.Schema):
            for item in target.expressions:
                ops.extend(_table_element_ops(item, name, chunk, source_of))
    elif isinstance(tree, exp.Alter) and str(tree.args.get("kind", "")).upper() == "TABLE":
        table = tree.this
        if not isinstance(table, exp.Table):
            return ops
        name = table.name
        for action in tree.args.get("actions") or []:
            ops.extend(_alter_ops(action, name, chunk, source_of))
    elif isinstance(tree, exp.Drop) and str(tree.args.get("kind", "")).upper() == "TABLE":
        for table in tree.args.get("tables") or ([tree.this] if tree.this else []):
            if isinstance(table, exp.Table):
                ops.append(functools.partial(SchemaBuilder.drop_table, name=table.name))
    return ops


def _create(builder: SchemaBuilder, *, name: str, db_schema: str | None, source: Source) -> None:
    builder.create_table(name, source, db_schema=db_schema)


def _table_element_ops(item: exp.Expression, table: str, chunk: str,
                       source_of: Callable[[exp.Expression | None], Source]) -> list[SchemaOp]:
    if isinstance(item, exp.ColumnDef):
        return [_add_column_op(item, table, chunk, source_of)]
    if isinstance(item, exp.Constraint):
        return [op for inner in item.expressions for op in _table_element_ops(inner, table, chunk, source_of)]
    if isinstance(item, exp.PrimaryKey):
        columns = [e.name for e in item.expressions]
        return [functools.partial(SchemaBuilder.set_primary_key, table_name=table, columns=columns)]
    if isinstance(item, exp.ForeignKey):
        target = _reference_target(item.args.get("reference"))
        if target is None:
            return []
        return [functools.partial(SchemaBuilder.set_reference, table_name=table, column_name=e.name, target=target)
                for e in item.expressions]
    return []


def _alter_ops(action: exp.Expression, table: str, chunk: str,
               source_of: Callable[[exp.Expression | None], Source]) -> list[SchemaOp]:
    if isinstance(action, exp.ColumnDef):
        return [_add_column_op(action, table, chunk, source_of)]
    if isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
        return [functools.partial(SchemaBuilder.drop_column, table_name=table, name=col.name)
                for col in action.args.get("tables") or []]
    if isinstance(action, exp.RenameColumn):
        return [functools.partial(SchemaBuilder.rename_column, table_name=table, old=action.this.name,
                                  new=action.args["to"].name)]
    if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
        return [functools.partial(SchemaBuilder.rename_table, old=table, new=action.this.name)]
    if isinstance(action, exp.AlterColumn):
        allow_null = action.args.get("allow_null")
        dtype = action.args.get("dtype")
        return [functools.partial(SchemaBuilder.alter_column, table_name=table, name=action.this.name,
                                  nullable=None if allow_null is None else bool(allow_null),
                                  type=dtype.sql(_DIALECT).lower() if dtype is not None else None)]
    if isinstance(action, exp.AddConstraint):
        return [op for inner in action.expressions for op in _table_element_ops(inner, table, chunk, source_of)]
    return []


def _add_column_op(column: exp.ColumnDef, table: str, chunk: str,
                   source_of: Callable[[exp.Expression | None], Source]) -> SchemaOp:
    not_null = primary_key = False
    references = None
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            not_null = not kind.args.get("allow_null")
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            primary_key = True
        elif isinstance(kind, exp.Reference):
            references = _reference_target(kind)
    return functools.partial(
        SchemaBuilder.add_column, table_name=table, name=column.name, source=source_of(column.this),
        type=_type_as_written(column, chunk), nullable=not not_null, primary_key=primary_key, references=references)


def _type_as_written(column: exp.ColumnDef, chunk: str) -> str | None:
    """The column's type exactly as the migration spells it (sqlglot would
    normalise `integer` to INT); falls back to sqlglot's rendering."""
    kind = column.args.get("kind")
    end = column.this.meta.get("end") if column.this.meta else None
    if end is not None:
        rest = chunk[int(end) + 1:]
        # A quoted identifier's recorded end stops before the closing quote.
        if rest.startswith('"'):
            rest = rest[1:]
        depth = 0
        stop = len(rest)
        for index, char in enumerate(rest):
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    stop = index
                    break
                depth -= 1
            elif char == "," and depth == 0:
                stop = index
                break
        text = rest[:stop]
        match = _CONSTRAINT_WORDS.search(text)
        if match:
            text = text[:match.start()]
        text = " ".join(text.split())
        if text:
            return text
    return kind.sql(_DIALECT).lower() if isinstance(kind, exp.DataType) else None


def _reference_target(reference: exp.Expression | None) -> str | None:
    if not isinstance(reference, exp.Reference):
        return None
    target = reference.this
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        columns = [e.name for e in target.expressions]
        return f"{target.this.name}.{columns[0]}" if len(columns) == 1 else target.this.name
    if isinstance(target, exp.Table):
        return target.name
    return None


def apply_ops(builder: SchemaBuilder, ops: list[SchemaOp]) -> None:
    for op in ops:
        op(builder)
