"""`agentspec eval`: draft every case of a dataset, check and judge the specs,
compare with the baseline, write the report.

Modes:
  replay  drafts (and judge calls) are answered from evals/cassettes/<id>.yaml;
          no model runs, nothing is reached over the network. Deterministic.
  record  like replay, but the answers come from a real model and are written to
          the cassettes: the embedded local model (started here) or `upstream`.
  live    drafts against whatever endpoint the user configured; no cassettes.

Why record and replay pin the configuration: a cassette matches requests on
their body, so everything that shapes a request body (model, instructor mode,
per-role models, temperatures, token limits, re-asks) is fixed to the same
values in both modes, whatever the user's AGENTSPEC_* environment says; and the
endpoint is recorded under one fixed URL (evals.cassettes.REPLAY_BASE_URL) so
replay needs no server. Cases run one at a time under VCR (it patches globally).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from agentspec.errors import AgentSpecError, ConfigError, Interrupted, PartialResult
from agentspec.gateway.client import Gateway
from agentspec.gateway.endpoint import Endpoint, remote_endpoint
from agentspec.settings import DEFAULT_LOCAL_MODEL, LOCAL_REQUEST_TIMEOUT_S, Settings, load_settings
from agentspec.evals import cassettes as cass
from agentspec.evals.baseline import baseline_spec_dir, compare, load_baseline
from agentspec.checks import run_checks
from agentspec.evals.judge import (
    JUDGE_MODEL_ENV,
    JUDGE_ROLE,
    Judge,
    JudgeCache,
    UnitScore,
    calibrate,
    default_cache,
    family_mean,
    family_of,
    judge_model,
    GENERIC_FAMILY,
    Rubric,
    load_calibration,
    load_rubrics,
)
from agentspec.packs.generic import sections_for
from agentspec.sections_map import section_at, section_for_heading, section_spans, section_texts
from agentspec.spec_document import SPEC_FILENAME, SpecDocument
from agentspec.agents.registry import using

Mode = Literal["replay", "live", "record"]
EVALS_DIR = Path(__file__).parent
DATASETS_DIR = EVALS_DIR / "datasets"
PINNED_MODEL = DEFAULT_LOCAL_MODEL
PINNED_MODE = "json_object_schema"
CALIBRATION_CASSETTE = "_calibration"
_DEFAULT: Any = object()  # "use the module default", resolved at call time so tests can redirect it
# Settings that change what a request looks like; record and replay pin them.
_PINNED_DEFAULTS = ("max_output_tokens", "max_description_tokens")
# Cassettes come from the embedded model, so its retry budget (Settings.retry_budget) is pinned.
PINNED_REASKS = PINNED_REPAIRS = 1


# ------------------------------------------------------------------ dataset


@dataclass(frozen=True)
class Case:
    id: str
    description: str
    expect: dict[str, Any] = field(default_factory=dict)
    template: dict[str, str] | None = None  # {"name", "markdown"}: drafted over a user's template
    repo: Path | None = None  # drafted with `--repo`: the repository the spec is grounded in


_EXPECT_KEYS = ("entities", "external_systems", "p1_categories", "must_cover")  # what checks.check_expectations reads


def _concern_ids() -> set[str]:
    from agentspec.agents.knowledge import archetypes

    return {f"{a.id}/{c.id}" for a in archetypes() for c in a.concerns}


def load_dataset(path: Path, max_description_tokens: int | None = None) -> list[Case]:
    """The cases of a JSONL dataset, validated before anything is run or written:
    every problem is a ConfigError (exit 2) naming the file and line. Descriptions
    pass the same input checks as `agentspec draft` (inputs.clean_description)."""
    from agentspec.errors import UsageError
    from agentspec.inputs import clean_description

    if max_description_tokens is None:
        max_description_tokens = Settings.model_fields["max_description_tokens"].default
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    cases: list[Case] = []
    seen: set[str] = set()
    for number, raw_line in enumerate(data.split(b"\n"), 1):
        where = f"{path}:{number}"
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: not valid UTF-8 (byte {exc.start} of the line)",
                              hint="save the dataset as UTF-8") from exc
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{where}: not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: a case is a JSON object with id and description, not {type(raw).__name__}",
                              hint='{"id": "stripe-sync", "description": "Sync Stripe invoices into Postgres"}')
        cid = raw.get("id", "")
        if not isinstance(cid, str) or not cid or not all(ch.isalnum() or ch in "-_" for ch in cid) or cid.startswith("_"):
            raise ConfigError(f"{where}: id {cid!r} must be a string of letters, digits, - and _ (it names files)")
        if cid in seen:
            raise ConfigError(f"{where}: duplicate case id {cid!r}")
        seen.add(cid)
        description = raw.get("description")
        if description is not None and not isinstance(description, str):
            raise ConfigError(f"{where}: case {cid}: description must be a string, not {type(description).__name__}")
        if not (description or "").strip():
            raise ConfigError(f"{where}: case {cid} has no description")
        try:
            description = clean_description(description, max_description_tokens)
        except UsageError as exc:
            raise ConfigError(f"{where}: case {cid}: {exc.message}") from exc
        expect = raw.get("expect")
        if expect is None:
            expect = {}
        if not isinstance(expect, dict):
            raise ConfigError(f"{where}: case {cid}: expect must be an object with {', '.join(_EXPECT_KEYS)}, "
                              f"not {type(expect).__name__}")
        for key, value in expect.items():
            if key not in _EXPECT_KEYS:
                raise ConfigError(f"{where}: case {cid}: unknown expect key {key!r} (known: {', '.join(_EXPECT_KEYS)})")
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{where}: case {cid}: expect.{key} must be a list of strings")
        unknown = sorted(set(expect.get("must_cover") or []) - _concern_ids())
        if unknown:
            raise ConfigError(f"{where}: case {cid}: expect.must_cover names no concern of agents/knowledge/archetypes.yaml: "
                              f"{', '.join(unknown)} (write archetype/concern)")
        template = raw.get("template")
        if template is not None:
            if not isinstance(template, str) or not template.strip():
                raise ConfigError(f"{where}: case {cid}: template must be a path to a markdown file or a template's name")
            # A path is relative to the dataset; a name is looked up as `--template NAME` is.
            is_path = template.endswith(".md") or "/" in template
            template = _case_template(str(path.parent / template) if is_path else template, where, cid)
        repo = raw.get("repo")
        if repo is not None:
            # Relative to the dataset, as a template path is: a fixture repository under tests/.
            if not isinstance(repo, str) or not (path.parent / repo).is_dir():
                raise ConfigError(f"{where}: case {cid}: repo must be a path to a directory, relative to the dataset")
            repo = (path.parent / repo).resolve()
        cases.append(Case(cid, description, dict(expect), template, repo))
    if not cases:
        raise ConfigError(f"{path} holds no cases")
    return cases


def _case_template(path: str, where: str, cid: str) -> dict[str, str] | None:
    """A case's template (a path, or a built-in or project template's name), compiled now so a bad one is
    named before anything runs."""
    from agentspec.errors import UsageError
    from agentspec.inputs import check_template

    try:
        return check_template(str(path))
    except UsageError as exc:
        raise ConfigError(f"{where}: case {cid}: {exc.message}") from exc


def _rubrics_for(case: Case, rubrics: dict[str, Rubric]) -> dict[str, Rubric]:
    """The built-in rubrics, or for a case drafted over a user's template the generic
    rubric over every section of it, and the analysis rubric over the analyses alone."""
    if case.template is None:
        return {f: r for f, r in rubrics.items() if f != GENERIC_FAMILY}
    from agentspec.packs.generic import pack_of

    pack = pack_of({"template": case.template})
    sections = tuple(s.id for s in pack.specs if s.headings)
    chosen = {GENERIC_FAMILY: dataclasses.replace(rubrics[GENERIC_FAMILY], sections=sections)}
    if "analysis" in rubrics:
        chosen["analysis"] = dataclasses.replace(rubrics["analysis"], sections=())
    return chosen


# ------------------------------------------------------------------ settings


def pinned_settings(base: Settings, base_url: str, data_dir: Path, *, replay: bool) -> Settings:
    """Settings for record/replay: request-shaping values fixed to the defaults."""
    defaults = {name: Settings.model_fields[name].get_default(call_default_factory=True) for name in _PINNED_DEFAULTS}
    return load_settings(
        openai_base_url=base_url, openai_api_key="eval-cassette-key", provider="openai",
        model=PINNED_MODEL, instructor_mode=PINNED_MODE, role_models={}, temperature=None,
        # A replayed request that is not in the cassette must fail at once, not after backoff.
        transport_retries=0 if replay else Settings.model_fields["transport_retries"].default,
        # Pinned settings talk to the embedded model (labelled "openai" for the cassette's
        # sake), so the local request timeout applies: at the hosted 120 s, a design-spine
        # answer on a slow 2-core machine timed out three times in a row (2026-12-02).
        request_timeout_s=base.request_timeout_s or LOCAL_REQUEST_TIMEOUT_S,
        checkpoint_url=None, data_dir=data_dir, cache_dir=base.cache_dir, config_dir=base.config_dir,
        # Recording from the one-request-at-a-time local server: one call at a time.
        concurrency=base.concurrency or (4 if replay else 1), local_n_ctx=base.local_n_ctx, reask_retries=PINNED_REASKS,
        max_repairs=PINNED_REPAIRS, **defaults,
    )


@contextmanager
def _local_server(base: Settings, console: Console) -> Iterator[str]:
    """The embedded model for recording, on a port of its own (recorded as REPLAY_BASE_URL)."""
    from agentspec.local import LocalServer, ensure_model

    console.print("record: starting the embedded local model…", highlight=False)
    model_path = ensure_model(base.cache_dir)
    with LocalServer(model_path, n_ctx=base.local_n_ctx, cache_dir=base.cache_dir) as server:
        if server.model != PINNED_MODEL:
            raise ConfigError(f"the local server serves {server.model!r}, cassettes are recorded for {PINNED_MODEL!r}")
        yield server.base_url


# ------------------------------------------------------------------ context


@dataclass
class _Context:
    mode: Mode
    report_dir: Path
    cassette_dir: Path
    draft_settings: Settings
    judge_gateway: Gateway | None
    judge_model: str | None
    judge_cache: JudgeCache | None
    rubrics: dict[str, Any]
    console: Console
    case_console: Console
    baseline_path: Path | None
    calibration_dir: Path | None = None
    recorder: Any = None
    notes: list[str] = field(default_factory=list)

    def judge(self) -> Judge | None:
        if self.judge_gateway is None or self.judge_model is None:
            return None
        return Judge(self.judge_gateway, self.judge_model, cache=self.judge_cache)


# ------------------------------------------------------------------ one case


def _score_dict(score: Any) -> dict[str, Any]:
    # A checker whose tool is missing (e.g. node for mermaid) says nothing about
    # the spec: report it as skipped so baselines from other machines compare.
    environmental = not score.passed and not score.findings and any("not installed" in d for d in score.details)
    return {"name": score.name, "value": 1.0 if environmental else score.value,
            "passed": score.passed or environmental, "skipped": score.skipped or environmental,
            "environmental": environmental, "details": score.details[:12], "findings": len(score.findings)}


def _unit_dict(unit: UnitScore) -> dict[str, Any]:
    return {"labels": unit.labels, "mean": unit.mean, "criteria": unit.criteria, "error": unit.error,
            "cached": unit.cached, "truncated": unit.truncated}


async def _draft(case: Case, out: Path, ctx: _Context, result: dict[str, Any]) -> None:
    from agentspec.inputs import clean_description
    from agentspec.runner import Runner

    try:
        text = clean_description(case.description, ctx.draft_settings.max_description_tokens)
        await Runner(ctx.draft_settings, ctx.case_console).draft(text, out=out, force=True, review=False, interactive=False,
                                                                 date=(result.get("run_date") or {}).get("date"),
                                                                 template=case.template, repo=case.repo)
        result["status"] = "ok"
    except PartialResult as exc:
        result["status"], result["error"] = "partial", exc.message
    except Interrupted:
        raise  # Ctrl-C or SIGTERM stops the whole eval, not only this case
    except AgentSpecError as exc:
        mismatch = cass.find_mismatch(exc)
        result["status"] = "cassette_mismatch" if mismatch else "error"
        result["error"] = mismatch or exc.message


async def _judge_case(case: Case, spec: SpecDocument, ctx: _Context, result: dict[str, Any]) -> None:
    judge = ctx.judge()
    assert judge is not None
    texts = section_texts(spec)
    families: dict[str, Any] = {}
    try:
        rubrics = list(_rubrics_for(case, ctx.rubrics).values())
        parts = [
            [(sid, texts[sid]) for sid in r.sections if sid in texts]
            + [(f"analysis-{name}", spec.analyses[name]) for name in r.analyses if name in spec.analyses]
            for r in rubrics
        ]
        scored = await asyncio.gather(*(judge.score_family(r, p, case.description) for r, p in zip(rubrics, parts)))
        for rubric, units in zip(rubrics, scored):
            families[rubric.family] = {"mean": family_mean(units), "units": [_unit_dict(u) for u in units]}
        pairwise = await _pairwise(case, spec, judge, ctx, parts)
    except AgentSpecError as exc:
        mismatch = cass.find_mismatch(exc)
        result["judge"] = {"status": "cassette_mismatch" if mismatch else "error", "error": mismatch or exc.message,
                           "families": families, "mean": None}
        if mismatch:
            result["status"], result["error"] = "cassette_mismatch", f"judge: {mismatch}"
        return
    means = [f["mean"] for f in families.values() if f["mean"] is not None]
    grounded = [c["grounded"] for f in families.values() for u in f["units"] for c in u["criteria"].values()
                if c.get("grounded") is not None]
    result["judge"] = {
        "status": "ok", "model": judge.model, "families": families,
        "mean": round(statistics.fmean(means), 3) if means else None,
        "evidence_grounded": round(statistics.fmean(grounded), 3) if grounded else None,
        "pairwise": pairwise, "usage": judge.usage.to_dict(),
    }


async def _pairwise(case: Case, spec: SpecDocument, judge: Judge, ctx: _Context,
                    parts: list[list[tuple[str, str]]]) -> dict[str, Any] | None:
    """Live mode with a baseline report directory: compare each family with the
    baseline's spec, both orders. (In replay the baseline spec is the replayed
    spec itself, so there is nothing to compare.)"""
    if ctx.mode != "live":
        return None
    base_dir = baseline_spec_dir(ctx.baseline_path, case.id)
    if base_dir is None:
        return None
    base_doc = SpecDocument.load(base_dir)
    base_texts = section_texts(base_doc)
    outcomes = {}
    for rubric, family_parts in zip(_rubrics_for(case, ctx.rubrics).values(), parts):
        current = "\n\n".join(t for _, t in family_parts)
        baseline = "\n\n".join(base_texts[sid] for sid in rubric.sections if sid in base_texts)
        baseline += "".join("\n\n" + base_doc.analyses[n] for n in rubric.analyses if n in base_doc.analyses)
        if current.strip() and baseline.strip():
            outcomes[rubric.family] = await judge.compare(rubric, current, baseline, case.description)
    return outcomes


def _sections(spec: SpecDocument, scores: list[Any], judge: dict[str, Any] | None, family_of: dict[str, str]
              ) -> dict[str, Any]:
    """Per-section status, check findings and the judge score of the unit it was judged in."""
    entries = (spec.spec_json or {}).get("sections") or {}
    spans = section_spans(spec)
    out: dict[str, Any] = {
        sid: {"status": e.get("status"), "attempts": e.get("attempts", 0), "failures": len(e.get("failures") or []),
              "family": family_of.get(sid), "findings": [], "judge": None}
        for sid, e in entries.items()
    }
    for score in scores:
        for finding in score.findings:
            sid = section_at(spans, finding.line) or section_for_heading(spec, finding.heading)
            if sid in out:
                out[sid]["findings"].append(f"{score.name}: {finding.message}")
    for family in ((judge or {}).get("families") or {}).values():
        for unit in family["units"]:
            for label in unit["labels"]:
                if label in out:
                    out[label]["judge"] = unit["mean"]
    return out


def _usage(spec: SpecDocument | None, wall_s: float, judge: dict[str, Any] | None) -> dict[str, Any]:
    run = (spec.run if spec else None) or {}
    totals = run.get("totals") or {}
    judge_usage = (judge or {}).get("usage") or {}
    return {
        "calls": totals.get("calls", 0), "input_tokens": totals.get("input_tokens", 0),
        "output_tokens": totals.get("output_tokens", 0), "cost_usd": totals.get("cost_usd", 0.0),
        "llm_seconds": totals.get("llm_seconds", 0.0), "reasks": totals.get("reasks", 0),
        "draft_wall_s": (run.get("timings") or {}).get("wall_s"), "case_wall_s": round(wall_s, 2),
        "models": run.get("models", []),
        "judge_calls": judge_usage.get("calls", 0), "judge_cached": judge_usage.get("cached", 0),
        "judge_input_tokens": judge_usage.get("input_tokens", 0), "judge_output_tokens": judge_usage.get("output_tokens", 0),
        "judge_cost_usd": judge_usage.get("cost_usd", 0.0),
    }


def _cassette_cm(case_id: str, ctx: _Context) -> tuple[Any, Path | None, Path | None]:
    """(context manager, final path, recording path) for a case's cassette."""
    if ctx.mode == "live":
        return nullcontext(None), None, None
    path = ctx.cassette_dir / f"{case_id}.yaml"
    if ctx.mode == "replay":
        return ctx.recorder.use_cassette(str(path), record_mode="none"), path, None
    # Record into a side file; it replaces the cassette only when the case succeeds.
    partial = path.with_name(f"{case_id}.recording.yaml")
    partial.unlink(missing_ok=True)
    return ctx.recorder.use_cassette(str(partial), record_mode="all"), path, partial


