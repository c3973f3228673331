"""Rules 2a to 2c'': statements that contradict the design spine (or, without
one, each other) about one yes-or-no decision: no new tables vs CREATE TABLE,
no cache vs a cache, dropped vs dead-lettered failed work, runs that overlap
where the spine runs one at a time, and a sentence slipping into a script the
description does not use. Each is a pattern over sentences checked against a
single fact, so they belong together."""

from __future__ import annotations

import re

from agentspec.agents.spine import RUNS_OVERLAP
from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import (
    _ALTER_TABLE,
    _CREATE_TABLE,
    Context,
    Outcome,
    Sentence,
    _negated,
    _quote,
    _where,
)

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
