"""Sections the spine has no use for render as one line with no call; readiness is computed from the run."""

from __future__ import annotations

import asyncio

from agentspec.assemble import render_context, render_section
from agentspec.agents.registry import by_id
BRIEF = {"name": "Provider Record Sync", "summary": "Sync a provider's records into our database.", "complexity": "Medium",
         "domains": ["Webhook Systems", "Data Sync"], "stack": ["Python", "PostgreSQL"], "code_language": "python",
         "actors": ["Operations staff"], "external_systems": ["Provider"], "assumptions": ["The provider signs webhooks."],
         "out_of_scope": ["Writing back to the provider."]}


def _state(spine_data, **sections):
    return {"brief": BRIEF, "description": "Sync a provider's records into our database via webhooks",
            "options": {"date": "2026-12-02"},
            "sections": {"design_spine": {"status": "drafted", "data": spine_data}, **sections}, "analyses": {}}


def test_a_section_that_does_not_apply_is_not_drafted_and_says_why_in_one_line(spine_data):
    from agentspec.agents.nodes import _task, draft_section

    state = _state(spine_data, cache_integration={"status": "queued", "attempts": 0, "failures": [], "feedback": []})
    update = asyncio.run(draft_section(_task(state, "cache_integration")))
    entry = update["sections"]["cache_integration"]
    assert entry["status"] == "not_applicable" and "calls" not in update
    state["sections"]["cache_integration"] = entry
    text = render_section(by_id()["cache_integration"], entry, render_context(state))
    assert text == ("### Cache Integration\n\n#### Caching Strategy\n\n"
                    "Not applicable: the design has no cache: nothing in the feature needs one.")


def test_a_section_the_spine_calls_for_is_drafted(spine_data):
    from agentspec.agents.spine import DesignSpine, applies

    assert applies(DesignSpine.model_validate(spine_data), by_id()["event_integration"].applies_when) == (True, "")


def _no_archetype(spine_data) -> dict:
    """The spine without the structure that makes it an inbound-webhook design: no
    archetype applies, so no must-cover concern can hold readiness back."""
    spine_data["external_systems"] = []
    spine_data["endpoints"] = [e for e in spine_data["endpoints"] if e["kind"] != "webhook_receiver"]
    spine_data["events"] = []
    return spine_data


def test_readiness_is_not_ready_when_a_section_failed(spine_data):
    from agentspec.agents.readiness import readiness

    state = _state(_no_archetype(spine_data), api_specifications={"status": "failed", "failures": ["sql: no"]})
    state["document_checks"] = [{"name": "sql", "passed": False, "skipped": False}]
    verdict = readiness(render_context(state))
    assert not verdict.ready
    assert verdict.blockers() == ["section `api_specifications` failed", "check `sql` fails"]
    assert verdict.verdict().startswith("**Not ready for implementation**")


def test_readiness_is_ready_only_when_everything_passed(spine_data):
    from agentspec.agents.readiness import readiness

    state = _state(_no_archetype(spine_data))
    state["document_checks"] = [{"name": "sql", "passed": True}, {"name": "mermaid", "passed": True, "skipped": True}]
    assert readiness(render_context(state)).ready


def test_an_uncovered_p1_concern_keeps_the_spec_from_being_ready(spine_data):
    """The webhook spine alone states the signing secret but no received-events uniqueness in
    a schema, no backfill: its P1 concerns are open and readiness says which."""
    from agentspec.agents.readiness import readiness

    verdict = readiness(render_context(_state(spine_data)))
    assert not verdict.ready and verdict.concerns_total >= 5 and verdict.concerns_covered < verdict.concerns_total
    assert any(b.startswith("open P1 concern: inbound_webhooks/backfill_missed_events (data_flow)") for b in verdict.blockers())
    assert not verdict.failed_sections and not verdict.failing_checks


def test_the_system_landscape_renders_the_spine(spine_data):
    state = _state(spine_data)
    text = render_section(by_id()["system_landscape"], None, render_context(state))
    assert "| `received_events` | new | id | provider_event_id |" in text
    assert "`GET /api/v1/sync-status`" in text
    assert "message broker: a table and a worker carry the load" in text


def test_the_gate_rejects_a_section_that_names_what_the_spine_lacks(spine_data):
    from agentspec.agents.nodes import _check_section, _task

    state = _state(spine_data)
    data = {"endpoints": [{"id": "receiveWebhook", "method": "POST", "path": "/api/v1/webhooks/provider",
                           "purpose": "receive the provider's deliveries", "integration": "webhook receiver",
                           "dependencies": ["received_events"]},
                          {"id": "deleteRecord", "method": "DELETE", "path": "/api/v1/records/:recordId",
                           "purpose": "delete one record", "integration": "synchronous REST", "dependencies": ["synced_records"]}],
            "migration_strategy": "Expand and contract; new tables ship first.",
            "index_requirements": "received_events.provider_event_id is unique.",
            "relationship_management": "No foreign keys cross services.",
            "business_logic": "The worker publishes each change to Apache Kafka for other teams.",
            "transaction_management": "One transaction per event."}
    failures = _check_section(_task(state, "backend_integration"), "backend_integration", data)
    text = "\n".join(failures)
    assert "names Apache Kafka, which the design spine does not include" in text
    assert "endpoint deleteRecordsByRecordId is DELETE /api/v1/records/:recordId, which the design spine does not define" in text
    assert "the design spine's endpoint GET /api/v1/sync-status is missing" in text


