from __future__ import annotations

import copy

from agentspec.agents.packs.integration_requirements.sections import reusability as section
from agentspec.agents.packs.integration_requirements.sections.reusability import Reusability

from ._general_helpers import assert_rejects, check_rendered, context

DATA = {
    "existing_patterns": [
        {
            "name": "Shared HTTP client with retries",
            "where_to_look": 'grep -rn "axios.create" src/',
            "how_to_reuse": "Wrap the Stripe SDK calls with the same retry and timeout policy",
            "modifications": "Minor",
            "modification_detail": "add an Idempotency-Key header per request",
        },
        {
            "name": "Background job queue",
            "where_to_look": "the worker/queue module (search for BullMQ or Queue()",
            "how_to_reuse": "Process stored Stripe events from a dedicated billing-events queue",
            "modifications": "None",
            "modification_detail": "works as-is",
        },
    ],
    "new_components": [
        {
            "name": "WebhookVerifier: signature and replay checks for inbound webhooks",
            "abstraction": "Utility",
            "future_use_cases": ["GitHub App webhooks", "Postmark bounce webhooks"],
            "documentation": "API docs, tolerance window, raw-body requirement",
        }
    ],
    "knowledge": [
        {
            "name": "Idempotent webhook consumption",
            "kind": "Pattern",
            "description": "Store the provider event id with a unique constraint before side effects",
            "documentation_location": "docs/patterns/idempotent-webhooks.md",
            "example_code": "See Example 3: Event-Driven Integration",
        }
    ],
    "immediate_value": "Workspaces can pay for plans without manual invoicing",
    "future_value": "The webhook pipeline and outbox serve every later provider integration",
    "compound_factor": "High",
    "compound_reason": "foundation for usage billing, dunning emails and the partner API",
    "refactorings": [
        {
            "where_to_look": 'grep -rn "plan ===" src/ for hard-coded plan checks',
            "current_issue": "Plan limits are checked with string comparisons scattered across routes",
            "proposed_refactor": "Extract an entitlements service backed by the subscriptions table",
            "impact": "One place to change limits; billing state drives features",
            "priority": "High",
            "priority_reason": "blocks feature unlocking after payment",
        }
    ],
}


def test_renders_five_parts_with_search_hints_not_locations() -> None:
    md = check_rendered(section, Reusability.model_validate(DATA))
    assert "- **Pattern/Component**: Shared HTTP client with retries" in md
    assert '  - **Location**: to locate: `grep -rn "axios.create" src/`' in md
    assert "  - **Modifications needed**: Minor - add an Idempotency-Key header per request" in md
    assert "  - **Abstraction level**: Utility" in md
    assert "- **Pattern**: Idempotent webhook consumption" in md
    assert "  - **Documentation location**: `docs/patterns/idempotent-webhooks.md`" in md
    assert "- **Compound factor**: High - foundation for usage billing" in md
    assert '- **Location**: to locate: `grep -rn "plan ===" src/ for hard-coded plan checks`' in md
    assert "  - **Priority**: High - blocks feature unlocking after payment" in md
    assert "What existing code should be refactored to improve reusability?" in md


def test_with_a_repository_the_hint_is_printed_as_is() -> None:
    data = copy.deepcopy(DATA)
    data["existing_patterns"][0]["where_to_look"] = "src/lib/http.ts"
    md = check_rendered(section, Reusability.model_validate(data), context(repo_given=True))
    assert "  - **Location**: `src/lib/http.ts`" in md


def test_backticks_in_hints_are_stripped() -> None:
    data = copy.deepcopy(DATA)
    data["existing_patterns"][0]["where_to_look"] = '`grep -rn "axios.create" src/`'
    md = check_rendered(section, Reusability.model_validate(data))
    assert '  - **Location**: to locate: `grep -rn "axios.create" src/`' in md