async def _run_case(case: Case, ctx: _Context, judge_on: bool) -> dict[str, Any]:
    out = ctx.report_dir / "cases" / case.id
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"id": case.id, "description": case.description, "expect": case.expect,
                              "status": "ok", "error": None, "spec": f"cases/{case.id}/{_spec_file(case)}",
                              "checks": [], "sections": {}, "judge": None, "failed_sections": [], "notes": []}
    started = time.monotonic()
    cm, final, recording = _cassette_cm(case.id, ctx)
    if ctx.mode == "replay":
        assert final is not None
        if not final.is_file():
            result["status"] = "missing_cassette"
            result["error"] = f"no cassette {final.name}; record it with `agentspec eval --record`"
            result["usage"] = _usage(None, 0.0, None)
            return result
        recorded_roles = cass.roles_in(final)
        if judge_on and JUDGE_ROLE not in recorded_roles:
            judge_on = False
            result["notes"].append("judge skipped: the cassette holds no judge calls (record with the judge on)")
    spec: SpecDocument | None = None
    with cm as cassette:
        misses = cass.track_misses(cassette) if ctx.mode == "replay" else []
        # The run's date reaches request bodies (the spec's "Last Updated" line in judge
        # prompts): a replay runs on the recording's date, a recording on today's and saves it.
        run_date, date_source = _run_date(ctx.mode, cassette)
        result["run_date"] = {"date": run_date, "from": date_source}  # _draft dates the run with it
        await _draft(case, out, ctx, result)
        if (out / _spec_file(case)).is_file():
            spec = SpecDocument.load(out)
            run = dict(spec.run or {})
            run["expect"] = case.expect
            with using(sections_for({"template": case.template})):  # the case's own sections, for the section map
                scores = run_checks(spec, run)
                result["checks"] = [_score_dict(s) for s in scores]
                result["failed_sections"] = list(run.get("failed_sections") or [])
                if judge_on and result["status"] in ("ok", "partial"):
                    await _judge_case(case, spec, ctx, result)
                result["sections"] = _sections(spec, scores, result["judge"], family_of(_rubrics_for(case, ctx.rubrics)))
        if cassette is not None and ctx.mode == "record" and spec is not None:
            # Replay reproduces tokens but not time: keep the recording's timings.
            cassette.get_metadata("recording", {"run_date": run_date, **_recording_facts(spec, result)})
        if cassette is not None and ctx.mode == "replay":
            result["cassette"] = _played(cassette, judge_on)
            result["recording"] = cass.metadata(cassette, "recording")
            if misses:
                result["status"] = "cassette_mismatch"
                result["error"] = (f"{len(misses)} request(s) not in the cassette; first: "
                                   + cass.explain_mismatch(cassette=cassette, failed=misses[0]))
    if recording is not None and final is not None:
        if result["status"] in ("ok", "partial") and recording.is_file():
            recording.replace(final)
            result["notes"].append(f"recorded {final.name}")
        else:
            recording.unlink(missing_ok=True)
            result["notes"].append(f"not recorded: the case ended with status {result['status']}")
    result["usage"] = _usage(spec, time.monotonic() - started, result["judge"])
    recorded = result.get("recording") or {}
    result["usage"]["recorded_draft_wall_s"] = recorded.get("draft_wall_s")
    result["usage"]["recorded_llm_seconds"] = recorded.get("llm_seconds")
    return result


