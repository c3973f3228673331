"""Cross-section consistency checks over spec.json plus the rendered markdown.

The drafting pipeline derives the ERD, DDL and ORM mapping from one table list,
and validates events and endpoints per section. These checks verify the
*delivered document* still agrees with itself (a human edit, a failed section
rendered from stale data, or a renderer bug would break that), and that the
free-form code examples only call endpoints and events the spec defines.

All checks are pure ``(spec, run) -> Score`` functions and skip cleanly when
spec.json (or the section they need) is absent.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import CodeBlock, SpecDocument, normalize_heading
from agentspec.packs.builtin import builtin_pack

SCHEMA_HEADING = "Schema Integration & ERD"
CODE_EXAMPLES_H2 = "Code Examples"
EVENTS_H2 = "Event-Driven Integration"
ARCH_H2 = "Integration Architecture"


# --------------------------------------------------------------------- helpers


def section_model(spec: SpecDocument, section_id: str) -> BaseModel | None:
    """The section's data validated through its own MODEL, or None."""
    entry = ((spec.spec_json or {}).get("sections") or {}).get(section_id) or {}
    data = entry.get("data")
    if data is None:
        return None
    model = getattr(importlib.import_module(f"{builtin_pack().sections_package}.{section_id}"), "MODEL", None)
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def section_data(spec: SpecDocument, section_id: str) -> dict[str, Any] | None:
    """The section's raw data from spec.json when the section is in the document.

    Raw dicts, not validated models: the checks must also judge data that a
    loosened validator or a hand edit let through. A failed section whose data
    does not validate renders only a "failed" note, so it has nothing to be
    consistent with: None (its failure is reported elsewhere).
    """
    entry = ((spec.spec_json or {}).get("sections") or {}).get(section_id) or {}
    data = entry.get("data")
    if not isinstance(data, dict):
        return None
    if entry.get("status") == "failed" and not entry.get("edited_markdown") and section_model(spec, section_id) is None:
        return None
    return data


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(items: Any, key: str = "name") -> list[str]:
    return [str(i[key]) for i in _list(items) if isinstance(i, dict) and i.get(key)]


def _blocks_under(spec: SpecDocument, heading: str, *languages: str) -> list[CodeBlock]:
    key = normalize_heading(heading)
    wanted = {lang.lower() for lang in languages}
    return [
        b for b in spec.code_blocks
        if (not wanted or b.language in wanted) and any(normalize_heading(h) == key for h in b.heading_path)
    ]


def _missing_spec_json(name: str, spec: SpecDocument) -> Score | None:
    if spec.spec_json is None:
        return Score.skip(name, "no spec.json next to the markdown")
    return None


# ------------------------------------------------------------- ERD = DDL = ORM

_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?\"?([A-Za-z_][\w]*)\"?", re.I | re.M)
_ER_ENTITY = re.compile(r"^\s*\"?([A-Za-z_][\w]*)\"?\s*\{\s*$", re.M)
_ER_RELATION = re.compile(r"^\s*\"?([A-Za-z_]\w*)\"?\s+[|}o][|o]?--[|o{][|o{]?\s+\"?([A-Za-z_]\w*)\"?", re.M)
_ORM_ENTITY = re.compile(r"@Entity\(\s*['\"]([A-Za-z_]\w*)['\"]")


def _key(name: str) -> str:
    return name.lower()


_PY_TABLENAME = re.compile(r"__tablename__\s*=\s*['\"](\w+)['\"]")
_PRISMA_MAP = re.compile(r'@@map\("(\w+)"\)')


