"""Semantic defects: what a reader would call wrong in a spec whose every
syntactic check passes.

Four families, each a count of findings (the H2 heading they sit under, and a
message that quotes the text):

1. names outside the design spine: a table, endpoint or piece of infrastructure
   the spine lacks (agents.spine_gate.outside_spine, per H2 section);
2. contradictions: statements that disagree with the spine, or, where there is
   no spine, with each other (no new tables vs CREATE TABLE, no cache vs Redis,
   dropped vs dead-lettered, a role nobody defines, one quantity with two values);
3. sections that apply but are empty (failed, or no data, while the spine says
   the section applies);
4. sections that do not apply but carry content beyond their headings and the
   one "Not applicable:" line.

The reference rule: with a spine, the spine is the design, so a statement is a
defect when it disagrees with the spine (the statement that agrees is never
counted, and a name the spine lacks is counted once, by family 1). Without a
spine, two statements that disagree are one defect: the later one, quoting the
earlier.

Context and Overview restate the user's description and brief, and the System
Landscape renders the spine itself (when there is one): none of them is read
for statements. Rules that need spec.json or the spine skip without it and say
so in the score's notes; the rules that read only the markdown still run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.spec_document import SpecDocument, normalize_heading

NAME = "semantic_defects"

ECHO_H2 = {normalize_heading(h) for h in ("Context", "Overview")}  # restate the description
READINESS_H4 = "Integration Readiness"
# Lines of that block that code writes: ticks, concern and open-question lists, the verdict.
_COMPUTED_READINESS = re.compile(r"^\s*(- \[[ x]\]|- \*\*(critical|major|minor)\*\*|\*\*(Must-cover concerns|Open questions|"
                                 r"Not ready|Ready for implementation))")
LANDSCAPE_H3 = "System Landscape"

def computed_readiness_lines(spec: SpecDocument) -> set[int]:
    """The lines of Integration Readiness that code writes from this run: they quote findings
    (a package no list names, a contradiction), so a check reading them as the spec's own
    statements would be satisfied, or contradicted, by its own report."""
    readiness = spec.find_heading(READINESS_H4, level=4)
    if readiness is None:
        return set()
    return {n for n in range(readiness.line, spec.section_range(readiness)[1]) if _COMPUTED_READINESS.match(spec.lines[n - 1])}


# --------------------------------------------------------------------- the document as statements


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line in the markdown
    h2: str | None
    text: str
    path: tuple[str, ...]  # enclosing headings, outermost first


@dataclass(frozen=True)
class Sentence:
    line: Line
    text: str

    @property
    def h2(self) -> str | None:
        return self.line.h2


@dataclass
class Context:
    spec: SpecDocument
    spine: Any  # agents.spine.DesignSpine | None
    lines: list[Line]  # readable lines: no echo sections, no landscape (with a spine), no mermaid, no fences
    sentences: list[Sentence] = field(default_factory=list)
    sql: list[tuple[Line, str]] = field(default_factory=list)  # (first line, statement) of each SQL statement
    notes: list[str] = field(default_factory=list)  # what a rule could not judge


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0


def _quote(text: str, limit: int = 140, at: int | None = None) -> str:
    """The text in quotes, cut to about `limit` characters around position `at` (default: the start)."""
    if at is not None:  # whitespace is collapsed below: keep the position on the same character
        at = len(" ".join(text[:at].split())) + (1 if text[:at] and text[:at][-1].isspace() else 0)
    text = " ".join(text.split())
    if len(text) <= limit:
        return f'"{text}"'
    start = 0 if at is None else max(0, min(at - limit // 3, len(text) - limit))
    cut = text[start:start + limit]
    return '"' + ("…" if start else "") + cut + ("…" if start + limit < len(text) else "") + '"'


def _where(s: Sentence) -> str:
    return f"{s.h2 or 'the title'} (line {s.line.number})"


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z`*(\"'])")


def _context(spec: SpecDocument, spine: Any) -> Context:
    """Lines with their H2 and heading path, sentences split from them, and the SQL statements."""
    h2_of: list[str | None] = [None] * (len(spec.lines) + 2)
    path_of: list[tuple[str, ...]] = [()] * (len(spec.lines) + 2)
    headings = sorted(spec.headings, key=lambda h: h.line)
    current_h2: str | None = None
    current_path: tuple[str, ...] = ()
    index = 0
    for number in range(1, len(spec.lines) + 1):
        while index < len(headings) and headings[index].line == number:
            h = headings[index]
            current_h2 = h.text if h.level == 2 else (None if h.level < 2 else current_h2)
            current_path = h.path
            index += 1
        h2_of[number], path_of[number] = current_h2, current_path

    skipped: set[int] = set()
    landscape = spec.find_heading(LANDSCAPE_H3, level=3)
    if landscape is not None and spine is not None:
        start, end = spec.section_range(landscape)
        skipped.update(range(landscape.line, end))
    # The readiness block is computed from this run (coverage, open review findings): it
    # quotes what is missing or wrong, and read as a statement it would contradict itself.
    skipped.update(computed_readiness_lines(spec))
    fenced: set[int] = set()  # the fence lines themselves
    code: set[int] = set()  # lines inside fences, where a leading # is a comment, not a heading
    sql: list[tuple[int, str]] = []
    for block in spec.code_blocks:
        size = block.content.count("\n")
        if spec.lines[block.line - 1].lstrip().startswith(("```", "~~~")):  # not an indented block
            fenced.update({block.line, block.line + size + 1})
        code.update(range(block.content_line, block.content_line + size))
        if block.language == "mermaid":
            skipped.update(range(block.line, block.line + size + 2))
        if block.language == "sql":
            offset = 0
            for statement in block.content.split(";"):
                body = statement.split("\n")
                # leading blank and comment lines belong to no statement: the line is the statement's own
                skip = next((i for i, text in enumerate(body) if text.strip() and not text.strip().startswith("--")), None)
                if skip is not None:
                    sql.append((block.content_line + offset + skip, "\n".join(body[skip:]).strip()))
                offset += statement.count("\n")

    lines = []
    for number, text in enumerate(spec.lines, 1):
        h2 = h2_of[number]
        heading = text.lstrip().startswith("#") and number not in code
        if number in skipped or number in fenced or not text.strip() or heading:
            continue
        if h2 is not None and normalize_heading(h2) in ECHO_H2:
            continue
        lines.append(Line(number, h2, text, path_of[number]))
    ctx = Context(spec, spine, lines)
    ctx.sentences = [Sentence(line, part) for line in lines for part in _SENTENCE_END.split(line.text) if part.strip()]
    by_number = {line.number: line for line in lines}
    ctx.sql = [(by_number.get(n) or Line(n, h2_of[n], spec.lines[n - 1], path_of[n]), s) for n, s in sql]
    return ctx


_NEGATION_BEFORE = re.compile(r"\b(no|not|never|without|nothing|none|instead\s+of)\b[^.;]{0,15}$", re.I)


def _negated(text: str, start: int) -> bool:
    """A match preceded (closely) by a negation: "never dropped", "no Redis"."""
    return bool(_NEGATION_BEFORE.search(text[:start]))


# --------------------------------------------------------------------- 1. names outside the spine


def names_outside_spine(ctx: Context) -> Outcome:
    """Each H2 section may use only the tables, endpoints and infrastructure the
    spine decides (the draft gate's own test, agents.spine_gate): a name outside
    it means a section re-decided the design, so the sections disagree on what
    is being built. Context/Overview (the description) and the System Landscape
    (the spine rendered) are not read."""
    from agentspec.agents.spine_gate import outside_spine

    out = Outcome()
    spec = ctx.spec
    landscape = spec.find_heading(LANDSCAPE_H3, level=3)
    blank = set(range(landscape.line, spec.section_range(landscape)[1])) if landscape else set()
    headings = {h.line for h in spec.headings}
    for heading, _text in spec.h2_sections():
        if heading.key in ECHO_H2:
            continue
        start, end = spec.section_range(heading)
        numbers = [n for n in range(start, end) if n not in blank]
        # template headings name what the template covers ("### GraphQL Integration"), not the design
        chunk = "\n".join("" if n in headings else spec.lines[n - 1] for n in numbers)
        out.checked += 1
        for name in outside_spine(chunk, ctx.spine):
            line = next((n for n in numbers if name.line.strip() and name.line.strip() in spec.lines[n - 1]), None)
            out.findings.append(Finding(heading.text, f"outside the spine: {name.message(ctx.spine)}", line))
    return out


# --------------------------------------------------------------------- 2a. no new tables / no schema changes

_NO_NEW_TABLES = re.compile(
    r"\bno\s+(?:new|additional)\s+(?:database\s+|db\s+)?tables?\b"
    r"|\bno\s+tables?\s+(?:is|are)\s+(?:needed|required|added|created)\b"
    r"|\b(?:does|do|will|should)\s+not\s+(?:need|require|add|create|introduce)\s+(?:any\s+)?(?:new\s+|additional\s+)?(?:database\s+)?tables?\b"
    r"|\bwithout\s+(?:any\s+)?(?:new|additional)\s+tables?\b", re.I)
_NO_SCHEMA_CHANGE = re.compile(
    r"\bno\s+(?:database\s+|db\s+)?schema\s+changes?\b"
    r"|\bno\s+changes?\s+(?:to|in)\s+the\s+(?:database\s+|db\s+)?schema\b"
    r"|\b(?:does|do|will|should)\s+not\s+(?:need|require)\s+(?:any\s+)?(?:database\s+|db\s+)?schema\s+changes?\b"
    r"|\bwithout\s+(?:any\s+)?(?:database\s+)?schema\s+changes?\b"
    r"|\bschema\s+changes?\**\s*:\s*\**\s*(?:none|n/a)\b"
    r"|\b(?:database\s+)?schema\s+(?:remains|stays|is\s+left)\s+unchanged\b", re.I)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?[\"`]?([A-Za-z_][\w.]*)", re.I)
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[\"`]?([A-Za-z_][\w.]*)", re.I)


def _schema_evidence(ctx: Context) -> tuple[list[str], list[str]]:
    """(what makes new tables, what changes the schema): from the spine when
    there is one, else from the document's DDL (CREATE TABLE IF NOT EXISTS is an
    existing table, so not new)."""
    if ctx.spine is not None:
        new = [f"the spine's new table {e.table}" for e in ctx.spine.entities if e.change == "new"]
        altered = [f"the spine's altered table {e.table}" for e in ctx.spine.entities if e.change == "altered"]
        return new, new + altered
    new, changed = [], []
    for line, statement in ctx.sql:
        if (m := _CREATE_TABLE.match(statement)) and not m.group(1):
            new.append(f"CREATE TABLE {m.group(2)} in {line.h2} (line {line.number})")
        elif m := _ALTER_TABLE.match(statement):
            changed.append(f"ALTER TABLE {m.group(1)} in {line.h2} (line {line.number})")
    return new, new + changed


def no_tables_claim(ctx: Context) -> Outcome:
    """"No new tables" / "no schema changes" while the design creates or alters
    tables: a reader of that section would skip the migration the others need."""
    out = Outcome()
    new, changed = _schema_evidence(ctx)
    for s in ctx.sentences:
        for pattern, evidence in ((_NO_SCHEMA_CHANGE, changed), (_NO_NEW_TABLES, new)):
            if m := pattern.search(s.text):
                out.checked += 1
                if evidence:
                    more = f" (and {len(evidence) - 1} more)" if len(evidence) > 1 else ""
                    out.findings.append(Finding(s.h2, f"contradiction: says {_quote(s.text, at=m.start())}, but there is {evidence[0]}{more}",
                                                s.line.number))
                break
    return out


# --------------------------------------------------------------------- 2b. no cache vs a cache

_NO_CACHE = re.compile(
    r"\bno\s+(?:caching|cache)(?:\s+layer)?\s+(?:is\s+|are\s+|will\s+be\s+)?(?:needed|required|used|involved|planned)\b"
    r"|\bno\s+(?:caching|cache)(?:\s+layer)?\s*(?:[.;:,)]|$)"
    r"|\b(?:does|do|will|should)\s+not\s+(?:need|require|use|add|introduce)\s+(?:a\s+|any\s+)?(?:caching|cache)\b"
    r"|\bcaching\s+is\s+not\s+(?:needed|required|used|planned)\b"
    r"|\bwithout\s+(?:a\s+|any\s+)?(?:cache|caching)\b"
    r"|\bcache(?:\s+integration)?\**\s*:\s*\**\s*(?:none|n/a|not\s+(?:needed|required|used))\b", re.I)


def _cache_names() -> list[tuple[str, re.Pattern[str]]]:
    from agentspec.agents.spine_gate import INFRASTRUCTURE

    return [(t, re.compile(r"\b" + re.escape(t) + r"\b", re.I)) for t in INFRASTRUCTURE["cache"]]


def no_cache_claim(ctx: Context) -> Outcome:
    """"No caching" while the design has a cache: with a spine, its cache
    component (a Redis name without one is family 1's finding); without one,
    Redis/Memcached named elsewhere, not negated."""
    out = Outcome()
    claims = [(s, m.start()) for s in ctx.sentences if (m := _NO_CACHE.search(s.text))]
    out.checked = len(claims)
    if not claims:
        return out
    evidence: str | None = None
    if ctx.spine is not None:
        cache = next((c for c in ctx.spine.components if c.kind == "cache"), None)
        evidence = f"the spine has the cache component {cache.id}" if cache else None
    else:
        names = _cache_names()
        claimed = {s for s, _ in claims}
        for s in ctx.sentences:
            if s in claimed:
                continue
            hit = next(((t, m) for t, p in names if (m := p.search(s.text)) and not _negated(s.text, m.start())), None)
            if hit:
                evidence = f"{_where(s)} names {hit[0]}: {_quote(s.text, 80)}"
                break
    if evidence:
        for s, at in claims:
            out.findings.append(Finding(s.h2, f"contradiction: says {_quote(s.text, at=at)}, but {evidence}", s.line.number))
    return out


# --------------------------------------------------------------------- 2c. failure handling

_FAILURE_CONTEXT = re.compile(r"fail|retr|error|attempt|poison|exhaust|give\s+up|gives\s+up|undeliver", re.I)
_DROPPED = re.compile(r"\b(?:is|are|be|been|get|gets|got|and|then)\s+(?:\w+\s+)?(?P<word>dropped|discarded)\b"
                      r"|\b(?P<word2>drop)[\s_-]and[\s_-]log\b"
                      r"|\b(?P<word3>drop)(?:s|ping)?\s+(?:it|them|the\s+(?:event|message|job|webhook|task|work|failure)s?)\b", re.I)
_ROLLBACK = re.compile(r"roll(?:s|ed|ing)?\s+(?:it\s+|them\s+)?back|rollback|revert|down\s+migration|migration", re.I)
_DEAD_LETTER = re.compile(r"dead[\s_-]?letter(?:[\s_-]+(\w+))?|(?<![a-z])dlq(?![a-z])(?:[\s_-]+(\w+))?", re.I)
_QUEUE_WORDS = {"queue", "queues", "topic", "topics", "stream", "exchange"}
_TABLE_WORDS = {"table", "tables", "row", "rows", "record", "records"}


def _failure_outcomes(s: Sentence) -> list[tuple[str, int]]:
    """What the sentence says happens to failed work, with where it says so:
    drop, dead_letter_table, dead_letter_queue, or dead_letter (kind not said).
    Negated mentions ("never dropped", "no DLQ") say nothing."""
    found = []
    if _FAILURE_CONTEXT.search(s.text):
        m = _DROPPED.search(s.text)
        word = m.start("word") if m and m.group("word") else m.start() if m else 0
        # "are never dropped": the negation sits inside the match; "rolling it back drops them": a
        # rollback drops tables, not failed work (a gdpr migration line with a `*_failures` table).
        if m and not _negated(s.text, word) and not _ROLLBACK.search(s.text[max(0, m.start() - 40):m.start()]):
            found.append(("drop", m.start()))
    for m in _DEAD_LETTER.finditer(s.text):
        if _negated(s.text, m.start()):
            continue
        word = (m.group(1) or m.group(2) or "").lower()
        if word.startswith("queue") or word in _QUEUE_WORDS or (m.group(0).lower().startswith("dlq") and word not in _TABLE_WORDS):
            found.append(("dead_letter_queue", m.start()))
        elif word in _TABLE_WORDS:
            found.append(("dead_letter_table", m.start()))
        else:
            found.append(("dead_letter", m.start()))
        break
    return found


_AGREES: dict[str, set[str]] = {
    "dead_letter_table": {"dead_letter_table", "dead_letter"},
    "dead_letter_queue": {"dead_letter_queue", "dead_letter"},
    "alert_and_keep_failed": set(),
    "drop_and_log": {"drop"},
}
_SAID = {"drop": "failed work is dropped", "dead_letter_table": "failed work goes to a dead letter table",
         "dead_letter_queue": "failed work goes to a dead letter queue", "dead_letter": "failed work is dead-lettered"}


def failure_handling(ctx: Context) -> Outcome:
    """Where failed work goes once retries are spent is decided once
    (spine.failure_policy.after_retries); a section that drops what another
    dead-letters leaves operators unable to tell whether anything was lost."""
    out = Outcome()
    said = [(s, o, at) for s in ctx.sentences for o, at in _failure_outcomes(s)]
    out.checked = len(said)
    if ctx.spine is not None:
        policy = ctx.spine.failure_policy.after_retries
        for s, outcome, at in said:
            if outcome not in _AGREES[policy]:
                out.findings.append(Finding(s.h2, f"contradiction: says {_SAID[outcome]} ({_quote(s.text, at=at)}), but the "
                                                  f"spine's failure policy is {policy.replace('_', ' ')}", s.line.number))
        return out
    first_drop = next(((s, at) for s, o, at in said if o == "drop"), None)
    first_dead = next(((s, at) for s, o, at in said if o != "drop"), None)
    if first_drop is None or first_dead is None:
        return out
    reference_is_drop = first_drop[0].line.number <= first_dead[0].line.number
    reference, ref_at = first_drop if reference_is_drop else first_dead
    seen: set[int] = set()
    for s, outcome, at in said:
        if (outcome == "drop") != reference_is_drop and s.line.number not in seen:
            seen.add(s.line.number)
            out.findings.append(Finding(s.h2, f"contradiction: says {_SAID[outcome]} ({_quote(s.text, at=at)}), but "
                                              f"{_where(reference)} says {_SAID['drop' if reference_is_drop else 'dead_letter']} "
                                              f"({_quote(reference.text, 80, at=ref_at)})", s.line.number))
    return out


# --------------------------------------------------------------------- 2c'. scheduled runs

# A job that runs one at a time (spine: a scheduler's `overlap`) contradicts text that lets its
# runs overlap: the thirteenth-pass Stripe Reusability called the reconciler's single lock an
# anti-pattern and proposed "a queue-based approach where each run gets its own lock".
RUNS_OVERLAP = re.compile(
    r"each\s+run\s+(?:gets|has|takes|uses)\s+its\s+own\s+lock|(?:a|one)\s+lock\s+per\s+run|"
    r"(?:runs?|jobs?|instances?)\s+(?:can|may|should|will)\s+(?:run|execute|overlap)\s+(?:concurrently|in\s+parallel|at\s+the\s+same\s+time)|"
    r"(?:overlapping|concurrent|parallel)\s+runs\s+(?:are|is)\s+(?:allowed|fine|safe)|"
    r"(?:a|one)\s+single\s+lock\b[^.;]{0,60}\b(?:deadlocks?|race\s+conditions?)", re.I)


def overlapping_runs(ctx: Context) -> Outcome:
    out = Outcome()
    single = [c.id for c in ctx.spine.components if getattr(c, "overlap", None)]
    if not single:
        return out
    for s in ctx.sentences:
        found = RUNS_OVERLAP.search(s.text)
        if found is None or _negated(s.text, found.start()):
            continue
        out.checked += 1
        out.findings.append(Finding(s.h2, f"contradiction: lets runs overlap ({_quote(s.text, at=found.start())}), but the "
                                          f"spine runs {', '.join(single)} one at a time", s.line.number))
    return out


# --------------------------------------------------------------------- 2c''. another script

# Scripts a small model slips into mid-sentence (Qwen wrote "签名" for "signature" in the
# Stripe Reusability Analysis, on both attempts): Han, kana, Hangul. A description written in
# one of them is answered in it, so they are foreign only to a description that has none.
# Minor: the sentence around it still says what it means, and a redraft repeated the slip.
_FOREIGN_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def foreign_script(ctx: Context) -> Outcome:
    out = Outcome()
    description = str(((ctx.spec.spec_json or {}).get("description")) or "")
    if _FOREIGN_SCRIPT.search(description):
        return out
    for s in ctx.sentences:
        found = _FOREIGN_SCRIPT.search(s.text)
        if found is not None:
            out.checked += 1
            out.findings.append(Finding(s.h2, f"language: writes {found.group(0)!r} in a script the description does not "
                                              f"use ({_quote(s.text, at=found.start())})", s.line.number))
    return out


# --------------------------------------------------------------------- 2d. roles

_IDENT = r"[A-Za-z][\w-]*"
_ROLE_PATTERNS = [
    re.compile(r"[`'\"](" + _IDENT + r")[`'\"]\s+roles?\b", re.I),  # `billing_admin` role
    re.compile(r"\broles?\s*(?:[:=]|\bis\b)?\s*[`'\"](" + _IDENT + r")[`'\"]", re.I),  # role `admin`, role: 'admin'
    re.compile(r"\brequires?\s+(?:the\s+|an?\s+)?(?:role\s+)?([a-z][a-z0-9_]*)\s+role\b", re.I),  # requires the admin role
    re.compile(r"\b(?:requires?|with|has|needs?|holds?)\s+(?:the\s+)?role\s+([a-z][a-z0-9_]*)\b", re.I),  # requires role admin
    re.compile(r"(?:^|[:;,(]\s*|[-*]\s+)roles?\s+([a-z][a-z0-9_]*)\b", re.I),  # `/admin`: role admin
    re.compile(r"\b(?:has|require|requires|check|ensure|assert)_?roles?\s*\(\s*['\"`](" + _IDENT + r")", re.I),  # hasRole('admin')
    re.compile(r"@Roles?\(\s*['\"`](" + _IDENT + r")"),
    re.compile(r"\brole\s*(?:===?|!==?)\s*['\"`](" + _IDENT + r")", re.I),  # role === 'admin'
]
_ROLE_LIST = re.compile(r"\broles?\s*:\s*\[([^\]]*)\]", re.I)
_ROLE_STOP = set("""based definitions definition model names name claim claims check checks checking mapping mappings
assignment assignments hierarchy permissions permission guard guards is are and or the a an in of for to from with that
which must may can should will required requirements access level membership table column field header scope scopes
none each per as at on by it its this these their any every owner ownership""".split())


def _role_mentions(text: str) -> list[tuple[int, str]]:
    found = [(m.start(1), m.group(1)) for p in _ROLE_PATTERNS for m in p.finditer(text)]
    for m in _ROLE_LIST.finditer(text):
        found += [(m.start(1) + q.start(1), q.group(1)) for q in re.finditer(r"['\"`](" + _IDENT + r")['\"`]", m.group(1))]
    return [(at, name) for at, name in found if name.lower() not in _ROLE_STOP]


def undefined_roles(ctx: Context) -> Outcome:
    """A guard or RBAC text that checks a role the spine does not define: the
    implementation would check a name nobody is ever given (or invent it).
    Component, system and setting ids next to "role" are not roles."""
    out = Outcome()
    spine = ctx.spine
    known = {r.name.lower() for r in spine.roles}
    not_roles = {c.id.lower() for c in spine.components} | {x.id.lower() for x in spine.external_systems}
    not_roles |= {s.name.lower() for s in spine.settings}
    seen: set[tuple[str | None, str]] = set()
    for s in ctx.sentences:
        for at, name in sorted(_role_mentions(s.text)):
            key = name.lower()
            out.checked += 1
            if key in known or key in not_roles or (s.h2, key) in seen:
                continue
            seen.add((s.h2, key))
            defined = ", ".join(r.name for r in spine.roles) or "none"
            out.findings.append(Finding(s.h2, f"contradiction: uses role {name} ({_quote(s.text, at=at)}), which the spine does not "
                                              f"define; its roles: {defined}", s.line.number))
    return out


# --------------------------------------------------------------------- 2e. one quantity, one value

_SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_TIME_UNIT = {"ms": "ms", "millisecond": "ms", "milliseconds": "ms", "msec": "ms", "msecs": "ms",
              "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
              "m": "min", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
              "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d"}
_TIME = re.compile(r"(?<![\w.$])(\d+(?:\.\d+)?)(\s|-)?(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b",
                   re.I)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.I)
_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(KB|MB|GB|kilobytes?|megabytes?|gigabytes?)\b", re.I)
_ROWS = re.compile(r"(?<![\w.])(\d[\d,]*)\s?rows?\b", re.I)
_RATE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:(?:requests?|reqs?|calls?)\s?(?:/|per\s+)\s?(s|sec|second|m|min|minute)\b|(rps|rpm)\b)", re.I)
_COUNT = re.compile(r"(?<![\w.$/#-])(\d+)(?![\w.%]|\s?-?(?:ms|s|sec|seconds?|min|minutes?|h|hours?|d|days?|%|KB|MB|GB|rows?|requests?)\b)", re.I)


@dataclass(frozen=True)
class Value:
    start: int
    end: int
    amount: float  # normalised: seconds, percent, MB, rows, requests per second, count
    shown: str


def _times(text: str) -> list[Value]:
    out = []
    for m in _TIME.finditer(text):
        unit = _TIME_UNIT[m.group(3).lower()]
        if m.group(3).lower() == "m" and m.group(2):  # "5 m" is metres as often as minutes
            continue
        out.append(Value(m.start(), m.end(), float(m.group(1)) * _SECONDS[unit], m.group(0)))
    return out


def _percents(text: str) -> list[Value]:
    return [Value(m.start(), m.end(), float(m.group(1)), m.group(0)) for m in _PERCENT.finditer(text)]


def _sizes(text: str) -> list[Value]:
    factor = {"k": 1 / 1024, "m": 1.0, "g": 1024.0}
    return [Value(m.start(), m.end(), float(m.group(1)) * factor[m.group(2)[0].lower()], m.group(0)) for m in _SIZE.finditer(text)]


def _rows(text: str) -> list[Value]:
    return [Value(m.start(), m.end(), float(m.group(1).replace(",", "")), m.group(0)) for m in _ROWS.finditer(text)]


def _rates(text: str) -> list[Value]:
    out = []
    for m in _RATE.finditer(text):
        per = (m.group(2) or m.group(3) or "s").lower()
        per_minute = per.startswith("m") or per == "rpm"
        out.append(Value(m.start(), m.end(), float(m.group(1)) / (60.0 if per_minute else 1.0), m.group(0)))
    return out


def _counts(text: str) -> list[Value]:
    return [Value(m.start(), m.end(), float(m.group(1)), m.group(0)) for m in _COUNT.finditer(text)]


EXTRACT: dict[str, Callable[[str], list[Value]]] = {
    "ms": _times, "s": _times, "min": _times, "h": _times, "d": _times, "percent": _percents, "MB": _sizes,
    "rows": _rows, "requests_per_s": _rates, "requests_per_min": _rates, "count": _counts,
}


def _normalise(value: float, unit: str) -> float:
    if unit in _SECONDS:
        return value * _SECONDS[unit]
    if unit == "requests_per_min":
        return value / 60.0
    return value


def _show(amount: float, unit: str) -> str:
    from agentspec.agents.spine import number

    if unit in _SECONDS:
        for name in ("d", "h", "min", "s"):
            if amount >= _SECONDS[name] and (amount / _SECONDS[name]).is_integer():
                return f"{number(amount / _SECONDS[name])} {name}"
        return f"{number(amount * 1000)} ms"
    if unit in ("requests_per_s", "requests_per_min"):
        return f"{number(amount)} requests/s"
    return number(amount) if unit == "count" else f"{number(amount)} {unit}"


@dataclass(frozen=True)
class Quantity:
    """One number the whole document must agree on."""

    name: str
    subject: re.Pattern[str]  # where a sentence talks about it: the value nearest a match is its value
    unit: str  # a spine Limit unit: which values count (times, percents, ...)
    requires: tuple[re.Pattern[str], ...] = ()  # each must also appear in the sentence
    qualifier: re.Pattern[str] | None = None  # must appear in the sentence or its headings
    exclude: re.Pattern[str] | None = None  # sentences about something else that looks alike
    reference: float | None = None  # normalised value the spine fixes
    window: int = 40  # characters between subject and value
    values: Callable[[str], list[Value]] | None = None  # explicit extraction instead of "nearest the subject"


_ACCESS_TOKEN = re.compile(r"access[\s_-]?tokens?\b|accessToken", re.I)
_NOT_TIME = r"\b(?!\s*-?(?:ms|s|secs?|seconds?|mins?|minutes?|h|hours?|d|days?)\b)"
_RETRY_VALUES = [
    re.compile(r"(?<![\w.])(\d+)\s+(?:retries|retry\s+attempts)\b", re.I),
    re.compile(r"\b(?:retries|retry[_\s]?attempts|max[_\s]?retries|retry[_\s]?count|retry[_\s]?limit)"
               r"\s*[:=]?\s*(?:of\s+|up\s+to\s+|is\s+|at\s+most\s+)?(\d+)" + _NOT_TIME, re.I),
    re.compile(r"\bretr(?:y|ied|ies)\s+(?:up\s+to\s+|at\s+most\s+)?(\d+)\s+times\b", re.I),
]


def _retry_values(text: str) -> list[Value]:
    found: dict[int, Value] = {}
    for pattern in _RETRY_VALUES:
        for m in pattern.finditer(text):
            found.setdefault(m.start(1), Value(m.start(1), m.end(1), float(m.group(1)), m.group(1)))
    return sorted(found.values(), key=lambda v: v.start)


COMMON: dict[str, Callable[[], Quantity]] = {
    "access token lifetime": lambda: Quantity(
        "access token lifetime", _ACCESS_TOKEN, "min",
        qualifier=re.compile(r"lifetime|expir|\bttl\b|valid|\blives?\b|duration|\bexp\b|max[-_]?age", re.I)),
    "retry count": lambda: Quantity("retry count", re.compile(r"retr", re.I), "count", values=_retry_values),
    "page load target": lambda: Quantity("page load target", re.compile(r"page[\s_-]?loads?\b", re.I), "ms"),
    "cache TTL": lambda: Quantity(
        "cache TTL", re.compile(r"\bttl\b|time[\s-]to[\s-]live|\bcached?\s+(?:\w+\s+){0,3}?for\b|\bexpir\w*", re.I), "s",
        qualifier=re.compile(r"cach|redis|memcached|valkey", re.I), exclude=_ACCESS_TOKEN),
}
# The words of a spine limit's name that say what kind of number it is, and how prose says them
# ("" : a word that says nothing on its own, such as a unit).
QUANTITY_WORDS: dict[str, str] = {
    "lifetime": r"lifetime|expir\w*|\bttl\b|valid\w*|\blives?\b", "ttl": r"\bttl\b|time[\s-]to[\s-]live|expir\w*",
    "timeout": r"time[\s-]?outs?|timed[\s-]out", "latency": r"latency|p9[059]|response\s+time", "target": r"target|within|under|<",
    "window": r"window", "interval": r"interval|every", "delay": r"delay|after|wait", "limit": r"limit|max\w*|at\s+most|up\s+to",
    "max": r"max\w*|at\s+most|up\s+to|limit", "size": r"size|max\w*|up\s+to|limit", "rate": r"rate|per\b|/",
    "retention": r"retention|retain\w*|kept|keep|purge\w*|delete\w*", "duration": r"duration|takes?|lasts?",
    "p95": r"p95", "p99": r"p99", "seconds": "", "ms": "", "minutes": "", "count": "", "per": "", "min": "", "of": "",
}


def _limit_quantity(limit: Any) -> Quantity | None:
    """A spine limit as a quantity: each ordinary word of its name must appear
    (as a word prefix: webhook matches webhooks, ack matches acknowledge), and
    its quantity word (timeout, lifetime...) or a synonym when it has one. A
    name of quantity words only is too vague to find."""
    words = [w for w in limit.name.lower().split("_") if w]
    phrase = [w for w in words if w not in QUANTITY_WORDS]
    kinds = [QUANTITY_WORDS[w] for w in words if QUANTITY_WORDS.get(w)]
    if not phrase:
        return None
    # a word start, also inside snake_case (webhook_ack) and camelCase (webhookAck)
    patterns = tuple(re.compile(rf"(?:\b|(?<=_))(?i:{re.escape(w)})|(?<=[a-z]){re.escape(w.capitalize())}") for w in phrase)
    return Quantity(limit.name.replace("_", " "), re.compile("|".join(p.pattern for p in patterns)), limit.unit,
                    requires=patterns, qualifier=re.compile("|".join(kinds), re.I) if kinds else None,
                    reference=_normalise(limit.value, limit.unit))


def _quantities(spine: Any) -> tuple[list[Quantity], list[str]]:
    """The spine's limits, then the common quantities no limit covers (the
    retry count takes the spine's failure policy as its reference)."""
    quantities, notes = [], []
    covered: set[str] = set()
    for limit in (spine.limits if spine is not None else []):
        q = _limit_quantity(limit)
        if q is None:
            notes.append(f"limit {limit.name}: its name has no words to find it by; not compared")
            continue
        quantities.append(q)
        words = set(limit.name.lower().split("_"))
        if {"access", "token"} <= words:
            covered.add("access token lifetime")
        if {"page", "load"} <= words:
            covered.add("page load target")
        if "cache" in words and words & {"ttl", "lifetime", "expiry"}:
            covered.add("cache TTL")
        if words & {"retries", "retry"}:
            covered.add("retry count")
    for name, make in COMMON.items():
        if name in covered:
            continue
        q = make()
        if name == "retry count" and spine is not None:
            q = Quantity(q.name, q.subject, q.unit, values=q.values, reference=float(spine.failure_policy.retries))
        quantities.append(q)
    return quantities, notes


def _nearest(q: Quantity, s: Sentence) -> Value | None:
    """The value this sentence gives the quantity: the one nearest a subject match."""
    text = s.text
    if not q.subject.search(text) or any(not p.search(text) for p in q.requires):
        return None
    if q.exclude is not None and q.exclude.search(text):
        return None
    if q.qualifier is not None and not (q.qualifier.search(text) or any(q.qualifier.search(h) for h in s.line.path)):
        return None
    if q.values is not None:
        found = q.values(text)
        return found[0] if found else None
    subjects = list(q.subject.finditer(text))
    best: tuple[int, Value] | None = None
    for value in EXTRACT[q.unit](text):
        near = [m for m in subjects if _same_clause(text, m, value)]
        if not near:
            continue
        gap = min(max(value.start - m.end(), m.start() - value.end, 0) for m in near)
        if gap <= q.window and (best is None or gap < best[0]):
            best = (gap, value)
    return best[1] if best else None


_CLAUSE_BREAK = re.compile(r"[;|]")


def _same_clause(text: str, subject: re.Match[str], value: Value) -> bool:
    """Whether nothing that ends a clause (";", a table's "|") stands between the subject
    and the value: in "alerts: processing_time > 60s; completion_deadline < 30 d" the 60 s
    belongs to the processing time, however near the deadline's name it is."""
    lo, hi = (subject.end(), value.start) if subject.end() <= value.start else (value.end, subject.start())
    return not _CLAUSE_BREAK.search(text, lo, hi) if lo < hi else True


def _other_fixed_values(q: Quantity, quantities: list[Quantity]) -> list[float]:
    """The values the spine fixes for the other quantities of the same kind (times with
    times). "Ensure the 30-day time limit is enforced" near the words of a 1 min
    processing time states the spine's 30-day deadline, not a second processing time."""
    kind = "time" if q.unit in _SECONDS else q.unit
    return [o.reference for o in quantities
            if o is not q and o.reference is not None and ("time" if o.unit in _SECONDS else o.unit) == kind]


def quantity_values(ctx: Context) -> Outcome:
    """One quantity (a spine limit, the retry count, the access token lifetime,
    the page load target, the cache TTL) stated with different values in two
    sections: an implementer has to guess which one holds. Units are normalised
    (5 min = 300 s). With the spine's value, each other value is a defect;
    without one, a section's value that no earlier section stated is (once per
    section and value)."""
    out = Outcome()
    quantities, notes = _quantities(ctx.spine)
    ctx.notes += notes
    for q in quantities:
        mentions = [(s, v) for s in ctx.sentences if (v := _nearest(q, s)) is not None]
        out.checked += len(mentions)
        reported: set[tuple[str | None, float]] = set()
        if q.reference is not None:
            others = _other_fixed_values(q, quantities)
            for s, v in mentions:
                if any(abs(v.amount - o) <= 1e-9 for o in others):
                    continue  # the value another spine limit fixes: the sentence may be stating that one
                if abs(v.amount - q.reference) > 1e-9 and (s.h2, v.amount) not in reported:
                    reported.add((s.h2, v.amount))
                    out.findings.append(Finding(s.h2, f"contradiction: states the {q.name} as {v.shown.strip()} ({_quote(s.text, at=v.start)}), "
                                                      f"but the spine fixes it at {_show(q.reference, q.unit)}", s.line.number))
            continue
        earlier: list[tuple[Sentence, Value]] = []
        for s, v in mentions:
            others = [(e, ev) for e, ev in earlier if e.h2 != s.h2]
            if others and all(ev.amount != v.amount for _, ev in earlier) and (s.h2, v.amount) not in reported:
                first, first_at = others[0][0], others[0][1].start
                reported.add((s.h2, v.amount))
                out.findings.append(Finding(s.h2, f"contradiction: states the {q.name} as {v.shown.strip()} ({_quote(s.text, at=v.start)}), "
                                                  f"but {_where(first)} states {_quote(first.text, 80, at=first_at)}", s.line.number))
            earlier.append((s, v))
    return out


# --------------------------------------------------------------------- 3. and 4. applicability


def _sections_json(spec: SpecDocument) -> dict[str, Any]:
    table = (spec.spec_json or {}).get("sections")
    return table if isinstance(table, dict) else {}


def _h2_for(spec: SpecDocument, sid: str, spans: dict[str, tuple[int, int]], headings: tuple[str, ...]) -> str | None:
    if sid in spans:
        return spec.h2_at(spans[sid][0])
    own = next((h.lstrip("#").strip() for h in headings if h.startswith("## ")), None)
    return own


def empty_applicable_sections(ctx: Context) -> Outcome:
    """A section the spine says applies but that holds nothing (failed, no data,
    or marked not applicable): the document is silent where the design says it
    has something to say."""
    from agentspec.agents.registry import registry
    from agentspec.agents.spine import SPINE_ID, applies

    from agentspec.sections_map import section_spans

    out = Outcome()
    entries = _sections_json(ctx.spec)
    spans = section_spans(ctx.spec)
    for spec in registry():
        entry = entries.get(spec.id)
        if spec.stage == "static" or spec.id == SPINE_ID or not isinstance(entry, dict):
            continue
        applicable, _reason = applies(ctx.spine, spec.applies_when)
        if not applicable:
            continue
        out.checked += 1
        status = entry.get("status")
        heading = _h2_for(ctx.spec, spec.id, spans, spec.headings)
        line = spans[spec.id][0] if spec.id in spans else None
        if status == "not_applicable":
            out.findings.append(Finding(heading, f"empty: section {spec.id} is marked not applicable "
                                                 f"({_quote(str(entry.get('not_applicable') or ''), 80)}), but the spine uses "
                                                 f"{(spec.applies_when or 'it').replace('_', ' ')}", line))
        elif entry.get("edited_markdown") or status == "pending_review":
            continue  # a human's text, or a draft shown for review: the section is not empty
        elif status == "failed" or entry.get("data") is None:
            reasons = entry.get("failures") or []
            why = f"failed: {_quote(str(reasons[0]), 100)}" if status == "failed" and reasons else f"status {status}, no data"
            out.findings.append(Finding(heading, f"empty: section {spec.id} applies to this design but has no content ({why})", line))
    return out


_NA_LINE = re.compile(r"^\s*(?:>\s*)?(?:\*\*)?not applicable\b", re.I)


def content_in_not_applicable(ctx: Context) -> Outcome:
    """A section marked not applicable renders as its headings and one
    "Not applicable:" line; anything more is content the design has no use for
    (a hand edit, or a renderer that ignored the status)."""
    from agentspec.agents.registry import registry

    from agentspec.sections_map import section_spans

    out = Outcome()
    entries = _sections_json(ctx.spec)
    spans = section_spans(ctx.spec)
    for spec in registry():
        entry = entries.get(spec.id)
        if not isinstance(entry, dict) or entry.get("status") != "not_applicable" or spec.id not in spans:
            continue
        out.checked += 1
        start, end = spans[spec.id]
        own = {normalize_heading(h.lstrip("#").strip()) for h in spec.headings}
        extra: list[tuple[int, str]] = []
        said = False
        for number in range(start, end):
            text = ctx.spec.lines[number - 1]
            stripped = text.strip()
            if stripped == "---":
                break  # the footer's rule: what follows is not this section's
            if not stripped:
                continue
            if stripped.startswith("#") and normalize_heading(stripped.lstrip("#").strip()) in own:
                continue
            if _NA_LINE.match(stripped) and not said:
                said = True
                continue
            extra.append((number, stripped))
        if extra:
            number, first = extra[0]
            more = f" and {len(extra) - 1} more line(s)" if len(extra) > 1 else ""
            out.findings.append(Finding(ctx.spec.h2_at(start), f"not applicable but has content: section {spec.id} is marked "
                                                               f"not applicable, yet holds {_quote(first, 100)}{more}", number))
    return out


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


# --------------------------------------------------------------------- who does the work, in the spine

_ACTORS = {"service", "worker", "scheduler"}  # component kinds that run code


def spine_actors(ctx: Context) -> Outcome:
    """A table is written, and an event handled, by code: a database, cache, broker,
    bucket or page named as the writer or the handler leaves nobody to implement it."""
    out = Outcome()
    kinds = {c.id: c.kind for c in ctx.spine.components}
    landscape = ctx.spec.find_heading(LANDSCAPE_H3, level=3)
    h2, line = (ctx.spec.h2_at(landscape.line), landscape.line) if landscape is not None else (None, None)
    said = [(f"table {e.table} is written by", e.owner) for e in ctx.spine.entities]
    said += [(f"event {e.name} is handled by", e.consumer) for e in ctx.spine.events]
    for what, who in said:
        out.checked += 1
        kind = kinds.get(who)
        if kind is not None and kind not in _ACTORS:
            out.findings.append(Finding(h2, f"no actor: {what} `{who}`, a {kind.replace('_', ' ')}, which runs no code "
                                            "of this feature", line))
    return out


# --------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Rule:
    label: str
    run: Callable[[Context], Outcome]
    needs: str  # "markdown" | "spine" | "spec_json" | "spine+spec_json"


RULES: tuple[Rule, ...] = (
    Rule("names outside the spine", names_outside_spine, "spine"),
    Rule("no-tables claims", no_tables_claim, "markdown"),
    Rule("no-cache claims", no_cache_claim, "markdown"),
    Rule("failure handling", failure_handling, "markdown"),
    Rule("overlapping runs", overlapping_runs, "spine"),
    Rule("another script", foreign_script, "spec_json"),
    Rule("undefined roles", undefined_roles, "spine"),
    Rule("quantities", quantity_values, "markdown"),
    Rule("money representation", money_representation, "spine"),
    Rule("actors in the spine", spine_actors, "spine"),
    Rule("empty applicable sections", empty_applicable_sections, "spine+spec_json"),
    Rule("content in not-applicable sections", content_in_not_applicable, "spec_json"),
)


def _spine(spec: SpecDocument) -> Any:
    from agentspec.agents.spine import spine_of

    return spine_of(_sections_json(spec)) if spec.spec_json is not None else None


def check_semantic(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    """Semantic defects (see the module docstring): each finding is one defect."""
    if not spec.markdown.strip() or not any(h.level == 2 for h in spec.headings):
        return Score.skip(NAME, "the document has no H2 sections to read")
    has_json = spec.spec_json is not None
    spine = _spine(spec)
    missing = {"markdown": None,
               "spine": None if spine is not None else "no design spine",
               "spec_json": None if has_json else "no spec.json",
               "spine+spec_json": None if has_json and spine is not None else ("no spec.json" if not has_json else "no design spine")}
    ctx = _context(spec, spine)
    findings: list[Finding] = []
    notes: list[str] = []
    checked = 0
    counts: list[str] = []
    ran = 0
    for rule in RULES:
        if missing[rule.needs]:
            notes.append(f"skipped {rule.label}: {missing[rule.needs]}")
            continue
        ran += 1
        outcome = rule.run(ctx)
        findings += outcome.findings
        checked += outcome.checked
        if outcome.findings:
            counts.append(f"{rule.label} {len(outcome.findings)}")
    if ran == 0:
        return Score.skip(NAME, "; ".join(notes))
    if spine is None:
        if has_json:
            notes.append("design spine absent or invalid in spec.json: contradictions are judged between statements")
        else:
            notes.append("no spec.json: contradictions are judged between statements")
    notes += ctx.notes
    notes.insert(0, f"{len(findings)} defect(s)" + (f": {', '.join(counts)}" if counts else ""))
    return Score.from_findings(NAME, findings, checked=max(checked, len(findings), 1), notes=notes)


def defect_count(checks: Iterable[dict[str, Any]]) -> int | None:
    """The semantic-defect count from a case's check dicts (report.json), None when it did not run."""
    row = next((c for c in checks if c.get("name") == NAME), None)
    if row is None or row.get("skipped"):
        return None
    if isinstance(row.get("findings"), int):
        return row["findings"]
    return None
