"""Tables from a Prisma schema (schema.prisma): models, fields, @id, @map/@@map.

Prisma's schema language is line-oriented and small, so a line parser is
enough and avoids a grammar dependency. Relation fields (typed by another
model) are not columns; their @relation(fields: [...], references: [...])
marks the scalar column that holds the foreign key instead. Types are mapped
to the PostgreSQL types `prisma migrate` would create, or to the native type
an @db.* attribute names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agentspec.repo.context import Source
from agentspec.repo.facts import Facts
from agentspec.repo.schema_state import SchemaBuilder

_BLOCK_START = re.compile(r"^\s*(model|enum|type|view|datasource|generator)\s+(\w+)\s*\{")
_FIELD = re.compile(r"^\s*(\w+)\s+([\w.]+(?:\([^)]*\))?)(\[\])?(\?)?\s*(.*)$")
_MAP = re.compile(r'@map\(\s*(?:name:\s*)?"([^"]+)"')
_BLOCK_MAP = re.compile(r'@@map\(\s*(?:name:\s*)?"([^"]+)"')
_BLOCK_ID = re.compile(r"@@id\(\s*(?:fields:\s*)?\[([^\]]*)\]")
_NATIVE = re.compile(r"@db\.(\w+)(?:\(([^)]*)\))?")
_RELATION_FIELDS = re.compile(r"fields:\s*\[([^\]]*)\]")
_RELATION_REFS = re.compile(r"references:\s*\[([^\]]*)\]")
_ENV_CALL = re.compile(r'\benv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)')  # url = env("DATABASE_URL")

# Prisma scalar -> PostgreSQL column type created by `prisma migrate`.
SCALAR_TYPES = {
    "String": "text",
    "Int": "integer",
    "BigInt": "bigint",
    "Float": "double precision",
    "Decimal": "decimal(65,30)",
    "Boolean": "boolean",
    "DateTime": "timestamp(3)",
    "Json": "jsonb",
    "Bytes": "bytea",
}

NATIVE_TYPES = {
    "VarChar": "varchar", "Char": "char", "Text": "text", "Uuid": "uuid", "Integer": "integer",
    "SmallInt": "smallint", "BigInt": "bigint", "Real": "real", "DoublePrecision": "double precision",
    "Decimal": "decimal", "Money": "money", "Boolean": "boolean", "Timestamp": "timestamp",
    "Timestamptz": "timestamptz", "Date": "date", "Time": "time", "Timetz": "timetz", "Json": "json",
    "JsonB": "jsonb", "ByteA": "bytea", "Inet": "inet", "Citext": "citext", "Xml": "xml", "Bit": "bit",
    "VarBit": "varbit", "Oid": "oid",
}


@dataclass
class _Field:
    name: str
    column: str
    type_name: str
    is_list: bool
    optional: bool
    attributes: str
    line: int


@dataclass
class _Model:
    name: str
    table: str
    line: int
    fields: list[_Field] = field(default_factory=list)
    block_attributes: list[str] = field(default_factory=list)


def _strip_comment(line: str) -> str:
    # `//` starts a comment unless it is inside a string (e.g. a URL default).
    in_string = False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            in_string = not in_string
        elif char == "/" and not in_string and line.startswith("//", index):
            return line[:index]
    return line


def parse_prisma_schema(text: str, rel: str, facts: Facts, builder: SchemaBuilder) -> None:
    models: dict[str, _Model] = {}
    enums: set[str] = set()
    current: _Model | None = None
    in_other_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        for env_name in _ENV_CALL.findall(line):
            facts.env_read(env_name, Source(path=rel, line=number))
        if current is None and not in_other_block:
            start = _BLOCK_START.match(line)
            if start:
                kind, name = start.groups()
                if kind == "model":
                    current = models[name] = _Model(name=name, table=name, line=number)
                else:
                    if kind == "enum":
                        enums.add(name)
                    in_other_block = True
                if line.endswith("}"):  # one-line block
                    current, in_other_block = None, False
            continue
        if line.startswith("}"):
            current, in_other_block = None, False
            continue
        if current is None:
            continue
        if line.startswith("@@"):
            current.block_attributes.append(line)
            mapped = _BLOCK_MAP.search(line)
            if mapped:
                current.table = mapped.group(1)
            continue
        match = _FIELD.match(line)
        if not match:
            facts.problem(rel, "Prisma field not understood", line=number)
            continue
        name, type_name, is_list, optional, attributes = match.groups()
        mapped = _MAP.search(attributes)
        current.fields.append(_Field(name=name, column=mapped.group(1) if mapped else name, type_name=type_name,
                                     is_list=bool(is_list), optional=bool(optional), attributes=attributes,
                                     line=number))
    if current is not None or in_other_block:
        facts.problem(rel, "Prisma block not closed before end of file")
    _emit(models, enums, rel, builder)


def _emit(models: dict[str, _Model], enums: set[str], rel: str, builder: SchemaBuilder) -> None:
    for model in models.values():
        builder.create_table(model.table, Source(path=rel, line=model.line))
        by_field = {f.name: f for f in model.fields}
        for f in model.fields:
            if f.type_name in models:
                continue  # relation field: no column of its own
            builder.add_column(model.table, f.column, Source(path=rel, line=f.line),
                               type=_sql_type(f, enums), nullable=f.optional, primary_key="@id" in _attrs(f))
        for f in model.fields:
            target = models.get(f.type_name)
            if target is None or "@relation" not in f.attributes:
                continue
            local = _names(_RELATION_FIELDS.search(f.attributes))
            remote = _names(_RELATION_REFS.search(f.attributes))
            remote_by_field = {t.name: t for t in target.fields}
            for local_name, remote_name in zip(local, remote):
                local_field = by_field.get(local_name)
                remote_field = remote_by_field.get(remote_name)
                if local_field is None:
                    continue
                remote_column = remote_field.column if remote_field else remote_name
                builder.set_reference(model.table, local_field.column, f"{target.table}.{remote_column}")
        for attribute in model.block_attributes:
            block_id = _BLOCK_ID.search(attribute)
            if block_id:
                columns = [by_field[n].column if n in by_field else n for n in _split_names(block_id.group(1))]
                builder.set_primary_key(model.table, columns)


def _attrs(f: _Field) -> set[str]:
    return set(re.findall(r"@[\w.]+", f.attributes))


def _names(match: re.Match[str] | None) -> list[str]:
    return _split_names(match.group(1)) if match else []


def _split_names(text: str) -> list[str]:
    # Entries may carry arguments, e.g. @@id([a, b(sort: Desc)]).
    return [part.strip().split("(")[0].strip() for part in text.split(",") if part.strip()]


def _sql_type(f: _Field, enums: set[str]) -> str:
    native = _NATIVE.search(f.attributes)
    if native:
        base = NATIVE_TYPES.get(native.group(1), native.group(1).lower())
        args = (native.group(2) or "").replace(" ", "")
        sql = f"{base}({args})" if args else base
    elif f.type_name in SCALAR_TYPES:
        sql = SCALAR_TYPES[f.type_name]
    elif f.type_name in enums:
        sql = f.type_name  # Prisma creates a PostgreSQL enum type of the same name
    elif f.type_name.startswith("Unsupported("):
        sql = f.type_name[len("Unsupported("):].rstrip(")").strip("\"'")
    else:
        sql = f.type_name
    return f"{sql}[]" if f.is_list else sql