def check_erd_ddl_orm(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """database_schema: the tables in spec.json, the erDiagram, the CREATE TABLEs
    and the ORM mapping (TypeORM @Entity classes, SQLModel/SQLAlchemy `__tablename__`, Prisma
    `@@map`) name the same tables.

    Existing tables (``CREATE TABLE IF NOT EXISTS``) are in the ERD and DDL but
    have no ORM entity: the feature does not own them.
    """
    name = "erd_ddl_orm"
    if (skip := _missing_spec_json(name, spec)) is not None:
        return skip
    data = section_data(spec, "database_schema")
    if data is None:
        return Score.skip(name, "database_schema is not in the document (no data, or failed)")
    heading = SCHEMA_HEADING
    raw_tables = [t for t in _list(data.get("tables")) if isinstance(t, dict) and t.get("name")]
    tables = {_key(t["name"]) for t in raw_tables}
    new_tables = {_key(t["name"]) for t in raw_tables if not t.get("existing")}

    ddl: set[str] = set()
    ddl_new: set[str] = set()
    for block in _blocks_under(spec, heading, "sql"):
        for match in _CREATE_TABLE.finditer(block.content):
            ddl.add(_key(match.group(2)))
            if not match.group(1):
                ddl_new.add(_key(match.group(2)))
    erd: set[str] = set()
    for block in _blocks_under(spec, heading, "mermaid"):
        if not block.content.lstrip().startswith("erDiagram"):
            continue
        erd.update(_key(m.group(1)) for m in _ER_ENTITY.finditer(block.content))
        for m in _ER_RELATION.finditer(block.content):
            erd.update({_key(m.group(1)), _key(m.group(2))})
    orm: set[str] = set()
    for block in _blocks_under(spec, heading, "typescript", "ts"):
        orm.update(_key(m) for m in _ORM_ENTITY.findall(block.content))
    # A grounded draft maps the tables in the repository's own ORM: SQLModel/SQLAlchemy or Prisma.
    for block in _blocks_under(spec, heading, "python", "py"):
        orm.update(_key(m) for m in _PY_TABLENAME.findall(block.content))
    for block in _blocks_under(spec, heading, "prisma"):
        orm.update(_key(m) for m in _PRISMA_MAP.findall(block.content))

    anchor = spec.find_heading(heading)
    h2 = spec.h2_at(anchor.line) if anchor else None
    findings: list[Finding] = []
    if not ddl and not erd and not orm:
        findings.append(Finding(h2, "database_schema has data but the markdown shows no ERD, DDL or ORM blocks"))
    else:
        # spec.json is the source: every artefact must show exactly its tables.
        for label, found, wanted in (("erDiagram", erd, tables), ("CREATE TABLE", ddl, tables), ("ORM @Entity", orm, new_tables)):
            for missing in sorted(wanted - found):
                findings.append(Finding(h2, f"table {missing} from spec.json is missing from the {label}"))
            for extra in sorted(found - wanted):
                findings.append(Finding(h2, f"{label} names {extra}, which is not a table in spec.json"))
        # And the markdown must agree with itself, whatever spec.json says.
        for table in sorted(ddl - erd):
            findings.append(Finding(h2, f"CREATE TABLE {table} has no entity in the erDiagram"))
        for table in sorted(ddl_new - orm):
            findings.append(Finding(h2, f"CREATE TABLE {table} has no ORM @Entity('{table}')"))
    findings = list(dict.fromkeys(findings))  # the two views can report the same gap
    checked = max(len(tables), 1)
    return Score.from_findings(name, findings, checked=checked, failed=min(len(findings), checked),
                               notes=[f"{len(tables)} tables, {len(new_tables)} new"])


# ------------------------------------------------- endpoints called in examples

# A path our own API serves: /api/v1/... (the backend_integration path shape).
# Segments may be literal, :param, {param}, <param> or a ${...} interpolation.
_API_PATH = re.compile(r"/api/v[0-9]+(?:/(?:\$\{[^}`]*\}|[A-Za-z0-9_.:{}<>-]+))+|/api/v[0-9]+(?![\w/])")
_PARAM_SEGMENT = re.compile(r"^(?:\$\{.*\}|:[A-Za-z_]\w*|\{[A-Za-z_]\w*\}|<[A-Za-z_]\w*>)$")
_URL_BEFORE = re.compile(r"(https?://[^\s'\"`/]+)$")


def route_shape(path: str) -> str:
    """/api/v1/invoices/${id}/pay and /api/v1/invoices/:invoiceId/pay -> /api/v1/invoices/:/pay."""
    path = path.split("?")[0].split("#")[0].rstrip("/.,;:")  # "POST /api/v1/x: success path" names /api/v1/x
    parts = [":" if _PARAM_SEGMENT.match(seg) else seg.lower() for seg in path.split("/")]
    return "/".join(parts)


def _known_routes(spec: SpecDocument) -> tuple[set[str], set[str]] | None:
    """Route shapes defined by backend_integration / api_specifications, and the
    hosts our own API is served from (api_specifications' base_url)."""
    backend = section_data(spec, "backend_integration")
    api = section_data(spec, "api_specifications")
    if backend is None and api is None:
        return None
    shapes: set[str] = set()
    hosts = {"localhost", "127.0.0.1"}
    if backend is not None:
        shapes.update(route_shape(p) for p in _names(backend.get("endpoints"), "path"))
    if api is not None:
        rest = api.get("rest") if isinstance(api.get("rest"), dict) else {}
        shapes.update(route_shape(p) for p in _names(rest.get("methods"), "path"))
        if isinstance(rest.get("base_url"), str):
            hosts.add(re.sub(r"^https?://", "", rest["base_url"]).split(":")[0].split("/")[0].lower())
    return shapes, hosts


def _example_paths(block: CodeBlock, own_hosts: set[str]) -> list[tuple[str, int]]:
    """(/api/... path, line offset) pairs in a code block, skipping paths on a
    third party's host (an external API may also be versioned under /api/v1)."""
    found = []
    for number, line in enumerate(block.content.splitlines()):
        for match in _API_PATH.finditer(line):
            before = _URL_BEFORE.search(line[: match.start()])
            if before:
                host = re.sub(r"^https?://", "", before.group(1)).split(":")[0].lower()
                if host not in own_hosts and "$" not in host:
                    continue
            found.append((match.group(0), number))
    return found


def check_example_endpoints(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """Every /api/vN/... path the code examples call is an endpoint that
    backend_integration or api_specifications defines (params may be renamed)."""
    name = "example_endpoints"
    if (skip := _missing_spec_json(name, spec)) is not None:
        return skip
    known = _known_routes(spec)
    if known is None:
        return Score.skip(name, "neither backend_integration nor api_specifications is in the document")
    shapes, hosts = known
    findings: list[Finding] = []
    checked = 0
    for block in _blocks_under(spec, CODE_EXAMPLES_H2):
        for path, offset in _example_paths(block, hosts):
            checked += 1
            if route_shape(path) not in shapes:
                listing = ", ".join(sorted(shapes))
                findings.append(Finding(CODE_EXAMPLES_H2, f"example calls {path}, which no endpoint defines (defined: {listing})",
                                        block.content_line + offset))
    if checked == 0:
        return Score.skip(name, "the code examples call no /api/v* path")
    return Score.from_findings(name, findings, checked=checked, notes=[f"{checked} API paths in examples"])


# ------------------------------------------------------ events produced/consumed

_EVENT_LITERAL = re.compile(r"""['"`]([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,3})['"`]""")


def check_event_flow(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """Every consumed event is defined and produced; every defined event has a
    producer; backend endpoints depend only on defined events or topics; event
    names the events example uses for one of our entities (invoice.xyz when
    invoice.* events exist) are defined.

    event_integration's validator enforces the first two at draft time; here
    they guard the delivered spec.json against a loosened validator or an edit.
    """
    name = "event_flow"
    if (skip := _missing_spec_json(name, spec)) is not None:
        return skip
    events = section_data(spec, "event_integration")
    if events is None:
        return Score.skip(name, "event_integration is not in the document (no data, or failed)")
    defined = set(_names(events.get("events")))
    topics = {str(t) for t in _list(events.get("topics"))}
    published = {str(e) for p in _list(events.get("publishers")) if isinstance(p, dict) for e in _list(p.get("events"))}
    findings: list[Finding] = []
    checked = 0
    for sub in _list(events.get("subscribers")):
        if not isinstance(sub, dict):
            continue
        for event in _list(sub.get("events")):
            checked += 1
            if event not in defined:
                findings.append(Finding(EVENTS_H2, f"subscriber {sub.get('name')} consumes {event}, which is not defined"))
            elif event not in published:
                findings.append(Finding(EVENTS_H2, f"subscriber {sub.get('name')} consumes {event}, which no publisher produces"))
    for event in sorted(defined - published):
        checked += 1
        findings.append(Finding(EVENTS_H2, f"event {event} is defined but no publisher produces it"))

    backend = section_data(spec, "backend_integration")
    event_like = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$")
    for ep in _list((backend or {}).get("endpoints")):
        if not isinstance(ep, dict):
            continue
        for dep in (str(d).strip() for d in _list(ep.get("dependencies"))):
            if event_like.match(dep):
                checked += 1
                if dep not in defined and dep not in topics:
                    findings.append(Finding(ARCH_H2, f"endpoint {ep.get('id')} depends on event {dep}, which event_integration does not define"))

    # Example code: a dotted literal whose entity prefix is one of ours must be
    # a defined event. Other dotted strings (file names, config keys) are not events.
    prefixes = {e.split(".")[0] for e in defined}
    for block in _blocks_under(spec, "Example 3: Event-Driven Integration"):
        for number, line in enumerate(block.content.splitlines()):
            for literal in _EVENT_LITERAL.findall(line):
                if literal.split(".")[0] not in prefixes or literal in topics:
                    continue
                checked += 1
                if literal not in defined:
                    findings.append(Finding(CODE_EXAMPLES_H2, f"events example uses {literal}, which event_integration does not define "
                                            f"(defined: {', '.join(sorted(defined))})", block.content_line + number))
    return Score.from_findings(name, findings, checked=max(checked, 1),
                               notes=[f"{len(defined)} events, {len(_list(events.get('subscribers')))} subscribers"])


# ------------------------------------------------------ dataset expectations

_EXCLUDED_H2 = {normalize_heading(h) for h in ("Context", "Overview")}  # echo the description


def _body_text(spec: SpecDocument) -> str:
    """The markdown minus the sections that restate the description (mentioning
    a word there proves nothing) and minus the title line."""
    keep: list[str] = []
    for heading, text in spec.h2_sections():
        if heading.key not in _EXCLUDED_H2:
            keep.append(heading.text + "\n" + text)
    return "\n".join(keep).lower()


def _tables_text(spec: SpecDocument) -> str:
    schema = section_data(spec, "database_schema")
    tables = [t for t in _list((schema or {}).get("tables")) if isinstance(t, dict)]
    return " ".join(f"{t.get('name', '')} " + " ".join(_names(t.get("columns"))) for t in tables).lower()


def _p1_categories(spec: SpecDocument) -> set[str] | None:
    entry = ((spec.spec_json or {}).get("analyses") or {}).get("scenarios") or {}
    if not entry.get("data"):
        return None
    try:
        from agentspec.agents.analyses.scenarios import MODEL as Scenarios

        data = Scenarios.model_validate(entry["data"])
    except (ValidationError, ImportError):
        return None
    return {s.category.lower() for s in data.p1_scenarios}


def check_expectations(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """The dataset's expectations for this case (``run["expect"]``): expected
    entities appear as tables/columns (or in the body when the schema failed),
    external systems are named outside Context/Overview, and the P1 scenarios
    cover the expected categories. Expectations are lowercase substrings."""
    name = "expectations"
    expect = (run or {}).get("expect")
    if not expect:
        return Score.skip(name, "the dataset gives no expectations for this case")
    if (skip := _missing_spec_json(name, spec)) is not None:
        return skip
    body = _body_text(spec)
    tables = _tables_text(spec)
    findings: list[Finding] = []
    checked = 0
    for entity in expect.get("entities") or []:
        checked += 1
        where = tables or body
        if entity.lower() not in where:
            findings.append(Finding(None, f"expected entity {entity!r} is not a table or column" if tables
                                    else f"expected entity {entity!r} is not mentioned"))
    for system in expect.get("external_systems") or []:
        checked += 1
        if system.lower() not in body:
            findings.append(Finding(None, f"expected external system {system!r} is not mentioned"))
    wanted_p1 = [c.lower() for c in expect.get("p1_categories") or []]
    if wanted_p1:
        categories = _p1_categories(spec)
        scenarios_text = (spec.analyses.get("scenarios") or "").lower()
        for category in wanted_p1:
            checked += 1
            found = category in categories if categories is not None else category in scenarios_text
            if not found:
                findings.append(Finding(None, f"no P1 scenario in category {category!r}"))
    must_cover = expect.get("must_cover") or []
    if must_cover:
        checked += len(must_cover)
        findings += _must_cover_findings(spec, run, must_cover)
    if checked == 0:
        return Score.skip(name, "the case's expectations are empty")
    return Score.from_findings(name, findings, checked=checked)


def _must_cover_findings(spec: SpecDocument, run: dict[str, Any] | None, wanted: list[str]) -> list[Finding]:
    """`archetype/concern` ids a senior engineer requires of this feature (the dataset's
    `must_cover`), each judged by the knowledge library's coverage predicates."""
    from agentspec.checks.coverage import coverage_results

    results = coverage_results(spec, run)
    if results is None:
        return [Finding(None, f"must-cover {w} is not covered: the spec has no design spine") for w in wanted]
    by_id = {f"{r.archetype}/{r.concern}": r for r in results}
    findings = []
    for concern_id in wanted:
        result = by_id.get(concern_id)
        if result is None:
            archetype = concern_id.split("/", 1)[0]
            findings.append(Finding(None, f"must-cover {concern_id} is not covered: the design has no {archetype} archetype"))
        elif not result.covered:
            findings.append(Finding(None, f"must-cover {concern_id} is not covered: missing {result.missing}"))
    return findings


CONSISTENCY_CHECKS = {
    "erd_ddl_orm": check_erd_ddl_orm,
    "example_endpoints": check_example_endpoints,
    "event_flow": check_event_flow,
    "expectations": check_expectations,
}
