"""Turn graph state into the files of a spec: the markdown (section by section,
in template order), the three analysis files, spec.json and run.json."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from typing import Any

from pydantic import BaseModel, ValidationError

from agentspec.checks.file_refs import repo_of
from agentspec.gateway.usage import CallRecord, totals
from agentspec.packs.generic import pack_of
from agentspec.packs.builtin import builtin_pack
from agentspec.sections_map import section_at
from agentspec.spec_document import SPEC_FILENAME
from agentspec.section import RenderContext, SectionSpec, validate_stored
from agentspec.agents.analyses import ANALYSES, analysis_specs
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.registry import registry

SPEC_FILE = SPEC_FILENAME
_PACKAGES = ("agentspec", "langgraph", "langgraph-checkpoint", "instructor", "openai", "pydantic", "tiktoken")


@dataclass
class Document:
    markdown: str
    # (first line, last line, section id), 1-based, to map check findings back to sections
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def section_at(self, line: int | None) -> str | None:
        return section_at({sid: (start, end + 1) for start, end, sid in self.spans}, line)


def validated(spec: SectionSpec, entry: dict[str, Any] | None) -> BaseModel | None:
    if not entry or entry.get("data") is None or spec.model is None:
        return None
    try:
        return validate_stored(spec.model, entry["data"])
    except ValidationError:
        return None


def render_context(state: dict[str, Any]) -> RenderContext:
    brief = FeatureBrief.model_validate(state["brief"])
    specs = {s.id: s for s in registry()}
    sections: dict[str, Any] = {}
    for sid, entry in (state.get("sections") or {}).items():
        data = validated(specs[sid], entry) if sid in specs else None
        if data is not None:
            sections[sid] = data
    analyses: dict[str, Any] = {}
    for spec in analysis_specs():
        data = validated(spec, (state.get("analyses") or {}).get(spec.id))
        if data is not None:
            analyses[spec.id] = data
    options = state.get("options") or {}
    return RenderContext(
        brief=brief, description=state.get("description", ""), sections=sections, analyses=analyses, registry=registry(),
        repo_given=bool(options.get("repo_given")), repo=options.get("repo"), date=options.get("date") or date.today().isoformat(),
        statuses={sid: str(e.get("status")) for sid, e in (state.get("sections") or {}).items()},
        checks=list(state.get("document_checks") or []),
        archetypes=tuple(options.get("archetypes") or ()),
        review=list((state.get("review_pass") or {}).get("open") or []),
    )


def render_section(spec: SectionSpec, entry: dict[str, Any] | None, ctx: RenderContext) -> str:
    """A section's markdown. A human edit wins; a failed section keeps its headings
    and says why it failed, so nothing disappears silently."""
    entry = entry or {}
    if entry.get("edited_markdown"):
        return entry["edited_markdown"].strip("\n")
    if entry.get("status") == "pending_review" and entry.get("pending_markdown"):
        # A draft waiting for a human (the interrupt's markdown): shown, never mistaken for approved.
        return (entry["pending_markdown"].strip("\n")
                + f"\n\n> **Pending review**: section `{spec.id}` is a draft that is not approved yet.")
    if spec.stage == "static":
        return spec.render(None, ctx)
    if entry.get("status") == "not_applicable":
        return not_applicable(spec, entry.get("not_applicable") or "the design does not call for it")
    data = ctx.sections.get(spec.id)
    if data is None and not spec.headings:
        return ""  # a section without headings of its own (the spine) is shown by another
    failed = entry.get("status") == "failed"
    if data is None or failed:
        # A rejected draft is not the spec: shown, it read as the design (the 12-05 fresh-clone
        # draft's failed test example put a wss:// socket the design does not have in the
        # document). It stays in spec.json, for `review` to edit and `resume` to redraft.
        reason = "; ".join(entry.get("failures") or []) or f"not drafted yet (status: {entry.get('status', 'queued')})"
        heads = "\n\n".join(spec.headings) if spec.headings else ""
        kept = " Its last draft is kept in spec.json: `agentspec review` edits it, `agentspec resume` drafts it again." \
            if failed and entry.get("data") is not None else ""
        note = f"> **Section `{spec.id}` failed**: {reason.rstrip('.')}.{kept}" if failed else f"> **Section `{spec.id}` pending**: {reason}"
        return f"{heads}\n\n{note}".strip()
    return spec.render(data, ctx)


def not_applicable(spec: SectionSpec, reason: str) -> str:
    """The section's headings and one line saying why the design has no use for it."""
    heads = "\n\n".join(spec.headings)
    return f"{heads}\n\nNot applicable: {reason.rstrip('.')}.".strip()


def spec_file(state: dict[str, Any]) -> str:
    """The spec's file name: the built-in template's, or the user's template's own name."""
    pack = pack_of(state.get("options"))
    return pack.file_name if pack is not None else SPEC_FILE


