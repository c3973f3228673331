"""LLM-as-judge for drafted specs: rubric scores per section family, pairwise
comparison against a baseline, and calibration against labelled examples.

Rubrics live in evals/rubrics/<family>.yaml and a pack's rubrics/ (Prometheus / STORM style: every
criterion describes every score 1..5, so the judge matches descriptions rather
than inventing its own scale). A verdict quotes evidence, gives feedback, and
only then a score, per criterion; quotes are checked against the judged text so
a report can show how often the judge quotes what is not there.

Judge calls go through the Gateway like every other LLM call and are cached by
(model, prompt hash) in SQLite in the user cache dir. The eval harness turns the
cache off under record/replay: there the cassette is the cache, and a cache hit
would leave a recorded interaction unplayed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, create_model, field_validator

from agentspec.gateway.client import Gateway, StructuredCallFailed
from agentspec.gateway.tokens import count_tokens
from agentspec.gateway.usage import CallRecord
from agentspec.packs.builtin import BuiltinPack, builtin_pack
from agentspec.settings import Settings

RUBRICS_DIR = Path(__file__).parent / "rubrics"
CALIBRATION_DIR = Path(__file__).parent / "calibration"
JUDGE_ROLE = "judge"
JUDGE_MODEL_ENV = "AGENTSPEC_JUDGE_MODEL"
CACHE_FILE = "judge-cache.sqlite"
# Prompt budget per judged unit. The embedded model has an 8k window; rubric,
# instructions and a 1k-token verdict must fit beside the excerpt.
DEFAULT_UNIT_TOKENS = 3000
DEFAULT_VERDICT_TOKENS = 1200
TRUNCATED = "\n\n[... excerpt truncated for the judge ...]"


# ------------------------------------------------------------------- rubrics


@dataclass(frozen=True)
class Criterion:
    id: str
    question: str
    scores: dict[int, str]


# The rubric for a spec drafted over a user's template (evals/rubrics/template.yaml): it is
# applied to every section of that template, which no rubric file can list.
GENERIC_FAMILY = "template"


@dataclass(frozen=True)
class Rubric:
    family: str
    title: str
    description: str
    sections: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    analyses: tuple[str, ...] = ()


def load_rubrics(directory: Path = RUBRICS_DIR, pack: BuiltinPack | None = None) -> dict[str, Rubric]:
    """All rubrics, keyed by family: the judge's own (evals/rubrics), then the pack's
    (the default pack's rubrics/ unless named). A pack's file for a family the judge has
    and without criteria of its own names the pack's sections judged under it. A rubric
    that skips a score level or repeats a criterion is refused: the judge would be guessing."""
    rubrics: dict[str, Rubric] = {}
    pack = pack or builtin_pack()
    for path in [*sorted(directory.glob("*.yaml")), *pack.rubric_files()]:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        family = raw.get("family") or Path(path.name).stem
        base = rubrics.get(family)
        if base is not None and not raw.get("criteria"):
            rubrics[family] = dataclasses.replace(base, sections=tuple(raw.get("sections") or ()))
            continue
        rubrics[family] = _rubric(raw, path.name, family)
    return rubrics


def _rubric(raw: dict, file_name: str, family: str) -> Rubric:
    criteria = []
    for c in raw["criteria"]:
        scores = {int(k): " ".join(str(v).split()) for k, v in c["scores"].items()}
        if sorted(scores) != [1, 2, 3, 4, 5]:
            raise ValueError(f"{file_name}: criterion {c['id']} must describe scores 1..5, has {sorted(scores)}")
        criteria.append(Criterion(c["id"], " ".join(c["question"].split()), scores))
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{file_name}: duplicate criterion ids {ids}")
    return Rubric(family, raw.get("title", family), " ".join(raw.get("description", "").split()),
                  tuple(raw.get("sections") or ()), tuple(criteria), tuple(raw.get("analyses") or ()))


def family_of(rubrics: dict[str, Rubric]) -> dict[str, str]:
    """Section id (or analysis name) -> family."""
    out: dict[str, str] = {}
    for rubric in rubrics.values():
        for sid in (*rubric.sections, *rubric.analyses):
            out[sid] = rubric.family
    return out


# ------------------------------------------------------------------- verdicts


class CriterionVerdict(BaseModel):
    # Field order is the order the model writes: evidence, then feedback, then
    # the score, so the score follows the reasoning (Prometheus).
    evidence: list[str] = Field(default_factory=list, max_length=3, description="up to 3 short quotes copied exactly from the excerpt")
    feedback: str = Field(description="1-3 sentences naming concrete strengths and gaps")
    # An enum, not ge/le: the gateway strips numeric bounds from llama.cpp's
    # grammar (agentspec/gateway/grammar.py) but keeps enums, so the local model
    # cannot even write a 6.
    score: Literal[1, 2, 3, 4, 5] = Field(description="integer 1-5 matching the rubric's score descriptions")

    @field_validator("evidence", mode="before")
    @classmethod
    def _trim(cls, value: Any) -> Any:
        # Over-long evidence is not worth a re-ask: keep the first quotes, shortened.
        if isinstance(value, list):
            return [str(q)[:300] for q in value[:3]]
        return value


@lru_cache(maxsize=None)
def verdict_model(family: str, criteria: tuple[str, ...]) -> type[BaseModel]:
    """One required field per criterion, so the schema (and llama.cpp's grammar)
    forces a verdict for every criterion."""
    fields: dict[str, Any] = {cid: (CriterionVerdict, ...) for cid in criteria}
    name = "".join(part.title() for part in family.split("_")) + "Verdict"
    return create_model(name, **fields)


class PairwiseVerdict(BaseModel):
    feedback: str = Field(description="compare both specs against the rubric, 2-4 sentences")
    winner: Literal["A", "B", "tie"] = Field(description="A, B, or tie when neither is clearly better")


@dataclass
class Usage:
    calls: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0

    def add(self, record: CallRecord | None, cached: bool) -> None:
        if cached:
            self.cached += 1
            return
        if record is None:
            return
        self.calls += 1
        self.input_tokens += record.input_tokens
        self.output_tokens += record.output_tokens
        self.cost_usd = round(self.cost_usd + record.cost_usd, 6)
        self.duration_s = round(self.duration_s + record.duration_s, 3)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class UnitScore:
    family: str
    labels: list[str]  # the sections judged together in this call
    criteria: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> score, feedback, evidence, grounded
    error: str | None = None
    cached: bool = False
    truncated: bool = False

    @property
    def mean(self) -> float | None:
        scores = [c["score"] for c in self.criteria.values()]
        return round(sum(scores) / len(scores), 3) if scores else None


# ------------------------------------------------------------------- cache


class JudgeCache:
    """(model, prompt hash) -> verdict JSON. SQLite so parallel cases and
    repeated runs share it; one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, model TEXT, verdict TEXT, created REAL)")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            self._local.db = db
        return db

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db().execute("SELECT verdict FROM verdicts WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, verdict: dict[str, Any]) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?)", (key, model, json.dumps(verdict), time.time()))


def cache_key(model: str, messages: list[dict[str, str]], schema: dict[str, Any], temperature: float, max_tokens: int) -> str:
    payload = json.dumps({"model": model, "messages": messages, "schema": schema, "temperature": temperature,
                          "max_tokens": max_tokens}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def default_cache(settings: Settings) -> JudgeCache:
    return JudgeCache(settings.cache_dir / CACHE_FILE)


def judge_model(settings: Settings) -> str:
    """AGENTSPEC_JUDGE_MODEL, else the model the drafting agents use."""
    return os.environ.get(JUDGE_MODEL_ENV) or settings.model_for(JUDGE_ROLE)


# ------------------------------------------------------------------- prompts

SYSTEM = (
    "You are a strict, fair reviewer of software integration specifications. You grade an excerpt of a "
    "spec against a rubric. Judge only what is written in the excerpt; do not reward length or confident tone; "
    "quote evidence exactly as it appears. Answer with JSON only."
)


def _rubric_text(rubric: Rubric, levels: bool = True) -> str:
    parts = []
    for c in rubric.criteria:
        lines = [f"Criterion `{c.id}`: {c.question}"]
        if levels:
            lines += [f"  Score {n}: {c.scores[n]}" for n in range(1, 6)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def score_messages(rubric: Rubric, excerpt: str, feature: str, labels: Sequence[str]) -> list[dict[str, str]]:
    ids = ", ".join(c.id for c in rubric.criteria)
    user = "\n\n".join([
        f"### Feature request\n{feature.strip()}",
        f"### Spec excerpt: {rubric.title} ({', '.join(labels)})\n<<<\n{excerpt.strip()}\n>>>",
        f"### Rubric\n{_rubric_text(rubric)}",
        "### Instructions\nFor each criterion: copy up to 3 short quotes (under 25 words each) exactly from the excerpt "
        "as evidence, write 1-3 sentences of feedback naming concrete strengths and gaps, then give the integer score "
        f"1-5 whose description fits best. Reply with a JSON object with one key per criterion: {ids}.",
    ])
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def pair_messages(rubric: Rubric, a: str, b: str, feature: str) -> list[dict[str, str]]:
    user = "\n\n".join([
        f"### Feature request\n{feature.strip()}",
        f"### Spec A: {rubric.title}\n<<<\n{a.strip()}\n>>>",
        f"### Spec B: {rubric.title}\n<<<\n{b.strip()}\n>>>",
        f"### Rubric\n{_rubric_text(rubric, levels=False)}",
        "### Instructions\nCompare A and B on the rubric as a whole. The order in which they are shown and their "
        "length must not influence you. Write the comparison first, then name the winner: A, B, or tie when neither "
        "is clearly better. Reply with a JSON object with keys feedback and winner.",
    ])
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


# ------------------------------------------------------------------- excerpts


def truncate(text: str, budget: int, model: str = "") -> tuple[str, bool]:
    """Cut text to about `budget` tokens (proportional cut, then re-check)."""
    tokens = count_tokens(text, model)
    if tokens <= budget:
        return text, False
    cut = text
    while tokens > budget and cut:
        cut = cut[: int(len(cut) * budget / tokens * 0.95)]
        tokens = count_tokens(cut, model)
    return cut.rstrip() + TRUNCATED, True


def pack_units(parts: Sequence[tuple[str, str]], budget: int, model: str = "") -> list[tuple[list[str], str, bool]]:
    """Greedily group (label, text) parts into judge units of at most `budget`
    tokens, in order; a part larger than the budget is truncated on its own."""
    units: list[tuple[list[str], str, bool]] = []
    labels: list[str] = []
    texts: list[str] = []
    used = 0
    for label, text in parts:
        size = count_tokens(text, model)
        if labels and used + size > budget:
            units.append((labels, "\n\n".join(texts), False))
            labels, texts, used = [], [], 0
        if size > budget:
            cut, _ = truncate(text, budget, model)
            units.append(([label], cut, True))
            continue
        labels.append(label)
        texts.append(text)
        used += size
    if labels:
        units.append((labels, "\n\n".join(texts), False))
    return units


def grounded(quotes: Iterable[str], text: str) -> list[bool]:
    """Whether each quote occurs in the text (whitespace, case and quote marks normalised)."""
    def norm(s: str) -> str:
        return " ".join(s.lower().replace("`", "").replace("**", "").strip(" \"'.…").split())

    hay = norm(text)
    return [bool(norm(q)) and norm(q) in hay for q in quotes]


def combine_pairwise(first: str | None, second: str | None) -> str:
    """Outcome for the *current* spec from two judgments: `first` with the
    current spec shown as A, `second` with it shown as B. A win or loss needs
    both orders to agree; anything else (disagreement, a tie, an error) is a tie."""
    if first == "A" and second == "B":
        return "win"
    if first == "B" and second == "A":
        return "loss"
    return "tie"


# ------------------------------------------------------------------- judge


class Judge:
    def __init__(self, gateway: Gateway, model: str, *, cache: JudgeCache | None = None,
                 temperature: float = 0.0, max_tokens: int = DEFAULT_VERDICT_TOKENS,
                 unit_tokens: int = DEFAULT_UNIT_TOKENS) -> None:
        self.gateway = gateway
        self.model = model
        self.cache = cache
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.unit_tokens = unit_tokens
        self.usage = Usage()

    async def _call(self, response_model: type[BaseModel], messages: list[dict[str, str]], section: str
                    ) -> tuple[BaseModel, bool]:
        key = cache_key(self.model, messages, response_model.model_json_schema(), self.temperature, self.max_tokens)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.usage.add(None, cached=True)
                return response_model.model_validate(hit), True
        try:
            obj, record = await self.gateway.structured(
                response_model=response_model, messages=messages, role=JUDGE_ROLE, section=section,
                model=self.model, temperature=self.temperature, max_tokens=self.max_tokens,
            )
        except StructuredCallFailed as exc:
            self.usage.add(exc.record, cached=False)
            raise
        self.usage.add(record, cached=False)
        if self.cache is not None:
            self.cache.put(key, self.model, obj.model_dump(mode="json"))
        return obj, False

    async def score_unit(self, rubric: Rubric, labels: list[str], excerpt: str, feature: str,
                         truncated: bool = False) -> UnitScore:
        unit = UnitScore(rubric.family, labels, truncated=truncated)
        model = verdict_model(rubric.family, tuple(c.id for c in rubric.criteria))
        try:
            verdict, unit.cached = await self._call(model, score_messages(rubric, excerpt, feature, labels),
                                                    f"judge:{rubric.family}")
        except StructuredCallFailed as exc:
            unit.error = f"judge gave no valid verdict: {exc}"
            return unit
        for c in rubric.criteria:
            v: CriterionVerdict = getattr(verdict, c.id)
            marks = grounded(v.evidence, excerpt)
            unit.criteria[c.id] = {
                "score": v.score, "feedback": v.feedback, "evidence": v.evidence,
                "grounded": round(sum(marks) / len(marks), 3) if marks else None,
            }
        return unit

    async def score_family(self, rubric: Rubric, parts: Sequence[tuple[str, str]], feature: str) -> list[UnitScore]:
        """Score a family's (label, markdown) parts, packed into units that fit the budget."""
        units = pack_units([p for p in parts if p[1].strip()], self.unit_tokens, self.model)
        return list(await asyncio.gather(*(self.score_unit(rubric, labels, text, feature, cut) for labels, text, cut in units)))

    async def compare(self, rubric: Rubric, current: str, baseline: str, feature: str) -> dict[str, Any]:
        """Pairwise, both orders; see combine_pairwise."""
        half = self.unit_tokens // 2
        cur, _ = truncate(current, half, self.model)
        base, _ = truncate(baseline, half, self.model)
        verdicts: list[str | None] = []
        feedback: list[str] = []
        for a, b in ((cur, base), (base, cur)):
            try:
                v, _ = await self._call(PairwiseVerdict, pair_messages(rubric, a, b, feature), f"judge:pairwise:{rubric.family}")
                verdicts.append(v.winner)
                feedback.append(v.feedback)
            except StructuredCallFailed as exc:
                verdicts.append(None)
                feedback.append(f"no valid verdict: {exc}")
        outcome = combine_pairwise(verdicts[0], verdicts[1])
        consistent = verdicts[0] is not None and verdicts[1] is not None and (
            (verdicts[0], verdicts[1]) in {("A", "B"), ("B", "A"), ("tie", "tie")})
        return {"family": rubric.family, "outcome": outcome, "orders": verdicts, "consistent": consistent,
                "feedback": feedback}


def family_mean(units: Sequence[UnitScore]) -> float | None:
    means = [u.mean for u in units if u.mean is not None]
    return round(sum(means) / len(means), 3) if means else None


# ------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CalibrationItem:
    id: str
    family: str
    markdown: str
    human_score: int
    feature: str = ""
    labeller: str = ""


def load_calibration(directory: Path = CALIBRATION_DIR) -> list[CalibrationItem]:
    items = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            score = int(raw["human_score"])
            if not 1 <= score <= 5:
                raise ValueError(f"{path.name}:{number}: human_score must be 1..5")
            items.append(CalibrationItem(raw["id"], raw["family"], raw["markdown"], score,
                                         raw.get("feature", ""), raw.get("labeller", "")))
    return items


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # ties share their average rank
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho with average ranks for ties; None when undefined."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    if vx == 0 or vy == 0:
        return None
    return round(cov / (vx * vy), 3)


def agreement(pairs: Sequence[tuple[float, int]]) -> dict[str, Any]:
    """(judge score, human score) pairs -> exact and within-one agreement (judge
    score rounded half up) and Spearman."""
    if not pairs:
        return {"n": 0, "exact": None, "within_1": None, "spearman": None, "bias": None, "weak_passed": None}
    rounded = [int(math.floor(j + 0.5)) for j, _ in pairs]
    humans = [h for _, h in pairs]
    exact = sum(r == h for r, h in zip(rounded, humans)) / len(pairs)
    within = sum(abs(r - h) <= 1 for r, h in zip(rounded, humans)) / len(pairs)
    # Leniency, stated plainly: the mean of judge minus label, and how many examples a
    # person rated weak (2 or less) the judge rated good (4 or more).
    weak = [(j, h) for j, h in pairs if h <= 2]
    return {"n": len(pairs), "exact": round(exact, 3), "within_1": round(within, 3),
            "spearman": spearman([j for j, _ in pairs], humans),
            "bias": round(sum(j - h for j, h in pairs) / len(pairs), 2),
            "weak_passed": f"{sum(j >= 4 for j, _ in weak)}/{len(weak)}" if weak else None}


async def calibrate(judge: Judge, rubrics: dict[str, Rubric], items: Sequence[CalibrationItem]) -> dict[str, Any]:
    rows = []
    for item in items:
        rubric = rubrics.get(item.family)
        if rubric is None:
            rows.append({"id": item.id, "family": item.family, "human": item.human_score, "judge": None,
                         "error": f"no rubric for family {item.family}"})
            continue
        unit = await judge.score_unit(rubric, [item.id], item.markdown, item.feature or "(calibration example)")
        rows.append({"id": item.id, "family": item.family, "human": item.human_score, "judge": unit.mean,
                     "error": unit.error})
    pairs = [(r["judge"], r["human"]) for r in rows if r["judge"] is not None]
    labellers = sorted({i.labeller for i in items if i.labeller})
    return {"items": rows, "labellers": labellers, **agreement(pairs)}
