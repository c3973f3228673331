"""Seeded rows for the executing SQL check: what the migration and rollback do to data.

Parsing and creating tables proves form. A reviewer runs a migration on rows: the
recorded README draft's migration copied `stripe_invoices` into itself (3 rows became
6) and its rollback deleted `WHERE customer_id IS NOT NULL` on a NOT NULL column,
which empties the table. Both created every table without an error.

After the schema phase every table gets a few rows that satisfy its constraints
(types, foreign keys in dependency order, unique columns, CHECK lists, enums), from a
fixed seed so a run is repeatable. The caller then counts rows around each migration
statement, compares the state after the rollback with the state before the
migration, and inserts a duplicate of each value the design says is unique.

Values come from the column's type and name, never from the spec's text. A table
that cannot be seeded (a CHECK the generator cannot satisfy) is reported as a note
and left out of the comparisons, not counted as the spec's failure.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

ROWS_PER_TABLE = 3
SEED = 20261204
_ATTEMPTS = 8

_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' OR a.attgenerated <> '', t.typtype, a.atttypid
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

_CONSTRAINTS = """
SELECT c.relname, con.contype, con.conname, pg_get_constraintdef(con.oid), coalesce(f.relname, ''),
       array(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.num ORDER BY k.ord),
       array(SELECT attname FROM unnest(coalesce(con.confkey, '{}')) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.num ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class f ON f.oid = con.confrelid
WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f', 'c')
"""

_UNIQUE_INDEXES = """
SELECT t.relname, array(SELECT attname FROM unnest(i.indkey) k(num) JOIN pg_attribute ON attrelid = i.indrelid AND attnum = k.num)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND i.indisunique
"""


@dataclass
class Column:
    name: str
    type: str  # format_type(), e.g. "character varying(255)", "numeric(12,2)"
    not_null: bool
    default: str | None
    generated: bool  # identity or GENERATED ALWAYS
    enum_labels: tuple[str, ...] = ()


@dataclass
class Table:
    name: str
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(default_factory=list)
    check_values: dict[str, list[str]] = field(default_factory=dict)  # column -> literals a CHECK allows

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def filled(self) -> list[Column]:
        """Columns a seeded row gives: not the ones the database generates itself."""
        return [c for c in self.columns if not c.generated and not (c.default and "nextval(" in c.default)]


def catalog(conn: psycopg.Connection) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    enums: dict[int, tuple[str, ...]] = {}
    for relname, attname, typ, not_null, default, generated, typtype, typoid in conn.execute(_COLUMNS):
        if typtype == "e" and typoid not in enums:
            enums[typoid] = tuple(r[0] for r in conn.execute(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (typoid,)))
        tables.setdefault(relname, Table(relname)).columns.append(
            Column(attname, typ, not_null, default, bool(generated), enums.get(typoid, ())))
    for relname, kind, _name, definition, target, columns, target_columns in conn.execute(_CONSTRAINTS):
        table = tables.get(relname)
        if table is None:
            continue
        if kind == "p":
            table.primary_key = tuple(columns)
        elif kind == "f":
            table.foreign_keys.append((tuple(columns), target, tuple(target_columns)))
        elif kind == "c":
            for column in columns:
                allowed = _allowed_literals(definition)
                if allowed:
                    table.check_values[column] = allowed
    return tables


def unique_column_sets(conn: psycopg.Connection) -> dict[str, list[tuple[str, ...]]]:
    """{table: [column sets a unique index or constraint enforces]} (primary keys included)."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for relname, columns in conn.execute(_UNIQUE_INDEXES):
        found.setdefault(relname, []).append(tuple(columns))
    return found


def _allowed_literals(definition: str) -> list[str]:
    """'draft', 'open' from `CHECK ((status = ANY (ARRAY['draft'::text, 'open'::text])))` or an IN list."""
    if not re.search(r"ANY \(|\bIN \(", definition):
        return []
    return re.findall(r"'((?:[^']|'')*)'", definition)


# ----------------------------------------------------------------------------- values
_BASE_TIME = "2026-01-0{day} 10:0{minute}:00+00"


def candidates(table: Table, column: Column, index: int, rng: random.Random) -> list[Any]:
    """Values to try for one column of row `index`, best guess first; each distinct per row
    where the type allows, so unique columns hold."""
    if table.check_values.get(column.name):
        allowed = table.check_values[column.name]
        return [allowed[(index + k) % len(allowed)] for k in range(len(allowed))]
    if column.enum_labels:
        labels = column.enum_labels
        return [labels[(index + k) % len(labels)] for k in range(len(labels))]
    typ, name = column.type.lower(), column.name.lower()
    n = index + 1
    if typ.endswith("[]"):
        return ["{}"]
    if typ in ("smallint", "integer", "bigint") or typ.startswith(("int", "serial", "bigserial")):
        return [n, n * 100, 0]
    if typ.startswith(("numeric", "decimal", "real", "double", "money")):
        return [f"{n * 10}.50", str(n), "0"]
    if typ == "boolean":
        return [index % 2 == 0, index % 2 == 1]
    if typ == "uuid":
        return [str(uuid.UUID(int=rng.getrandbits(128), version=4))]
    if typ.startswith(("timestamp", "date", "time ")) or typ == "time":
        stamp = _BASE_TIME.format(day=min(n, 9), minute=min(index, 9))
        return [stamp if typ.startswith("timestamp") else stamp[:10] if typ == "date" else stamp[11:19]]
    if typ == "interval":
        return [f"{n} hours"]
    if typ in ("json", "jsonb"):
        return [f'{{"seed": {n}}}']
    if typ == "bytea":
        return [f"\\x{n:02x}"]
    if typ in ("inet", "cidr"):
        return [f"10.0.0.{n}"]
    if typ.startswith(("character", "text", "citext", "varchar", "char")) or typ == '"char"':
        return _text_candidates(name, n, _length(typ))
    return []


def _length(typ: str) -> int | None:
    found = re.search(r"\((\d+)\)", typ)
    return int(found.group(1)) if found else (1 if typ in ("character", "char", '"char"') else None)


def _text_candidates(name: str, n: int, length: int | None) -> list[str]:
    if "currency" in name:
        values = ["usd", "USD", "eur", "EUR"]
    elif "email" in name:
        values = [f"user{n}@example.com"]
    elif "url" in name or "uri" in name:
        values = [f"https://example.com/{n}"]
    elif "country" in name:
        values = ["US", "us"]
    else:
        values = [f"{name}_{n}", f"{name[:1]}{n}", str(n)]
    return [v[:length] if length else v for v in values]


# ----------------------------------------------------------------------------- seeding
@dataclass
class Seeded:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    notes: list[str] = field(default_factory=list)  # tables that could not be seeded, and why


def _order(tables: dict[str, Table]) -> list[Table]:
    """Parents before children (foreign keys); a cycle keeps the catalog's order."""
    ordered: list[Table] = []
    placed: set[str] = set()
    pending = sorted(tables.values(), key=lambda t: t.name)
    while pending:
        ready = [t for t in pending if all(target in placed or target == t.name or target not in tables
                                           for _, target, _ in t.foreign_keys)] or pending[:1]
        for table in ready:
            ordered.append(table)
            placed.add(table.name)
        pending = [t for t in pending if t.name not in placed]
    return ordered


def added_columns(sql: str) -> frozenset[tuple[str, str]]:
    """(table, column) for each `ALTER TABLE t ADD [COLUMN] c` of the schema: a column the
    release adds to a table that already holds rows."""
    found = re.finditer(r"alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?[\w\"]*?\.?\"?(\w+)\"?\s+add\s+(?:column\s+)?"
                        r"(?:if\s+not\s+exists\s+)?\"?(\w+)\"?", sql, re.I)
    return frozenset((m.group(1).lower(), m.group(2).lower()) for m in found if m.group(2).lower() != "constraint")


def row_values(conn: psycopg.Connection, table: Table, index: int, rng: random.Random,
               attempt: int = 0, added: frozenset[tuple[str, str]] = frozenset()) -> dict[str, Any] | None:
    """One row for `table`: foreign keys point at the parents' rows, the rest by type.
    `attempt` moves the columns with several candidates on to their next one."""
    values: dict[str, Any] = {}
    for columns, target, target_columns in table.foreign_keys:
        if target == table.name:
            continue  # self reference: left NULL where allowed
        parent_rows = conn.execute(pgsql.SQL("SELECT {} FROM {} ORDER BY 1").format(
            pgsql.SQL(", ").join(map(pgsql.Identifier, target_columns)), pgsql.Identifier(target))).fetchall()
        if parent_rows:
            values.update(zip(columns, parent_rows[index % len(parent_rows)], strict=False))
    for column in table.filled():
        if column.name in values:
            continue
        if (table.name, column.name) in added and not column.not_null:
            # Rows from before the release have no value in a column it adds: the migration's
            # backfill gives them one, and its rollback may clear it again (the 12-04 check
            # seeded such columns and called a correct rollback wrong).
            continue
        options = candidates(table, column, index, rng)
        if options:
            values[column.name] = options[attempt % len(options)]
        elif column.not_null and column.default is None:
            return None  # a type the generator does not know, and no default to fall back on
    return values


def insert(conn: psycopg.Connection, table: Table, values: dict[str, Any]) -> None:
    types = {c.name: c.type for c in table.columns}
    conn.execute(pgsql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        pgsql.Identifier(table.name),
        pgsql.SQL(", ").join(pgsql.Identifier(c) for c in values),
        pgsql.SQL(", ").join(pgsql.SQL("{}::{}").format(pgsql.Literal(v), pgsql.SQL(types[c])) for c, v in values.items())))