def test_rejects_invented_file_line_locations() -> None:
    for bad in ("src/middleware/auth.ts:15", "see src/services/user_service.rb:45-120", "lib/http.py#L12", "file:line"):
        data = copy.deepcopy(DATA)
        data["existing_patterns"][0]["where_to_look"] = bad
        assert_rejects(Reusability, data, "claims an existing line of code", "grep -rn")
    data = copy.deepcopy(DATA)
    data["refactorings"][0]["where_to_look"] = "src/routes/billing.ts:88"
    assert_rejects(Reusability, data, "src/routes/billing.ts:88")
    data = copy.deepcopy(DATA)
    data["knowledge"][0]["example_code"] = "See implementation in src/middleware/rate-limit.ts:25-60"
    assert_rejects(Reusability, data, "claims an existing line of code")
    data = copy.deepcopy(DATA)
    data["existing_patterns"][0]["how_to_reuse"] = "Import from src/lib/http.ts:10 and wrap"
    assert_rejects(Reusability, data, "src/lib/http.ts:10")


def test_other_validators() -> None:
    assert_rejects(Reusability, dict(DATA, compound_factor="Huge"), "compound_factor")
    dup = copy.deepcopy(DATA)
    dup["existing_patterns"][1]["name"] = "shared http client with retries"
    assert_rejects(Reusability, dup, "duplicate existing pattern")
    bad = copy.deepcopy(DATA)
    bad["existing_patterns"][0]["modifications"] = "Major"
    assert_rejects(Reusability, bad, "modifications")
    assert_rejects(Reusability, dict(DATA, new_components=[]), "new_components")
    assert_rejects(Reusability, dict(DATA, knowledge=[]), "knowledge")


def test_no_existing_patterns_or_refactorings_render_a_none_line() -> None:
    """Without a codebase there may be nothing known to reuse or refactor: each part
    says so in one line instead of inventing an entry or leaving the heading empty."""
    md = check_rendered(section, Reusability.model_validate(dict(DATA, existing_patterns=[], refactorings=[])))
    reuse = md.split("### Existing Patterns to Reuse", 1)[1].split("### New Reusable Components", 1)[0]
    assert "- None identified: no existing pattern is known to fit this feature." in reuse
    assert "**Pattern/Component**" not in md
    refactor = md.split("### Refactoring Opportunities", 1)[1]
    assert "- None identified: no existing code is known to need refactoring for this feature." in refactor
    assert "**Current issue**" not in md


def test_a_recommendation_that_lets_a_one_at_a_time_jobs_runs_overlap_is_not_the_specs():
    # Both thirteenth-pass Stripe recordings, as written, with the reconciler running one at a time.
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    spine = DesignSpine.model_validate({**SPINE, "components": [*SPINE["components"], {
        "id": "provider_reconciler", "label": "Reconciler", "kind": "scheduler", "responsibility": "reads back",
        "schedule": "every 1 h", "overlap": "one run at a time: a run takes the job's lock and exits when the previous run holds it"}]})
    data = copy.deepcopy(DATA)
    data["knowledge"] = [{"name": "Pattern", "kind": "Anti-pattern", "documentation_location": "docs/patterns/locks.md",
                          "description": "Using a single lock for multiple runs can lead to race conditions and deadlocks."}]
    data["refactorings"][0]["proposed_refactor"] = "Replace the single lock with a queue-based approach where each run gets its own lock."
    data["new_components"][0]["documentation"] = "Verifies signatures. It uses a queue-based approach where each run gets its own lock to"
    aligned = section.align(Reusability.model_validate(data), spine)
    assert [(k.name, k.kind, k.description) for k in aligned.knowledge] == [
        ("One run at a time", "Pattern", "provider_reconciler: one run at a time: a run takes the job's lock and exits when the previous run holds it")]
    assert aligned.refactorings == []
    assert aligned.new_components[0].documentation == "Verifies signatures."
    Reusability.model_validate(aligned.model_dump(mode="json"))
    # A design whose jobs may overlap has nothing to correct.
    assert section.align(Reusability.model_validate(data), DesignSpine.model_validate(SPINE)) == Reusability.model_validate(data)
