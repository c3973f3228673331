"""## Testing & Validation (qa-specialist): the template's six test kinds, each
with a feature-specific test, and two groups of validation criteria.

Fold-in hook: when the scenario analysis has run, `ctx.analyses["scenarios"]`
carries `p1_scenarios`; each becomes a `- [ ] P1: ...` item of the strategy."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from agentspec.render.markdown import checklist, join_blocks
from agentspec.section import RenderContext, SectionModel, ShortText, is_filler, items, means_none
from ._context import attr
from ._headings import headings_of
from agentspec.agents.spine import SPINE_ID

KINDS = (
    ("unit", "Unit integration tests"),
    ("api", "API integration tests"),
    ("database", "Database integration tests"),
    ("end_to_end", "End-to-end integration tests"),
    ("performance", "Performance integration tests"),
    ("security", "Security integration tests"),
)


def _blank_is_none(value: object) -> object:
    """An empty or "none" test kind means the model had nothing to say: the test is
    then derived from the design spine (see `derived_test`) instead of re-asked."""
    return None if value is None or means_none(value) or (isinstance(value, str) and is_filler(value)) else value


KindTest = Annotated[ShortText | None, BeforeValidator(_blank_is_none)]

RATE_UNITS = ("requests_per_s", "requests_per_min", "count", "rows")


class TestingValidation(SectionModel):
    __test__ = False  # not a pytest class

    unit: KindTest = Field(None, description="unit integration test: the component of this feature under test, the input and the asserted outcome")
    api: KindTest = Field(None, description="API test naming the real endpoint")
    database: KindTest = Field(None, description="database test naming the real table or constraint")
    end_to_end: KindTest = Field(None, description="one user journey through the whole integration")
    performance: KindTest = Field(None, description="load and pass threshold with numbers")
    security: KindTest = Field(None, description="an attack the test proves is rejected")
    functional: items(ShortText, 3, 5) = Field(description="functional acceptance criteria")
    non_functional: items(ShortText, 3, 5) = Field(description="security, monitoring, recovery and scale criteria")

    @field_validator("performance")
    @classmethod
    def _numbers(cls, value: str | None) -> str | None:
        if value is not None and not re.search(r"\d", value):
            raise ValueError(f"the performance test needs numbers: the load (rate or users, and duration) and the pass threshold; got {value!r}")
        return value


MODEL = TestingValidation
HEADINGS = headings_of(__name__)
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


def kind_tests(data: TestingValidation, spine) -> list[tuple[str, str]]:  # noqa: ANN001 - agents.spine.DesignSpine | None
    """(label, test) per test kind: the answer's, or the one the spine implies."""
    return [(label, getattr(data, key) or derived_test(key, spine)) for key, label in KINDS]


def derived_test(kind: str, spine) -> str:  # noqa: ANN001
    """The test a kind gets from the design spine when the answer left it empty.
    Every name comes from the spine; a kind the spine gives nothing to test says so."""
    if spine is None:
        return "not derived: no design spine was drafted"
    endpoints = list(spine.endpoints)
    stored = [e for e in spine.entities if e.change in ("new", "altered")]
    receiver = next((e for e in endpoints if e.kind == "webhook_receiver"), None)
    guarded = next((e for e in endpoints if e.kind != "webhook_receiver"), None)
    if kind == "unit":
        if spine.events:
            ev = spine.events[0]
            return f"{ev.consumer} handles a `{ev.name}` from {ev.producer} and a duplicate of it without a second effect"
        return f"{spine.components[0].id}: {spine.components[0].responsibility}, with valid and invalid input"
    if kind == "api":
        if not endpoints:
            return "none: this feature adds no endpoint"
        return "; ".join(f"`{e.method} {e.path}` answers a valid call and rejects a malformed one with 4xx" for e in endpoints[:2])
    if kind == "database":
        if not stored:
            return "none: this feature creates or alters no table"
        checks = [_table_test(t) for t in stored[:2]]
        return "; ".join(checks) + "; the migration applies to a seeded copy and rolls back"
    if kind == "end_to_end":
        parts = []
        if receiver:
            parts.append(f"a signed test delivery reaches `{receiver.method} {receiver.path}`")
        if stored:
            parts.append(f"is stored in `{stored[0].table}`")
        if spine.surfaces:
            parts.append(f"and shows on the {spine.surfaces[0].name}")
        return " ".join(parts) if parts else "none: the spine names no journey through the feature"
    if kind == "performance":
        if not spine.limits:
            return "none: the spine sets no load figure to test against"
        rate = next((lim for lim in spine.limits if lim.unit in RATE_UNITS), None)
        if rate:
            return f"sustain {rate.value:g} {rate.unit.replace('_', ' ')} ({rate.meaning}) for 10 min with no failed request"
        lim = spine.limits[0]
        # No second number beside the limit's name: "a 10-minute load test" read as a 10-minute value
        # of a 60 s timeout, and the quantities rule flagged the spec's own derived text.
        return f"under a sustained load test, p95 {lim.name} stays within {lim.value:g} {lim.unit} ({lim.meaning})"
    if kind == "security":
        if receiver:
            return f"a delivery to `{receiver.method} {receiver.path}` with a missing or wrong signature is rejected and stores nothing"
        if guarded and spine.roles:
            return f"a caller without the `{spine.roles[0].name}` role gets 403 from `{guarded.method} {guarded.path}`"
        return "none: the feature exposes no endpoint to attack"
    raise ValueError(f"unknown test kind {kind!r}")


def _table_test(entity) -> str:  # noqa: ANN001 - agents.spine.Entity
    """What a database test asserts of one table the feature creates or alters."""
    once = entity.unique[0] if entity.unique else (entity.key if entity.key != "id" else None)
    if once:
        return f"a second `{entity.table}` row with the same `{once}` is rejected"
    if entity.change == "altered":
        return f"existing `{entity.table}` rows survive the migration and its rollback"
    return f"the migration creates `{entity.table}` and its rollback drops it"


def render(data: TestingValidation, ctx: RenderContext) -> str:
    strategy = [f"{label}: {test}" for label, test in kind_tests(data, ctx.sections.get(SPINE_ID))]
    strategy += p1_items(ctx.analyses.get("scenarios"))
    tools = getattr(ctx.brief, "test_tools", None)
    if tools:  # the integration-test example is written with these and no other test library
        strategy.append(f"Test tools: {tools[0]} runs the tests; {tools[1]} mocks the external services' HTTP APIs")
    criteria = "\n".join([
        "1. **Functional Validation**",
        checklist(data.functional, indent=3),
        "",
        "2. **Non-Functional Validation**",
        checklist(data.non_functional, indent=3),
    ])
    section, strategy_heading, criteria_heading = HEADINGS
    return join_blocks(
        section,
        strategy_heading,
        checklist(strategy),
        criteria_heading,
        criteria,
    )


def digest(data: TestingValidation) -> str:
    return "\n".join(f"- {label}: {getattr(data, key) or 'derived from the design spine'}" for key, label in KINDS)
