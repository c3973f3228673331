"""## Reusability Analysis (implementation-specialist).

The model never claims a `path/file.ext:NN` location in "Existing Patterns to Reuse" or
"Refactoring Opportunities": it gives where to look (a search or a kind of module) and the
renderer prints it as such. With `draft --repo`, code adds what the scan found that the design
builds on (its tables, the router its endpoints join, an existing client), each at the
`path:line` the scan read it from."""

from __future__ import annotations

import re

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from agentspec.render.markdown import join_blocks
from agentspec.section import RenderContext, SectionModel, ShortText, items, unique_names
from agentspec.agents.spine import RUNS_OVERLAP
from ._headings import headings_of
from ._validators import check_file_line, no_file_line

Hint = Annotated[ShortText, AfterValidator(no_file_line)]
Factor = Literal["Low", "Medium", "High", "Very High"]
Priority = Literal["High", "Medium", "Low"]


class _NoLocations(SectionModel):
    """No field may claim a `file:line` location (the codebase is usually not given)."""

    @field_validator("*")
    @classmethod
    def _no_file_line(cls, value: object) -> object:
        return check_file_line(value)


class ExistingPattern(_NoLocations):
    name: ShortText = Field(description="pattern or component a codebase with this stack likely already has, that this feature needs")
    where_to_look: Hint = Field(description="how to find it: a grep -rn command for an identifier of that component, or the kind of module it lives in")
    how_to_reuse: ShortText
    modifications: Literal["None", "Minor", "Adapt"]
    modification_detail: str = Field("", max_length=160, description="what changes for this feature; empty when None")

    @model_validator(mode="after")
    def _detail_when_changed(self) -> "ExistingPattern":
        if self.modifications != "None" and not self.modification_detail.strip():
            raise ValueError(f"modifications is {self.modifications}: say what changes in modification_detail")
        return self


class NewComponent(_NoLocations):
    name: ShortText = Field(description="PascalCase component name, a colon, then its purpose in this feature")
    abstraction: Literal["Utility", "Service", "Module", "Library"]
    future_use_cases: items(ShortText, 1, 3)
    documentation: ShortText = Field(description="what to document about it for the next feature that uses it")


class Knowledge(_NoLocations):
    name: ShortText = Field(description="short name of the pattern or anti-pattern learned in this feature")
    kind: Literal["Pattern", "Anti-pattern"]
    description: ShortText = Field(description="what was learned")
    documentation_location: Hint = Field(description="new Markdown doc to add it to: docs/patterns/ plus the pattern name in kebab-case, .md")
    example_code: Hint | None = Field(default=None, description="which code example of this spec shows it, by its title; null if none")


class Refactoring(_NoLocations):
    where_to_look: Hint = Field(description="how to find the code: a grep -rn command for a call or identifier to look for, or the kind of module")
    current_issue: ShortText = Field(description="what makes it hard to reuse")
    proposed_refactor: ShortText
    impact: ShortText = Field(description="benefit of the refactor")
    priority: Priority
    priority_reason: ShortText = Field(description="why that priority, in terms of this feature's work")


class Reusability(_NoLocations):
    existing_patterns: items(ExistingPattern, 0, 2) = Field(default_factory=list, description="existing patterns/components to reuse; empty if nothing likely fits")
    new_components: items(NewComponent, 1, 2) = Field(description="components to extract for future reuse")
    knowledge: items(Knowledge, 1, 2) = Field(description="learnings to document")
    immediate_value: ShortText = Field(description="direct benefit of this feature")
    future_value: ShortText = Field(description="how it makes future features easier")
    compound_factor: Factor
    compound_reason: ShortText = Field(description="why: the kind and number of future features it helps")
    refactorings: items(Refactoring, 0, 2) = Field(default_factory=list, description="code to refactor to improve reusability; empty if none is known to need it")

    @model_validator(mode="after")
    def _unique(self) -> "Reusability":
        unique_names(self.existing_patterns, "name", "existing pattern")
        unique_names(self.new_components, "name", "component")
        self.knowledge = _told_apart(self.knowledge)
        unique_names(self.knowledge, "name", "knowledge item")
        return self


