"""The schema's mapping in a Prisma repository's own stack (`draft --repo`): the models to add
to `schema.prisma`, written from the same table definitions as the DDL. `prisma migrate dev`
then writes the migration. Relations to a table the repository already has need a field on
its existing model too: Prisma requires both sides, and that model is the repository's, so
the field to add is listed beside it rather than the model written again."""

from __future__ import annotations

import re
from collections import Counter

from .database_schema import (
    Column,
    DatabaseSchema,
    all_columns,
    all_indexes,
    class_names,
    column_default,
    creation_order,
    foreign_keys,
)

# PostgreSQL type -> (Prisma scalar, native type attribute or "").
_PRISMA_TYPES = {
    "uuid": ("String", "@db.Uuid"), "text": ("String", ""), "varchar(50)": ("String", "@db.VarChar(50)"),
    "varchar(255)": ("String", "@db.VarChar(255)"), "char(3)": ("String", "@db.Char(3)"), "integer": ("Int", ""),
    "bigint": ("BigInt", ""), "smallint": ("Int", "@db.SmallInt"), "numeric(12,2)": ("Decimal", "@db.Decimal(12, 2)"),
    "double precision": ("Float", ""), "boolean": ("Boolean", ""), "timestamptz": ("DateTime", "@db.Timestamptz(6)"),
    "date": ("DateTime", "@db.Date"), "jsonb": ("Json", ""), "bytea": ("Bytes", ""), "inet": ("String", "@db.Inet"),
}
_ON_DELETE = {"CASCADE": "Cascade", "SET NULL": "SetNull", "RESTRICT": "Restrict"}


def uses_prisma(stack: list[str] | tuple[str, ...]) -> bool:
    return "orm prisma" in " ".join(stack).lower()


def _default(col: Column) -> str:
    value = column_default(col)
    if value is None:
        return ""
    if value == "gen_random_uuid()":
        return ' @default(dbgenerated("gen_random_uuid()"))'
    if value == "now()":
        return " @default(now())"
    if value in ("true", "false") or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return f" @default({value})"
    if value in ("'{}'", "'[]'"):  # a Json column's literal default
        return f' @default("{value[1:-1]}")'
    if value.startswith("'"):
        return f' @default("{value[1:-1]}")'
    return f' @default(dbgenerated("{value}"))'


def prisma_models(data: DatabaseSchema) -> str:
    classes = class_names(data)
    keys = foreign_keys(data)
    existing = {t.name for t in data.tables if t.existing}
    blocks: list[str] = ["// Prisma models for the integration tables (add to schema.prisma)"]
    # Two relations between the same pair of models need a name on both sides.
    pairs = Counter((fk.child, fk.parent) for fk in keys)
    named = {id(fk): f'"{fk.child}_{fk.column}"' for fk in keys if pairs[(fk.child, fk.parent)] > 1}
    back_fields: dict[str, list[str]] = {}
    for fk in keys:
        field = (fk.child if not fk.unique else classes[fk.child][0].lower() + classes[fk.child][1:]) \
            + (f"_by_{fk.column}" if id(fk) in named else "")
        back_fields.setdefault(fk.parent, []).append(
            f"  {field} {classes[fk.child]}{'?' if fk.unique else '[]'}" + (f" @relation({named[id(fk)]})" if id(fk) in named else ""))
    for tbl in creation_order(data):
        if tbl.existing:
            continue
        lines = [f"model {classes[tbl.name]} {{"]
        for col in all_columns(tbl):
            scalar, native = _PRISMA_TYPES[col.type]
            attrs = (" @id" if col.primary_key else "") + (" @unique" if col.unique and not col.primary_key else "") \
                + _default(col) + (f" {native}" if native else "")
            lines.append(f"  {col.name} {scalar}{'?' if col.nullable else ''}{attrs}")
        for fk in (k for k in keys if k.child == tbl.name):
            relation = fk.column[:-3] if fk.column.endswith("_id") and len(fk.column) > 3 else f"{fk.column}_ref"
            name = f"{named[id(fk)]}, " if id(fk) in named else ""
            lines.append(f"  {relation} {classes[fk.parent]}{'?' if fk.nullable else ''} @relation({name}fields: [{fk.column}], "
                         f"references: [{fk.parent_column}], onDelete: {_ON_DELETE[fk.on_delete]})")
        lines += back_fields.get(tbl.name, [])
        indexes = [f"  @@{'unique' if unique else 'index'}([{', '.join(cols)}], map: \"{name}\")"
                   for name, cols, unique in all_indexes(tbl, keys)]
        lines += (["", *indexes] if indexes else []) + [f'  @@map("{tbl.name}")', "}"]
        blocks.append("\n".join(lines))
    for parent in sorted(existing & set(back_fields)):
        blocks.append(f"// In the repository's existing model {classes[parent]} (table {parent}), add the other side:\n"
                      + "\n".join("// " + f.strip() for f in back_fields[parent]))
    return "\n\n".join(blocks)
