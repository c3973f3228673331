"""Replaying schema changes (create/alter/drop) into the tables they leave behind.

SQL migrations, Alembic revisions and Prisma migrations all describe a schema
as a history of changes; each source module turns its syntax into calls on a
`SchemaBuilder`, and the builder keeps only the resulting state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentspec.repo.context import Column, Source, Table, TableOrigin


@dataclass
class _ColumnState:
    name: str
    type: str | None
    nullable: bool
    primary_key: bool
    references: str | None
    source: Source


@dataclass
class _TableState:
    name: str
    db_schema: str | None
    source: Source
    columns: dict[str, _ColumnState] = field(default_factory=dict)  # insertion order = column order
    primary_key: list[str] = field(default_factory=list)


class SchemaBuilder:
    """The tables of one origin (one migration folder, one schema file...)."""

    def __init__(self, origin: TableOrigin, label: str) -> None:
        self.origin = origin
        self.label = label  # folder or file, for ordering and messages
        self._tables: dict[str, _TableState] = {}

    # Postgres folds unquoted names to lower case, so a later ALTER may spell
    # the name differently from the CREATE; fall back to a case-blind lookup.
    def _find(self, name: str) -> _TableState | None:
        if name in self._tables:
            return self._tables[name]
        folded = name.casefold()
        return next((t for key, t in self._tables.items() if key.casefold() == folded), None)

    @staticmethod
    def _find_column(table: _TableState, name: str) -> _ColumnState | None:
        if name in table.columns:
            return table.columns[name]
        folded = name.casefold()
        return next((c for key, c in table.columns.items() if key.casefold() == folded), None)

    def create_table(self, name: str, source: Source, *, db_schema: str | None = None) -> None:
        # CREATE TABLE of an existing name (e.g. after a DROP we missed) starts over.
        self._tables[name] = _TableState(name=name, db_schema=db_schema, source=source)

    def has_table(self, name: str) -> bool:
        return self._find(name) is not None

    def drop_table(self, name: str) -> None:
        table = self._find(name)
        if table is not None:
            del self._tables[table.name]

    def rename_table(self, old: str, new: str) -> None:
        table = self._find(old)
        if table is not None:
            del self._tables[table.name]
            table.name = new
            self._tables[new] = table

    def add_column(self, table_name: str, name: str, source: Source, *, type: str | None = None,
                   nullable: bool = True, primary_key: bool = False, references: str | None = None) -> None:
        table = self._find(table_name)
        if table is None:
            # ALTER of a table created elsewhere (another folder, a dump we skipped):
            # keep the column anyway, anchored where we first saw the table.
            self.create_table(table_name, source)
            table = self._tables[table_name]
        table.columns[name] = _ColumnState(name=name, type=type, nullable=nullable and not primary_key,
                                           primary_key=primary_key, references=references, source=source)
        if primary_key and name not in table.primary_key:
            table.primary_key.append(name)

    def drop_column(self, table_name: str, name: str) -> None:
        table = self._find(table_name)
        if table is None:
            return
        column = self._find_column(table, name)
        if column is not None:
            del table.columns[column.name]
            if column.name in table.primary_key:
                table.primary_key.remove(column.name)

    def rename_column(self, table_name: str, old: str, new: str) -> None:
        table = self._find(table_name)
        column = self._find_column(table, old) if table else None
        if table is None or column is None:
            return
        # Rebuild the dict to keep the column in its place.
        table.columns = {(new if key == column.name else key): col for key, col in table.columns.items()}
        table.primary_key = [new if key == column.name else key for key in table.primary_key]
        column.name = new

    def alter_column(self, table_name: str, name: str, *, nullable: bool | None = None,
                     type: str | None = None) -> None:
        table = self._find(table_name)
        column = self._find_column(table, name) if table else None
        if column is None:
            return
        if nullable is not None:
            column.nullable = nullable
        if type is not None:
            column.type = type

    def set_primary_key(self, table_name: str, columns: list[str]) -> None:
        table = self._find(table_name)
        if table is None:
            return
        table.primary_key = []
        for name in columns:
            column = self._find_column(table, name)
            if column is not None:
                column.primary_key = True
                column.nullable = False
                table.primary_key.append(column.name)
            else:
                table.primary_key.append(name)

    def set_reference(self, table_name: str, column_name: str, target: str) -> None:
        table = self._find(table_name)
        column = self._find_column(table, column_name) if table else None
        if column is not None:
            column.references = target

    def tables(self) -> list[Table]:
        out = []
        for state in self._tables.values():
            columns = [Column(name=c.name, type=c.type, nullable=c.nullable, primary_key=c.primary_key,
                              references=c.references, source=c.source) for c in state.columns.values()]
            out.append(Table(name=state.name, db_schema=state.db_schema, columns=columns,
                             primary_key=list(state.primary_key), origin=self.origin, source=state.source))
        return out


# Migrations describe the database as deployed, so they outrank models that
# describe what the code expects; among migrations, plain SQL is the most literal.
ORIGIN_PRECEDENCE: dict[str, int] = {
    "sql_migrations": 0,
    "prisma_migrations": 1,
    "alembic": 2,
    "prisma_schema": 3,
    "orm_model": 4,
}


def merge_tables(builders: list[SchemaBuilder]) -> list[Table]:
    """One table per name: the highest-precedence origin wins, the others are cited."""
    ordered = sorted(builders, key=lambda b: (ORIGIN_PRECEDENCE[b.origin], b.label))
    chosen: dict[str, Table] = {}
    for builder in ordered:
        for table in builder.tables():
            key = table.name.casefold()
            if key in chosen:
                chosen[key].also_declared_in.append(table.source)
            else:
                chosen[key] = table
    return sorted(chosen.values(), key=lambda t: (t.name.casefold(), t.name))