def _told_apart(items: list[Knowledge]) -> list[Knowledge]:
    """Two learnings under one generic name ("pattern", measured on the 12-04 recording) are
    two learnings: the second is named by its own description; an exact repeat is dropped."""
    kept: list[Knowledge] = []
    for item in items:
        if any(item == k for k in kept):
            continue
        if any(item.name.lower() == k.name.lower() for k in kept):
            item = item.model_copy(update={"name": " ".join(item.description.split()[:8]).rstrip(".,;:")[:80]})
        kept.append(item)
    return kept


MODEL = Reusability
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1100


def _location(hint: str, repo_given: bool) -> str:
    return f"`{hint}`" if repo_given else f"to locate: `{hint}`"


def render(data: Reusability, ctx: RenderContext) -> str:
    existing = "\n".join(
        f"- **Pattern/Component**: {p.name}\n"
        f"  - **Location**: {_location(p.where_to_look, ctx.repo_given)}\n"
        f"  - **How to reuse**: {p.how_to_reuse}\n"
        f"  - **Modifications needed**: {p.modifications} - {p.modification_detail.strip() or 'reuse as is'}"
        for p in data.existing_patterns
    )
    components = "\n".join(
        f"- **Component**: {c.name}\n"
        f"  - **Abstraction level**: {c.abstraction}\n"
        f"  - **Future use cases**: {'; '.join(c.future_use_cases)}\n"
        f"  - **Documentation needed**: {c.documentation}"
        for c in data.new_components
    )
    knowledge = "\n".join(
        f"- **{k.kind}**: {k.name}\n"
        f"  - **Description**: {k.description}\n"
        f"  - **Documentation location**: `{k.documentation_location}`\n"
        f"  - **Example code**: {k.example_code or 'See the Code Examples section below'}"
        for k in data.knowledge
    )
    compound = "\n".join([
        f"- **Immediate value**: {data.immediate_value}",
        f"- **Future value**: {data.future_value}",
        f"- **Compound factor**: {data.compound_factor} - {data.compound_reason}",
    ])
    refactorings = "\n".join(
        f"- **Location**: {_location(r.where_to_look, ctx.repo_given)}\n"
        f"  - **Current issue**: {r.current_issue}\n"
        f"  - **Proposed refactor**: {r.proposed_refactor}\n"
        f"  - **Impact**: {r.impact}\n"
        f"  - **Priority**: {r.priority} - {r.priority_reason}"
        for r in data.refactorings
    )
    scanned = _scanned_patterns(ctx.repo, ctx.sections.get("design_spine"))
    existing = "\n".join(part for part in (existing, scanned) if part)
    existing = existing or "- None identified: no existing pattern is known to fit this feature."
    refactorings = refactorings or "- None identified: no existing code is known to need refactoring for this feature."
    section, existing_heading, components_heading, knowledge_heading, compound_heading, refactoring_heading = HEADINGS
    return join_blocks(
        section,
        "Identify opportunities to extract reusable components following compounding engineering principles.",
        existing_heading,
        "What existing code/patterns can be leveraged?",
        existing,
        components_heading,
        "What components should be extracted for future reuse?",
        components,
        knowledge_heading,
        "What learnings should be documented for next time?",
        knowledge,
        compound_heading,
        "How does this feature increase system compounding value?",
        compound,
        refactoring_heading,
        "What existing code should be refactored to improve reusability?",
        refactorings,
    )


def _pattern(name: str, at: str, how: str, modifications: str) -> str:
    return (f"- **Pattern/Component**: {name}\n  - **Location**: `{at}` (found by the repository scan)\n"
            f"  - **How to reuse**: {how}\n  - **Modifications needed**: {modifications}")


