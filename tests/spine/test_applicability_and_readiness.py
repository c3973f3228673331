"""Sections the spine has no use for render as one line with no call; readiness is computed from the run."""

from __future__ import annotations

import asyncio

from agentspec.assemble import render_context, render_section
from agents.registry import by_id
BRIEF = {"name": "Provider Record Sync", "summary": "Sync a provider's records into our database.", "complexity": "Medium",
         "domains": ["Webhook Systems", "Data Sync"], "stack": ["Python", "PostgreSQL"], "code_language": "python",
         "actors": ["Operations staff"], "external_systems": ["Provider"], "assumptions": ["The provider signs webhooks."],
         "out_of_scope": ["Writing back to the provider."]}


def _state(spine_data, **sections):
    return {"brief": BRIEF, "description": "Sync a provider's records into our database via webhooks",
            "options": {"date": "2026-12-02"},
            "sections": {"design_spine": {"status": "drafted", "data": spine_data}, **sections}, "analyses": {}}


def test_a_section_that_does_not_apply_is_not_drafted_and_says_why_in_one_line(spine_data):
    from agents.nodes import _task, draft_section

    state = _state(spine_data, cache_integration={"status": "queued", "attempts": 0, "failures": [], "feedback": []})
    update = asyncio.run(draft_section(_task(state, "cache_integration")))
    entry = update["sections"]["cache_integration"]
    assert entry["status"] == "not_applicable" and "calls" not in update
    state["sections"]["cache_integration"] = entry
    text = render_section(by_id()["cache_integration"], entry, render_context(state))
    assert text == ("### Cache Integration\n\n#### Caching Strategy\n\n"
                    "Not applicable: the design has no cache: nothing in the feature needs one.")


def test_a_section_the_spine_calls_for_is_drafted(spine_data):
    from agents.spine import DesignSpine, applies

    assert applies(DesignSpine.model_validate(spine_data), by_id()["event_integration"].applies_when) == (True, "")


def test_readiness_is_not_ready_when_a_section_failed(spine_data):
    from agents.readiness import readiness

    state = _state(spine_data, api_specifications={"status": "failed", "failures": ["sql: no"]})
    state["document_checks"] = [{"name": "sql", "passed": False, "skipped": False}]
    verdict = readiness(render_context(state))
    assert not verdict.ready
    assert verdict.blockers() == ["section `api_specifications` failed", "check `sql` fails"]
    assert verdict.verdict().startswith("**Not ready for implementation**")


def test_readiness_is_ready_only_when_everything_passed(spine_data):
    from agents.readiness import readiness

    state = _state(spine_data)
    state["document_checks"] = [{"name": "sql", "passed": True}, {"name": "mermaid", "passed": True, "skipped": True}]
    assert readiness(render_context(state)).ready


def test_the_system_landscape_renders_the_spine(spine_data):
    state = _state(spine_data)
    text = render_section(by_id()["system_landscape"], None, render_context(state))
    assert "| `received_events` | new | id | provider_event_id |" in text
    assert "`GET /api/v1/sync-status`" in text
    assert "message broker: a table and a worker carry the load" in text


def test_the_gate_rejects_a_section_that_names_what_the_spine_lacks(spine_data):
    from agents.nodes import _check_section, _task

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
    assert "endpoint deleteRecord is DELETE /api/v1/records/:recordId, which the design spine does not define" in text
    assert "the design spine's endpoint GET /api/v1/sync-status is missing" in text