def _glowing_review() -> dict:
    from agentspec.agents.analyses.multi_angle import ANGLES

    return {"angles": [{"angle": a, "rating": 5, "strengths": ["Clear ownership of each table"],
                        "concerns": ["None of weight for this angle"], "recommendations": ["Keep the design as it is"]}
                       for a in ANGLES],
            "critical_issues": [], "important_improvements": ["Add a dashboard for the retry queue"], "nice_to_have": []}


def test_the_review_never_says_proceed_beside_a_failed_section(spine_data):
    from agentspec.agents.analyses import multi_angle

    review = multi_angle.MODEL.model_validate(_glowing_review())
    state = _state(spine_data, api_specifications={"status": "failed", "failures": ["no valid output"]})
    text = multi_angle.render(review, render_context(state))
    assert "**Recommendation**: Caution" in text and "**Recommendation**: Proceed" not in text
    assert "**Reviewer's rating**: CONDITIONAL" in text and "**Not ready for implementation**" in text
    clean = multi_angle.render(review, render_context(_state(_no_archetype(spine_data))))
    assert "**Recommendation**: Proceed" in clean and "**Reviewer's rating**: YES. **Ready for implementation**" in clean


def test_an_aligned_answer_that_breaks_a_section_rule_is_kept_as_answered(spine_data):
    """The spine calls received_events existing; the answer points it at a new table, which an
    existing table cannot do. Aligning would make the answer invalid (the first gdpr recording
    crashed on this), so the answer stays and spine_checks reports the disagreement."""
    from agentspec.agents.nodes import _aligned, _check_section, _task

    entities = [dict(e) for e in spine_data["entities"]]
    entities[0]["change"] = "altered"
    state = _state(dict(spine_data, entities=entities))
    answer = {"tables": [
        {"name": "synced_records", "purpose": "the provider's records", "integration_type": "Data Bridge",
         "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                     {"name": "provider_record_id", "type": "varchar(255)", "unique": True}]},
        {"name": "received_events", "purpose": "every delivery, once", "integration_type": "Data Bridge",
         "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                     {"name": "provider_event_id", "type": "varchar(255)", "unique": True},
                     {"name": "record_id", "type": "uuid", "references": "synced_records.id"}]}]}
    task = _task(state, "database_schema")
    assert _aligned(task, "database_schema", answer) is answer
    assert any("received_events" in f and "alters it" in f for f in _check_section(task, "database_schema", answer))


def test_integration_readiness_lists_each_concern_with_its_evidence_or_what_is_missing(spine_data):
    from agentspec.agents.readiness import readiness
    from agentspec.agents.packs.integration_requirements.sections.deep_analysis import _concern_list

    state = readiness(render_context(_state(spine_data)))
    text = _concern_list(state)
    assert text.startswith("**Must-cover concerns** (computed from the design by the knowledge library):")
    assert ("- [x] P1 Verify each delivery's signature over the raw request body with a signing secret before parsing it "
            "(inbound webhooks, security_integration): design spine: provider auth 'HMAC signature over the raw body' "
            "with secret setting PROVIDER_WEBHOOK_SECRET") in text
    assert "- [ ] P1 Handle events that arrive out of order" in text
    # A provider no note knows: its redelivery window is left for the spec to state.
    assert "- [ ] P2 Design around the provider's redelivery window" in text and "the provider's retry window" in text
    assert _concern_list(readiness(render_context(_state(_no_archetype(spine_data))))) is None


def test_deep_analysis_never_says_proceed_beside_not_ready(spine_data):
    from tests.fixtures.build_recorded import FOLDIN

    entry = {"status": "drafted", "data": FOLDIN["deep_analysis"]}
    state = _state(spine_data, api_specifications={"status": "failed", "failures": ["no valid output"]}, deep_analysis=entry)
    state["analyses"] = {"multi_angle": {"status": "drafted", "data": _glowing_review()}}
    ctx = render_context(state)
    assert ctx.analyses["multi_angle"].recommendation == "Proceed"  # what the ratings alone say
    text = render_section(by_id()["deep_analysis"], entry, ctx)
    assert "Multi-angle review: overall 5.0/5, recommendation **Caution" in text
    assert "recommendation **Proceed**" not in text


def test_an_open_major_finding_is_said_in_the_verdict() -> None:
    from agentspec.agents.readiness import Readiness

    assert Readiness().verdict().startswith("**Ready for implementation** (computed: every section drafted, every gate check passed, no finding left)")
    asked = Readiness(open_questions=1)
    assert asked.ready and asked.verdict().startswith("**Ready for implementation once the 1 open question(s) above are answered**")
    assert Readiness(open_review=["deployment"], open_questions=1).verdict().startswith("**Not ready for implementation**")


def test_a_failed_sections_rejected_draft_is_not_written_as_the_spec(spine_data):
    """The 12-05 fresh-clone draft's failed test example put a wss:// socket into the document."""
    data = {"title": "A socket test"}
    entry = {"status": "failed", "data": data, "failures": ["outside the design spine: names wss://"]}
    state = _state(spine_data, example_integration_test=entry)
    text = render_section(by_id()["example_integration_test"], entry, render_context(state))
    assert "A socket test" not in text and "wss://" in text  # the reason names it; the draft is not shown
    assert "> **Section `example_integration_test` failed**: outside the design spine: names wss://. Its last draft" in text
    assert text.startswith(by_id()["example_integration_test"].headings[0])
