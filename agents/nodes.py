"""Graph nodes. Each is `async def node(state, config) -> update`; routing lives
in `schedule`, so graphs/draft.py only wires."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from langgraph.config import get_stream_writer
from langgraph.types import Send, interrupt
from pydantic import ValidationError

from agentspec.assemble import Rendered, render_context, render_section
from agentspec.errors import AgentSpecError
from agentspec.prompting import render_prompt, schema_guide
from agentspec.checks.file_refs import repo_of
from agentspec.quality import document_failures, section_failures
from agentspec.review_pass import REDRAFTED, review_findings
from agentspec.review_pass import feedback as review_feedback
from agentspec.agents.analyses import analysis_specs
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.drafting import digest_of, section_messages, system_message
from agentspec.agents.knowledge.briefing import briefing, declared_archetypes
from agentspec.agents.knowledge.completion import complete
from agentspec.agents.knowledge.coverage import archetypes_for
from agentspec.agents.registry import by_id, registry
from agentspec.agents.roles import role
from agentspec.agents.repository import (REPOSITORY_NOTE, ground_spine, repository_lines, repository_tables_named,
                                         repository_tools_are_not_systems, unknown_existing_tables)
from agentspec.agents.spine import SPINE_ID, DesignSpine, applies, slice_digest, spine_of
from agentspec.agents.spine_gate import copied_examples, echoed_descriptions, outside_spine
from agentspec.agents.state import DONE, LOCKED, DraftState, SectionState, SectionTask
from agentspec.agents.tasks import (BUDGET_NOTE, BudgetExhausted, budget, budget_limits, call_llm, field_guide_in_prompt,
                          request_llm, spec_for)

WAITING = ("queued", "stale")  # section statuses that still need a draft
REVIEWER = "Reviewer feedback:"  # prefix of a human's revision request in `feedback`
ANALYSIS_DIGEST_BUDGET = 6000  # characters of section digests an analysis sees


class IntakeFailed(AgentSpecError):
    exit_code = 5


class BudgetTooSmall(AgentSpecError):
    exit_code = 2


def _not_budget(lines: list[str]) -> list[str]:
    """Feedback for a prompt: a budget stop's note is about the run, not the section."""
    return [line for line in lines if not line.startswith((BUDGET_NOTE, "not drafted:", "not run:"))]


def _emit(section: str, status: str, **extra: Any) -> None:
    try:
        get_stream_writer()({"section": section, "status": status, **extra})
    except Exception:  # noqa: BLE001 - progress is best effort (no writer outside streaming)
        pass


# ----------------------------------------------------------------------------- intake / plan
async def intake(state: DraftState) -> dict[str, Any]:
    if state.get("brief"):
        return {}
    budget(state)  # this command's budget ledger starts from the calls already made
    _emit("intake", "drafting")
    messages = [
        {"role": "system", "content": system_message(bool(state["options"].get("repo_given")))},
        {"role": "user", "content": render_prompt("product-analyst/intake.md.j2", description=state["description"],
                                                   persona=role("product-analyst").persona.strip(),
                                                   repository="; ".join(repository_lines("ai_development_notes", state["options"].get("repo"))).removeprefix("Stack: "),
                                                   fields=schema_guide(FeatureBrief) if field_guide_in_prompt() else "")},
    ]
    try:
        out = await call_llm("intake", messages, 0)
    except BudgetExhausted as exc:
        raise BudgetTooSmall(f"the budget does not cover the first call: {exc.reason}",
                             hint="raise --max-tokens / --max-cost") from None
    if out["error"]:
        raise IntakeFailed(f"the model could not produce a valid feature brief: {out['error']}",
                           hint="try a more capable model (AGENTSPEC_MODEL) or rephrase the description")
    _emit("intake", "done")
    return {"brief": out["data"], "calls": [out["call"]]}