def _spec_file(case: Case) -> str:
    return f"{case.template['name']}.md" if case.template else SPEC_FILENAME


def _run_date(mode: Mode, cassette: Any) -> tuple[str | None, str]:
    """(date for Runner.draft, where it came from): the recording's in replay, today's otherwise."""
    if mode == "replay" and cassette is not None:
        return cass.recorded_run_date(cassette)
    if mode == "record":
        return time.strftime("%Y-%m-%d"), "today (recorded in the cassette)"
    return None, "today"


def _recording_facts(spec: SpecDocument, result: dict[str, Any]) -> dict[str, Any]:
    run = spec.run or {}
    return {
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "models": run.get("models", []),
        "draft_wall_s": (run.get("timings") or {}).get("wall_s"),
        "llm_seconds": (run.get("totals") or {}).get("llm_seconds"),
        "judge_seconds": ((result.get("judge") or {}).get("usage") or {}).get("duration_s"),
        "versions": run.get("versions", {}),
    }


def _played(cassette: Any, judge_on: bool) -> dict[str, Any]:
    """Replay bookkeeping. Unused recorded calls mean the pipeline now asks for
    less than it did when recording (e.g. a section dropped): a failure, except
    judge calls when the judge is off on purpose."""
    unused: list[str] = []
    ignored = 0
    for index, request in cass.unplayed(cassette):
        role = cass.header(request, cass.ROLE_HEADER)
        if role == JUDGE_ROLE and not judge_on:
            ignored += 1
            continue
        section = cass.header(request, "x-agentspec-section")
        unused.append(f"#{index} {request.method} {request.path} (role {role}, section {section})")
    return {"interactions": len(cassette), "played": cassette.play_count, "unused": unused, "judge_unused_ignored": ignored}


