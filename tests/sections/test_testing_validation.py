from __future__ import annotations

from types import SimpleNamespace

from agentspec.agents.packs.integration_requirements.sections import testing_validation as section
from agentspec.agents.packs.integration_requirements.sections.testing_validation import TestingValidation

from ._general_helpers import assert_rejects, check_rendered, context

DATA = {
    "unit": "StripeBillingClient maps a 429 to a retryable error and honours Retry-After",
    "api": "POST /api/billing/webhooks rejects a bad Stripe-Signature with 400 and stores nothing",
    "database": "Replaying event evt_123 twice leaves one stripe_events row (unique constraint)",
    "end_to_end": "Owner upgrades via Stripe Checkout test card 4242 and sees Pro features within 10s",
    "performance": "500 webhook deliveries/min for 15 min keep p95 ack under 2s",
    "security": "A member without billing:manage gets 403 from POST /api/billing/checkout",
    "functional": [
        "checkout.session.completed activates the workspace subscription",
        "customer.subscription.deleted downgrades the workspace at period end",
        "Out-of-order events never regress subscription status",
    ],
    "non_functional": [
        "Webhook signature failures alert within 5 min",
        "Outbox drains after a 30 min Stripe outage without loss",
        "No card data in logs or database (verified by log scan)",
    ],
}


def _scenarios() -> SimpleNamespace:
    return SimpleNamespace(p1_scenarios=[
        SimpleNamespace(
            name="Duplicate invoice.paid webhook delivery",
            mitigation=SimpleNamespace(detection="Metric duplicate_events_total rises", prevention="Unique constraint on stripe_event_id"),
        ),
        SimpleNamespace(name="Stripe outage during checkout", mitigation=SimpleNamespace(detection="", prevention="")),
        SimpleNamespace(name="", mitigation=None),  # ignored: nothing to name
    ])


def test_renders_six_kinds_and_two_criteria_groups() -> None:
    md = check_rendered(section, TestingValidation.model_validate(DATA))
    strategy = md.split("### Integration Testing Strategy", 1)[1].split("### Validation Criteria", 1)[0]
    for label in ("Unit integration tests", "API integration tests", "Database integration tests",
                  "End-to-end integration tests", "Performance integration tests", "Security integration tests"):
        assert f"- [ ] {label}: " in strategy
    assert "- [ ] Database integration tests: Replaying event evt_123 twice" in strategy
    assert "P1:" not in md
    assert "1. **Functional Validation**\n   - [ ] checkout.session.completed activates" in md
    assert "2. **Non-Functional Validation**\n   - [ ] Webhook signature failures alert within 5 min" in md


def test_p1_scenarios_are_folded_into_the_strategy() -> None:
    ctx = context(analyses={"scenarios": _scenarios()})
    md = check_rendered(section, TestingValidation.model_validate(DATA), ctx)
    strategy = md.split("### Validation Criteria", 1)[0]
    assert (
        "- [ ] P1: Duplicate invoice.paid webhook delivery — reproduce it and assert the prevention holds "
        "(unique constraint on stripe_event_id); assert it is detected (metric duplicate_events_total rises)"
    ) in strategy
    assert "- [ ] P1: Stripe outage during checkout — reproduce it in an integration test and assert it is handled" in strategy
    assert strategy.count("P1:") == 2


def test_p1_hook_reads_real_scenario_models_and_dicts() -> None:
    from agentspec.agents.analyses.scenarios import ScenarioExploration

    def scenario(name: str, likelihood: str, impact: str, category: str) -> dict:
        return {
            "name": name, "category": category, "description": "What happens when it occurs in production",
            "likelihood": likelihood, "impact": impact, "current_handling": "Unhandled",
            "mitigation": {"prevention": "Unique constraint on stripe_event_id", "detection": "Alert on duplicate_events_total",
                           "degradation": "Second delivery is a no-op", "recovery": "Reconcile from Stripe events API"},
            "effort": "Small",
        }

    try:
        analysis = ScenarioExploration.model_validate({"scenarios": [
            scenario("Duplicate webhook delivery", "Likely", "High", "integration"),
            scenario("Stripe API outage", "Possible", "Medium", "failure"),
            scenario("Forged webhook", "Unlikely", "Critical", "security"),
            scenario("Black Friday spike", "Possible", "Low", "scale"),
        ]})
    except Exception:  # the analysis model belongs to another module; its shape may move on
        analysis = None
    if analysis is not None:
        md = section.render(TestingValidation.model_validate(DATA), context(analyses={"scenarios": analysis}))
        assert "- [ ] P1: Duplicate webhook delivery — " in md and md.count("P1:") == len(analysis.p1_scenarios)
    as_dict = {"p1_scenarios": [{"name": "Forged webhook", "mitigation": {"detection": "signature_failures_total alert"}}]}
    md = section.render(TestingValidation.model_validate(DATA), context(analyses={"scenarios": as_dict}))
    assert "- [ ] P1: Forged webhook — assert it is detected (signature_failures_total alert)" in md


def test_validators() -> None:
    assert_rejects(TestingValidation, dict(DATA, performance="Load test the webhook endpoint"), "needs numbers")
    assert_rejects(TestingValidation, dict(DATA, functional=DATA["functional"][:2]), "functional")
    # A repeat is dropped; the bounds then judge what is left (two criteria are too few).
    dup = DATA["non_functional"][:2] + [DATA["non_functional"][0].lower()]
    assert_rejects(TestingValidation, dict(DATA, non_functional=dup), "non_functional")
    kept = TestingValidation.model_validate(dict(DATA, non_functional=DATA["non_functional"][:3] + [DATA["non_functional"][1] + "."]))
    assert kept.non_functional == DATA["non_functional"][:3]
    for blank in ("", "none", "N/A"):  # an empty test kind is derived from the spine, not re-asked
        assert TestingValidation.model_validate(dict(DATA, database=blank)).database is None
