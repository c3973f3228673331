"""## Deep Analysis: folds the three analyses into the spec. P1 scenarios, the
Operations rating, conflicts and readiness come from the analyses by code; the
integration-specialist writes the operational and data-integrity assessment."""

from __future__ import annotations

from pydantic import Field

from agentspec.render.markdown import join_blocks
from agentspec.section import RenderContext, SectionModel, Text
from agentspec.agents.readiness import readiness
from agentspec.agents.spine import SPINE_ID

from ._headings import headings_of

ARTIFACTS = """- **[Stakeholder Analysis](./analysis-stakeholder.md)**: Multi-stakeholder impact assessment covering Developer, Operations, User, Security, Business, and QA perspectives
- **[Scenario Exploration](./analysis-scenarios.md)**: Risk-prioritized scenarios across edge cases, failures, scale, security, user behavior, integration, and operational concerns
- **[Multi-Angle Review](./analysis-multi-angle.md)**: Comprehensive review from Technical Excellence, Business Value, Risk Management, Team Collaboration, UX, and Long-term Vision angles"""


class DeepAnalysisInsights(SectionModel):
    deployment_complexity: Text = Field(description="what makes deploying this feature hard, concretely")
    monitoring_requirements: Text = Field(description="metrics, alerts and dashboards it needs")
    operational_overhead: Text = Field(description="the recurring work this feature adds for operators, named after its own jobs, secrets and alerts")
    data_integrity_rating: int = Field(ge=1, le=5, description="5 = integrity guaranteed by design")
    cross_system_consistency: Text
    failure_recovery: Text = Field(description="how state is recovered after a failure")
    data_validation: Text


MODEL = DeepAnalysisInsights
HEADINGS = headings_of(__name__)
MAX_TOKENS = 900


def render(data: DeepAnalysisInsights, ctx: RenderContext) -> str:
    scenarios = ctx.analyses.get("scenarios")
    stakeholder = ctx.analyses.get("stakeholder")
    review = ctx.analyses.get("multi_angle")
    if scenarios is not None:
        p1 = "\n".join(
            f"- **{s.name}**: {s.description} - {s.mitigation.prevention} {s.mitigation.degradation}"
            for s in scenarios.p1_scenarios
        )
    else:
        p1 = "- Scenario exploration did not complete; see run.json."
    ops_rating = f"{stakeholder.rating('Operations')}/5" if stakeholder is not None else "not rated (stakeholder analysis did not complete)"
    section, artifacts_heading, insights_heading, scenarios_heading, operations_heading, integrity_heading, readiness_heading = HEADINGS
    blocks = [
        section,
        "This integration specification underwent ultra-thinking protocol analysis to ensure comprehensive quality:",
        artifacts_heading, ARTIFACTS,
        insights_heading,
        scenarios_heading,
        "Based on scenario exploration, the following integration failure modes **must** be handled:\n" + p1,
        operations_heading,
        f"**Operations Rating**: {ops_rating} ⭐\n"
        f"- **Deployment Complexity**: {data.deployment_complexity}\n"
        f"- **Monitoring Requirements**: {data.monitoring_requirements}\n"
        f"- **Operational Overhead**: {data.operational_overhead}",
        integrity_heading,
        f"**Data Integrity Rating**: {data.data_integrity_rating}/5 ⭐\n"
        f"- **Cross-System Consistency**: {data.cross_system_consistency}\n"
        f"- **Failure Recovery Strategy**: {data.failure_recovery}\n"
        f"- **Data Validation Approach**: {data.data_validation}",
    ]
    if stakeholder is not None:
        blocks += ["#### Stakeholder Conflicts", "\n".join(
            f"- **{c.first} vs {c.second}**: {c.conflict} Resolution: {c.resolution} Trade-off: {c.trade_off}"
            for c in stakeholder.conflicts
        ) or "- None identified by the stakeholder analysis."]
    blocks += [readiness_heading, _readiness(data, ctx)]
    if review is not None:
        from agentspec.agents.analyses.multi_angle import computed_recommendation

        # The same computed recommendation as the review file: never "Proceed" beside "Not ready".
        blocks.append(f"Multi-angle review: overall {review.overall}/5, recommendation **{computed_recommendation(review, readiness(ctx))}**.")
    return join_blocks(*blocks)


def _readiness(data: DeepAnalysisInsights, ctx: RenderContext) -> str:
    """The template's readiness items, ticked only where the spec shows evidence."""
    scenarios = ctx.analyses.get("scenarios")
    state = readiness(ctx)
    evidence = [
        ("A shared design (the design spine) was decided", SPINE_ID in ctx.sections),
        ("Third-party dependencies are stable and supported", "external_services" in ctx.sections),
        ("API contracts are well-defined and versioned", "api_specifications" in ctx.sections),
        ("Failure modes are identified and handled", scenarios is not None and bool(scenarios.p1_scenarios)),
        ("Data consistency strategies are in place", data.data_integrity_rating >= 3),
        ("Monitoring and alerting are planned", "monitoring" in ctx.sections),
        ("No section failed and every check passed", not state.failed_sections and not state.failing_checks),
    ]
    if state.concerns_total:
        evidence.append((f"Must-cover concerns of the integration archetypes are covered "
                         f"({state.concerns_covered}/{state.concerns_total}, computed)", not state.open_concerns))
    ticks = "\n".join(f"- [{'x' if ok else ' '}] {item}" for item, ok in evidence)
    return join_blocks(ticks, _concern_list(state), _open_questions(ctx), state.verdict())


def _open_questions(ctx: RenderContext) -> str | None:
    """What the review pass found and the one redraft did not fix, most severe first."""
    if not ctx.review:
        return None
    order = {"critical": 0, "major": 1, "minor": 2}
    lines = [f"- **{f['severity']}** ({f['section']}): {f['message']} Fix: {f['fix']}."
             for f in sorted(ctx.review, key=lambda f: (order.get(f["severity"], 3), f["section"]))]
    return "**Open questions from the review pass** (computed by the checks of meaning):\n" + "\n".join(lines)


def _concern_list(state) -> str | None:  # noqa: ANN001 - agents.readiness.Readiness
    """Each must-cover concern with where the spec states it, or what it must state."""
    if not state.concerns:
        return None
    shown = {c.what: c for c in state.concerns}  # two archetypes may share a concern: shown once
    lines = [f"- [{'x' if c.covered else ' '}] {c.priority} {c.what} ({c.archetype.replace('_', ' ')}, {c.owner}): "
             + (f"{c.evidence}" if c.covered else f"missing: {c.missing}") for c in shown.values()]
    return "**Must-cover concerns** (computed from the design by the knowledge library):\n" + "\n".join(lines)
