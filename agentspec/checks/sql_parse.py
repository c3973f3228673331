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
    return _unparsed(expressions) + _lint(expressions)


# sqlglot turns a statement it cannot parse into a generic exp.Command when it
# starts with a keyword it knows (CREATE, ALTER, DO, ...), so `CREATE TABL x`
# "parses". A Command is accepted only when it reads as a PostgreSQL command:
# a known top-level keyword, and for CREATE/ALTER/DROP a known object kind.
_PG_COMMANDS = frozenset("""
    ABORT ALTER ANALYZE BEGIN CALL CHECKPOINT CLOSE CLUSTER COMMENT COMMIT COPY CREATE DEALLOCATE DECLARE
    DELETE DISCARD DO DROP END EXECUTE EXPLAIN FETCH GRANT IMPORT INSERT LISTEN LOAD LOCK MERGE MOVE NOTIFY
    PREPARE REASSIGN REFRESH REINDEX RELEASE RESET REVOKE ROLLBACK SAVEPOINT SECURITY SELECT SET SHOW START
    TABLE TRUNCATE UNLISTEN UPDATE VACUUM VALUES WITH
""".split())
_DDL_COMMANDS = frozenset({"CREATE", "ALTER", "DROP"})
# Words that may come between CREATE/ALTER/DROP and the object kind.
_DDL_MODIFIERS = frozenset({"OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "UNIQUE", "GLOBAL", "LOCAL",
                            "RECURSIVE", "CONSTRAINT", "TRUSTED", "PROCEDURAL", "DEFAULT"})
_PG_OBJECT_KINDS = frozenset("""
    ACCESS AGGREGATE CAST COLLATION CONVERSION DATABASE DOMAIN EVENT EXTENSION FOREIGN FUNCTION GROUP INDEX
    LANGUAGE LARGE MATERIALIZED OPERATOR OWNED POLICY PRIVILEGES PROCEDURE PUBLICATION ROLE ROUTINE RULE SCHEMA
    SEQUENCE SERVER STATISTICS SUBSCRIPTION SYSTEM TABLE TABLESPACE TEXT TRANSFORM TRIGGER TYPE USER VIEW
""".split())
# Bare expressions at statement level (`FOO BAR;` reads as a column alias).
_NOT_STATEMENTS = (exp.Alias, exp.Column, exp.Identifier, exp.Literal, exp.Binary, exp.Paren)


def _command_problem(command: exp.Command) -> str | None:
    keyword = str(command.this or "").upper()
    rest = command.args.get("expression")
    words = re.findall(r"[A-Za-z_]+", rest.name if isinstance(rest, exp.Expression) else str(rest or ""))
    statement = " ".join([keyword, *words[:3]]).strip()
    if keyword not in _PG_COMMANDS:
        return f"'{statement}' is not a PostgreSQL statement"
    if keyword in _DDL_COMMANDS:
        kind = next((w.upper() for w in words if w.upper() not in _DDL_MODIFIERS), "")
        if kind not in _PG_OBJECT_KINDS:
            return f"'{keyword} {kind}' is not a PostgreSQL statement (unknown object type {kind or '(none)'!r})"
    return None


def _unparsed(expressions: list[exp.Expression | None]) -> list[SqlProblem]:
    problems = []
    for expression in expressions:
        if isinstance(expression, exp.Command):
            message = _command_problem(expression)
            if message:
                problems.append(SqlProblem(f"does not parse: {message}", expression.meta.get("line")))
        elif isinstance(expression, _NOT_STATEMENTS):
            text = expression.sql("postgres")[:60]
            problems.append(SqlProblem(f"does not parse: '{text}' is not a SQL statement", expression.meta.get("line")))
    return problems


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
