"""`agentspec verify SPEC --repo PATH`: what the spec names, checked against the code.

Deterministic: the spec's structured result (spec.json) says what the feature needs
(tables and their columns, routes, events, environment variables, the files its code
examples write), the repository scanner says what the code has, and each element is
`present`, `missing` or `different` (a column whose type is not the one the spec
gives). What is not present is the checklist left to implement. No model is called.

Required elements are the ones an implementation must have: every table the feature
creates or alters with its columns, every route, event and setting of the design
spine. A file a code example names is reported but not required: an example shows
how, it does not fix where."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from agentspec.repo import RepoContext, scan
from agentspec.repo.walk import RepoWalker

Status = Literal["present", "missing", "different"]

# The scanner reads a migration's types as written; the schema section writes PostgreSQL's
# short names. Spellings of one type compare equal.
_TYPE_SYNONYMS = {
    "character varying": "varchar", "int": "integer", "int4": "integer", "serial": "integer",
    "int8": "bigint", "bigserial": "bigint", "int2": "smallint", "bool": "boolean",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "character": "char", "decimal": "numeric", "float8": "double precision", "string": "text",
}
_PATH_PARAM = re.compile(r"\{[^}/]+\}|:[A-Za-z_]\w*|<(?:[^>:/]+:)?[^>/]+>")


@dataclass(frozen=True)
class Element:
    kind: Literal["table", "column", "route", "event", "env_var", "file"]
    name: str
    status: Status
    required: bool
    expected: str | None = None  # what the spec says (a column's type, a table's change)
    found: str | None = None  # what the repository has, when it differs or is present
    where: str | None = None  # path:line in the repository


def normal_type(sql_type: str | None) -> str | None:
    """`character varying(255)` -> `varchar(255)`, `INT8` -> `bigint`; precision kept."""
    if not sql_type:
        return None
    text = re.sub(r"\s+", " ", sql_type.strip().lower())
    base, _, rest = text.partition("(")
    base = _TYPE_SYNONYMS.get(base.strip(), base.strip())
    return f"{base}({rest.replace(' ', '')}" if rest else base


def normal_path(path: str) -> str:
    """`/invoices/{id}/`, `/invoices/:id` and `/invoices/<int:id>` are one route."""
    return _PATH_PARAM.sub("{}", path.rstrip("/") or "/").lower()


def _schema_tables(spec: dict[str, Any]) -> list[dict[str, Any]]:
    section = spec.get("sections", {}).get("database_schema") or {}
    data = section.get("data") if section.get("status") in ("drafted", "approved", "edited") else None
    return list((data or {}).get("tables") or [])


def _spine(spec: dict[str, Any]) -> dict[str, Any]:
    return (spec.get("sections", {}).get("design_spine") or {}).get("data") or {}


def _tables(spec: dict[str, Any], repo: RepoContext) -> list[Element]:
    """Each table the feature creates or alters, and its columns. The schema section gives the
    columns; where it failed, the spine's tables are checked by name alone."""
    out: list[Element] = []
    schema = _schema_tables(spec)
    changes = {e.get("table"): e.get("change") for e in _spine(spec).get("entities") or []}
    listed = schema or [{"name": t, "existing": c == "referenced", "columns": []} for t, c in changes.items() if t]
    for table in listed:
        name = table.get("name")
        existing = bool(table.get("existing")) or changes.get(name) == "referenced"
        found = repo.table(name)
        change = changes.get(name) or ("referenced" if existing else "new")
        out.append(Element("table", name, "present" if found else "missing", required=True, expected=change,
                           where=str(found.source) if found else None))
        columns = list(table.get("columns") or [])
        if columns and not existing and not any(c.get("name") == "created_at" for c in columns):
            columns.append({"name": "created_at", "type": "timestamptz"})  # the schema section adds it to new tables
        for column in columns:
            if existing and not column.get("added"):
                continue  # a column the feature only reads is the repository's own business
            out.append(_column(name, column, found))
    return out


def _column(table: str, column: dict[str, Any], found_table: Any) -> Element:
    name = f"{table}.{column.get('name')}"
    expected = normal_type(column.get("type"))
    found = found_table.column(column.get("name")) if found_table else None
    if found is None:
        return Element("column", name, "missing", required=True, expected=expected)
    have = normal_type(found.type)
    # A spec type without precision (`varchar`) matches the repository's with one (`varchar(255)`).
    same = expected is None or have is None or have == expected or ("(" not in expected and have.split("(")[0] == expected)
    return Element("column", name, "present" if same else "different", required=True, expected=expected,
                   found=have, where=str(found.source))


def _routes(spec: dict[str, Any], repo: RepoContext) -> list[Element]:
    out = []
    for endpoint in _spine(spec).get("endpoints") or []:
        method, path = str(endpoint.get("method", "")).upper(), str(endpoint.get("path", ""))
        wanted = normal_path(path)
        same_path = [r for r in repo.routes if normal_path(r.path) == wanted]
        match = next((r for r in same_path if r.method in (method, "ALL")), None)
        name = f"{method} {path}"
        if match:
            out.append(Element("route", name, "present", required=True, where=str(match.source)))
        elif same_path:
            other = same_path[0]
            out.append(Element("route", name, "different", required=True, expected=method,
                               found=f"{other.method} {other.path}", where=str(other.source)))
        else:
            out.append(Element("route", name, "missing", required=True))
    return out


