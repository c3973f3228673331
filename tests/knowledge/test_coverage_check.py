"""The coverage check (agentspec/checks/coverage.py) on spec directories built the way the
semantic-check tests build them: a spine in spec.json, the real assembler, human-edited prose."""

from __future__ import annotations

from tests.knowledge.conftest import OUTBOUND_SPINE, ROOT, _load, spine_data

from agentspec.checks import CHECKS
from agentspec.checks.coverage import NAME, check_coverage

semantic = _load("_knowledge_semantic_builder", ROOT / "tests" / "eval" / "test_semantic_check.py")


def test_registered_after_semantic_defects():
    names = list(CHECKS)
    assert names.index(NAME) == names.index("semantic_defects") + 1
    assert CHECKS[NAME] is check_coverage


def test_uncovered_p1_concerns_fail_with_owner_and_what_is_missing(tmp_path):
    spec = semantic.build(tmp_path / "s")  # the Stripe sync spine: no worker, no scheduler, no ordering field
    score = check_coverage(spec)
    assert not score.skipped and not score.passed
    assert 0 < score.value < 1
    messages = [f.message for f in score.findings]
    assert any("inbound_webhooks/out_of_order_events (owner data_flow)" in m for m in messages), messages
    assert any("inbound_webhooks/backfill_missed_events" in m and "missing: a scheduler component" in m for m in messages)
    assert any("inbound_webhooks/fast_ack_async (owner backend_integration)" in m for m in messages)
    assert any(d.startswith("covered inbound_webhooks/idempotent_receipt: design spine: table webhook_events") for d in score.details)
    assert {f.heading for f in score.findings} <= {"Data Integration", "Integration Architecture"}


def test_passes_when_every_p1_concern_is_covered(tmp_path):
    spec = semantic.build(tmp_path / "s", spine=spine_data(OUTBOUND_SPINE))
    score = check_coverage(spec)
    assert score.passed, score.details
    assert score.details[0].startswith("6/6 concern(s) covered; archetypes: outbound_api_sync")
    # The CRM is called on demand by a worker: no scheduled read, so no sync position to keep.
    assert any("outbound_api_sync/sync_cursor" in d and "on demand" in d for d in score.details), score.details


def test_declared_archetypes_come_from_the_run(tmp_path):
    spec = semantic.build(tmp_path / "s", spine=spine_data(OUTBOUND_SPINE))
    score = check_coverage(spec, {"archetypes": ["data_deletion_compliance"]})
    assert not score.passed
    assert any("data_deletion_compliance/processors_reached" in f.message for f in score.findings)


def test_skips_without_a_spine(tmp_path):
    spec = semantic.build(tmp_path / "s", spec_json=False)
    assert check_coverage(spec).skipped


def test_the_datasets_must_cover_expectations_are_judged_by_coverage(tmp_path):
    from agentspec.checks.consistency import check_expectations

    spec = semantic.build(tmp_path / "s", spine=spine_data(OUTBOUND_SPINE))
    expect = {"must_cover": ["outbound_api_sync/credentials_secret", "outbound_api_sync/sync_cursor",
                             "inbound_webhooks/signature_verification"]}
    score = check_expectations(spec, {"expect": expect})
    messages = [f.message for f in score.findings]
    from agentspec.checks.coverage import coverage_results

    assert next(r for r in coverage_results(spec) if r.concern == "sync_cursor").covered
    assert messages == [
        "must-cover inbound_webhooks/signature_verification is not covered: the design has no inbound_webhooks archetype",
    ]
    assert not score.passed and abs(score.value - 2 / 3) < 0.01