def seed(conn: psycopg.Connection, rows_per_table: int = ROWS_PER_TABLE,
         added: frozenset[tuple[str, str]] = frozenset()) -> Seeded:
    """Insert rows into every table (autocommit connection); each row is tried a few times."""
    rng = random.Random(SEED)
    result = Seeded()
    tables = catalog(conn)
    for table in _order(tables):
        inserted, last_error = 0, ""
        for index in range(rows_per_table):
            for attempt in range(_ATTEMPTS):
                values = row_values(conn, table, index, rng, attempt, added)
                if values is None:
                    last_error = "a column type the seeder cannot fill"
                    break
                try:
                    insert(conn, table, values)
                    inserted += 1
                    break
                except psycopg.Error as exc:
                    last_error = (exc.diag.message_primary or str(exc)).splitlines()[0]
        result.rows[table.name] = inserted
        if inserted == 0:
            result.notes.append(f"could not seed {table.name}: {last_error}")
    return result


# ----------------------------------------------------------------------------- state
@dataclass(frozen=True)
class TableState:
    rows: int
    duplicates: int  # rows equal to another row in every column the database does not generate
    digest: str  # of the rows' filled columns, order-independent


def state(conn: psycopg.Connection, table: Table) -> TableState:
    columns = [c.name for c in table.filled()] or [c.name for c in table.columns]
    row = pgsql.SQL("jsonb_build_array({})").format(pgsql.SQL(", ").join(map(pgsql.Identifier, columns)))
    query = pgsql.SQL("SELECT count(*), count(*) - count(DISTINCT {row}), "
                      "coalesce(md5(string_agg({row}::text, ',' ORDER BY {row}::text)), '') FROM {table}").format(
        row=row, table=pgsql.Identifier(table.name))
    rows, duplicates, digest = conn.execute(query).fetchone()
    return TableState(rows, duplicates, digest)


def states(conn: psycopg.Connection, tables: dict[str, Table]) -> dict[str, TableState]:
    return {name: state(conn, table) for name, table in tables.items()}


def table_names(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1")]


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row counts of every table now in the schema (small, seeded tables)."""
    return {name: conn.execute(pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(name))).fetchone()[0]
            for name in table_names(conn)}
