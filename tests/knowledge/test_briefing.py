"""Each prompt is told only what its section owns: the concerns of the design's
archetypes and the facts of the providers the description names."""

from __future__ import annotations

from agentspec.agents.drafting import section_messages
from agentspec.agents.knowledge.briefing import (briefing, declared_archetypes, named_providers, provider_facts,
                                       suggested_archetypes)
from agentspec.agents.registry import by_id, registry
from agentspec.agents.spine import DesignSpine

from tests.spine.conftest import SPINE

STRIPE = "Sync Stripe invoices into our Postgres billing DB via webhooks, with an admin sync-status page"


def test_providers_are_named_by_whole_words_only() -> None:
    assert [p.id for p in named_providers("Forward Shopify orders and notify via Slack")] == ["shopify", "slack"]
    assert named_providers("a stripey banner, a slacker job, the s3cret key") == []
    assert [p.id for p in named_providers("archive exports to AWS S3")] == ["aws_s3"]


def test_cues_suggest_archetypes_and_only_structureless_ones_are_declared() -> None:
    assert [(a.id, cue) for a, cue in suggested_archetypes(STRIPE)] == [("inbound_webhooks", "webhooks")]
    assert declared_archetypes(STRIPE) == []  # the spine's structure decides a webhook archetype
    gdpr = "GDPR right-to-erasure: delete or anonymise a user's data across Postgres and S3"
    assert declared_archetypes(gdpr) == ["data_deletion_compliance"]  # no structure shows it: declared


def test_facts_go_only_to_the_sections_that_read_their_topic() -> None:
    security = provider_facts("security_integration", STRIPE)
    assert security and all(f.startswith("Stripe: ") for f in security)
    assert any("Stripe-Signature" in f and "raw request body" in f for f in security)
    assert not any("minor unit" in f for f in security)
    assert any("minor unit" in f for f in provider_facts("database_schema", STRIPE))
    assert provider_facts("compatibility", STRIPE) == []
    assert provider_facts("security_integration", "Nightly CSV import from a partner's SFTP server") == []


def test_the_spine_gets_implied_elements_and_the_sections_their_own_concerns() -> None:
    spine = DesignSpine.model_validate(SPINE)
    first = briefing("design_spine", STRIPE, None)
    assert first["concerns"] == [] and len(first["implies"]) == 1
    assert first["implies"][0].startswith('Inbound webhooks (the description says "webhooks"): endpoint webhook_receiver')
    schema = briefing("database_schema", STRIPE, spine)
    assert any(c.startswith("P1 Store every delivery once, keyed by the provider's event id") for c in schema["concerns"])
    assert briefing("compatibility", STRIPE, spine) == {"concerns": [], "implies": [], "facts": []}


def test_the_prompt_carries_the_block_and_its_cost_stays_bounded() -> None:
    """The whole knowledge block across every section of the README example costs
    about 1.5k tokens (chars / 4), a few percent of a draft's input."""
    spine = DesignSpine.model_validate(SPINE)
    total = 0
    for spec in registry():
        if spec.model is None:
            continue
        block = briefing(spec.id, STRIPE, None if spec.id == "design_spine" else spine)
        total += sum(len(line) for lines in block.values() for line in lines)
    assert 2_000 < total < 8_000, total
    spec = by_id()["security_integration"]
    from agentspec.agents.brief import FeatureBrief
    from tests.spine.test_applicability_and_readiness import BRIEF
    messages = section_messages(spec, description=STRIPE, brief=FeatureBrief.model_validate(BRIEF), dependencies=[],
                                feedback=[], repo_given=False, knowledge=briefing(spec.id, STRIPE, spine))
    user = messages[-1]["content"]
    assert "## Supplied knowledge" in user and "- Fact, Stripe: Stripe signs each webhook delivery" in user
    assert "- Must cover, P1 Verify each delivery's signature" in user
    bare = section_messages(spec, description=STRIPE, brief=FeatureBrief.model_validate(BRIEF), dependencies=[],
                            feedback=[], repo_given=False)
    assert "Supplied knowledge" not in bare[-1]["content"]


def test_the_spec_states_each_named_providers_facts_with_its_source() -> None:
    from agentspec.agents.packs.integration_requirements.sections.external_services import provider_facts_block

    block = provider_facts_block(STRIPE)
    assert block.startswith("**Provider facts**")
    assert ("- Stripe: Stripe doesn't guarantee delivery of events in the order they are generated; an update can arrive "
            "before the create it follows. ([source](https://stripe.com/docs/webhooks/best-practices#event-ordering))") in block
    from agentspec.agents.knowledge import providers

    stripe = next(p for p in providers() if p.id == "stripe")
    assert block.count("\n- Stripe: ") == len(stripe.facts)  # every fact, each once
    assert provider_facts_block("Nightly CSV import from a partner's SFTP server") is None


def test_the_landscape_names_the_archetypes_and_why() -> None:
    from agentspec.agents.packs.integration_requirements.sections.system_landscape import _archetypes

    spine = DesignSpine.model_validate(SPINE)
    assert _archetypes(spine, STRIPE) == ["Inbound webhooks: from the design's structure"]
    gdpr = "GDPR right-to-erasure: delete or anonymise a user's data"
    assert _archetypes(spine, gdpr) == ["Inbound webhooks: from the design's structure",
                                        'Data deletion and compliance: the description says "gdpr"']


def test_every_reader_of_a_fact_is_a_section_of_the_pack_the_spine_or_an_analysis():
    # facts.yaml lives in the pack's folder: a reader that names no section would silently
    # keep a fact out of every prompt.
    from agentspec.agents.analyses import ANALYSES
    from agentspec.agents.registry import builtin_registry
    from agentspec.packs.builtin import builtin_pack

    pack = builtin_pack()
    known = {s.id for s in builtin_registry()} | set(ANALYSES)
    readers = {r for rs in pack.provider_fact_readers.values() for r in rs} | set(pack.provider_fact_default) \
        | set(pack.repository_fact_readers)
    assert readers and readers <= known, sorted(readers - known)
    from agentspec.agents.knowledge import providers

    topics = {fact.topic for note in providers() for fact in note.facts}
    assert set(pack.provider_fact_readers) <= topics, sorted(set(pack.provider_fact_readers) - topics)
