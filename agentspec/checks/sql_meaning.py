"""What the spec's migration and rollback do to seeded rows, and whether the design's
unique values are enforced (issue 14, "data, executed on seeded rows").

`Watch` is driven by sql_exec's phase loop: `seeded()` once the schema exists,
`before_statement()`/`after_statement()` around each migration statement, `migrated()`
after the last one, and `rolled_back()` at the end. Each finding names the statement,
the table and the row counts before and after, because that is what the author needs
to fix it. Findings do not stop execution: the rest of the SQL still runs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql as pgsql

from agentspec.checks import sql_seed
from agentspec.checks.sql_seed import Table, TableState


@dataclass(frozen=True)
class MeaningFailure:
    message: str
    statement_offset: int | None = None  # within the block being run, when a statement caused it


def quote(statement: str, limit: int = 70) -> str:
    flat = " ".join(line.split("--", 1)[0] for line in statement.splitlines())
    flat = " ".join(flat.split()).rstrip(";")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _says_it_empties(statement: str, table: str) -> bool:
    """DROP TABLE t / TRUNCATE t / DELETE FROM t with no WHERE: emptying t is what it says."""
    name = re.escape(table)
    return bool(re.search(rf"\b(drop\s+table(\s+if\s+exists)?|truncate(\s+table)?)\s+[\w.\"]*{name}\b", statement, re.I)
                or re.fullmatch(rf"\s*delete\s+from\s+[\w.\"]*{name}\s*;?\s*", statement, re.I))


@dataclass
class Watch:
    conn: psycopg.Connection
    unique_required: tuple[tuple[str, str], ...] = ()
    added: frozenset[tuple[str, str]] = frozenset()  # (table, column) the schema adds to an existing table
    notes: list[str] = field(default_factory=list)
    before_migration: dict[str, TableState] | None = None
    tables_before: dict[str, Table] = field(default_factory=dict)
    _statement_before: dict[str, TableState] = field(default_factory=dict)

    # ------------------------------------------------------------------ phases
    def seeded(self) -> None:
        result = sql_seed.seed(self.conn, added=self.added)
        self.notes += result.notes
        self.tables_before = sql_seed.catalog(self.conn)
        self.before_migration = sql_seed.states(self.conn, self.tables_before)
        total = sum(result.rows.values())
        self.notes.append(f"seeded {total} row(s) in {sum(1 for n in result.rows.values() if n)} of "
                          f"{len(result.rows)} table(s) once the schema existed (fixed seed {sql_seed.SEED})")

    def before_statement(self) -> None:
        self._statement_before = self._current_states()

    def after_statement(self, statement: str) -> list[MeaningFailure]:
        """A statement that emptied a table without saying so, or copied rows into a table they were already in."""
        failures = []
        after = self._current_states()
        for name, was in self._statement_before.items():
            now = after.get(name)
            if now is None:
                continue  # dropped: said by the statement itself
            if was.rows and not now.rows and not _says_it_empties(statement, name):
                failures.append(MeaningFailure(
                    f"migration statement `{quote(statement)}` emptied {name}: {was.rows} row(s) before, 0 after"))
            elif now.duplicates > was.duplicates:
                failures.append(MeaningFailure(
                    f"migration statement `{quote(statement)}` duplicated rows of {name}: {was.rows} row(s) before, "
                    f"{now.rows} after, {now.duplicates} identical to another row"))
        return failures

    def migrated(self) -> list[MeaningFailure]:
        """Every value the design says is unique is refused the second time."""
        failures = []
        tables = sql_seed.catalog(self.conn)
        for table_name, column in self.unique_required:
            table = tables.get(table_name)
            if table is None:
                self.notes.append(f"unique {table_name}.{column}: no table {table_name} in the SQL to test")
                continue
            if table.column(column) is None:
                failures.append(MeaningFailure(
                    f"the design says {table_name}.{column} is unique, but {table_name} has no column {column}"))
                continue
            outcome = self._duplicate_refused(table, column)
            if outcome is True:
                self.notes.append(f"unique {table_name}.{column}: a duplicate insert is refused")
            elif outcome is False:
                failures.append(MeaningFailure(
                    f"{table_name} accepted a second row with the same {column}: no unique constraint enforces "
                    f"what the design says is unique"))
            elif outcome is None and (column,) not in sql_seed.unique_column_sets(self.conn).get(table_name, []):
                failures.append(MeaningFailure(f"no unique index or constraint on {table_name}.{column}, which the "
                                               f"design says is unique"))
        return failures

    def rolled_back(self) -> list[MeaningFailure]:
        """The rollback returns every table to its state before the migration."""
        if self.before_migration is None:
            return []
        failures = []
        now_tables = set(sql_seed.table_names(self.conn))
        for name, was in self.before_migration.items():
            table = self.tables_before[name]
            if name not in now_tables:
                failures.append(MeaningFailure(f"after the rollback {name} is gone; it existed before the migration "
                                               f"with {was.rows} row(s)"))
                continue
            try:
                now = sql_seed.state(self.conn, table)
            except psycopg.Error as exc:
                failures.append(MeaningFailure(f"after the rollback {name} is not as before the migration: "
                                               f"{(exc.diag.message_primary or str(exc)).splitlines()[0]}"))
                continue
            if now.rows != was.rows:
                failures.append(MeaningFailure(f"the rollback did not restore {name}: {was.rows} row(s) before the "
                                               f"migration, {now.rows} after the rollback"))
            elif now.digest != was.digest:
                failures.append(MeaningFailure(f"the rollback did not restore {name}: same {now.rows} row(s), "
                                               f"different values than before the migration"))
        left = sorted(now_tables - set(self.before_migration))
        if left:
            failures.append(MeaningFailure(f"after the rollback the migration's table(s) remain: {', '.join(left)}"))
        return failures

    # ------------------------------------------------------------------ helpers
    def _current_states(self) -> dict[str, TableState]:
        return sql_seed.states(self.conn, sql_seed.catalog(self.conn))

    def _duplicate_refused(self, table: Table, column: str) -> bool | None:
        """True: the duplicate insert failed on a unique violation. False: it was accepted.
        None: it failed for another reason (a CHECK or a key the generator could not meet)."""
        rng = random.Random(sql_seed.SEED + 1)
        outcome: bool | None = None
        try:
            # Whatever happens inside, the transaction is rolled back: the rows the test adds
            # must not change what the rollback is compared with.
            with self.conn.transaction():
                existing = self._any_value(table, column, rng)
                values = sql_seed.row_values(self.conn, table, 50, rng) if existing is not None else None
                if values is not None:
                    values[column] = existing
                    try:
                        sql_seed.insert(self.conn, table, values)
                        outcome = False
                    except psycopg.errors.UniqueViolation:
                        outcome = True
                raise psycopg.Rollback()
        except psycopg.Error:
            return None
        return outcome

    def _any_value(self, table: Table, column: str, rng: random.Random) -> object | None:
        query = pgsql.SQL("SELECT {} FROM {} WHERE {} IS NOT NULL LIMIT 1").format(
            pgsql.Identifier(column), pgsql.Identifier(table.name), pgsql.Identifier(column))
        row = self.conn.execute(query).fetchone()
        if row is None:
            values = sql_seed.row_values(self.conn, table, 40, rng)
            if values is None or values.get(column) is None:
                return None
            sql_seed.insert(self.conn, table, values)
            row = (values[column],)
        return row[0]
