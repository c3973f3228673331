"""Test kinds the answer left empty are derived from the design spine, naming only what it names."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import testing_validation as section
from agentspec.agents.packs.integration_requirements.sections.testing_validation import TestingValidation, derived_test, kind_tests

from tests.sections._general_helpers import context
from tests.sections.test_testing_validation import DATA


def test_empty_kinds_are_derived_from_the_spine(spine) -> None:
    data = TestingValidation.model_validate(dict(DATA, database="", security="none", performance=None))
    tests = dict(kind_tests(data, spine))
    assert tests["Database integration tests"].startswith("a second `received_events` row with the same `provider_event_id` is rejected")
    assert tests["Security integration tests"] == (
        "a delivery to `POST /api/v1/webhooks/provider` with a missing or wrong signature is rejected and stores nothing")
    assert tests["Performance integration tests"] == (
        "under a sustained load test, p95 ack_timeout stays within 2 s (answer the provider within)")
    assert tests["API integration tests"] == DATA["api"]  # the answer's own test is kept
    md = section.render(data, context(sections={"design_spine": spine}))
    assert "- [ ] Database integration tests: a second `received_events` row" in md


def test_a_kind_the_spine_cannot_feed_says_so(spine) -> None:
    bare = spine.model_copy(update={"endpoints": [], "entities": [], "limits": [], "surfaces": [], "roles": []})
    assert derived_test("api", bare) == "none: this feature adds no endpoint"
    assert derived_test("database", bare) == "none: this feature creates or alters no table"
    assert derived_test("performance", bare) == "none: the spine sets no load figure to test against"
    assert derived_test("security", bare) == "none: the feature exposes no endpoint to attack"
    assert derived_test("end_to_end", None) == "not derived: no design spine was drafted"
    rate = spine.model_copy(update={"limits": [spine.limits[0].model_copy(update={"unit": "requests_per_min", "value": 300.0,
                                                                                   "meaning": "peak deliveries"})]})
    assert derived_test("performance", rate) == "sustain 300 requests per min (peak deliveries) for 10 min with no failed request"



def test_the_derived_performance_test_gives_the_limit_no_second_value(spine) -> None:
    """A fresh-clone draft's "in a 10-minute load test, p95 <timeout> stays within 60 s" read as two values of one limit."""
    import re

    from agentspec.agents.packs.integration_requirements.sections.testing_validation import derived_test

    text = derived_test("performance", spine)
    assert re.findall(r"(?<!p)\b\d+", text) == ["2"]  # only the limit's own value (p95 names the percentile)
