"""The semantic-defect check (agentspec/checks/semantic/) on hand-built spec
directories: a design spine (validated by DesignSpine), the real assembler
(agentspec.assemble.all_files: the System Landscape from the spine, the
"Not applicable" lines, spec.json), and hand-written prose for each section
that applies (as human edits, so no section model is involved).

One good spec that passes; then one change per rule that must fail with the
right message. Test inputs only: nothing here is model output."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.brief import FeatureBrief
from agentspec.agents.registry import registry
from agentspec.agents.spine import DesignSpine, applies
from agentspec.assemble import all_files
from agentspec.checks import CHECKS, run_checks
from agentspec.checks.semantic import NAME, check_semantic, defect_count
from agentspec.spec_document import SpecDocument

SPINE: dict[str, Any] = {
    "components": [
        {"id": "webhook_receiver", "label": "Webhook Receiver", "kind": "service",
         "responsibility": "verifies and stores Stripe webhooks"},
        {"id": "sync_worker", "label": "Sync Worker", "kind": "worker", "responsibility": "applies stored webhooks to invoices"},
        {"id": "billing_db", "label": "Billing DB", "kind": "database", "responsibility": "holds invoices and webhooks"},
        {"id": "admin_ui", "label": "Admin UI", "kind": "web_ui", "responsibility": "shows the sync status"},
    ],
    "external_systems": [
        {"id": "stripe", "name": "Stripe", "direction": "inbound_webhook", "connects_to": "webhook_receiver",
         "purpose": "invoice events", "auth": "Stripe-Signature HMAC"},
    ],
    "entities": [
        {"table": "stripe_invoices", "purpose": "synced invoices", "change": "new", "key": "id",
         "unique": ["stripe_invoice_id"], "money": "integer_minor_units_with_currency", "owner": "sync_worker"},
        {"table": "webhook_events", "purpose": "received webhooks", "change": "new", "key": "id",
         "unique": ["stripe_event_id"], "money": "none", "owner": "webhook_receiver"},
    ],
    "endpoints": [
        {"method": "POST", "path": "/api/v1/webhooks/stripe", "kind": "webhook_receiver", "caller": "stripe",
         "purpose": "receive Stripe webhooks"},
        {"method": "GET", "path": "/api/v1/admin/sync-status", "kind": "rest", "caller": "billing_admin", "purpose": "sync status"},
    ],
    "events": [],
    "roles": [{"name": "billing_admin", "who": "finance staff", "permissions": ["read:sync_status"]}],
    "settings": [{"name": "STRIPE_WEBHOOK_SECRET", "secret": True, "purpose": "verify webhook signatures"}],
    "surfaces": [{"name": "Sync status page", "shows": ["last sync time", "failed webhooks"],
                  "endpoint": "/api/v1/admin/sync-status", "role": "billing_admin"}],
    "failure_policy": {"retries": 5, "backoff": "exponential from 1 s", "after_retries": "dead_letter_table",
                       "replay": "an admin re-queues rows from the dead letter table"},
    "limits": [{"name": "access_token_lifetime", "value": 15, "unit": "min", "meaning": "admin session token"},
               {"name": "webhook_ack_timeout", "value": 2, "unit": "s", "meaning": "answer Stripe within"}],
    "not_needed": [{"what": "cache", "reason": "status reads are cheap"}],
}

BRIEF = FeatureBrief(
    name="Stripe Invoice Sync", summary="Stripe invoices are synced into the billing DB; finance staff see the sync status.",
    complexity="Medium", domains=["Payments", "Webhook Systems"], stack=["TypeScript", "Node.js", "PostgreSQL", "React"],
    code_language="typescript", actors=["billing admin"], external_systems=["Stripe"],
    assumptions=["Stripe is the only provider"], out_of_scope=["Refunds"])

DDL = """```sql
CREATE TABLE stripe_invoices (
  id UUID PRIMARY KEY,
  stripe_invoice_id TEXT NOT NULL UNIQUE,
  amount_due_minor BIGINT NOT NULL,
  currency CHAR(3) NOT NULL
);

CREATE TABLE webhook_events (
  id UUID PRIMARY KEY,
  stripe_event_id TEXT NOT NULL UNIQUE,
  payload JSONB NOT NULL
);
```"""

# Prose per section: each agrees with SPINE, and some say what the design does
# without in ways that must not count ("no Redis", "never dropped").
PROSE: dict[str, str] = {
    "frontend_integration": "The Sync status page calls `GET /api/v1/admin/sync-status` and requires the `billing_admin` role.",
    "backend_integration": ("`POST /api/v1/webhooks/stripe` stores each event in `webhook_events` and answers Stripe "
                            "within 2 s. Failed webhooks are retried 5 times with exponential backoff, then moved to the "
                            "dead letter table; they are never dropped."),
    "auth_integration": "Admins sign in with the company identity provider. Access tokens expire after 15 min.",
    "database_schema": "Two new tables hold the synced data.\n\n" + DDL,
    "security_integration": "Guard: role `billing_admin` for the status page. Webhook signatures use STRIPE_WEBHOOK_SECRET.",
    "performance": "No Redis or other cache is needed: status reads are cheap. The status page load target is 800 ms (p95).",
    "monitoring": "Alert when the page load time exceeds 800ms for 5 min, or when the dead letter table grows.",
    "deployment": "Set STRIPE_WEBHOOK_SECRET in every environment.",
    "testing_validation": "Replay a failed webhook from the dead letter table and assert it lands in `stripe_invoices`.",
}


def _spine(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SPINE)
    data.update(changes)
    return DesignSpine.model_validate(data).model_dump(mode="json")


def build(target: Path, *, spine: dict[str, Any] | None = None, prose: dict[str, str] | None = None,
          entries: dict[str, dict[str, Any]] | None = None, spec_json: bool = True) -> SpecDocument:
    """A spec directory: every section the spine says applies is a human edit (its
    headings + PROSE), every other one is not applicable with the spine's reason.
    `entries` replaces whole spec.json entries (status, data, edited_markdown)."""
    spine_data = _spine() if spine is None else spine
    model = DesignSpine.model_validate(spine_data)
    texts = {**PROSE, **(prose or {})}
    sections: dict[str, Any] = {"design_spine": {"status": "drafted", "data": spine_data}}
    for spec in registry():
        if spec.stage == "static" or spec.id == "design_spine":
            continue
        ok, reason = applies(model, spec.applies_when)
        if ok:
            body = texts.get(spec.id, f"What {spec.id.replace('_', ' ')} adds to the design.")
            sections[spec.id] = {"status": "edited", "data": None, "edited_markdown": "\n\n".join([*spec.headings, body])}
        else:
            sections[spec.id] = {"status": "not_applicable", "data": None, "not_applicable": reason}
    sections.update(entries or {})
    state = {"description": "Sync Stripe invoices into our billing DB, with an admin sync-status page",
             "brief": BRIEF.model_dump(mode="json"), "sections": sections,
             "analyses": {}, "options": {"date": "2026-01-01"}, "calls": []}
    target.mkdir(parents=True, exist_ok=True)
    for name, text in all_files(state, thread_id="t0", endpoint="test", timings={"wall_s": 1.0}).items():
        (target / name).write_text(text, encoding="utf-8")
    if not spec_json:
        (target / "spec.json").unlink()
    return SpecDocument.load(target)


def messages(spec: SpecDocument) -> list[str]:
    score = check_semantic(spec)
    return [str(f) for f in score.findings]


def only(spec: SpecDocument) -> str:
    found = messages(spec)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def good(tmp_path) -> SpecDocument:
    return build(tmp_path / "good")


# ---------------------------------------------------------------------- registry and the good spec


def test_registered_after_event_flow():
    names = list(CHECKS)
    assert names.index(NAME) == names.index("event_flow") + 1
    assert CHECKS[NAME] is check_semantic


def test_the_good_spec_has_no_defects(good):
    score = check_semantic(good)
    assert score.name == NAME and not score.skipped
    assert score.passed and score.value == 1.0, score.details
    assert score.details[0] == "0 defect(s)"
    assert not [d for d in score.details if d.startswith("skipped")]  # every rule ran


def test_the_good_spec_renders_the_design_it_is_checked_against(good):
    # the fixture is what the check reads: a spine in spec.json, real "Not applicable" lines
    data = json.loads((good.path / "spec.json").read_text(encoding="utf-8"))
    assert data["sections"]["design_spine"]["data"]["failure_policy"]["after_retries"] == "dead_letter_table"
    assert data["sections"]["cache_integration"]["status"] == "not_applicable"
    assert "Not applicable: status reads are cheap." in good.markdown
    assert "### System Landscape" in good.markdown


# ---------------------------------------------------------------------- 1. names outside the spine


def test_infrastructure_outside_the_spine(tmp_path):
    spec = build(tmp_path / "s", prose={"performance": "Invoices are cached in Redis for 60 s to keep the page fast."})
    found = only(spec)
    assert found.startswith("Performance Integration: outside the spine: names Redis")
    assert "cached in Redis for 60 s" in found


def test_endpoint_and_table_outside_the_spine(tmp_path):
    spec = build(tmp_path / "s", prose={
        "backend_integration": PROSE["backend_integration"] + " Admins page through `GET /api/v1/invoices/:id`.",
        "database_schema": PROSE["database_schema"] + "\n\n```sql\nCREATE TABLE invoice_audit (id UUID PRIMARY KEY);\n```",
    })
    found = messages(spec)
    assert any(f.startswith("Integration Architecture: outside the spine: names endpoint /api/v1/invoices/:id") for f in found), found
    assert any(f.startswith("Data Integration: outside the spine: uses table invoice_audit") for f in found), found
    assert len(found) == 2, found


def test_the_system_landscape_is_not_read_for_names(good):
    # the landscape renders the spine, including "websocket: the design has no WebSocket..."
    assert "WebSocket" in good.section_text("System Landscape")
    assert check_semantic(good).passed


# ---------------------------------------------------------------------- 2a. no new tables


def test_no_new_tables_while_the_spine_has_new_tables(tmp_path):
    spec = build(tmp_path / "s", prose={"data_flow": "The sync needs no new tables; it reuses the ledger."})
    found = only(spec)
    assert found.startswith('Data Integration: contradiction: says "The sync needs no new tables')
    assert "the spine's new table stripe_invoices (and 1 more)" in found


def test_no_schema_changes_against_the_ddl_without_a_spine(tmp_path):
    spec = build(tmp_path / "s", spec_json=False,
                 prose={"backend_integration": "- **Schema Changes**: No changes to the database schema are required."})
    found = only(spec)
    assert found.startswith('Integration Architecture: contradiction: says "- **Schema Changes**: No changes to the database schema')
    assert "CREATE TABLE stripe_invoices in Data Integration" in found


# ---------------------------------------------------------------------- 2b. no cache


def test_no_caching_while_the_spine_has_a_cache(tmp_path):
    components = [*SPINE["components"], {"id": "status_cache", "label": "Status Cache", "kind": "cache",
                                         "responsibility": "caches the sync status"}]
    spine = _spine(components=components, not_needed=[])
    spec = build(tmp_path / "s", spine=spine, prose={"backend_integration": "No caching is required for this feature."})
    found = [f for f in messages(spec) if "No caching" in f]
    assert len(found) == 1, messages(spec)
    assert found[0].startswith('Integration Architecture: contradiction: says "No caching is required')
    assert "the spine has the cache component status_cache" in found[0]


def test_no_caching_while_another_section_names_redis_without_a_spine(tmp_path):
    spec = build(tmp_path / "s", spec_json=False, prose={
        "backend_integration": "- **Cache Integration**: No caching is required for this feature.",
        "example_api_client": "```typescript\nconst cache = { provider: 'Redis 7' };\n```",
    })
    found = only(spec)
    assert found.startswith('Integration Architecture: contradiction: says "- **Cache Integration**: No caching is required')
    assert "Code Examples (line" in found and "names Redis" in found


# ---------------------------------------------------------------------- 2c. failure handling


def test_dropped_while_the_spine_dead_letters(tmp_path):
    spec = build(tmp_path / "s", prose={
        "deep_analysis": "Up to 5 retries with exponential backoff, then the failure is logged and dropped."})
    found = only(spec)
    assert found.startswith("Deep Analysis: contradiction: says failed work is dropped")
    assert '"Up to 5 retries with exponential backoff, then the failure is logged and dropped."' in found
    assert "the spine's failure policy is dead letter table" in found


def test_a_rollback_that_drops_tables_is_not_dropped_work(tmp_path):
    spec = build(tmp_path / "s", prose={"deep_analysis": "The release creates `sync_failures`, and rolling it back drops them."})
    assert check_semantic(spec).passed, messages(spec)


def test_dead_letter_queue_while_the_spine_logs_and_drops(tmp_path):
    policy = {**SPINE["failure_policy"], "after_retries": "drop_and_log", "replay": "none: failures are logged"}
    texts = {sid: text.replace("moved to the dead letter table; they are never dropped", "logged and dropped")
             .replace(", or when the dead letter table grows", "")
             .replace("Replay a failed webhook from the dead letter table", "Re-send a webhook")
             for sid, text in PROSE.items()}
    texts["event_integration"] = ""
    texts["risk_assessment"] = "errorHandling: 'Failed webhooks go to billing.webhooks.dlq'"
    spec = build(tmp_path / "s", spine=_spine(failure_policy=policy), prose=texts)
    found = only(spec)
    assert found.startswith("Risk Assessment & Mitigation: contradiction: says failed work goes to a dead letter queue")
    assert "the spine's failure policy is drop and log" in found


def test_dropped_and_dead_lettered_without_a_spine(tmp_path):
    spec = build(tmp_path / "s", spec_json=False, prose={
        "deep_analysis": "After 5 retries the failure is logged and dropped.",
    })
    found = only(spec)
    # backend_integration (earlier in the document) dead-letters: the later statement is the defect
    assert found.startswith("Deep Analysis: contradiction: says failed work is dropped")
    assert "but Integration Architecture (line" in found and "dead letter table" in found


# ---------------------------------------------------------------------- 2d. roles


def test_role_the_spine_does_not_define(tmp_path):
    spec = build(tmp_path / "s", prose={"frontend_integration": "- **Guard Conditions**: `/admin/billing/sync`: role admin"})
    found = only(spec)
    assert found.startswith("Integration Architecture: contradiction: uses role admin")
    assert '"- **Guard Conditions**: `/admin/billing/sync`: role admin"' in found
    assert "its roles: billing_admin" in found


@pytest.mark.parametrize("text", [
    "The page requires the `finance_viewer` role.",
    "if (!user.hasRole('finance_viewer')) throw new ForbiddenError();",
    "Only users with role `finance_viewer` may replay webhooks.",
])
def test_role_forms(tmp_path, text):
    spec = build(tmp_path / "s", prose={"security_integration": text})
    assert "uses role finance_viewer" in only(spec)


# ---------------------------------------------------------------------- 2e. one quantity, one value


def test_a_spine_limit_stated_with_another_value(tmp_path):
    spec = build(tmp_path / "s", prose={"security_integration": "Access tokens have a 1 h lifetime."})
    found = only(spec)
    assert found.startswith("Security Integration: contradiction: states the access token lifetime as 1 h")
    assert '"Access tokens have a 1 h lifetime."' in found and "the spine fixes it at 15 min" in found


def test_units_are_normalised(tmp_path):
    spec = build(tmp_path / "s", prose={"security_integration": "Access tokens expire after 900 s.",
                                        "deployment": "Stripe gets its answer within 2000ms: the webhook ack timeout."})
    assert check_semantic(spec).passed, messages(spec)


def test_a_limit_found_by_the_words_of_its_name(tmp_path):
    spec = build(tmp_path / "s", prose={"monitoring": "Acknowledge Stripe webhooks within 10 s (timeout), then process."})
    found = only(spec)
    assert found.startswith("Monitoring & Observability Integration: contradiction: states the webhook ack timeout as 10 s")
    assert "the spine fixes it at 2 s" in found


TWO_TIMES = [{"name": "erasure_processing_time", "value": 1, "unit": "min", "meaning": "one request's run"},
             {"name": "completion_deadline", "value": 30, "unit": "d", "meaning": "the legal deadline"}]


@pytest.mark.parametrize("section, fine, wrong, found", [
    # a value after ";" belongs to the name after it, however near the other name it is
    ("monitoring", "Alerts: erasure_processing_time > 60s; completion_deadline < 30 d.",
     "Alerts: erasure_processing_time > 60s; completion_deadline < 20 d.", "states the completion deadline as 20 d"),
    # the value another spine limit fixes states that limit, not a second value of this one
    ("risk_assessment", "Check the time before processing erasure requests and ensure the 30-day time limit is enforced.",
     "Check the time before processing erasure requests and ensure the 7-day time limit is enforced.",
     "states the erasure processing time as 7-day"),
])
def test_two_limits_of_one_kind_are_told_apart(tmp_path, section, fine, wrong, found):
    spine = _spine(limits=TWO_TIMES)
    agreed = build(tmp_path / "a", spine=spine, prose={section: fine})
    assert check_semantic(agreed).passed, messages(agreed)
    assert found in only(build(tmp_path / "b", spine=spine, prose={section: wrong}))


def test_retry_count_against_the_failure_policy(tmp_path):
    spec = build(tmp_path / "s", prose={"external_services": "Stripe calls use `retryAttempts: 3` with jitter."})
    found = only(spec)
    assert found.startswith("External Service Integration: contradiction: states the retry count as 3")
    assert "the spine fixes it at 5" in found


def test_quantities_between_sections_without_a_spine(tmp_path):
    spec = build(tmp_path / "s", spec_json=False, prose={
        "ai_development_notes": "Cache provider data for 15 min.",
        "example_api_client": "- TTL of 3600s for each cached invoice",
        "auth_integration": "expiration: 'access token 5 min, refresh 30 days'",
        "security_integration": "refresh: 'rotating refresh tokens, 15 min access token lifetime'",
    })
    found = messages(spec)
    assert len(found) == 2, found
    # without spec.json the rendered landscape is ordinary text: its "Access token lifetime: 15 min"
    # comes first, so the 5 min in auth is the defect and the 15 min in security agrees
    assert any(f.startswith("External Service Integration: contradiction: states the access token lifetime as 5 min") and
               "Integration Architecture (line" in f and "15 min" in f for f in found), found
    assert any(f.startswith("Code Examples: contradiction: states the cache TTL as 3600s") and
               'AI Development Notes (line' in f and '"Cache provider data for 15 min."' in f for f in found), found


def test_page_load_target_between_sections_without_a_spine(tmp_path):
    spec = build(tmp_path / "s", spec_json=False, prose={"monitoring": "Alert when the page load time exceeds 2 s."})
    found = only(spec)
    assert found.startswith("Monitoring & Observability Integration: contradiction: states the page load target as 2 s")
    assert "Performance Integration (line" in found


# ---------------------------------------------------------------------- 3. applies but empty


def test_a_failed_section_that_applies(tmp_path):
    spec = build(tmp_path / "s", entries={
        "external_services": {"status": "failed", "data": None, "failures": ["validation: auth is required"]}})
    found = only(spec)
    assert found.startswith("External Service Integration: empty: section external_services applies to this design")
    assert '"validation: auth is required"' in found


def test_a_section_without_data_that_applies(tmp_path):
    spec = build(tmp_path / "s", entries={"performance": {"status": "drafted", "data": None}})
    assert only(spec).startswith("Performance Integration: empty: section performance applies to this design but has "
                                 "no content (status drafted, no data)")


def test_marked_not_applicable_while_the_spine_uses_it(tmp_path):
    spec = build(tmp_path / "s", entries={
        "database_schema": {"status": "not_applicable", "data": None, "not_applicable": "the design stores no data"}},
        prose={"example_database": "Example code comes later."})
    found = only(spec)
    assert found.startswith("Data Integration: empty: section database_schema is marked not applicable")
    assert "the spine uses database" in found


# ---------------------------------------------------------------------- 4. not applicable but has content


def test_a_not_applicable_section_with_content(tmp_path):
    headings = next(s for s in registry() if s.id == "cache_integration").headings
    edited = "\n\n".join([*headings, "Not applicable: status reads are cheap.", "Use a 60 s TTL on the status query."])
    spec = build(tmp_path / "s", entries={"cache_integration": {
        "status": "not_applicable", "data": None, "not_applicable": "status reads are cheap", "edited_markdown": edited}})
    found = only(spec)
    assert found.startswith("Data Integration: not applicable but has content: section cache_integration")
    assert '"Use a 60 s TTL on the status query."' in found


def test_a_rendered_not_applicable_section_is_fine(good):
    text = good.section_text("Cache Integration")
    assert text is not None and text.strip().endswith("Not applicable: status reads are cheap.")
    assert check_semantic(good).passed


# ---------------------------------------------------------------------- inputs missing


def test_without_spec_json_the_markdown_rules_still_run(tmp_path):
    spec = build(tmp_path / "s", spec_json=False)
    score = check_semantic(spec)
    assert score.passed and not score.skipped
    skipped = [d for d in score.details if d.startswith("skipped")]
    assert skipped == ["skipped names outside the spine: no design spine", "skipped overlapping runs: no design spine",
                       "skipped another script: no spec.json", "skipped undefined roles: no design spine",
                       "skipped money representation: no design spine", "skipped actors in the spine: no design spine",
                       "skipped empty applicable sections: no spec.json",
                       "skipped content in not-applicable sections: no spec.json"]
    assert "no spec.json: contradictions are judged between statements" in score.details


def test_an_invalid_spine_is_treated_as_absent(tmp_path):
    spec = build(tmp_path / "s")
    data = json.loads((spec.path / "spec.json").read_text(encoding="utf-8"))
    data["sections"]["design_spine"]["data"]["failure_policy"]["after_retries"] = "shrug"
    (spec.path / "spec.json").write_text(json.dumps(data), encoding="utf-8")
    score = check_semantic(SpecDocument.load(spec.path))
    assert "skipped names outside the spine: no design spine" in score.details
    assert "skipped content in not-applicable sections: no spec.json" not in score.details


def test_nothing_to_read_is_a_skip():
    score = check_semantic(SpecDocument.from_markdown("# Title only\n"))
    assert score.skipped and score.passed


# ---------------------------------------------------------------------- reporting


def test_run_checks_reports_the_count_for_eval(tmp_path):
    from agentspec.evals.harness import _score_dict

    spec = build(tmp_path / "s", prose={"security_integration": "Access tokens have a 1 h lifetime.",
                                        "data_flow": "The sync needs no new tables."})
    (score,) = run_checks(spec, {"repo": None}, names=[NAME])
    assert not score.passed
    row = _score_dict(score)
    assert row["findings"] == 2 and defect_count([row]) == 2
    assert "2 defect(s): no-tables claims 1, quantities 1" in score.details


def test_the_eval_report_shows_defects_next_to_the_judge():
    from agentspec.evals.report import _cases_table, render_markdown

    case = {"id": "c1", "status": "ok", "spec": "cases/c1/integration-requirements.md", "judge": {"mean": 3.5},
            "usage": {}, "failed_sections": [],
            "checks": [{"name": NAME, "value": 0.8, "passed": False, "skipped": False, "details": [], "findings": 3}]}
    md = render_markdown({"cases": [case], "summary": {}, "exit_code": 1})
    assert "| case | status | judge | Δ | defects |" in md
    assert "| c1 | ok | 3.50 | – | 3 |" in md
    assert '<td class="num">3</td>' in _cases_table({"cases": [case]})
    skipped = {**case, "checks": [{**case["checks"][0], "skipped": True}]}
    assert "| c1 | ok | 3.50 | – | – |" in render_markdown({"cases": [skipped], "summary": {}, "exit_code": 0})


def test_minor_units_in_the_spine_and_numeric_in_the_schema(tmp_path):
    ddl = DDL.replace("amount_due_minor BIGINT NOT NULL", "amount_due NUMERIC(12,2) NOT NULL")
    found = only(build(tmp_path, prose={"database_schema": "Two new tables hold the synced data.\n\n" + ddl}))
    assert "stores stripe_invoices's amounts as integer minor units, but stripe_invoices.amount_due is DECIMAL" in found


def test_amounts_without_a_currency_column(tmp_path):
    ddl = DDL.replace("  amount_due_minor BIGINT NOT NULL,\n  currency CHAR(3) NOT NULL", "  amount_due_minor BIGINT NOT NULL")
    found = only(build(tmp_path, prose={"database_schema": "Two new tables hold the synced data.\n\n" + ddl}))
    assert "stripe_invoices has no currency column" in found


def test_a_float_is_never_money_even_as_a_decimal(tmp_path):
    entities = copy.deepcopy(SPINE["entities"])
    entities[0]["money"] = "decimal_with_currency"
    ddl = DDL.replace("amount_due_minor BIGINT", "amount_due DOUBLE PRECISION")
    found = only(build(tmp_path, spine=_spine(entities=entities),
                       prose={"database_schema": "Two new tables hold the synced data.\n\n" + ddl}))
    assert "as a decimal, never a float, but stripe_invoices.amount_due is DOUBLE" in found


def test_a_table_written_by_a_page(tmp_path):
    # A database named as the writer is reassigned when the spine validates (agents/spine.py
    # _actors_not_stores); a page is not, and the rule still names it.
    entities = copy.deepcopy(SPINE["entities"])
    entities[1]["owner"] = "admin_ui"
    found = only(build(tmp_path, spine=_spine(entities=entities)))
    assert "no actor: table webhook_events is written by `admin_ui`, a web ui, which runs no code" in found


def test_runs_that_overlap_while_the_spine_runs_the_job_one_at_a_time(tmp_path):
    reconciler = {"id": "stripe_reconciler", "label": "Stripe reconciler", "kind": "scheduler",
                  "responsibility": "reads Stripe's API for what the webhooks missed", "schedule": "every 1 h",
                  "overlap": "one run at a time: a run takes the job's lock and exits when the previous run holds it"}
    spine = _spine(components=[*SPINE["components"], reconciler])
    # The thirteenth-pass Stripe Reusability Analysis, as written.
    spec = build(tmp_path / "s", spine=spine, prose={
        "reusability": "Using a single lock can lead to deadlocks. Instead, use a queue-based approach where each run gets its own lock."})
    found = messages(spec)  # both sentences: the single lock called a deadlock, and a lock per run
    assert len(found) == 2 and all(f.startswith("Reusability Analysis: contradiction: lets runs overlap") for f in found)
    assert all("the spine runs stripe_reconciler one at a time" in f for f in found)
    # Said of a design that lets runs overlap, nothing contradicts it; said as what not to do, neither.
    assert check_semantic(build(tmp_path / "free", prose={"reusability": "Each run gets its own lock."})).passed
    assert check_semantic(build(tmp_path / "negated", spine=spine, prose={
        "reusability": "Runs never run concurrently: the job's lock makes a second run exit."})).passed


def test_a_script_the_description_does_not_use_is_a_minor_slip(tmp_path):
    from agentspec.review_pass import _classify

    # The thirteenth-pass Stripe Reusability Analysis wrote "签名" for "signature", on both attempts.
    spec = build(tmp_path / "s", prose={"reusability": "It verifies each delivery's签名, and stores it once."})
    found = only(spec)
    assert found.startswith("Reusability Analysis: language: writes '签名' in a script the description does not use")
    assert _classify("semantic_defects", found.split(": ", 1)[1])[0] == "minor"  # listed, not redrafted