def plan(state: DraftState) -> dict[str, Any]:
    """Queue every LLM-drafted section and analysis not already tracked (re-entry keeps progress)."""
    sections = state.get("sections") or {}
    analyses = state.get("analyses") or {}
    new_sections = {s.id: SectionState(status="queued", attempts=0, failures=[], feedback=[])
                    for s in registry() if s.needs_llm and s.id not in sections}
    new_analyses = {}
    if state["options"].get("analyses_enabled", True):
        new_analyses = {s.id: SectionState(status="queued", attempts=0, failures=[], feedback=[])
                        for s in analysis_specs() if s.id not in analyses}
    for sid in new_sections:
        _emit(sid, "queued")
    return {"sections": new_sections, "analyses": new_analyses, "needs_check": True}


# ----------------------------------------------------------------------------- routing
def _task(state: DraftState, section_id: str) -> SectionTask:
    return SectionTask(section_id=section_id, description=state["description"], options=state["options"],
                       brief=state["brief"], sections=state.get("sections") or {}, analyses=state.get("analyses") or {})


def over_budget(state: DraftState) -> str | None:
    """Why the run must not start another section, or None. The ceiling itself is
    enforced before every call (agents/tasks.py Budget); once a call was refused,
    or the budget is spent, no new work starts."""
    ledger = budget(state)
    if ledger is not None and ledger.refused:
        return ledger.refused
    max_tokens, max_cost = budget_limits(state.get("options") or {})
    calls = state.get("calls") or []
    tokens = sum(c.get("input_tokens", 0) + c.get("output_tokens", 0) for c in calls)
    cost = sum(c.get("cost_usd", 0.0) for c in calls)
    if ledger is not None:  # includes calls made inside nodes that have not returned yet
        tokens, cost = max(tokens, ledger.spent_tokens), max(cost, ledger.spent_cost)
    if max_tokens and tokens >= max_tokens:
        return f"token budget reached ({tokens} of {max_tokens})"
    if max_cost and cost >= max_cost:
        return f"cost budget reached (${cost:.4f} of ${max_cost:.4f})"
    return None


