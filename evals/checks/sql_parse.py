"""Static half of the SQL check: sqlglot parsing plus PostgreSQL-specific lint.

sqlglot is lenient where PostgreSQL is not: it reads MySQL's inline
``INDEX name (col)`` inside CREATE TABLE as a column called INDEX with a
user-defined type. The template itself contains that mistake, so we flag it
here too, so the gate catches it even when no PostgreSQL server is at hand.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

SQL_LANGUAGES = ("sql", "postgresql", "postgres", "pgsql", "plpgsql")

# sqlglot logs "Falling back to parsing as a 'Command'" for valid statements
# it does not model (CREATE FUNCTION ... $$); that is not a finding.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SqlProblem:
    message: str
    line: int | None  # 1-based within the block


def parse_problems(sql: str) -> list[SqlProblem]:
    try:
        expressions = sqlglot.parse(sql, read="postgres", error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        problems = []
        for err in exc.errors or [{"description": str(exc), "line": None}]:
            near = err.get("highlight")
            suffix = f" near '{near}'" if near else ""
            problems.append(SqlProblem(f"sqlglot: {err.get('description')}{suffix}", err.get("line")))
        return problems
    except TokenError as exc:
        return [SqlProblem(f"sqlglot: {exc}", None)]
    return _lint(expressions)


_INLINE_INDEX_NAMES = {"INDEX", "KEY"}


def _lint(expressions: list[exp.Expression | None]) -> list[SqlProblem]:
    problems = []
    for expression in expressions:
        if not isinstance(expression, exp.Create) or not isinstance(expression.this, exp.Schema):
            continue
        table = expression.this.this
        for column in expression.this.find_all(exp.ColumnDef):
            ident = column.this
            if isinstance(ident, exp.Identifier) and not ident.quoted and ident.name.upper() in _INLINE_INDEX_NAMES:
                problems.append(
                    SqlProblem(
                        f"inline '{ident.name.upper()} {_type_name(column)}' inside CREATE TABLE "
                        f"{table.sql('postgres') if table else ''} is MySQL syntax; PostgreSQL needs a "
                        f"separate CREATE INDEX ... ON table (columns)",
                        ident.meta.get("line"),
                    )
                )
    return problems


def _type_name(column: exp.ColumnDef) -> str:
    kind = column.args.get("kind")
    text = kind.sql("postgres") if kind is not None else ""
    return re.sub(r"\(.*", "", text).lower()