def _env_vars(spec: dict[str, Any], repo: RepoContext) -> list[Element]:
    known = {v.name: v for v in repo.env_vars}
    out = []
    for setting in _spine(spec).get("settings") or []:
        name = setting.get("name")
        var = known.get(name)
        sources = (var.declared_in + var.read_in) if var else []
        out.append(Element("env_var", name, "present" if var else "missing", required=True,
                           where=str(sources[0]) if sources else None))
    return out


def _events(spec: dict[str, Any], repo: RepoContext, root: Path) -> list[Element]:
    """An event is present when the code names it: a topic the scanner found, or the event's
    name as a quoted string in a source file (the handler's switch on a webhook's type)."""
    names = [e.get("name") for e in _spine(spec).get("events") or [] if e.get("name")]
    if not names:
        return []
    topics = {t.name: t for t in repo.topics}
    where = {n: str(topics[n].source) for n in names if n in topics}
    wanted = [n for n in names if n not in where]
    if wanted:
        where.update(_quoted_in_code(root, wanted))
    return [Element("event", n, "present" if n in where else "missing", required=True, where=where.get(n)) for n in names]


_CODE_SUFFIXES = {".py", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".go", ".rb", ".java", ".kt", ".cs", ".php", ".rs"}


NEWLINE = b"\n"


def _quoted_in_code(root: Path, names: list[str]) -> dict[str, str]:
    patterns = {n: re.compile(rb"""["'`]""" + re.escape(n.encode()) + rb"""["'`]""") for n in names}
    found: dict[str, str] = {}
    walker = RepoWalker(root.resolve(), max_files=20000, deadline=time.monotonic() + 10.0)
    for file in walker:
        if file.suffix not in _CODE_SUFFIXES:
            continue
        data = walker.read(file)
        if not data:
            continue
        for name, pattern in patterns.items():
            if name in found:
                continue
            hit = pattern.search(data)
            if hit:
                found[name] = f"{file.rel}:{data.count(NEWLINE, 0, hit.start()) + 1}"
        if len(found) == len(names):
            break
    return found


def _files(spec: dict[str, Any], root: Path) -> list[Element]:
    out = []
    for section_id, section in sorted((spec.get("sections") or {}).items()):
        path = ((section or {}).get("data") or {}).get("file_path") if isinstance((section or {}).get("data"), dict) else None
        if not isinstance(path, str) or not path or any(e.name == path for e in out):
            continue
        exists = (root / path).is_file()
        out.append(Element("file", path, "present" if exists else "missing", required=False,
                           expected=f"written by {section_id}", where=f"{path}:1" if exists else None))
    return out


@dataclass(frozen=True)
class DriftReport:
    spec_dir: str
    repo: str
    elements: list[Element]
    files_scanned: int
    scan_seconds: float

    @property
    def drift(self) -> list[Element]:
        return [e for e in self.elements if e.required and e.status != "present"]

    @property
    def passed(self) -> bool:
        return not self.drift

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(e.status == s for e in self.elements) for s in ("present", "missing", "different")}
        return {"spec_dir": self.spec_dir, "repo": self.repo, "passed": self.passed, "counts": counts,
                "required_not_present": len(self.drift), "files_scanned": self.files_scanned,
                "scan_seconds": round(self.scan_seconds, 2), "elements": [asdict(e) for e in self.elements],
                "to_implement": [_todo(e) for e in self.elements if e.status != "present"]}

    def markdown(self) -> str:
        lines = [f"# Drift report: {self.spec_dir}", "",
                 f"Repository: `{self.repo}` ({self.files_scanned} files scanned in {self.scan_seconds:.1f} s). "
                 f"{len(self.drift)} required element(s) missing or different.", "",
                 "| kind | name | status | spec | repository | where |", "|---|---|---|---|---|---|"]
        for e in self.elements:
            status = e.status if e.required else f"{e.status} (not required)"
            lines.append(f"| {e.kind} | `{e.name}` | {status} | {e.expected or ''} | {e.found or ''} | {e.where or ''} |")
        todo = [e for e in self.elements if e.status != "present"]
        lines += ["", "## Left to implement", ""]
        lines += [f"- [ ] {_todo(e)}" for e in todo] or ["Nothing: every element the spec names is in the repository."]
        return "\n".join(lines) + "\n"


def _todo(e: Element) -> str:
    if e.status == "different":
        return f"{e.kind} {e.name}: the spec says {e.expected}, the repository has {e.found} ({e.where})"
    extra = f" ({e.expected})" if e.kind in ("table", "column", "file") and e.expected else ""
    return f"{e.kind} {e.name}{extra}"


def verify(spec: dict[str, Any], spec_dir: str, root: Path) -> DriftReport:
    repo = scan(root)
    elements = [*_tables(spec, repo), *_routes(spec, repo), *_events(spec, repo, root), *_env_vars(spec, repo),
                *_files(spec, root)]
    return DriftReport(spec_dir=spec_dir, repo=str(root), elements=elements,
                       files_scanned=repo.stats.files_seen, scan_seconds=repo.stats.elapsed_s)