def ready_work(state: DraftState, started: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(node, id) for everything that may start now: draft sections whose
    dependencies are done, analyses once the sections they read are done, and
    fold-in sections once the analyses and their own dependencies are."""
    sections = state.get("sections") or {}
    specs = by_id()

    def ready(stage: str) -> list[str]:
        return [sid for sid, st in sections.items()
                if sid not in started and specs[sid].stage == stage and st["status"] in WAITING
                and all(sections.get(d, {}).get("status", "drafted") in DONE for d in specs[sid].depends_on)]

    analyses = state.get("analyses") or {}
    inputs = {s.id: s.depends_on for s in analysis_specs()}
    pending = [aid for aid, st in analyses.items() if st["status"] == "queued"]
    # A failed input does not hold the analyses back: they read what there is.
    analyses_ready = [aid for aid in pending if aid not in started
                      and all(sections.get(d, {}).get("status", "drafted") in DONE for d in inputs[aid])]
    foldins = ready("foldin") if not pending else []
    return ([("draft_section", sid) for sid in ready("draft")] + [("analyze", aid) for aid in analyses_ready]
            + [("draft_section", sid) for sid in foldins])


def _waiting(state: DraftState) -> bool:
    return any(st["status"] in WAITING for st in (state.get("sections") or {}).values()) or any(
        st["status"] == "queued" for st in (state.get("analyses") or {}).values())


def schedule(state: DraftState) -> list[Send] | Literal["draft_all", "check", "assemble", "stop_for_budget"]:
    """Dispatch what is ready: one dataflow node for a run without review
    (agents/dataflow.py), else the next wave of Sends; then the document check."""
    if _waiting(state) and over_budget(state):
        return "stop_for_budget"
    work = ready_work(state)
    if work and state["options"].get("dataflow") and not state["options"].get("review"):
        return "draft_all"
    if work:
        return [Send(node, _task(state, sid)) for node, sid in work]
    if _waiting(state):
        raise RuntimeError("sections are waiting on dependencies that can never finish")
    return "check" if state.get("needs_check", True) else "assemble"


# ----------------------------------------------------------------------------- drafting
def _dependencies(task: SectionTask, section_ids: tuple[str, ...] | list[str],
                  spine_parts: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    specs = by_id()
    deps = []
    for dep in section_ids:
        entry = task["sections"].get(dep) or {}
        if dep == SPINE_ID:
            spine = spine_of(task["sections"])
            if spine is not None:  # only the slices this section needs: prompts stay bounded
                deps.append({"id": "design spine (decided; use only these names)", "digest": slice_digest(spine, spine_parts)})
            continue
        if entry.get("status") == "not_applicable":
            deps.append({"id": dep, "digest": f"Not applicable: {entry.get('not_applicable')}"})
        elif entry.get("edited_markdown"):
            deps.append({"id": dep, "digest": entry["edited_markdown"][:2400]})
        elif entry.get("data") is not None:
            deps.append({"id": dep, "digest": digest_of(specs[dep], entry["data"])})
    return deps


def _analysis_dependencies(task: SectionTask) -> list[dict[str, str]]:
    specs = {s.id: s for s in analysis_specs()}
    return [{"id": f"{aid} analysis", "digest": digest_of(specs[aid], entry["data"])}
            for aid, entry in task["analyses"].items() if entry.get("data") is not None]


async def _draft_until_clean(task: SectionTask, spec_id: str, deps: list[dict[str, str]],
                             feedback: list[str], attempts: int, max_repairs: int,
                             model: str | None = None, context: dict[str, Any] | None = None,
                             keep: list[str] | None = None,
                             ) -> tuple[dict[str, Any] | None, list[str], int, list[dict[str, Any]]]:
    """Draft, check the rendered section, and redraft with the failures as
    feedback, at most `max_repairs` times. Returns (data, failures, attempts, calls).
    `keep` (a reviewer's feedback) is part of every attempt's prompt: repairs
    replace only the check failures after it, never the reviewer's words."""
    keep = list(keep or [])
    spec = spec_for(spec_id)
    # A prompt may name what the spine decided (External Service Integration lists its systems).
    context = {"spine": spine_of(task["sections"]), **(context or {})}
    brief = FeatureBrief.model_validate(task["brief"])
    repo_given = bool(task["options"].get("repo_given"))
    calls: list[dict[str, Any]] = []
    data, failures = None, []
    chosen = tuple(task["options"].get("archetypes") or ())
    knowledge = briefing(spec_id, task["description"], spine_of(task["sections"]), chosen)
    derived = _derived(task, spec_id) if not keep else None  # a reviewer's request is the model's to answer
    if derived is not None:
        failures = await asyncio.to_thread(_check_section, task, spec_id, derived)
        if not failures:
            _emit(spec_id, "written from the design")
            return derived, [], attempts, []
        # Code that fails its own section's checks is a bug; the model drafts it meanwhile.
        _emit(spec_id, "drafting: the design's version failed its checks", notes=failures)
    for _ in range(max_repairs + 1):
        messages = section_messages(spec, description=task["description"], brief=brief, dependencies=deps,
                                    feedback=keep + [f for f in feedback if f not in keep], repo_given=repo_given, context=context,
                                    field_guide=field_guide_in_prompt(), knowledge=knowledge,
                                    repository=repository_lines(spec_id, task["options"].get("repo")))
        _emit(spec_id, "drafting", attempt=attempts)
        try:
            out = await request_llm(spec_id, messages, attempts, model)
        except BudgetExhausted as exc:
            # Stop before the call that would cross the budget; keep what there is.
            failures = _not_budget(failures) + [f"{BUDGET_NOTE}: {exc.reason}"]
            break
        attempts += 1
        calls.append(out["call"])
        if out["error"]:
            failures = [f"no valid output: {out['error']}"]
            feedback = failures
            continue
        candidate = _aligned(task, spec_id, out["data"])
        _emit(spec_id, "checking")
        # Checks spawn node (mermaid) and parse SQL/TS: off the event loop, so the
        # other sections' LLM calls keep flowing meanwhile.
        failures = await asyncio.to_thread(_check_section, task, spec_id, candidate) if spec.stage != "analysis" else []
        data = candidate
        if not failures:
            break
        feedback = failures
    return data, failures, attempts, calls


def _derived(task: SectionTask, spec_id: str) -> dict[str, Any] | None:
    """The section written by code from the design (the section's `derive`), or None."""
    spec = by_id().get(spec_id)
    if spec is None or spec.derive is None:
        return None
    state = {"brief": task["brief"], "description": task["description"], "options": task["options"],
             "sections": task["sections"], "analyses": task["analyses"]}
    try:
        data = spec.derive(render_context(state))
    except (ValidationError, ValueError, KeyError, AttributeError, TypeError) as exc:
        # A design shape the writer did not foresee is its bug, not the user's: the model drafts it.
        _emit(spec_id, "drafting: the design's version could not be written", notes=[f"{type(exc).__name__}: {exc}"])
        return None
    return data.model_dump(mode="json") if data is not None else None


def _aligned(task: SectionTask, spec_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The answer with the values the design spine fixes put back (the section's `align`)."""
    spec = by_id().get(spec_id)  # None for the analyses: they have no registry entry
    if spec_id == SPINE_ID:
        return _completed_spine(task, data)
    spine = spine_of(task["sections"])
    if spec is None or spec.align is None or spec.model is None or spine is None:
        return data
    try:
        model = spec.model.model_validate(data)
    except ValidationError:
        return data
    aligned = spec.align(model, spine).model_dump(mode="json")
    try:
        spec.model.model_validate(aligned)
    except ValidationError:
        # The spine's value breaks a rule of the section (a table the spine calls
        # existing while the answer points it at a new one): keep the answer, and let
        # spine_checks say where the two disagree, as feedback.
        return data
    return aligned


def _completed_spine(task: SectionTask, data: dict[str, Any]) -> dict[str, Any]:
    """The spine answer with what its archetypes require added (agents/knowledge/completion/)."""
    try:
        spine = DesignSpine.model_validate(data)
    except ValidationError:
        return data  # the gate reports what is wrong with it
    chosen = tuple(task["options"].get("archetypes") or ())
    facts = task["options"].get("repo")  # draft --repo
    # Tables only guessed to exist go first, so what completion builds (the database's tables) never names them.
    guessed = [f"Existing tables: {n}" for n in unknown_existing_tables(spine, facts, task["description"])]
    guessed += [f"{REPOSITORY_NOTE}{n}" for n in repository_tools_are_not_systems(spine, facts, task["description"])]
    guessed += [f"{REPOSITORY_NOTE}{n}" for n in repository_tables_named(spine, facts, task["description"])]
    # Grounded before completion too: what completion adds for a table (a provider id, a holder's
    # key) depends on whether the repository already has it.
    guessed += [f"{REPOSITORY_NOTE}{n}" for n in ground_spine(spine, facts, task["description"])]
    spine.completed = [*spine.completed, *guessed]
    declared = tuple(declared_archetypes(task["description"], chosen))
    completed, notes = complete(spine, declared, task["description"])
    completed.archetypes = [a.id for a in archetypes_for(completed, declared)]
    grounded = [f"{REPOSITORY_NOTE}{n}" for n in ground_spine(completed, facts)]
    completed.completed = list(dict.fromkeys([*completed.completed, *grounded]))
    notes = guessed + notes + grounded
    if notes:
        _emit(SPINE_ID, f"completed: {len(notes) - len(grounded)} element(s) from the knowledge library"
              + (f", {len(grounded)} matched to the repository" if grounded else ""), notes=notes)
    return completed.model_dump(mode="json")


def _check_section(task: SectionTask, spec_id: str, data: dict[str, Any]) -> list[str]:
    state = {"brief": task["brief"], "description": task["description"], "options": task["options"],
             "sections": {**task["sections"], spec_id: {"status": "drafted", "data": data}},
             "analyses": task["analyses"]}
    markdown = render_section(by_id()[spec_id], state["sections"][spec_id], render_context(state))
    failures = section_failures(markdown, repo=repo_of(task["options"]),
                                template=(task["options"].get("template") or {}).get("markdown"))
    return failures + _spine_failures(task, spec_id, markdown, data) + _cross_failures(task, spec_id, data)


def _spine_failures(task: SectionTask, spec_id: str, markdown: str, data: dict[str, Any]) -> list[str]:
    """Names the design spine lacks, and example values copied from the instructions."""
    failures = [f"copied example: {o.message()}"
                for o in copied_examples(json.dumps(data, ensure_ascii=False), task["description"])]
    spec = by_id().get(spec_id)
    if spec is not None and spec.model is not None:
        failures += [f"copied instruction: {e}" for e in echoed_descriptions(spec.model, data)]
    spine = spine_of(task["sections"])
    if spine is not None and spec_id != SPINE_ID:
        failures += [f"outside the design spine: {o.message(spine)}" for o in outside_spine(markdown, spine)]
        spec = by_id()[spec_id]
        if spec.spine_checks is not None and spec.model is not None:
            try:
                model = spec.model.model_validate(data)
            except ValidationError:
                return failures
            failures += [f"design spine: {p}" for p in spec.spine_checks(model, spine)]
    return failures


def _cross_failures(task: SectionTask, spec_id: str, data: dict[str, Any]) -> list[str]:
    """Names this section uses that its dependencies do not define."""
    spec = by_id()[spec_id]
    if spec.cross_checks is None or spec.model is None:
        return []
    dependencies = {}
    for dep in spec.depends_on:
        entry = task["sections"].get(dep) or {}
        if entry.get("data") is None:
            continue
        try:
            dependencies[dep] = by_id()[dep].model.model_validate(entry["data"])
        except ValidationError:
            continue  # an invalid (failed) dependency is reported on its own
    return spec.cross_checks(spec.model.model_validate(data), dependencies)


async def draft_section(task: SectionTask) -> dict[str, Any]:
    sid = task["section_id"]
    spec = by_id()[sid]
    entry: SectionState = dict(task["sections"].get(sid) or {})  # type: ignore[assignment]
    if entry.get("status") in LOCKED:
        return {}  # approved and edited sections are never overwritten
    applicable, reason = applies(spine_of(task["sections"]), spec.applies_when)
    if not applicable:
        # The spine does without what this section is about: one line, no call, nothing invented.
        _emit(sid, "not_applicable")
        return {"sections": {sid: {"status": "not_applicable", "not_applicable": reason, "data": None, "failures": [],
                                   "feedback": [], "attempts": int(entry.get("attempts", 0)), "edited_markdown": None,
                                   "stale_because": None, "doc_repairs": int(entry.get("doc_repairs", 0))}},
                "needs_check": True}
    deps = _dependencies(task, spec.depends_on, spec.spine_parts)
    if spec.stage == "foldin":
        deps += _analysis_dependencies(task)
    max_repairs = int(task["options"].get("max_repairs", 2))
    if entry.get("review_redraft"):
        # The review pass's redraft is one attempt: a failed one keeps the earlier draft anyway
        # (below), so a repair loop only adds calls (the ninth-pass Stripe integration test's
        # failed redraft cost 110 s for nothing).
        max_repairs = 0
    feedback = _not_budget(list(entry.get("feedback") or []))
    keep = [f for f in feedback if f.startswith(REVIEWER)]
    data, failures, attempts, calls = await _draft_until_clean(
        task, sid, deps, feedback, int(entry.get("attempts", 0)), max_repairs, keep=keep)
    if data is None and entry.get("data") is not None and any(f.startswith(BUDGET_NOTE) for f in failures):
        data = entry["data"]  # a budget stop keeps the earlier draft
    status = "drafted" if data is not None and not failures else "failed"
    if status == "failed" and entry.get("review_redraft") and entry.get("data") is not None:
        # A redraft the review pass asked for must not cost the section: the earlier draft passed
        # every check, so it stays, and the review's findings remain open questions.
        status, data, failures = "drafted", entry["data"], []
    result: SectionState = {"status": status, "data": data, "attempts": attempts, "failures": failures,
                            "feedback": [], "edited_markdown": None, "stale_because": None,
                            "doc_repairs": int(entry.get("doc_repairs", 0))}
    if task["options"].get("review") and not any(f.startswith(BUDGET_NOTE) for f in failures):
        # Failed sections are offered too: a reviewer can edit or revise them (not approve).
        result, more_calls = await _review(task, result, deps, max_repairs)
        calls += more_calls
    _emit(sid, result["status"])
    return {"sections": {sid: result}, "calls": calls, "needs_check": True}


async def _review(task: SectionTask, result: SectionState, deps: list[dict[str, str]], max_repairs: int
                  ) -> tuple[SectionState, list[dict[str, Any]]]:
    """Ask a human: approve, edit, revise with feedback (redraft, ask again) or skip.
    On resume this code re-runs; the LLM calls inside are replayed from the task cache."""
    sid = task["section_id"]
    calls: list[dict[str, Any]] = []
    while True:
        state = {**task, "sections": {**task["sections"], sid: result}}
        ctx = render_context(state)
        spec = by_id()[sid]
        markdown = render_section(spec, result, ctx)
        if spec.shown_by and result.get("data") is not None:
            markdown = render_section(by_id()[spec.shown_by], None, ctx)  # as the spec shows it
        _emit(sid, "pending_review")
        decision = interrupt({"section": sid, "markdown": markdown, "failures": result.get("failures", []),
                              "status": result.get("status")})
        action = (decision or {}).get("action", "skip")
        if action == "approve" and result.get("status") == "failed":
            return result, calls  # a failed section is never approved (the CLI refuses it first)
        if action == "approve":
            return {**result, "status": "approved"}, calls
        if action == "edit":
            return {**result, "status": "edited", "edited_markdown": str(decision["markdown"])}, calls
        if action == "revise":
            said = [f"{REVIEWER} {decision.get('feedback', '')}"]
            data, failures, attempts, new_calls = await _draft_until_clean(
                task, sid, deps, said, int(result.get("attempts", 0)), max_repairs, keep=said)
            calls += new_calls
            result = {**result, "data": data if data is not None else result.get("data"), "failures": failures,
                      "attempts": attempts, "status": "drafted" if data is not None and not failures else "failed"}
            continue
        return result, calls  # skip: stays drafted, can be reviewed later


async def analyze(task: SectionTask) -> dict[str, Any]:
    aid = task["section_id"]
    budget, deps = ANALYSIS_DIGEST_BUDGET, []
    inputs = set(next(s.depends_on for s in analysis_specs() if s.id == task["section_id"]))
    for dep in _dependencies(task, [s.id for s in registry() if s.id in inputs]):
        if budget <= 0:
            break
        dep = {"id": dep["id"], "digest": dep["digest"][: min(600, budget)]}
        budget -= len(dep["digest"])
        deps.append(dep)
    options = task["options"]
    lean = bool(options.get("drop_p3"))
    data, failures, attempts, calls = await _draft_until_clean(
        task, aid, deps, [], 0, 0, model=options.get("analysis_model"), context={"lean": lean})
    if lean and aid == "scenarios" and data is not None:
        # Budget degradation: P3 scenarios are dropped first.
        data = {**data, "scenarios": [s for s in data["scenarios"] if _priority(s) != "P3"] or data["scenarios"]}
    status = "drafted" if data is not None else "failed"
    _emit(f"analysis:{aid}", status)
    return {"analyses": {aid: {"status": status, "data": data, "attempts": attempts, "failures": failures}},
            "calls": calls, "needs_check": True}


def stop_for_budget(state: DraftState) -> dict[str, Any]:
    """Mark what was not started as failed, with the reason; the rest is assembled."""
    reason = over_budget(state) or "budget reached"
    sections = {sid: {**st, "status": "failed", "failures": [f"{BUDGET_NOTE}: not drafted ({reason})"]}
                for sid, st in (state.get("sections") or {}).items() if st["status"] in WAITING}
    analyses = {aid: {**st, "status": "failed", "failures": [f"{BUDGET_NOTE}: not run ({reason})"]}
                for aid, st in (state.get("analyses") or {}).items() if st["status"] == "queued"}
    for sid in sections:
        _emit(sid, "failed")
    return {"sections": sections, "analyses": analyses, "needs_check": True}


def _priority(scenario: dict[str, Any]) -> str:
    from agentspec.agents.analyses.scenarios import Scenario

    return Scenario.model_validate(scenario).priority


def join(_state: DraftState) -> dict[str, Any]:
    """Fan-in point after each wave; routing happens on its outgoing edge."""
    return {}


# ----------------------------------------------------------------------------- check / assemble
def check(state: DraftState) -> dict[str, Any]:
    """Whole-document checks, then the review pass (agentspec/review_pass.py). Failing,
    unlocked sections with attempts left are queued again with the failures and the
    critical or major review findings as feedback; a section still failing a check is
    marked failed, while review findings left after the one redraft stay open questions."""
    rendered = Rendered.of(state)  # once: both the gate and the review pass read it
    scores, by_section = document_failures(state, rendered)
    review = _review_pass(state, rendered)
    findings_of: dict[str, list] = {}
    for finding in review.get("open", []):
        if finding["severity"] in REDRAFTED:
            findings_of.setdefault(finding["section"], []).append(finding)
    updates: dict[str, SectionState] = {}
    for sid in {*by_section, *findings_of}:
        entry = (state.get("sections") or {}).get(sid)
        failures = by_section.get(sid, [])
        if entry is None or entry.get("status") in LOCKED or (not failures and entry.get("status") == "failed"):
            continue
        # One document-level redraft per section on top of its own repair loop keeps cost bounded.
        if int(entry.get("doc_repairs", 0)) < 1:
            updates[sid] = {**entry, "status": "queued", "feedback": failures + review_feedback(findings_of.get(sid, [])),
                            "failures": failures, "doc_repairs": int(entry.get("doc_repairs", 0)) + 1,
                            "review_redraft": not failures and entry.get("data") is not None}
            if sid in findings_of:
                review["redrafted"] = sorted({*review.get("redrafted", []), sid})
        elif failures:
            updates[sid] = {**entry, "status": "failed", "failures": failures}
    requeued = any(u["status"] == "queued" for u in updates.values())
    return {"sections": updates, "document_checks": [s.to_dict() for s in scores], "needs_check": requeued,
            **({"review_pass": review} if review else {})}


def _review_pass(state: DraftState, rendered: Rendered) -> dict[str, Any]:
    """The review pass's findings now, with the first round's kept for run.json; {} when
    the run turned it off (`draft --no-critic`)."""
    if not (state.get("options") or {}).get("critic", True):
        return {}
    found = review_findings(state, rendered)
    earlier = state.get("review_pass") or {}
    return {"first": earlier.get("first", found), "open": found, "redrafted": list(earlier.get("redrafted", []))}


def assemble(state: DraftState) -> dict[str, Any]:
    _emit("assemble", "done")
    return {}
