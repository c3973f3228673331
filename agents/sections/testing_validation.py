"""## Testing & Validation (qa-specialist): the template's six test kinds, each
with a feature-specific test, and two groups of validation criteria.

Fold-in hook: when the scenario analysis has run, `ctx.analyses["scenarios"]`
carries `p1_scenarios`; each becomes a `- [ ] P1: ...` item of the strategy."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from agentspec.render.markdown import checklist, join_blocks
from agentspec.section import RenderContext, SectionModel, ShortText, items
from agents.sections._general import attr

KINDS = (
    ("unit", "Unit integration tests"),
    ("api", "API integration tests"),
    ("database", "Database integration tests"),
    ("end_to_end", "End-to-end integration tests"),
    ("performance", "Performance integration tests"),
    ("security", "Security integration tests"),
)


class TestingValidation(SectionModel):
    __test__ = False  # not a pytest class

    unit: ShortText = Field(description="unit integration test: the component of this feature under test, the input and the asserted outcome")
    api: ShortText = Field(description="API test naming the real endpoint")
    database: ShortText = Field(description="database test naming the real table or constraint")
    end_to_end: ShortText = Field(description="one user journey through the whole integration")
    performance: ShortText = Field(description="load and pass threshold with numbers")
    security: ShortText = Field(description="an attack the test proves is rejected")
    functional: items(ShortText, 3, 5) = Field(description="functional acceptance criteria")
    non_functional: items(ShortText, 3, 5) = Field(description="security, monitoring, recovery and scale criteria")

    @field_validator("performance")
    @classmethod
    def _numbers(cls, value: str) -> str:
        if not re.search(r"\d", value):
            raise ValueError(f"the performance test needs numbers: the load (rate or users, and duration) and the pass threshold; got {value!r}")
        return value

    @field_validator("functional", "non_functional")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        lowered = [v.lower().rstrip(".") for v in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("a validation criterion is listed twice")
        return value


MODEL = TestingValidation
MAX_TOKENS = 900


def p1_items(analysis: Any) -> list[str]:
    """`P1: <name> — <how it is tested>` for each P1 scenario of the scenario analysis."""
    items_: list[str] = []
    for scenario in attr(analysis, "p1_scenarios", None) or []:
        name = " ".join(str(attr(scenario, "name", "") or "").split())
        if not name:
            continue
        mitigation = attr(scenario, "mitigation")
        detection = " ".join(str(attr(mitigation, "detection", "") or "").split()).rstrip(".")
        prevention = " ".join(str(attr(mitigation, "prevention", "") or "").split()).rstrip(".")
        checks = []
        if prevention:
            checks.append(f"reproduce it and assert the prevention holds ({_lower_first(prevention)})")
        if detection:
            checks.append(f"assert it is detected ({_lower_first(detection)})")
        how = "; ".join(checks) if checks else "reproduce it in an integration test and assert it is handled"
        items_.append(f"P1: {name} — {how}")
    return items_


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def render(data: TestingValidation, ctx: RenderContext) -> str:
    strategy = [f"{label}: {getattr(data, key)}" for key, label in KINDS]
    strategy += p1_items(ctx.analyses.get("scenarios"))
    criteria = "\n".join([
        "1. **Functional Validation**",
        checklist(data.functional, indent=3),
        "",
        "2. **Non-Functional Validation**",
        checklist(data.non_functional, indent=3),
    ])
    return join_blocks(
        "## Testing & Validation",
        "### Integration Testing Strategy",
        checklist(strategy),
        "### Validation Criteria",
        criteria,
    )


def digest(data: TestingValidation) -> str:
    return "\n".join(f"- {label}: {getattr(data, key)}" for key, label in KINDS)