def render_document(state: dict[str, Any]) -> Document:
    ctx = render_context(state)
    pack = pack_of(state.get("options"))
    title = pack.title(ctx) if pack is not None else [f"# {builtin_pack().title.format(feature=ctx.brief.name)}"]
    lines = [*title, ""] if title else []
    spans: list[tuple[int, int, str]] = []
    for spec in registry():
        block = render_section(spec, (state.get("sections") or {}).get(spec.id), ctx).strip("\n")
        if not block:
            continue
        start = len(lines) + 1
        lines += block.splitlines()
        spans.append((start, len(lines), spec.id))
        lines.append("")
    return Document(markdown="\n".join(lines).rstrip() + "\n", spans=spans)


def render_analysis_files(state: dict[str, Any]) -> dict[str, str]:
    ctx = render_context(state)
    files = {}
    for spec in analysis_specs():
        entry = (state.get("analyses") or {}).get(spec.id) or {}
        data = ctx.analyses.get(spec.id)
        if data is not None:
            files[ANALYSES[spec.id][1]] = spec.render(data, ctx)
        else:
            reason = "; ".join(entry.get("failures") or []) or entry.get("status", "not run")
            files[ANALYSES[spec.id][1]] = f"# {spec.headings[0]}: {ctx.brief.name}\n\n> This analysis did not complete: {reason}\n"
    return files


@dataclass(frozen=True)
class Rendered:
    """The document and the analyses rendered once from a state, for every check that reads them."""
    document: Document
    analyses: dict[str, str]  # "stakeholder" -> markdown

    @classmethod
    def of(cls, state: dict[str, Any]) -> "Rendered":
        analyses = {name.removeprefix("analysis-").removesuffix(".md"): text
                    for name, text in render_analysis_files(state).items()}
        return cls(render_document(state), analyses)


def spec_json(state: dict[str, Any]) -> dict[str, Any]:
    chosen = (state.get("options") or {}).get("archetypes")
    return {
        "description": state.get("description"),
        "brief": state.get("brief"),
        "sections": {
            sid: {"status": e.get("status"), "data": e.get("data"), "edited_markdown": e.get("edited_markdown"),
                  "attempts": e.get("attempts", 0), "failures": e.get("failures", []),
                  **({"not_applicable": e["not_applicable"]} if e.get("status") == "not_applicable" else {})}
            for sid, e in (state.get("sections") or {}).items()
        },
        "analyses": {aid: {"status": e.get("status"), "data": e.get("data"), "failures": e.get("failures", [])}
                     for aid, e in (state.get("analyses") or {}).items()},
        "document_checks": state.get("document_checks", []),
        **({"archetypes": list(chosen)} if chosen else {}),  # draft --archetype, for `check` and `eval`
        # a user's template travels with the spec: `check`, `show` and `resume` need no file
        **({"template": template} if (template := (state.get("options") or {}).get("template")) else {}),
        **({"repo": repo} if (repo := (state.get("options") or {}).get("repo")) else {}),
    }


def review_summary(state: dict[str, Any]) -> dict[str, Any]:
    """What the review pass (agentspec/review_pass.py) found first, what it redrafted, what
    is still open, by severity."""
    review = state.get("review_pass") or {}
    if not review:
        return {"enabled": bool((state.get("options") or {}).get("critic", True)), "ran": False}

    def by_severity(findings: list[dict[str, Any]]) -> dict[str, int]:
        return {s: sum(f.get("severity") == s for f in findings) for s in ("critical", "major", "minor")}

    return {"enabled": True, "ran": True, "first": by_severity(review.get("first") or []),
            "redrafted": sorted(review.get("redrafted") or []), "open": by_severity(review.get("open") or []),
            "open_findings": list(review.get("open") or [])}


def run_json(state: dict[str, Any], *, thread_id: str, endpoint: str, timings: dict[str, float]) -> dict[str, Any]:
    calls = [CallRecord.model_validate(c) for c in state.get("calls") or []]
    failed = sorted(sid for sid, e in (state.get("sections") or {}).items() if e.get("status") == "failed")
    failed += sorted(f"analysis:{aid}" for aid, e in (state.get("analyses") or {}).items() if e.get("status") == "failed")
    return {
        "thread_id": thread_id,
        "endpoint": endpoint,
        "models": sorted({c.model for c in calls}),
        "repo": repo_of(state.get("options")),
        "totals": totals(calls),
        "failed_sections": failed,
        "review_pass": review_summary(state),
        "timings": timings,
        "calls": [c.model_dump() for c in calls],
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def all_files(state: dict[str, Any], *, thread_id: str, endpoint: str, timings: dict[str, float]) -> dict[str, str]:
    files = {spec_file(state): render_document(state).markdown}
    files.update(render_analysis_files(state))
    files["spec.json"] = json.dumps(spec_json(state), indent=2, ensure_ascii=False) + "\n"
    files["run.json"] = json.dumps(run_json(state, thread_id=thread_id, endpoint=endpoint, timings=timings), indent=2) + "\n"
    return files
