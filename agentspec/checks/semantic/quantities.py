"""Rule 2e, one quantity, one value: a spine limit, the retry count, the
access token lifetime, the page load target or the cache TTL stated with
different values in two sections. Everything here serves that one rule: value
extraction by unit (times, percents, sizes, rows, rates, counts), the
quantities to look for, and finding the value nearest a quantity's subject."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import Context, Outcome, Sentence, _quote, _where

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
