"""PostgreSQL helpers: reserved words, literals, index names, FK ordering, and a
strict statement check for model-written SQL (sqlglot, postgres dialect).

Every check raises ValueError with a message that tells the model how to fix
the statement, so instructor can re-ask with it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

# PostgreSQL 15 keywords of category R (reserved) and T (reserved, can be a
# function or type name): select word from pg_get_keywords() where catcode in ('R','T').
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    references returning right select session_user similar some symmetric system_user table
    tablesample then to trailing true union unique user using variadic verbose when where window
    with""".split()
)

MAX_IDENT = 63  # PostgreSQL truncates identifiers longer than NAMEDATALEN - 1

_PLACEHOLDER = re.compile(r"\[[A-Za-z][A-Za-z0-9_ /-]*\]|\{\{|\}\}|<[A-Z][A-Z_]+>")


def reserved_word_error(name: str, what: str) -> str | None:
    """A fix-it message when `name` is a PostgreSQL reserved word, else None."""
    if name.lower() not in RESERVED:
        return None
    suggestion = {"user": "users", "order": "orders", "group": "groups", "table": "tables"}.get(name.lower(), f"{name}_value")
    return f"{what} {name!r} is a reserved word in PostgreSQL; rename it (e.g. {suggestion!r})"


def ident(name: str) -> str:
    """A table or column name as PostgreSQL reads it. A reserved word is double-quoted: the
    feature's own tables never take one (reserved_word_error), but a repository's existing
    table may (full-stack-fastapi-template's SQLModel `User` is the table `user`)."""
    return f'"{name}"' if name.lower() in RESERVED else name


def _quote_reserved_tables(text: str) -> str:
    """A model-written statement that names a reserved-word table bare (`FROM user`) means that
    table, since the feature's tables never take one; PostgreSQL reads the bare word as the
    keyword, so the statement is written again with the name quoted. Other statements are kept
    as the model wrote them."""
    if not any(word in RESERVED for word in re.findall(r"[a-z_]+", text.lower())):
        return text
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except SqlglotError:
        return text  # check_statement reports the parse error
    tables = [t for t in tree.find_all(exp.Table) if t.name.lower() in RESERVED and not t.this.quoted]
    if not tables:
        return text
    for table in tables:
        table.set("this", exp.to_identifier(table.name, quoted=True))
    for column in tree.find_all(exp.Column):
        if column.table.lower() in RESERVED and not column.args["table"].quoted:
            column.set("table", exp.to_identifier(column.table, quoted=True))
    return tree.sql(dialect="postgres")


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def bounded_name(name: str) -> str:
    """Keep a generated identifier within 63 characters, stably."""
    if len(name) <= MAX_IDENT:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return name[: MAX_IDENT - 9].rstrip("_") + "_" + digest


def index_name(table: str, columns: Iterable[str], unique: bool = False) -> str:
    return bounded_name(("uq" if unique else "idx") + f"_{table}_" + "_".join(columns))


def dependency_order(nodes: Iterable[str], depends_on: Mapping[str, Iterable[str]]) -> list[str]:
    """Topological order (dependencies first, otherwise input order); self-edges
    ignored. Raises ValueError naming a cycle."""
    order: list[str] = []
    nodes = list(nodes)
    known = set(nodes)
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = path[path.index(node):] + [node]
            raise ValueError("foreign keys form a cycle " + " -> ".join(cycle))
        state[node] = 1
        for dep in depends_on.get(node, ()):
            if dep != node and dep in known:
                visit(dep, path + [node])
        state[node] = 2
        order.append(node)

    for node in nodes:
        visit(node, [])
    return order


# --- model-written statements ------------------------------------------------------

STATEMENT_KINDS = {
    "select": "SELECT",
    "insert": "INSERT",
    "update": "UPDATE",
    "delete": "DELETE",
    "create": "CREATE TABLE / CREATE INDEX",
    "alter": "ALTER TABLE",
    "drop": "DROP",
    "comment": "COMMENT ON",
    "merge": "MERGE",
}


def _kind(expression) -> str | None:  # type: ignore[no-untyped-def]
    from sqlglot import exp

    table = {
        exp.Select: "select",
        exp.Union: "select",
        exp.Insert: "insert",
        exp.Update: "update",
        exp.Delete: "delete",
        exp.Create: "create",
        exp.Alter: "alter",
        exp.Drop: "drop",
        exp.Comment: "comment",
        exp.Merge: "merge",
    }
    for cls, name in table.items():
        if isinstance(expression, cls):
            return name
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # sqlglot underlines the bad token for terminals
_UPDATE_FROM_ON = re.compile(r"^(UPDATE\s.+?\sFROM\s+[A-Za-z_][\w.]*(?:\s+(?:AS\s+)?[A-Za-z_]\w*)?)\s+ON\s+", re.I | re.S)


def _update_from_on_to_where(text: str) -> str:
    """`UPDATE a SET ... FROM b ON a.x = b.y` is a JOIN written into an UPDATE;
    PostgreSQL's form is `FROM b WHERE a.x = b.y` — one meaning, so rewritten."""
    if re.search(r"\bWHERE\b", text, re.I):
        return text
    return _UPDATE_FROM_ON.sub(r"\1 WHERE ", text, count=1)


_COUNT = r"COUNT\(\*\)\s+FROM\s+[A-Za-z_][\w.]*"
_COUNT_COMPARISON = re.compile(rf"^SELECT\s+({_COUNT})\s*(=|<>|!=|<=|>=|<|>)\s*({_COUNT})$", re.I | re.S)
_PK_SHORTHAND = re.compile(r"(?<=[\s,(])PK(?=\s*[,)])")