# ------------------------------------------------------------------ the run


def _summary(cases: list[dict[str, Any]]) -> dict[str, Any]:
    checks: dict[str, dict[str, Any]] = {}
    for case in cases:
        for c in case["checks"]:
            row = checks.setdefault(c["name"], {"values": [], "passed": 0, "failed": 0, "skipped": 0})
            if c["skipped"]:
                row["skipped"] += 1
                continue
            row["values"].append(c["value"])
            row["passed" if c["passed"] else "failed"] += 1
    for row in checks.values():
        values = row.pop("values")
        row["mean"] = round(statistics.fmean(values), 3) if values else None
    judged = [c["judge"]["mean"] for c in cases if c.get("judge") and c["judge"].get("mean") is not None]
    families: dict[str, list[float]] = {}
    for case in cases:
        for fam, data in ((case.get("judge") or {}).get("families") or {}).items():
            if data.get("mean") is not None:
                families.setdefault(fam, []).append(data["mean"])
    usage_keys = ("calls", "input_tokens", "output_tokens", "cost_usd", "llm_seconds", "case_wall_s",
                  "judge_calls", "judge_input_tokens", "judge_output_tokens", "judge_cost_usd")
    totals = {k: round(sum((c.get("usage") or {}).get(k) or 0 for c in cases), 6) for k in usage_keys}
    statuses: dict[str, int] = {}
    for case in cases:
        statuses[case["status"]] = statuses.get(case["status"], 0) + 1
    return {
        "cases": len(cases), "statuses": statuses, "checks": checks,
        "judge_mean": round(statistics.fmean(judged), 3) if judged else None,
        "families": {f: round(statistics.fmean(v), 3) for f, v in families.items()},
        "totals": totals,
    }


