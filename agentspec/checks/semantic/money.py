"""Money as the spine stores it: the columns a CREATE or ALTER TABLE declares
against the spine's money representation for that table (integer minor units
or a decimal, beside a currency). Its own module because it is the one rule
that parses SQL (sqlglot)."""

from __future__ import annotations

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import _ALTER_TABLE, _CREATE_TABLE, Context, Line, Outcome

# --------------------------------------------------------------------- money as the spine stores it

_NOT_INTEGER = {"DECIMAL", "NUMERIC", "FLOAT", "DOUBLE", "REAL", "MONEY", "DOUBLE PRECISION", "FLOAT4", "FLOAT8"}
_FLOATING = {"FLOAT", "DOUBLE", "REAL", "MONEY", "DOUBLE PRECISION", "FLOAT4", "FLOAT8"}


def _table_columns(ctx: Context) -> dict[str, list[tuple[Line, str, str]]]:
    """Table -> (line, column, SQL type) for every column a CREATE TABLE or ALTER TABLE ... ADD COLUMN declares."""
    import sqlglot
    from sqlglot import exp

    columns: dict[str, list[tuple[Line, str, str]]] = {}
    for line, statement in ctx.sql:
        if not (_CREATE_TABLE.match(statement) or _ALTER_TABLE.match(statement)):
            continue
        try:
            tree = sqlglot.parse_one(statement, read="postgres")
        except sqlglot.errors.SqlglotError:
            continue  # the sql check reports what does not parse
        table = tree.find(exp.Table)
        if table is None:
            continue
        for column in tree.find_all(exp.ColumnDef):
            kind = column.args.get("kind")
            if kind is not None:
                columns.setdefault(table.name.lower(), []).append((line, column.name.lower(), kind.this.value.upper()))
    return columns


def money_representation(ctx: Context) -> Outcome:
    """The spine says how a table stores money: integer minor units or a decimal, each
    beside a currency column. A schema that stores the spine's minor units in NUMERIC,
    money in a float, or amounts without a currency contradicts it."""
    out = Outcome()
    declared = _table_columns(ctx)
    for entity in ctx.spine.entities:
        if entity.money == "none" or entity.table.lower() not in declared:
            continue
        out.checked += 1
        columns = declared[entity.table.lower()]
        wrong = _FLOATING if entity.money == "decimal_with_currency" else _NOT_INTEGER
        said = "integer minor units" if entity.money == "integer_minor_units_with_currency" else "a decimal, never a float"
        for line, name, kind in columns:
            if kind in wrong:
                out.findings.append(Finding(line.h2, f"money: the design spine stores {entity.table}'s amounts as {said}, "
                                                     f"but {entity.table}.{name} is {kind}", line.number))
        if not any("currency" in name for _, name, _ in columns):
            line = columns[0][0]
            out.findings.append(Finding(line.h2, f"money: the design spine stores {entity.table}'s amounts with a currency, "
                                                 f"but {entity.table} has no currency column", line.number))
    return out
