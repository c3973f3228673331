from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import ai_development_notes as section
from agentspec.agents.packs.integration_requirements.sections.ai_development_notes import AiDevelopmentNotes, agent_collaboration

from ._general_helpers import assert_rejects, check_rendered, context, yaml_specs

DATA = {
    "similar_patterns": [
        "Transactional outbox for outbound subscription events",
        "Idempotent webhook consumer keyed by Stripe event id",
    ],
    "common_pitfalls": [
        "Stripe retries webhooks for 3 days, so the same event arrives more than once",
        "Events arrive out of order: customer.subscription.updated can precede checkout.session.completed",
        "Verifying the signature against a re-serialised body instead of the raw bytes fails every time",
    ],
    "recommended_approach": [
        "Verify the Stripe-Signature header, store the event, answer 200 within 2s, process from a queue",
    ],
    "code_patterns": ["Adapter around the Stripe SDK behind a BillingProvider interface", "Dependency injection for the Stripe client"],
    "testing_strategy": ["Replay recorded Stripe fixtures with stripe-cli trigger", "Contract tests on webhook payload shapes"],
    "must_not": ["Must not store card numbers or Stripe secret keys in the database or logs"],
    "should_avoid": ["Avoid calling Stripe synchronously from page loads; read the local subscriptions table"],
    "performance_requirements": ["Webhook acknowledged within 2s", "Stripe API calls time out at 10s"],
}


def test_renders_template_shape_with_brief_and_registry() -> None:
    data = AiDevelopmentNotes.model_validate(DATA)
    ctx = context(registry=yaml_specs())
    md = check_rendered(section, data, ctx)
    assert "- **Complexity Level**: High" in md
    assert "- **Domain Knowledge Required**: Payment Processing, Webhook Systems, Event-Driven Architecture" in md
    assert "Information to help AI agents understand this integration:" in md
    assert "Transactional outbox for outbound subscription events; Idempotent webhook consumer" in md
    # Agent Collaboration comes from the registry, not the model
    collab = md.split("### Agent Collaboration", 1)[1]
    assert "implementation-specialist for" in collab and "example API client" in collab
    assert "security-specialist for auth integration, security integration" in collab
    assert "- **Estimated Token Usage**: High - " in collab and "LLM-drafted sections" in collab
    assert "- **Parallel Execution**: Yes - " in collab and "dependency waves" in collab
    assert "more after the deep analyses" in collab


def test_agent_collaboration_counts_from_registry() -> None:
    from agentspec.agents.registry import waves

    specs = yaml_specs()
    drafted = [s for s in specs if s.needs_llm]
    text = agent_collaboration(specs, "High")
    n_waves = len(waves(specs))
    assert f"{len([s for s in drafted if s.stage == 'draft'])} sections drafted in {n_waves} dependency waves" in text
    assert f"{len(drafted)} LLM-drafted sections" in text
    # static sections are nobody's drafting work
    assert "footer" not in text and "additional resources" not in text


def test_agent_collaboration_small_and_sequential_registries() -> None:
    specs = yaml_specs()
    chain = tuple(s for s in specs if s.id in ("backend_integration", "api_specifications"))
    text = agent_collaboration(chain, "Low")
    assert "Estimated Token Usage**: Low - 2 LLM-drafted sections" in text
    assert "Parallel Execution**: No - the 2 sections depend on each other" in text
    assert "Parallel Execution**: No" in agent_collaboration((), "Low")


def test_performance_requirements_need_numbers() -> None:
    bad = dict(DATA, performance_requirements=["Webhooks are acknowledged quickly"])
    assert_rejects(AiDevelopmentNotes, bad, "need numbers", "acknowledged quickly")
    # Beside a real bound, an item with no number is not a performance requirement: dropped.
    mixed = dict(DATA, performance_requirements=["Webhook acknowledged within 2s", "Dead letter table for failed requests"])
    assert AiDevelopmentNotes.model_validate(mixed).performance_requirements == ["Webhook acknowledged within 2s"]


def test_rejects_placeholders_and_empty_lists() -> None:
    assert_rejects(AiDevelopmentNotes, dict(DATA, must_not=["Must not call [EXTERNAL_SERVICE] directly"]), "placeholder")
    assert_rejects(AiDevelopmentNotes, dict(DATA, common_pitfalls=[]), "common_pitfalls")
    assert AiDevelopmentNotes.model_validate(dict(DATA, common_pitfalls=["only one"])).common_pitfalls == ["only one"]


def test_digest_is_compact() -> None:
    text = section.digest(AiDevelopmentNotes.model_validate(DATA))
    assert "patterns:" in text and "Webhook acknowledged within 2s" in text and len(text) < 1200
