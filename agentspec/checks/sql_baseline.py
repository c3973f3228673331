"""The repository's current schema, built in the throwaway database before the spec's SQL
runs (`draft --repo`, `check` of a grounded spec): the delta then executes on top of what
the repository's migrations and models leave, so a table created twice or a foreign key
to a column that does not exist fails with its name, as it would in production.

The tables come from the scanner (SQL and Prisma migrations applied in order, Alembic
revisions, ORM models), not from running the project's code. Types are kept when
PostgreSQL has them; a type only the project knows (a Prisma enum) becomes text, which
is all a delta on top of it needs. Foreign keys between existing tables are left out:
their rows are seeded, not their integrity."""

from __future__ import annotations

import re
from pathlib import Path

_PG_TYPES = re.compile(
    r"^(uuid|text|citext|varchar|character varying|char|character|integer|int|int2|int4|int8|bigint|smallint|serial|"
    r"bigserial|smallserial|numeric|decimal|real|double precision|float4|float8|boolean|bool|timestamp|timestamptz|"
    r"timestamp with time zone|timestamp without time zone|date|time|timetz|interval|json|jsonb|bytea|inet|cidr|money)"
    r"(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])?$", re.IGNORECASE)
_SERIAL = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def _type(written: str | None) -> str:
    text = (written or "").strip().strip('"')
    if not _PG_TYPES.match(text):
        return "text"
    return _SERIAL.get(text.lower(), text)  # the key's values are seeded, not generated


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def baseline_ddl(root: Path) -> dict[str, str]:
    """{table: CREATE TABLE statement} for every table the repository at `root` has."""
    from agentspec.repo import scan

    statements = {}
    for table in scan(root).tables:
        if not table.columns:
            continue
        columns = [f"{_quote(c.name)} {_type(c.type)}" + (" NOT NULL" if not c.nullable or c.name in table.primary_key else "")
                   for c in table.columns]
        if table.primary_key:
            columns.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in table.primary_key)})")
        statements[table.name] = f"CREATE TABLE {_quote(table.name)} ({', '.join(columns)})"
    return statements
