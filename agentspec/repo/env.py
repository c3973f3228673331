"""Environment variable NAMES: declared in .env* files, read by code.

Values are secrets more often than not, so they never enter the result: a
.env line is cut at '=' and the right-hand side is dropped on the spot, and
defaults passed to os.getenv(...) are not looked at.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from agentspec.repo.context import Source
from agentspec.repo.facts import Facts
from agentspec.repo.hints import Hint
from agentspec.repo.pyast import PyIndex, const_str, dotted, keyword
from agentspec.repo.tsast import Node, TsParse, line, text

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
# Cheap byte-level test run before walking a Python tree for env reads.
PY_HINT = Hint(words=(b"environ", b"getenv", b"BaseSettings"))
TS_HINT = Hint(words=(b"process.env",))
_ENV_LINES = re.compile(rb"environ|getenv")  # lines whose expressions are worth walking
_ENV_READERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop", "os.getenvb"}


def is_env_file(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def parse_env_file(path: Path, rel: str, facts: Facts) -> None:
    """Names from a .env file, read line by line straight from disk."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            equals = raw.find(b"=")
            if equals < 0:
                continue
            name_part = raw[:equals]  # only the name is copied; the line is dropped next iteration
            name = name_part.decode("utf-8", errors="replace").strip()
            if name.startswith("#"):
                continue
            if name.startswith("export "):
                name = name[len("export "):].strip()
            if _NAME.match(name):
                facts.env_declared(name, Source(path=rel, line=number))


def python_env_reads(index: PyIndex, rel: str, facts: Facts) -> None:
    aliases = index.import_aliases()
    for node in index.nodes_on_lines(_ENV_LINES):
        if isinstance(node, ast.Call):
            target = index.resolve(node.func, aliases)
            if target in _ENV_READERS and node.args:
                name = const_str(node.args[0])
                if name:
                    facts.env_read(name, Source(path=rel, line=node.lineno))
        elif isinstance(node, ast.Subscript) and index.resolve(node.value, aliases) == "os.environ":
            name = const_str(node.slice)
            if name:
                facts.env_read(name, Source(path=rel, line=node.lineno))
    _settings_classes(index, rel, facts)


def _settings_classes(index: PyIndex, rel: str, facts: Facts) -> None:
    """pydantic-settings: each field of a BaseSettings subclass is read from the environment."""
    for cls in index.classes:
        if not any((dotted(base) or "").rsplit(".", 1)[-1] == "BaseSettings" for base in cls.bases):
            continue
        prefix = ""
        for statement in cls.body:
            if (isinstance(statement, ast.Assign) and any(dotted(t) == "model_config" for t in statement.targets)
                    and isinstance(statement.value, ast.Call)):
                prefix = const_str(keyword(statement.value, "env_prefix")) or ""
        for statement in cls.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            field = statement.target.id
            if field == "model_config" or field.startswith("_"):
                continue
            name = None
            if isinstance(statement.value, ast.Call):
                name = const_str(keyword(statement.value, "validation_alias")) or const_str(
                    keyword(statement.value, "alias"))
            facts.env_declared(name or (prefix + field).upper(), Source(path=rel, line=statement.lineno))


def ts_env_reads(parsed: TsParse, rel: str, facts: Facts) -> None:
    for node in parsed.nodes("env_name"):
        facts.env_read(text(node), Source(path=rel, line=line(node)))
    for pattern in parsed.nodes("env_pattern"):
        # const { DATABASE_URL, PORT = "3000" } = process.env
        for part in pattern.named_children:
            name_node: Node | None
            if part.type == "shorthand_property_identifier_pattern":
                name_node = part
            elif part.type == "object_assignment_pattern":
                name_node = part.child_by_field_name("left")
            elif part.type == "pair_pattern":
                name_node = part.child_by_field_name("key")
            else:
                continue
            if name_node is not None:
                facts.env_read(text(name_node), Source(path=rel, line=line(part)))
