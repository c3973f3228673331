"""Tables from Alembic revisions (alembic/versions/*.py, migrations/versions/*.py).

Revisions are read with ast, never imported: importing would run project code.
Only `upgrade()` counts. Revisions are replayed in the order of their
revision/down_revision chain, not their file names (Alembic names files by
hash by default).
"""

from __future__ import annotations

import ast
import functools
import heapq
from dataclasses import dataclass, field

from agentspec.repo.context import Source
from agentspec.repo.facts import Facts
from agentspec.repo.pyast import PyIndex, const_str, const_strs, dotted, keyword, single_assignment
from agentspec.repo.sa_columns import column_call, constraint_call, sa_type
from agentspec.repo.schema_sql import SchemaOp
from agentspec.repo.schema_state import SchemaBuilder


@dataclass
class AlembicRevision:
    rel: str
    revision: str | None
    down_revisions: tuple[str, ...]
    ops: list[SchemaOp] = field(default_factory=list)


def is_alembic_revision(rel: str, index: PyIndex) -> bool:
    parts = rel.split("/")
    if len(parts) < 2 or parts[-2] != "versions":
        return False
    return any(isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "alembic"
               or isinstance(node, ast.Import) and any(a.name.split(".")[0] == "alembic" for a in node.names)
               for node in index.imports)


