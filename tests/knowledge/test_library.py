"""The knowledge YAML loads, cross-validates, and rejects bad entries with a clear message."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml

from agentspec.agents.knowledge import KnowledgeError, archetypes, parse_archetypes, parse_providers, providers
from agentspec.agents.knowledge.coverage import COVERED_WHEN, PENDING_FIELDS
from agentspec.agents.registry import by_id

EXPECTED = {"inbound_webhooks", "outbound_api_sync", "batch_file_transfer", "stream_ingestion", "identity_provisioning",
            "messaging_notifications", "multichannel_publishing", "reconciliation_matching", "realtime_collaboration",
            "search_index_sync", "data_deletion_compliance", "scheduled_jobs"}


def _raw(name: str):
    return yaml.safe_load(resources.files("agentspec.agents.knowledge").joinpath(name).read_text(encoding="utf-8"))


def test_the_library_loads_and_cross_validates():
    library = archetypes()
    assert {a.id for a in library} == EXPECTED
    sections = by_id()
    for archetype in library:
        assert 4 <= len(archetype.concerns) <= 8
        for concern in archetype.concerns:
            assert concern.owner in sections and concern.covered_when in COVERED_WHEN
    assert {p.id for p in providers()} >= {"stripe", "github_webhooks", "twilio", "shopify", "slack", "aws_s3"}


def test_every_provider_fact_cites_an_https_page():
    for note in providers():
        for fact in note.facts:
            assert fact.source_url.startswith("https://"), (note.id, fact.topic)


def test_archetypes_name_no_provider():
    text = resources.files("agentspec.agents.knowledge").joinpath("archetypes.yaml").read_text(encoding="utf-8").lower()
    for note in providers():
        for name in [note.name, *note.aliases]:
            assert f" {name.lower()} " not in text, name


def test_every_predicate_is_used_and_pending_ones_are_registered():
    used = {c.covered_when for a in archetypes() for c in a.concerns}
    assert used == set(COVERED_WHEN)
    assert set(PENDING_FIELDS) <= set(COVERED_WHEN)


def _one_archetype(**concern_changes):
    data = copy.deepcopy(_raw("archetypes.yaml")[:1])
    data[0]["concerns"][0].update(concern_changes)
    return data


def test_unknown_owner_is_rejected():
    with pytest.raises(KnowledgeError, match=r"concern signature_verification: owner 'billing' is not a section"):
        parse_archetypes(_one_archetype(owner="billing"))


def test_unknown_predicate_is_rejected():
    with pytest.raises(KnowledgeError, match=r"covered_when 'looks_fine' is not a predicate"):
        parse_archetypes(_one_archetype(covered_when="looks_fine"))


def test_duplicate_concern_ids_are_rejected():
    data = copy.deepcopy(_raw("archetypes.yaml")[:1])
    data[0]["concerns"][1]["id"] = data[0]["concerns"][0]["id"]
    with pytest.raises(KnowledgeError, match="duplicate archetype inbound_webhooks: concern id 'signature_verification'"):
        parse_archetypes(data)


def test_unknown_key_and_unknown_trigger_value_are_rejected():
    data = _one_archetype(severity="high")
    with pytest.raises(KnowledgeError, match=r"entry inbound_webhooks: concerns\.0\.severity"):
        parse_archetypes(data)
    data = copy.deepcopy(_raw("archetypes.yaml")[:1])
    data[0]["triggers"][0]["any_of"] = ["carrier_pigeon"]
    with pytest.raises(KnowledgeError, match="unknown value"):
        parse_archetypes(data)


def test_a_fact_without_a_source_is_rejected():
    data = copy.deepcopy(_raw("providers.yaml")[:1])
    del data[0]["facts"][0]["source_url"]
    with pytest.raises(KnowledgeError, match=r"entry stripe: facts\.0\.source_url: Field required"):
        parse_providers(data, EXPECTED)
    data[0]["facts"][0]["source_url"] = "http://example.com/not-https"
    with pytest.raises(KnowledgeError, match=r"facts\.0\.source_url"):
        parse_providers(data, EXPECTED)


def test_a_provider_with_an_unknown_archetype_is_rejected():
    data = copy.deepcopy(_raw("providers.yaml")[:1])
    data[0]["archetypes"] = ["payments_magic"]
    with pytest.raises(KnowledgeError, match=r"provider stripe: unknown archetype\(s\) \['payments_magic'\]"):
        parse_providers(data, EXPECTED)
