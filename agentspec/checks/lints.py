"""Lints that code can decide: named rules over the rendered spec, each finding with its
section and the quoted text (issue 14, item 3).

They read the markdown, not spec.json, so they apply to any template and to a spec a
person edited. Each rule is narrow on purpose: a lint that cries wolf gets ignored, so
a rule fires only where the text leaves no other reading. Two rules of the issue live
in `semantic_defects` already and are not repeated here: money stored as a float
("money representation") and one quantity given two values ("quantities").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from agentspec.checks.consistency import CODE_EXAMPLES_H2
from agentspec.checks.score import Finding, Score
from agentspec.checks.semantic import computed_readiness_lines
from agentspec.spec_document import CodeBlock, SpecDocument

NAME = "lints"
CODE_LANGUAGES = ("typescript", "ts", "javascript", "js", "tsx", "jsx", "python", "py")


@dataclass(frozen=True)
class Lint:
    name: str
    fn: Callable[[SpecDocument], Iterator[Finding]]


LINTS: dict[str, Lint] = {}


def lint(name: str) -> Callable[[Callable[[SpecDocument], Iterator[Finding]]], Callable[[SpecDocument], Iterator[Finding]]]:
    def register(fn: Callable[[SpecDocument], Iterator[Finding]]) -> Callable[[SpecDocument], Iterator[Finding]]:
        LINTS[name] = Lint(name, fn)
        return fn
    return register


def _quote(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _finding(spec: SpecDocument, rule: str, line: int, message: str, quoted: str) -> Finding:
    return Finding(spec.h2_at(line), f"{rule}: {message}: \"{_quote(quoted)}\"", line)


def _lines_of(block: CodeBlock) -> Iterator[tuple[int, str]]:
    for i, text in enumerate(block.content.splitlines()):
        yield block.content_line + i, text


# ----------------------------------------------------------------------------- HTTP verb
# A function whose name says what it does, and the first HTTP call in its body.
_FUNCTION = re.compile(r"^\s*(?:export\s+)?(?:public\s+|private\s+|protected\s+)?(?:static\s+)?(?:async\s+)?"
                       r"(?:function\s+|def\s+)?([a-z][A-Za-z0-9_]*)\s*(?:<[^>]*>)?\s*\(")
_KEYWORDS = {"if", "for", "while", "switch", "catch", "return", "function", "constructor", "await", "new", "super"}
_CALL_VERB = re.compile(r"""\b(?:axios|http|client|api|this\.http|this\.client|requests|httpx|session|request|fetcher)\s*\.\s*"""
                        r"""(get|post|put|patch|delete)\s*[(<]""", re.I)
_METHOD_OPTION = re.compile(r"""\bmethod\s*[:=]\s*['"](GET|POST|PUT|PATCH|DELETE)['"]""", re.I)
_FETCH = re.compile(r"\bfetch\s*\(")
# The operation a name's first word says, and the verbs that do it.
_NAME_VERBS = (
    (re.compile(r"^(delete|remove|destroy)(?=[A-Z_]|$)"), {"DELETE"}),
    (re.compile(r"^(get|list|fetch|find|load|read)(?=[A-Z_]|$)"), {"GET"}),
    (re.compile(r"^(create|add|insert)(?=[A-Z_]|$)"), {"POST", "PUT"}),
    (re.compile(r"^(update|edit|modify|replace)(?=[A-Z_]|$)"), {"PUT", "PATCH", "POST"}),
)


def _functions(block: CodeBlock) -> Iterator[tuple[int, str, str]]:
    """(line, name, body text up to the next function) for each function in the block."""
    lines = block.content.splitlines()
    starts = []
    for i, text in enumerate(lines):
        found = _FUNCTION.match(text)
        if found and found.group(1) not in _KEYWORDS and not text.rstrip().endswith(";"):
            starts.append((i, found.group(1)))
    for n, (i, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        yield block.content_line + i, name, "\n".join(lines[i:end])


def _http_verb(body: str) -> str | None:
    if "graphql" in body.lower():
        return None  # every GraphQL operation is a POST, whatever it does
    found = _METHOD_OPTION.search(body)
    if found:
        return found.group(1).upper()
    found = _CALL_VERB.search(body)
    if found:
        return found.group(1).upper()
    return "GET" if _FETCH.search(body) else None  # fetch() without a method option is a GET


@lint("verb_matches_operation")
def verb_matches_operation(spec: SpecDocument) -> Iterator[Finding]:
    """`deleteInvoice` sends a DELETE, `getInvoice` a GET, `createInvoice` a POST or PUT."""
    for block in spec.blocks(*CODE_LANGUAGES):
        for line, name, body in _functions(block):
            verb = _http_verb(body)
            if verb is None:
                continue
            for pattern, verbs in _NAME_VERBS:
                if pattern.search(name) and verb not in verbs:
                    yield _finding(spec, "verb_matches_operation", line,
                                   f"{name} sends {verb}; its name says {' or '.join(sorted(verbs))}", body.splitlines()[0])
                    break


def _sql_statements(spec: SpecDocument) -> Iterator[tuple[CodeBlock, list[Any]]]:
    """Each SQL block with its parsed statements; a block that does not parse is skipped
    (the sql check reports it)."""
    import sqlglot

    for block in spec.blocks("sql", "postgresql", "postgres", "psql"):
        try:
            yield block, [s for s in sqlglot.parse(block.content, read="postgres") if s is not None]
        except Exception:  # noqa: BLE001 - the sql check reports what does not parse
            continue


# ----------------------------------------------------------------------------- one-to-one
def _foreign_keys(spec: SpecDocument) -> list[tuple[str, str, str, bool, int]]:
    """(child table, column, parent table, column is unique on its own, line) from the SQL."""
    from sqlglot import exp

    found: list[tuple[str, str, str, bool, int]] = []
    unique_sets: set[tuple[str, tuple[str, ...]]] = set()
    fks: list[tuple[str, str, str, bool, int]] = []
    for block, statements in _sql_statements(spec):
        for statement in statements:
            table = statement.find(exp.Table)
            if table is None:
                continue
            name = table.name.lower()
            if isinstance(statement, exp.Create) and str(statement.kind).upper() == "INDEX":
                index = statement.this
                if statement.args.get("unique") and index is not None:
                    columns = tuple(c.name.lower() for c in index.find_all(exp.Column))
                    unique_sets.add((name, columns))
                continue
            if not (isinstance(statement, exp.Create) and str(statement.kind).upper() == "TABLE"):
                continue
            for column in statement.find_all(exp.ColumnDef):
                constraints = [c.args.get("kind") for c in column.args.get("constraints") or []]
                unique = any(isinstance(k, (exp.UniqueColumnConstraint, exp.PrimaryKeyColumnConstraint)) for k in constraints)
                for ref in column.find_all(exp.Reference):
                    parent = ref.find(exp.Table)
                    if parent is not None:
                        fks.append((name, column.name.lower(), parent.name.lower(), unique, block.content_line))
            for constraint in statement.find_all(exp.UniqueColumnConstraint):
                if isinstance(constraint.parent, exp.Schema) or constraint.args.get("this") is not None:
                    columns = tuple(c.name.lower() for c in constraint.find_all(exp.Identifier))
                    if columns:
                        unique_sets.add((name, columns))
    for child, column, parent, unique, line in fks:
        found.append((child, column, parent, unique or (child, (column,)) in unique_sets, line))
    return found


_ER_RELATION = re.compile(r'^\s*"?([A-Za-z_][\w-]*)"?\s+([|o}{]{2})(?:--|\.\.)([|o}{]{2})\s+"?([A-Za-z_][\w-]*)"?')


def _er_relations(spec: SpecDocument) -> dict[frozenset[str], tuple[bool, int, str]]:
    """{ {table, table}: (one-to-one, line, text) } from the erDiagram blocks."""
    relations: dict[frozenset[str], tuple[bool, int, str]] = {}
    for block in spec.blocks("mermaid"):
        if not block.content.lstrip().startswith("erDiagram"):
            continue
        for line, text in _lines_of(block):
            found = _ER_RELATION.match(text)
            if found:
                many = any(ch in found.group(2) + found.group(3) for ch in "{}")
                relations[frozenset({found.group(1).lower(), found.group(4).lower()})] = (not many, line, text)
    return relations


@lint("one_to_one_said")
def one_to_one_said(spec: SpecDocument) -> Iterator[Finding]:
    """A foreign key that is unique makes the relation one-to-one, and the ERD must draw it
    so; a relation the ERD draws one-to-one needs that unique key."""
    relations = _er_relations(spec)
    for child, column, parent, unique, _line in _foreign_keys(spec):
        drawn = relations.get(frozenset({child, parent}))
        if drawn is None or child == parent:
            continue
        one_to_one, line, text = drawn
        if unique and not one_to_one:
            yield _finding(spec, "one_to_one_said", line, f"{child}.{column} is a unique foreign key to {parent} "
                           "(one-to-one), but the ERD draws one-to-many", text)
        elif one_to_one and not unique:
            yield _finding(spec, "one_to_one_said", line, f"the ERD draws {parent}-{child} one-to-one, but "
                           f"{child}.{column} is not unique, so the SQL allows many", text)


# ----------------------------------------------------------------------------- environments
_PRE_PRODUCTION = re.compile(r"\b(dev|development|local|staging|stage|test|testing|qa|sandbox)\b", re.I)
_LIVE = re.compile(r"\b(sk_live_\w*|pk_live_\w*|rk_live_\w*|whsec_live\w*|live mode|live keys?|live credentials|"
                   r"production (?:credentials|keys?|secrets?|database|db|api keys?)|prod (?:credentials|keys?|database|db))\b", re.I)
_LEADING_ENVIRONMENT = re.compile(r"^\s*(?:[-*]\s+)?\**([A-Za-z]+)(?:\s+environment)?\**\s*[:(—-]", re.I)
_NEGATED = re.compile(r"\b(never|not|no|without|must not|instead of)\b", re.I)


def _environment_lines(spec: SpecDocument) -> Iterator[tuple[int, str, str, str]]:
    """(line, environment, the rest, the line) for each table row and line that starts with an
    environment: a row's first cell names it, as does "- **Staging**: ..."."""
    for i, text in enumerate(spec.lines, start=1):
        if text.lstrip().startswith("|"):
            cells = [c.strip() for c in text.strip().strip("|").split("|")]
            yield i, cells[0], " ".join(cells[1:]), text
        elif found := _LEADING_ENVIRONMENT.match(text):
            yield i, found.group(1), text[found.end():], text


@lint("no_live_credentials_before_production")
def no_live_credentials_before_production(spec: SpecDocument) -> Iterator[Finding]:
    """A development, test or staging environment never uses live or production
    credentials or modes (a table row or line that names one and uses the other)."""
    for i, environment, rest, text in _environment_lines(spec):
        if not _PRE_PRODUCTION.fullmatch(environment.strip("*` ").split()[0] if environment.strip("*` ") else "") \
                or re.search(r"\bprod(uction)?\b", environment, re.I):
            continue
        live = _LIVE.search(rest)
        if live and not _NEGATED.search(rest[: live.start()][-40:]):
            yield _finding(spec, "no_live_credentials_before_production", i,
                           f"a pre-production environment uses {live.group(0)}", text)


# A provider's test side: Stripe's sandboxes and test mode, test keys (sk_test_), a "sandbox" base URL.
_SANDBOX = re.compile(r"\b(sandbox(?:es)?|test[ _-]?mode|test keys?|sk_test_\w*|pk_test_\w*)\b", re.I)
_PRODUCTION_KEY = re.compile(r"^(\s*)[\"']?(production|prod)[\"']?\s*:\s*\{?\s*$", re.I)


@lint("production_on_live_services")
def production_on_live_services(spec: SpecDocument) -> Iterator[Finding]:
    """Production talks to each provider's live side: a production entry (a YAML key or an
    object member named production, and what is indented under it; or a table row or line
    that starts with Production) that names a sandbox, test mode or a test key sends real
    customers' work to a provider's test account (the ninth-pass Stripe deployment ran
    `stripe_api=sandbox` in production)."""
    for block in spec.blocks("yaml", "yml", *CODE_LANGUAGES):
        inside: str | None = None
        for line, text in _lines_of(block):
            indent = len(text) - len(text.lstrip())
            if inside is not None and text.strip() and indent <= len(inside):
                inside = None
            key = _PRODUCTION_KEY.match(text)
            if key:
                inside = key.group(1)
                continue
            found = _SANDBOX.search(text) if inside is not None else None
            if found and not _NEGATED.search(text[: found.start()][-40:]):
                yield _finding(spec, "production_on_live_services", line, f"production uses {found.group(0)}", text)
    in_code = {line for block in spec.code_blocks for line, _ in _lines_of(block)}  # read above, by indentation
    for i, environment, rest, text in _environment_lines(spec):
        if i in in_code or not re.fullmatch(r"\**`?(production|prod)`?\**", environment.strip(), re.I):
            continue
        found = _SANDBOX.search(rest)
        if found and not _NEGATED.search(rest[: found.start()][-40:]):
            yield _finding(spec, "production_on_live_services", i, f"production uses {found.group(0)}", text)


# ----------------------------------------------------------------------------- units
_REDIS_MS = re.compile(r"""['"]?\b(PX|PEXPIRE|pexpire)\b['"]?\s*,?\s*(\d+)""")
_REDIS_S = re.compile(r"""['"]?\b(EX|EXPIRE|expire|setex|SETEX)\b['"]?\s*,?\s*(?:[^,()]+,\s*)?(\d+)""")
_JS_TIMEOUT = re.compile(r"\b(timeout|timeoutMs|connectTimeout|requestTimeout)\s*:\s*(\d+)\b")
_PY_TIMEOUT = re.compile(r"\btimeout\s*=\s*(\d+(?:\.\d+)?)\b")


def _seconds_given_as_ms(value: int) -> bool:
    """3600 or 300 handed to a milliseconds API: a round number of minutes, not of seconds."""
    return value % 60 == 0 and value % 1000 != 0 and value < 100_000


@lint("time_units_consistent")
def time_units_consistent(spec: SpecDocument) -> Iterator[Finding]:
    """Redis `PX`/`PEXPIRE` take milliseconds and `EX`/`EXPIRE`/`SETEX` seconds; JavaScript
    HTTP timeouts are milliseconds and Python's `timeout=` seconds. A value that only makes
    sense in the other unit is named with what it really means."""
    for block in spec.blocks(*CODE_LANGUAGES, "redis", "bash", "sh"):
        python = block.language in ("python", "py")
        for line, text in _lines_of(block):
            for found in _REDIS_MS.finditer(text):
                value = int(found.group(2))
                if _seconds_given_as_ms(value):
                    yield _finding(spec, "time_units_consistent", line, f"{found.group(1)} is milliseconds: "
                                   f"{value} ms is {value / 1000:g} s (write {value * 1000} for {value} seconds)", text)
            for found in _REDIS_S.finditer(text):
                value = int(found.group(2))
                if value >= 1_000_000 and value % 1000 == 0:
                    yield _finding(spec, "time_units_consistent", line, f"{found.group(1)} is seconds: {value} s is "
                                   f"{value / 86400:.0f} days (milliseconds given to a seconds API?)", text)
            if python:
                for found in _PY_TIMEOUT.finditer(text):
                    if float(found.group(1)) >= 1000:
                        yield _finding(spec, "time_units_consistent", line, f"Python timeouts are seconds: "
                                       f"timeout={found.group(1)} is {float(found.group(1)) / 60:.0f} minutes", text)
            else:
                for found in _JS_TIMEOUT.finditer(text):
                    if 0 < int(found.group(2)) < 100:
                        yield _finding(spec, "time_units_consistent", line, f"{found.group(1)} is milliseconds here: "
                                       f"{found.group(2)} ms (seconds meant?)", text)


# ----------------------------------------------------------------------------- out of scope
_STOP = set("a an and are as at be by can do does for from has have in into is it its no nor not of on "
            "or our the their this to we will with without within only any all feature features support".split())
_REQUIRES = re.compile(r"\b(must|shall|required|requires|supports?|will|needs?|✅)\b", re.I)
_EXCLUDES = re.compile(r"\b(no|not|never|without|out of scope|excluded|later|future|n/a|does not)\b", re.I)


def _out_of_scope(spec: SpecDocument) -> list[tuple[int, str]]:
    """(line, item) for the bullets under an "Out of scope" label or heading."""
    items: list[tuple[int, str]] = []
    lines = spec.lines
    for i, text in enumerate(lines):
        if not re.search(r"out of scope|non-goals", text, re.I) or re.match(r"^\s*[-*]\s", text):
            continue
        for j in range(i + 1, min(i + 12, len(lines))):
            bullet = re.match(r"^\s*[-*]\s+(.*)$", lines[j])
            if bullet:
                items.append((j + 1, bullet.group(1)))
            elif lines[j].strip():
                break
    return items


def _bigrams(text: str) -> set[str]:
    words = [w for w in re.findall(r"[a-z][a-z0-9]+", text.lower()) if w not in _STOP]
    return {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


@lint("out_of_scope_not_required")
def out_of_scope_not_required(spec: SpecDocument) -> Iterator[Finding]:
    """What the spec lists as out of scope is not required elsewhere: a line that states a
    requirement and shares two consecutive content words with an out-of-scope item."""
    excluded = _out_of_scope(spec)
    if not excluded:
        return
    excluded_lines = {line for line, _ in excluded}
    in_code = {n for b in spec.code_blocks for n in range(b.line, b.line + b.content.count("\n") + 2)}
    for i, text in enumerate(spec.lines, start=1):
        if i in excluded_lines or i in in_code or not _REQUIRES.search(text) or _EXCLUDES.search(text):
            continue
        said = _bigrams(text)
        for line, item in excluded:
            shared = sorted(_bigrams(item) & said)
            if shared:
                yield _finding(spec, "out_of_scope_not_required", i,
                               f"requires \"{shared[0]}\", which line {line} lists as out of scope", text)
                break


# ----------------------------------------------------------------------------- libraries
_TS_IMPORT = re.compile(r"""(?:\bfrom\s+|\bimport\s+|\brequire\s*\(\s*)['"]([^'"./][^'"]*)['"]""")
_PY_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import\b|import\s+([A-Za-z_][\w]*))")
_NODE_BUILTINS = set("assert async_hooks buffer child_process cluster console crypto dgram dns events fs http http2 https "
                     "module net os path perf_hooks process querystring readline stream string_decoder timers tls tty "
                     "url util v8 vm worker_threads zlib test".split())


# A package another one is built on, with the packages that name it by being named: an import
# of SQLAlchemy in a SQLModel project is SQLModel's own dependency, not one the plan forgot.
# "SQLModel is ... powered by Pydantic and SQLAlchemy" (https://sqlmodel.tiangolo.com/);
# "FastAPI stands on the shoulders of Starlette and Pydantic" (https://fastapi.tiangolo.com/);
# Alembic is "a database migrations tool ... for usage with SQLAlchemy" (https://alembic.sqlalchemy.org/).
_BUILT_ON = {"sqlalchemy": ("sqlmodel", "alembic", "flask-sqlalchemy"), "pydantic": ("sqlmodel", "fastapi"),
             "starlette": ("fastapi",)}


def _named(name: str, prose: str) -> bool:
    return any(re.search(rf"(?<![\w@/-]){re.escape(n)}(?![\w-])", prose) for n in (name.lower(), *_BUILT_ON.get(name.lower(), ())))


def _package(specifier: str) -> str | None:
    if specifier.startswith("node:"):
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return None if name in _NODE_BUILTINS else name


def _imports(block: CodeBlock) -> Iterator[tuple[int, str, str]]:
    """(line, package, text) for each third-party package the block imports."""
    import sys

    python = block.language in ("python", "py")
    for line, text in _lines_of(block):
        if python:
            found = _PY_IMPORT.match(text)
            name = (found.group(1) or found.group(2)) if found else None
            if name and name not in sys.stdlib_module_names:
                yield line, name, text
        else:
            for found in _TS_IMPORT.finditer(text):
                name = _package(found.group(1))
                if name:
                    yield line, name, text


def _own_subsection(spec: SpecDocument, line: int) -> range:
    """The lines of the H3 section a line sits in (empty when it sits directly under an H2)."""
    above = [h for h in spec.headings if h.line < line and h.level <= 3]
    if not above or above[-1].level != 3:
        return range(0)
    return range(above[-1].line, spec.section_range(above[-1])[1])


@lint("imports_named_dependencies")
def imports_named_dependencies(spec: SpecDocument) -> Iterator[Finding]:
    """A package a code example imports is named by the spec outside its code: in a
    dependency list, the stack, or the text. An import nothing else mentions is a
    dependency the plan never declared (or a package that does not exist)."""
    # Lines that declare nothing: code, and the review's own report, which quotes the package
    # it found (the eleventh-pass Stripe review passed its second round on its first round's
    # open questions). The examples' notes are not the plan either: the tenth-pass events
    # example passed by naming NestJS in its key points, and no dependency list had it.
    examples = spec.find_heading(CODE_EXAMPLES_H2, level=2)
    ignored = {n for b in spec.code_blocks for n in range(b.line, b.line + b.content.count("\n") + 2)}
    ignored |= computed_readiness_lines(spec) | (set(range(examples.line, spec.section_range(examples)[1])) if examples else set())
    seen: set[str] = set()
    for block in spec.blocks(*CODE_LANGUAGES):
        own = _own_subsection(spec, block.line)  # a template without a Code Examples H2: the block's own H3
        prose = "\n".join(text for i, text in enumerate(spec.lines, start=1) if i not in ignored and i not in own).lower()
        for line, name, text in _imports(block):
            if name in seen:
                continue
            seen.add(name)
            if not _named(name, prose):
                yield _finding(spec, "imports_named_dependencies", line,
                               f"imports {name}, which no dependency list or text of the spec names", text)


# ----------------------------------------------------------------------------- check
# ----------------------------------------------------------------------------- one statement per query
# A query with bind parameters goes through PostgreSQL's extended protocol, which takes one
# statement: "cannot insert multiple commands into a prepared statement"
# (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY). node-postgres
# sends any query with values that way; the reviewed README draft wrote such a query.
_QUERY_CALL = re.compile(r"\.(?:query|execute)\s*\(\s*(`[^`]*`|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")\s*,", re.S)
_BIND = re.compile(r"\$\d+|%s|%\(\w+\)s")


@lint("one_statement_per_parameterised_query")
def one_statement_per_parameterised_query(spec: SpecDocument) -> Iterator[Finding]:
    """A query sent with bind parameters holds one SQL statement."""
    for block in spec.blocks(*CODE_LANGUAGES):
        for found in _QUERY_CALL.finditer(block.content):
            sql = found.group(1)[1:-1]
            statements = [part for part in sql.split(";") if part.strip()]
            if len(statements) > 1 and _BIND.search(sql):
                offset = block.content.count("\n", 0, found.start())
                yield _finding(spec, "one_statement_per_parameterised_query", block.content_line + offset,
                               f"{len(statements)} statements in one query with bind parameters, which PostgreSQL "
                               "runs as one prepared statement only; send them as separate queries in a transaction",
                               block.content.splitlines()[offset])


# ----------------------------------------------------------------------------- fixed-width text
# character(n) pads a shorter value with blanks and rejects a longer one
# (https://www.postgresql.org/docs/current/datatype-character.html): it fits a code whose
# every value has exactly n characters, and nothing else. The seventh-pass Stripe draft
# stored `provider CHAR(3)`, where 'stripe' does not fit.
_FIXED_WIDTH_CODES: dict[str, frozenset[int]] = {
    "currency": frozenset({3}),  # ISO 4217
    "country": frozenset({2, 3}),  # ISO 3166-1 alpha-2 / alpha-3
    "language": frozenset({2, 3}), "lang": frozenset({2, 3}),  # ISO 639-1 / 639-2
}
_DIGESTS = {"hash", "checksum", "digest", "sha256", "sha1", "md5", "fingerprint"}
_CHAR_TYPE = re.compile(r"^(?:char|character|bpchar)\s*\(\s*(\d+)\s*\)$", re.I)


def _fixed_width_fits(column: str, width: int) -> bool:
    words = column.lower().split("_")
    for word in (words[-2] if len(words) > 1 and words[-1] in ("code", "iso") else None, words[-1]):
        if word in _FIXED_WIDTH_CODES:
            return width in _FIXED_WIDTH_CODES[word]
    return words[-1] in ("code", "iso") or words[-1] in _DIGESTS


@lint("fixed_width_only_for_codes")
def fixed_width_only_for_codes(spec: SpecDocument) -> Iterator[Finding]:
    """CHAR(n) only on a code of exactly n characters (currency CHAR(3)); a name, a provider
    or a status has values of other lengths, and a currency in CHAR(2) cannot hold its code."""
    from sqlglot import exp

    for block, statements in _sql_statements(spec):
        for statement in statements:
            for column in statement.find_all(exp.ColumnDef):
                kind = column.args.get("kind")
                found = _CHAR_TYPE.match(kind.sql("postgres")) if kind is not None else None
                if found is None or _fixed_width_fits(column.name, int(found.group(1))):
                    continue
                width = int(found.group(1))
                line, text = next(((n, t) for n, t in _lines_of(block) if re.search(rf"\b{re.escape(column.name)}\b", t, re.I)),
                                  (block.content_line, column.sql("postgres")))
                yield _finding(spec, "fixed_width_only_for_codes", line,
                               f"{column.name} is CHAR({width}), which pads a shorter value with blanks and rejects a "
                               f"longer one; only a code of exactly {width} characters fits it: use text or varchar", text)


def check_lints(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    if not spec.markdown.strip():
        return Score.skip(NAME, "empty document")
    findings: list[Finding] = []
    for rule in LINTS.values():
        findings += list(rule.fn(spec))
    return Score.from_findings(NAME, findings, checked=len(LINTS), notes=[f"rules: {', '.join(LINTS)}"],
                               failed=len({f.message.split(':', 1)[0] for f in findings}))