def parse_alembic_revision(index: PyIndex, rel: str, facts: Facts) -> AlembicRevision:
    revision, down = _revision_ids(index.tree)
    result = AlembicRevision(rel=rel, revision=revision, down_revisions=down)
    upgrade = next((node for node in index.tree.body
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "upgrade"), None)
    if upgrade is None:
        return result
    batch_tables = _batch_aliases(upgrade)
    calls = sorted((n for n in ast.walk(upgrade) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for call in calls:
        target = dotted(call.func)
        if target is None or "." not in target:
            continue
        receiver, _, method = target.rpartition(".")
        if receiver == "op":
            table = None
            args = call.args
        elif receiver in batch_tables:
            # batch_op.add_column(col) is op.add_column(table, col) with the table implied.
            table = batch_tables[receiver]
            args = call.args
        else:
            continue
        try:
            result.ops.extend(_ops_for(method, call, table, args, rel))
        except (IndexError, AttributeError, TypeError):
            facts.problem(rel, f"Alembic op.{method} not understood", line=call.lineno)
    return result


def _revision_ids(tree: ast.Module) -> tuple[str | None, tuple[str, ...]]:
    revision: str | None = None
    down: tuple[str, ...] = ()
    for node in tree.body:
        assigned = single_assignment(node)
        if assigned is None:
            continue
        name, value = dotted(assigned[0]), assigned[1]
        if name == "revision":
            revision = const_str(value)
        elif name == "down_revision":
            down = tuple(const_strs(value))
    return revision, down


def _batch_aliases(function: ast.AST) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in ast.walk(function):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and dotted(call.func) == "op.batch_alter_table"
                        and call.args and isinstance(item.optional_vars, ast.Name)):
                    table = const_str(call.args[0])
                    if table:
                        aliases[item.optional_vars.id] = table
    return aliases


_CONSTRAINT_NAME_FIRST = {"create_primary_key", "create_foreign_key", "create_unique_constraint",
                          "create_check_constraint", "drop_constraint"}


def _ops_for(method: str, call: ast.Call, table: str | None, args: list[ast.expr], rel: str) -> list[SchemaOp]:
    def src(node: ast.AST) -> Source:
        return Source(path=rel, line=getattr(node, "lineno", call.lineno))

    if method == "create_table" and table is None:
        name = const_str(args[0])
        if not name:
            return []
        ops: list[SchemaOp] = [functools.partial(SchemaBuilder.create_table, name=name, source=src(call),
                                                 db_schema=const_str(keyword(call, "schema")))]
        for arg in args[1:]:
            if not isinstance(arg, ast.Call):
                continue
            if (dotted(arg.func) or "").rsplit(".", 1)[-1] == "Column":
                ops.append(_add_column(name, arg, rel))
                continue
            constraint = constraint_call(arg)
            if constraint and constraint[0] == "pk":
                ops.append(functools.partial(SchemaBuilder.set_primary_key, table_name=name, columns=constraint[1]))
            elif constraint and constraint[0] == "fk" and constraint[2]:
                ops.extend(functools.partial(SchemaBuilder.set_reference, table_name=name, column_name=col,
                                             target=constraint[2]) for col in constraint[1])
        return ops
    if method == "drop_table" and table is None:
        name = const_str(args[0])
        return [functools.partial(SchemaBuilder.drop_table, name=name)] if name else []
    if method == "rename_table" and table is None:
        old, new = const_str(args[0]), const_str(args[1])
        return [functools.partial(SchemaBuilder.rename_table, old=old, new=new)] if old and new else []
    # The rest take the table as first argument, unless inside batch_alter_table; a
    # constraint op names the constraint first: op.create_primary_key("user_pkey", "user", ["id"])
    # (reading "user_pkey" as the table lost the key of a real repository's tables).
    if table is None:
        first = 1 if method in _CONSTRAINT_NAME_FIRST else 0
        table = const_str(args[first]) if len(args) > first else None
        args = args[first + 1:]
    if not table:
        return []
    if method == "add_column" and isinstance(args[0], ast.Call):
        return [_add_column(table, args[0], rel)]
    if method == "drop_column":
        column = const_str(args[0])
        return [functools.partial(SchemaBuilder.drop_column, table_name=table, name=column)] if column else []
    if method == "alter_column":
        column = const_str(args[0])
        if not column:
            return []
        nullable_kw = keyword(call, "nullable")
        nullable = bool(nullable_kw.value) if isinstance(nullable_kw, ast.Constant) else None
        ops = [functools.partial(SchemaBuilder.alter_column, table_name=table, name=column, nullable=nullable,
                                 type=sa_type(keyword(call, "type_")))]
        new_name = const_str(keyword(call, "new_column_name"))
        if new_name:
            ops.append(functools.partial(SchemaBuilder.rename_column, table_name=table, old=column, new=new_name))
        return ops
    if method == "create_primary_key":
        # op.create_primary_key(name, table, columns); batch: (name, columns)
        columns = const_strs(args[-1])
        return [functools.partial(SchemaBuilder.set_primary_key, table_name=table, columns=columns)]
    if method == "create_foreign_key":
        # op.create_foreign_key(name, source, referent, local_cols, remote_cols); batch: (name, referent, ...)
        referent, local, remote = const_str(args[-3]), const_strs(args[-2]), const_strs(args[-1])
        if referent and len(remote) == 1:
            return [functools.partial(SchemaBuilder.set_reference, table_name=table, column_name=col,
                                      target=f"{referent}.{remote[0]}") for col in local]
    return []


def _add_column(table: str, call: ast.Call, rel: str) -> SchemaOp:
    info = column_call(call)
    return functools.partial(
        SchemaBuilder.add_column, table_name=table, name=info.name or "?", source=Source(path=rel, line=info.line),
        type=info.type, nullable=True if info.nullable is None else info.nullable, primary_key=info.primary_key,
        references=info.references)


def order_revisions(revisions: list[AlembicRevision]) -> list[AlembicRevision]:
    """Parents before children (Kahn's algorithm); ties and orphans by file name."""
    by_id = {r.revision: r for r in revisions if r.revision}
    pending = {id(r): sum(1 for d in r.down_revisions if d in by_id) for r in revisions}
    children: dict[str, list[AlembicRevision]] = {}
    for r in revisions:
        for parent in r.down_revisions:
            if parent in by_id:
                children.setdefault(parent, []).append(r)
    ready = [(r.rel, id(r), r) for r in revisions if pending[id(r)] == 0]
    heapq.heapify(ready)
    ordered: list[AlembicRevision] = []
    seen: set[int] = set()
    while ready:
        _, key, rev = heapq.heappop(ready)
        if key in seen:
            continue
        seen.add(key)
        ordered.append(rev)
        for child in children.get(rev.revision or "", []):
            pending[id(child)] -= 1
            if pending[id(child)] == 0:
                heapq.heappush(ready, (child.rel, id(child), child))
    # A cycle (broken history) must not lose revisions: append them by name.
    ordered.extend(sorted((r for r in revisions if id(r) not in seen), key=lambda r: r.rel))
    return ordered
