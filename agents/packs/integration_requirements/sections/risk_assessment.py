"""## Risk Assessment & Mitigation. Every P1 scenario becomes a risk-table row by
code (traceability by construction); the integration-specialist adds the other
integration risks and the contingency plans."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agentspec.render.markdown import join_blocks, table
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items

from ._headings import headings_of

Level = Literal["High", "Medium", "Low"]


class Risk(SectionModel):
    category: ShortText = Field(description="risk category in a few words, Title Case")
    description: Text
    impact: Level
    probability: Level
    mitigation: Text


class Contingency(SectionModel):
    degradation_trigger: Text = Field(description="measurable trigger: a metric of this feature, a numeric threshold and a time window")
    degradation_response: Text
    degradation_recovery: Text
    backup_strategy: Text
    recovery_procedures: Text
    validation_procedures: Text
    incident_detection: Text
    incident_response: Text
    communication_plan: Text


class RiskAssessment(SectionModel):
    risks: items(Risk, 1, 5) = Field(description="integration risks beyond the P1 scenarios already listed")
    contingency: Contingency


MODEL = RiskAssessment
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1200


def render(data: RiskAssessment, ctx: RenderContext) -> str:
    rows = []
    scenarios = ctx.analyses.get("scenarios")
    if scenarios is not None:
        for s in scenarios.p1_scenarios:
            rows.append((f"P1 · {s.category}", f"{s.name}: {s.description}", s.impact, s.likelihood,
                         f"{s.mitigation.prevention} Detection: {s.mitigation.detection} Recovery: {s.mitigation.recovery}"))
    rows += [(r.category, r.description, r.impact, r.probability, r.mitigation) for r in data.risks]
    c = data.contingency
    section, risks_heading, contingency_heading = HEADINGS
    return join_blocks(
        section,
        risks_heading,
        table(["Risk Category", "Risk Description", "Impact", "Probability", "Mitigation Strategy"], rows),
        contingency_heading,
        "\n".join([
            "1. **Service Degradation**",
            f"   - **Trigger**: {c.degradation_trigger}",
            f"   - **Response**: {c.degradation_response}",
            f"   - **Recovery**: {c.degradation_recovery}",
            "",
            "2. **Data Loss Prevention**",
            f"   - **Backup Strategy**: {c.backup_strategy}",
            f"   - **Recovery Procedures**: {c.recovery_procedures}",
            f"   - **Data Validation**: {c.validation_procedures}",
            "",
            "3. **Security Incidents**",
            f"   - **Detection**: {c.incident_detection}",
            f"   - **Response**: {c.incident_response}",
            f"   - **Communication**: {c.communication_plan}",
        ]),
    )
