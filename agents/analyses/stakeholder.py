"""Stakeholder Perspective analysis: six perspectives rated 1-5, conflicts, success criteria."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from agentspec.render.markdown import join_blocks
from agentspec.section import RenderContext, SectionModel, Text, items

TITLE = "Stakeholder Analysis"
Stakeholder = Literal["Developer", "Operations", "User", "Security", "Business", "QA"]
STAKEHOLDERS: tuple[str, ...] = ("Developer", "Operations", "User", "Security", "Business", "QA")


class Perspective(SectionModel):
    stakeholder: Stakeholder
    impact: int = Field(ge=1, le=5, description="1 = barely affected, 5 = heavily affected")
    positive: Text = Field(description="concrete benefits for this stakeholder")
    negative: Text = Field(description="concrete concerns or costs")
    mitigation: Text = Field(description="how the design addresses the concerns")
    success_criteria: Text = Field(description="measurable metrics for this stakeholder")


class Conflict(SectionModel):
    first: Stakeholder
    second: Stakeholder
    conflict: Text
    resolution: Text
    trade_off: Text = Field(description="what we optimise for")


class StakeholderAnalysis(SectionModel):
    perspectives: items(Perspective, 6, 6) = Field(description="one per stakeholder, in the order Developer, Operations, User, Security, Business, QA")
    conflicts: items(Conflict, 0, 3) = Field(default_factory=list, description="real conflicts between stakeholders in this design; empty if there are none")

    @field_validator("perspectives")
    @classmethod
    def _all_six(cls, value: list[Perspective]) -> list[Perspective]:
        names = [p.stakeholder for p in value]
        missing = [s for s in STAKEHOLDERS if s not in names]
        if missing:
            raise ValueError(f"each stakeholder exactly once; missing {missing}")
        return sorted(value, key=lambda p: STAKEHOLDERS.index(p.stakeholder))

    def rating(self, stakeholder: str) -> int:
        return next(p.impact for p in self.perspectives if p.stakeholder == stakeholder)


MODEL = StakeholderAnalysis
MAX_TOKENS = 1500


def render(data: StakeholderAnalysis, ctx: RenderContext) -> str:
    blocks = [f"# Stakeholder Analysis: {ctx.brief.name}", "## Stakeholder Analysis"]
    for p in data.perspectives:
        blocks.append(
            f"**{p.stakeholder} Impact**: {p.impact}/5\n- Positive: {p.positive}\n- Negative: {p.negative}\n- Mitigation: {p.mitigation}"
        )
    conflicts = "\n".join(
        f"{i}. {c.first} vs {c.second}: {c.conflict}\n   - Resolution: {c.resolution}\n   - Trade-off: {c.trade_off}"
        for i, c in enumerate(data.conflicts, 1)
    ) or "No conflicts identified between the stakeholders."
    blocks += ["### Conflicts", conflicts, "### Success Criteria by Stakeholder",
               "\n".join(f"- {p.stakeholder}: {p.success_criteria}" for p in data.perspectives)]
    return join_blocks(*blocks) + "\n"


def digest(data: StakeholderAnalysis) -> str:
    lines = [f"- {p.stakeholder} {p.impact}/5: concern: {p.negative} mitigation: {p.mitigation}" for p in data.perspectives]
    lines += [f"- conflict {c.first} vs {c.second}: {c.conflict} -> {c.resolution}" for c in data.conflicts]
    return "\n".join(lines)