async def _calibration(ctx: _Context) -> dict[str, Any] | None:
    if ctx.calibration_dir is None or not ctx.calibration_dir.is_dir():
        return None
    items = load_calibration(ctx.calibration_dir)
    judge = ctx.judge()
    if not items or judge is None:
        return None
    path = ctx.cassette_dir / f"{CALIBRATION_CASSETTE}.yaml"
    if ctx.mode == "replay" and not path.is_file():
        return {"skipped": f"no {path.name} cassette; calibration runs in record or live mode"}
    cm, final, recording = _cassette_cm(CALIBRATION_CASSETTE, ctx)
    try:
        with cm as cassette:
            result = await calibrate(judge, {f: r for f, r in ctx.rubrics.items() if f != GENERIC_FAMILY}, items)
            if cassette is not None and ctx.mode == "replay":
                result["cassette"] = _played(cassette, True)
    except AgentSpecError as exc:
        if recording is not None:
            recording.unlink(missing_ok=True)
        return {"skipped": cass.find_mismatch(exc) or exc.message}
    if recording is not None and final is not None and recording.is_file():
        recording.replace(final)
    result["usage"] = judge.usage.to_dict()
    return result


async def _run_cases(cases: Sequence[Case], ctx: _Context, mode: Mode, concurrency: int, judge: bool,
                     console: Console) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    if mode == "live" and concurrency > 1:
        slots = asyncio.Semaphore(concurrency)

        async def one(case: Case) -> dict[str, Any]:
            async with slots:
                return await _run_case(case, ctx, judge)

        results = list(await asyncio.gather(*(one(c) for c in cases)))
    else:
        results = []
        for number, case in enumerate(cases, 1):
            console.print(f"[bold]eval[/] {number}/{len(cases)} {case.id} ({mode})", highlight=False)
            results.append(await _run_case(case, ctx, judge))
            console.print(f"  → {results[-1]['status']}", highlight=False)
    calibration = await _calibration(ctx) if judge else None
    return results, calibration


