"""## AI Development Notes (implementation-specialist).

Complexity and domain knowledge come from the brief, Agent Collaboration from
the registry (who drafts what, how many LLM calls, the dependency waves); the
model writes only the guidance a human expert would: patterns, pitfalls,
approach, testing, constraints and numeric performance requirements."""

from __future__ import annotations

import re
from collections import defaultdict

from pydantic import Field, field_validator

from agentspec.render.markdown import field, join_blocks
from agentspec.section import RenderContext, SectionModel, SectionSpec, ShortText, items
from ._context import label_of
from ._headings import headings_of

_NUMBER = re.compile(r"\d")
# "once every hour", "twice a day": a rate said in words is a number with a unit.
_RATE_IN_WORDS = re.compile(r"\b(once|twice|every|per)\s+(\w+\s+)?(second|minute|hour|day|week|month)s?\b", re.I)


class AiDevelopmentNotes(SectionModel):
    similar_patterns: items(ShortText, 1, 3) = Field(description="established, named integration patterns this feature follows, each by its well-known name")
    common_pitfalls: items(ShortText, 1, 4) = Field(description="concrete mistakes specific to this integration")
    recommended_approach: items(ShortText, 1, 3) = Field(description="implementation strategy: the steps this feature takes, in order, naming its own components")
    code_patterns: items(ShortText, 1, 3) = Field(description="design patterns the code should use, each tied to a part of this feature")
    testing_strategy: items(ShortText, 1, 3) = Field(description="how to test it: the kind of test and what of this feature it covers")
    must_not: items(ShortText, 1, 3) = Field(description="hard constraints (security, data loss) that follow from this feature's data and systems")
    should_avoid: items(ShortText, 1, 3) = Field(description="soft constraints")
    performance_requirements: items(ShortText, 1, 3) = Field(description="each names an operation of this feature and a bound with a number and a unit")

    @field_validator("performance_requirements", mode="before")
    @classmethod
    def _numbers(cls, value: object) -> object:
        """An item with no number is not a performance requirement ("Dead letter table for
        failed requests" beside two bounds, in the seventh-pass Stripe draft): it is dropped
        when a bound remains, and re-asked only when none does."""
        if not isinstance(value, list):
            return value
        bounded = [v for v in value if not isinstance(v, str) or _NUMBER.search(v) or _RATE_IN_WORDS.search(v)]
        vague = [v for v in value if v not in bounded and str(v).strip()]
        if vague and not bounded:
            raise ValueError(f"performance requirements need numbers and units (ms, s, req/s, MB); no number in {vague[0]!r}")
        return bounded


MODEL = AiDevelopmentNotes
HEADINGS = headings_of(__name__)
MAX_TOKENS = 900


def render(data: AiDevelopmentNotes, ctx: RenderContext) -> str:
    brief = ctx.brief
    section, context_heading, guidance_heading, constraints_heading, collaboration_heading = HEADINGS
    return join_blocks(
        section,
        context_heading,
        "Information to help AI agents understand this integration:\n" + "\n".join([
            field("Complexity Level", brief.complexity),
            field("Domain Knowledge Required", ", ".join(brief.domains)),
            field("Similar Patterns", data.similar_patterns),
            field("Common Pitfalls", data.common_pitfalls),
        ]),
        guidance_heading,
        "\n".join([
            field("Recommended Approach", data.recommended_approach),
            field("Code Patterns to Follow", data.code_patterns),
            field("Testing Strategy", data.testing_strategy),
        ]),
        constraints_heading,
        "\n".join([
            field("Must Not", data.must_not),
            field("Should Avoid", data.should_avoid),
            field("Performance Requirements", data.performance_requirements),
        ]),
        collaboration_heading,
        agent_collaboration(ctx.registry, brief.complexity, _not_applicable(ctx)),
    )


def _not_applicable(ctx: RenderContext) -> frozenset[str]:
    """Sections the design spine has no use for: decided before they are drafted."""
    from agentspec.agents.spine import SPINE_ID, applies

    spine = ctx.sections.get(SPINE_ID)
    return frozenset(s.id for s in ctx.registry if not applies(spine, s.applies_when)[0])


def agent_collaboration(specs: tuple[SectionSpec, ...], complexity: str, skipped: frozenset[str] = frozenset()) -> str:
    """Best agent, token estimate and parallelism, computed from the registry;
    sections the design has no use for (`skipped`) are not drafted, so not counted."""
    drafted = [s for s in specs if s.needs_llm and s.id not in skipped]
    if not drafted:
        return "\n".join([
            field("Best Agent for Task", "implementation-specialist for the service clients and integration code"),
            field("Estimated Token Usage", f"{_level(0)} - no LLM-drafted sections registered"),
            field("Parallel Execution", "No - no sections are registered for drafting"),
        ])
    by_role: dict[str, list[str]] = defaultdict(list)
    for spec in drafted:
        by_role[spec.role].append(label_of(spec.id))
    owners = sorted(by_role.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    best = "; ".join(f"{role} for {', '.join(ids)}" for role, ids in owners)

    budget = sum(s.max_tokens for s in drafted)
    usage = (
        f"{_level(len(drafted))} - {len(drafted)} LLM-drafted sections (output capped at ~{budget // 1000}k tokens in total) "
        f"for a {complexity}-complexity integration"
    )
    return "\n".join([
        field("Best Agent for Task", best),
        field("Estimated Token Usage", usage),
        field("Parallel Execution", _parallel(specs)),
    ])


def _level(count: int) -> str:
    return "Low" if count <= 8 else "Medium" if count <= 16 else "High"


def _parallel(specs: tuple[SectionSpec, ...]) -> str:
    from agentspec.agents.registry import waves

    draft_waves = waves(specs, stage="draft")
    drafted = sum(len(w) for w in draft_waves)
    foldin = [s for s in specs if s.stage == "foldin" and s.needs_llm]
    tail = f"; {len(foldin)} more after the deep analyses" if foldin else ""
    if not draft_waves or max(len(w) for w in draft_waves) == 1:
        return f"No - the {drafted} sections depend on each other and are drafted one after another{tail}"
    widest = max(draft_waves, key=len)
    later = [sid for wave in draft_waves[1:] for sid in wave]
    waits = f"; {', '.join(label_of(s) for s in later[:4])}{' and others' if len(later) > 4 else ''} wait for the sections they depend on" if later else ""
    return (
        f"Yes - {drafted} sections drafted in {len(draft_waves)} dependency "
        f"wave{'s' if len(draft_waves) != 1 else ''}, up to {len(widest)} at once{waits}{tail}"
    )


def digest(data: AiDevelopmentNotes) -> str:
    return "\n".join([
        "- patterns: " + "; ".join(data.similar_patterns + data.code_patterns),
        "- pitfalls: " + "; ".join(data.common_pitfalls),
        "- performance: " + "; ".join(data.performance_requirements),
    ])