def _scanned_patterns(repo, spine) -> str:  # noqa: ANN001 - the run's repository summary, DesignSpine | None
    """What the repository already has that the design builds on, each at the `path:line` the scan
    found it (so it exists): the tables the feature references or alters, the router its new
    endpoints join, and an existing client of a system it calls. The model cannot cite a location
    (it never saw the files); these are facts, not suggestions."""
    from agentspec.agents.spine import DesignSpine

    if not repo or not isinstance(spine, DesignSpine):
        return ""
    out = []
    tables = {t["name"]: t for t in repo.get("tables") or []}
    for entity in spine.entities:
        table = tables.get(entity.table)
        if table is None or entity.change == "new":
            continue
        key = f"{table['primary_key']} ({table['key_type']})" if table.get("key_type") else str(table["primary_key"])
        out.append(_pattern(f"the `{entity.table}` table", table["at"],
                            f"the feature's foreign keys point at its key {key}, as the repository's migrations define it",
                            "None - reuse as is" if entity.change == "referenced" else "Minor - the columns Database Schema Integration adds"))
    prefix = repo.get("route_prefix") or ""
    routes = [r for r in repo.get("routes") or [] if str(r.get("path", "")).startswith(prefix)]
    ours = [e for e in spine.endpoints if e.path.startswith(prefix)] if prefix else []
    if routes and ours:
        first = routes[0]
        out.append(_pattern(f"the router that serves {first['method']} {first['path']}", first["at"],
                            f"the feature's endpoints ({', '.join(f'{e.method} {e.path}' for e in ours[:3])}) are added "
                            f"the same way, under {prefix}", "Minor - a router module of the feature's own, registered beside it"))
    names = {x.name.lower() for x in spine.external_systems}
    for client in repo.get("clients") or []:
        if str(client.get("service", "")).lower() in names:
            out.append(_pattern(f"the existing {client['service']} client ({client['package']})", client["at"],
                                f"the feature calls {client['service']} through it rather than a second client",
                                "None - reuse as is"))
    return "\n".join(out[:4])


def digest(data: Reusability) -> str:
    return "\n".join(
        [f"- reuse: {p.name}" for p in data.existing_patterns]
        + [f"- new {c.abstraction.lower()}: {c.name}" for c in data.new_components]
        + [f"- {k.kind.lower()}: {k.name} -> {k.documentation_location}" for k in data.knowledge]
    )


_LOCK = re.compile(r"\block", re.I)
_AGAINST_ONE_LOCK = re.compile(r"each\s+run|per\s+run|queue[- ]based|deadlock|race\s+condition", re.I)


def align(data: Reusability, spine) -> Reusability:  # noqa: ANN001 - agents.spine.DesignSpine
    """A learning or refactor that lets a one-at-a-time job's runs overlap re-decides the spine
    (both thirteenth-pass Stripe recordings called the reconciler's single lock an anti-pattern
    and proposed "a lock per run", and the review pass's redraft wrote it again): it is not the
    spec's to recommend. Such a refactor is dropped, such a learning is replaced by the one the
    design did decide, and such a sentence of a component's note is left out."""
    single = [c for c in spine.components if c.overlap]
    if not single:
        return data
    job = single[0]

    def overlaps(*texts: str | None) -> bool:
        # Here a cut-off sentence counts too: a note about the lock that argues per-run locks,
        # a queue of locks or deadlocks is the same recommendation (the Stripe answer's note
        # ended "...a queue-based approach where each" at its length limit).
        return any(t and (RUNS_OVERLAP.search(t) or (_LOCK.search(t) and _AGAINST_ONE_LOCK.search(t))) for t in texts)

    decided = Knowledge(name="One run at a time", kind="Pattern",
                        description=f"{job.id}: {job.overlap}"[:160],
                        documentation_location="docs/patterns/one-run-at-a-time.md")
    knowledge = [k for k in data.knowledge if not overlaps(k.name, k.description, k.example_code)]
    if len(knowledge) < len(data.knowledge) and not any(k.name == decided.name for k in knowledge):
        knowledge.append(decided)
    refactorings = [r for r in data.refactorings if not overlaps(r.current_issue, r.proposed_refactor, r.impact)]
    def without_overlap(text: str) -> str:
        kept = [t for t in re.split(r"(?<=[.;])\s+", text) if not overlaps(t)]
        return " ".join(kept) or f"{job.id}: {job.overlap}"[:160]

    components = [c.model_copy(update={"documentation": without_overlap(c.documentation)}) if overlaps(c.documentation) else c
                  for c in data.new_components]
    if (knowledge, refactorings, components) == (list(data.knowledge), list(data.refactorings), list(data.new_components)):
        return data
    return data.model_copy(update={"knowledge": knowledge, "refactorings": refactorings, "new_components": components})
