"""Multi-Angle Review: six angles rated 1-5; overall score, recommendation and
readiness are computed by code from the ratings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from agentspec.render.markdown import join_blocks
from agentspec.agents.readiness import Readiness, readiness
from agentspec.section import RenderContext, SectionModel, Text, items

TITLE = "Multi-Angle Review"
Angle = Literal["Technical Excellence", "Business Value", "Risk Management", "Team Collaboration", "User Experience", "Long-term Vision"]
ANGLES: tuple[str, ...] = ("Technical Excellence", "Business Value", "Risk Management", "Team Collaboration", "User Experience", "Long-term Vision")
# Readiness checklist item for each angle (protocol.md, "Implementation Readiness").
READINESS = {
    "Technical Excellence": "Technical architecture sound",
    "Business Value": "Business value clear/measurable",
    "Risk Management": "Risks identified/mitigated",
    "Team Collaboration": "Team can execute",
    "User Experience": "UX meets standards",
    "Long-term Vision": "Long-term maintainability acceptable",
}


class AngleReview(SectionModel):
    angle: Angle
    rating: int = Field(ge=1, le=5)
    strengths: items(Text, 1, 2)
    concerns: items(Text, 1, 2)
    recommendations: items(Text, 1, 2)


class MultiAngleReview(SectionModel):
    angles: items(AngleReview, 6, 6) = Field(description="one per angle, in the order listed")
    critical_issues: items(Text, 0, 3) = Field(description="must address before implementation")
    important_improvements: items(Text, 0, 3)  # a review with nothing to improve says so (the Twilio draft failed on an empty list)
    nice_to_have: items(Text, 0, 2)

    @field_validator("angles")
    @classmethod
    def _all_six(cls, value: list[AngleReview]) -> list[AngleReview]:
        missing = [a for a in ANGLES if a not in {r.angle for r in value}]
        if missing:
            raise ValueError(f"each angle exactly once; missing {missing}")
        return sorted(value, key=lambda r: ANGLES.index(r.angle))

    @property
    def overall(self) -> float:
        return round(sum(r.rating for r in self.angles) / len(self.angles), 1)

    @property
    def recommendation(self) -> str:
        return "Proceed" if self.overall >= 4 and not self.critical_issues else "Caution" if self.overall >= 3 else "Needs Revision"

    @property
    def ready(self) -> str:
        if all(r.rating >= 4 for r in self.angles) and not self.critical_issues:
            return "YES"
        return "CONDITIONAL" if all(r.rating >= 3 for r in self.angles) else "NO"

    def readiness(self) -> list[tuple[str, bool]]:
        return [(READINESS[r.angle], r.rating >= 3) for r in self.angles]


MODEL = MultiAngleReview
MAX_TOKENS = 1800


def render(data: MultiAngleReview, ctx: RenderContext) -> str:
    state = readiness(ctx)
    blocks = [f"# Multi-Angle Review: {ctx.brief.name}", "## Multi-Angle Review"]
    for i, r in enumerate(data.angles, 1):
        blocks.append(
            f"#### {i}. {r.angle}\n**Rating**: {r.rating}/5\n**Strengths**: {'; '.join(r.strengths)}\n"
            f"**Concerns**: {'; '.join(r.concerns)}\n**Recommendations**: {'; '.join(r.recommendations)}"
        )
    numbered = lambda xs: "\n".join(f"{i}. {x}" for i, x in enumerate(xs, 1)) or "None."  # noqa: E731
    blocks += [
        "### Synthesis",
        f"**Overall**: {data.overall}/5\n**Recommendation**: {computed_recommendation(data, state)}",
        "**Critical Issues** (must address):\n" + numbered(data.critical_issues + _run_blockers(state)),
        "**Important Improvements** (should address):\n" + numbered(data.important_improvements),
        "**Nice-to-Have**:\n" + numbered(data.nice_to_have),
        "### Implementation Readiness",
        "\n".join(f"- [{'x' if ok else ' '}] {item}" for item, ok in data.readiness()),
        f"**Reviewer's rating**: {_rating(data, state)}. {state.verdict()}",
    ]
    return join_blocks(*blocks) + "\n"


def computed_recommendation(data: MultiAngleReview, state: Readiness) -> str:
    """The ratings' recommendation, unless the run itself blocks it: "Proceed" beside a
    failed section or check would contradict the computed readiness below it."""
    if state.ready or data.recommendation != "Proceed":
        return data.recommendation
    return "Caution (the ratings alone say Proceed; the critical issues of this run come first)"


def _rating(data: MultiAngleReview, state: Readiness) -> str:
    if state.ready or data.ready != "YES":
        return data.ready
    return "CONDITIONAL (rated YES on the sections it read)"


def _run_blockers(state: Readiness) -> list[str]:
    """Facts of the run that block implementation, whatever the reviewer rated."""
    return [b[0].upper() + b[1:] for b in state.blockers() if not b.startswith("open critical issue")]


def digest(data: MultiAngleReview) -> str:
    lines = [f"- {r.angle} {r.rating}/5: concern: {r.concerns[0]}" for r in data.angles]
    lines.append(f"- overall {data.overall}, {data.recommendation}; critical: {'; '.join(data.critical_issues) or 'none'}")
    return "\n".join(lines)