async def run_eval_async(
    dataset: Path | Sequence[Case],
    mode: Mode,
    baseline: Path | None,
    report_dir: Path,
    concurrency: int = 1,
    judge: bool = True,
    threshold: float = 0.3,
    *,
    cassette_dir: Path | None = None,
    upstream: str | None = None,
    settings: Settings | None = None,
    console: Console | None = None,
    judge_cache: JudgeCache | None = None,
    calibration_dir: Path | None | object = _DEFAULT,
) -> dict[str, Any]:
    """See the module docstring. cassette_dir defaults to evals/cassettes and
    calibration_dir to evals/calibration (None: no calibration)."""
    console = console or Console(stderr=True)
    cassette_dir = cassette_dir or cass.CASSETTE_DIR
    if calibration_dir is _DEFAULT:
        from agentspec.evals import judge as judge_module

        calibration_dir = judge_module.CALIBRATION_DIR
    cases = load_dataset(dataset) if isinstance(dataset, Path) else list(dataset)
    report_dir.mkdir(parents=True, exist_ok=True)
    base = settings or load_settings()
    rubrics = load_rubrics()
    notes: list[str] = []
    baseline_data = None
    if baseline is not None and baseline.exists():
        baseline_data = load_baseline(baseline)
    elif baseline is not None:
        notes.append(f"baseline {baseline} does not exist yet; create it with --update-baseline from a replay run")
    started = time.time()
    wall = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="agentspec-eval-") as state_dir, ExitStack() as stack:
        if mode in ("replay", "record"):
            if mode == "replay":
                url = cass.REPLAY_BASE_URL
            else:
                url = upstream or stack.enter_context(_local_server(base, console))
            draft_settings = pinned_settings(base, url, Path(state_dir), replay=mode == "replay")
            endpoint: Endpoint = remote_endpoint(draft_settings)
            jmodel = PINNED_MODEL
            if os.environ.get(JUDGE_MODEL_ENV):
                notes.append(f"{JUDGE_MODEL_ENV} is ignored in {mode} mode: cassettes pin the judge to {PINNED_MODEL}")
            cache = None  # the cassette is the cache
            recorder = cass.make_vcr()
            cassette_dir.mkdir(parents=True, exist_ok=True)
            if concurrency > 1:
                notes.append(f"cases run one at a time in {mode} mode (VCR patches HTTP globally)")
        else:
            from agentspec.runtime import endpoint_session

            endpoint = stack.enter_context(endpoint_session(base, on_status=lambda m: console.print(m, highlight=False)))
            if endpoint.provider == "local":
                # One embedded server for every case (each Runner would start its own).
                draft_settings = pinned_settings(base, endpoint.base_url or "", Path(state_dir), replay=False)
            else:
                draft_settings = load_settings(data_dir=Path(state_dir))
            jmodel = judge_model(draft_settings)
            cache = judge_cache or default_cache(base)
            recorder = None
        quiet = Console(file=io.StringIO())
        ctx = _Context(
            mode=mode, report_dir=report_dir, cassette_dir=cassette_dir, draft_settings=draft_settings,
            judge_gateway=Gateway(draft_settings, endpoint) if judge else None, judge_model=jmodel if judge else None,
            judge_cache=cache, rubrics=rubrics, console=console,
            case_console=quiet if (mode == "live" and concurrency > 1) else console,
            baseline_path=baseline if baseline is not None and baseline.exists() else None,
            recorder=recorder, notes=notes, calibration_dir=calibration_dir,  # type: ignore[arg-type]
        )
        try:
            results, calibration = await _run_cases(cases, ctx, mode, concurrency, judge, console)
        finally:
            if ctx.judge_gateway is not None:
                # Close the judge's HTTP client inside this event loop (left to the
                # garbage collector it would try to after the loop is gone).
                await ctx.judge_gateway._raw.close()

    drafting_models = sorted({m for r in results for m in (r.get("usage") or {}).get("models", [])})
    judge_info = {"enabled": judge, "model": jmodel if judge else None, "cached": cache is not None,
                  "drafting_models": drafting_models, "notes": []}
    if judge and jmodel in drafting_models:
        judge_info["notes"].append(f"the judge model {jmodel} is also the drafting model: expect self-preference bias; "
                                   f"set {JUDGE_MODEL_ENV} to a different model for live runs")
    report: dict[str, Any] = {
        "version": 1, "mode": mode,
        "dataset": str(dataset) if isinstance(dataset, Path) else "(in-memory)",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.monotonic() - wall, 2),
        "threshold": threshold, "judge": judge_info, "cases": results,
        "summary": _summary(results), "calibration": calibration, "notes": notes,
        "baseline_path": str(baseline) if baseline is not None else None,
    }
    report["comparison"] = compare(report, baseline_data, threshold)
    report["exit_code"] = 0 if report["comparison"]["passed"] else 1
    return report


def run_eval(dataset: Path | Sequence[Case], mode: Mode, baseline: Path | None, report_dir: Path,
             concurrency: int = 1, judge: bool = True, threshold: float = 0.3, **kwargs: Any) -> dict[str, Any]:
    """Run the eval and write report.json, report.md and report.html into report_dir."""
    from agentspec.evals.report import write_report

    report = asyncio.run(run_eval_async(dataset, mode, baseline, report_dir, concurrency, judge, threshold, **kwargs))
    write_report(report, report_dir)
    return report