def _one_meaning_slips(text: str) -> str:
    """Slips a small model makes that have one meaning in PostgreSQL, rewritten
    rather than re-asked (measured on recorded data_migration answers):
    - `SELECT COUNT(*) FROM a = COUNT(*) FROM b` compares two counts:
      `SELECT (SELECT COUNT(*) FROM a) = (SELECT COUNT(*) FROM b)`;
    - `id uuid PK` in a CREATE TABLE column list is `id uuid PRIMARY KEY`."""
    text = _update_from_on_to_where(text)
    compared = _COUNT_COMPARISON.match(text)
    if compared:
        text = f"SELECT (SELECT {compared.group(1)}) {compared.group(2)} (SELECT {compared.group(3)})"
    if re.match(r"^CREATE\s+TABLE\b", text, re.I):
        text = _PK_SHORTHAND.sub("PRIMARY KEY", text)
    return text


def check_statement(sql: str, allowed: Iterable[str]) -> str:
    """Validate one model-written PostgreSQL statement and return it normalised
    (trimmed, no trailing semicolon). `allowed` names kinds from STATEMENT_KINDS."""
    import logging

    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    allowed = tuple(allowed)
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise ValueError("empty SQL statement; write one complete PostgreSQL statement")
    hole = _PLACEHOLDER.search(text)
    if hole:
        raise ValueError(f"SQL contains a placeholder {hole.group(0)!r}; write real table and column names")
    if "--" in text or "/*" in text:
        raise ValueError("no SQL comments (-- or /* */) inside statements; put the explanation in the description")
    text = _quote_reserved_tables(_one_meaning_slips(text))
    head = text.split(None, 2)
    first = head[0].upper()
    if first in {"BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SAVEPOINT"}:
        raise ValueError(
            f"do not write {first} statements: the script is wrapped in BEGIN; ... COMMIT; for you "
            "(and BEGIN TRANSACTION is T-SQL, not PostgreSQL)"
        )
    if first in {"DO", "DECLARE", "IF", "RAISE"}:
        raise ValueError("write plain SQL, not procedural code (DO/IF/RAISE); checks are wrapped in DO blocks for you")
    if first == "GO" or re.search(r"\bGO\s*$|\bIDENTITY\s*\(|\bNVARCHAR\b|\bGETDATE\s*\(|\bTOP\s+\d", text, re.I):
        raise ValueError("this is T-SQL; write PostgreSQL (e.g. now() not GETDATE(), text not NVARCHAR, LIMIT not TOP)")
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # the Command fallback warning is handled below
    try:
        statements = [s for s in sqlglot.parse(text, read="postgres") if s is not None]
    except SqlglotError as exc:
        detail = " ".join(_ANSI.sub("", str(exc)).split())[:200]
        raise ValueError(f"SQL does not parse as PostgreSQL: {detail}; statement: {text[:120]}") from None
    finally:
        logger.setLevel(previous)
    if len(statements) != 1:
        raise ValueError(f"write exactly one SQL statement per item (found {len(statements)}); split them into separate items")
    statement = statements[0]
    if isinstance(statement, exp.Command):
        raise ValueError(
            f"unsupported or invalid PostgreSQL statement starting {text[:40]!r}; use plain "
            + ", ".join(STATEMENT_KINDS[k] for k in allowed)
        )
    kind = _kind(statement)
    if kind not in allowed:
        raise ValueError(
            f"a {first} statement is not allowed here; use " + ", ".join(STATEMENT_KINDS[k] for k in allowed)
        )
    if isinstance(statement, exp.Create):
        created = str(statement.args.get("kind", "")).upper()
        if created not in {"TABLE", "INDEX", "VIEW"}:
            raise ValueError(f"CREATE {created} is not allowed here; only CREATE TABLE, CREATE INDEX or CREATE VIEW")
    if re.search(r"\bCONCURRENTLY\b", text, re.I):
        raise ValueError("CONCURRENTLY cannot run inside the migration transaction; use plain CREATE INDEX / DROP INDEX")
    if "$$" in text:
        raise ValueError("do not use dollar-quoted ($$) bodies; write one plain SQL statement")
    if isinstance(statement, exp.Create) and str(statement.args.get("kind", "")).upper() == "TABLE":
        for column in statement.find_all(exp.ColumnDef):
            if column.name.upper() in {"INDEX", "KEY"}:
                raise ValueError(
                    "PostgreSQL has no inline INDEX/KEY inside CREATE TABLE; "
                    "write a separate CREATE INDEX name ON table (column) statement"
                )
    if isinstance(statement, exp.Select) and not isinstance(statement, exp.Union):
        if not statement.expressions:
            raise ValueError("the SELECT has no result column")
    return text


def check_boolean_query(sql: str) -> str:
    """A validation query: one SELECT returning a single boolean column."""
    from sqlglot import exp
    import sqlglot

    text = check_statement(sql, ["select"])
    statement = sqlglot.parse_one(text, read="postgres")
    example = "e.g. SELECT count(*) = 0 FROM invoices WHERE customer_id IS NULL"
    if not isinstance(statement, exp.Select) or len(statement.expressions) != 1 or isinstance(statement.expressions[0], exp.Star):
        raise ValueError(f"a check must be one SELECT returning a single boolean, {example}")
    if statement.find(exp.Table) is None:
        raise ValueError(f"a check must read the data it verifies (SELECT ... FROM table ...), {example}")
    return text


def referenced_tables(sql: str) -> set[str]:
    """Names of the tables a statement reads or writes (CTE names excluded);
    empty when it does not parse (the statement checks report that)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return set()
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}
