"""cache_integration: the cacheIntegration object, invalidation of declared keys
only, and at least one caching pattern in use."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import cache_integration as section
from agentspec.agents.packs.integration_requirements.sections import database_schema

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.cache_payload()))
    h.assert_section_shape("cache_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert code.startswith("// Cache integration configuration\nconst cacheIntegration = {")
    for text in ["layers: {", "application: {", "ttl: 300,", "eviction: 'volatile-lru'", "database: {",
                 "'on invoice.paid event: delete billing:invoice:{invoice_id}, billing:customer:{customer_id}:invoices'",
                 "cacheAside: 'getInvoice reads Redis first", "writeThrough: 'not used: invoice writes are rare",
                 "writeBack: 'not used: payment state"]:
        assert text in code


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.cache_payload()))
    assert "TTL 300s" in text and "patterns: cache-aside" in text and "billing:invoice:{invoice_id}" in text
    prompt = h.prompt_text("cache_integration")
    assert "### database_schema" in prompt and "cached_tables" in prompt


def test_cross_check_against_schema():
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    data = MODEL.model_validate(h.cache_payload())
    assert section.cross_checks(data, {"database_schema": schema}) == []
    payload = h.cache_payload()
    payload["keys"].append("billing:invoice:{invoice_ref}")
    payload["cached_tables"].append("payments")
    problems = section.cross_checks(MODEL.model_validate(payload), {"database_schema": schema})
    assert any("'payments'" in p for p in problems) and any("{invoice_ref}" in p for p in problems)


def test_rejects_invalidating_undeclared_key():
    payload = h.cache_payload()
    payload["invalidation"][1]["keys"] = ["billing:invoices:{invoice_id}"]
    h.rejects(MODEL, payload, "which are not in keys")


def test_rejects_no_pattern_used_and_unsafe_write_back():
    payload = h.cache_payload()
    payload["cache_aside"]["used"] = False
    h.rejects(MODEL, payload, "no caching pattern is used")
    payload = h.cache_payload()
    payload["write_back"]["used"] = True
    payload["eviction"] = "allkeys-lru"
    h.rejects(MODEL, payload, "could evict them")


def test_rejects_bad_key_pattern_and_ttl():
    payload = h.cache_payload()
    payload["keys"][0] = "Invoice {id}"
    h.rejects(MODEL, payload, "keys.0")
    payload = h.cache_payload()
    payload["ttl_seconds"] = 0
    h.rejects(MODEL, payload, "ttl_seconds")
    payload = h.cache_payload()
    payload["keys"].append(payload["keys"][0])  # the same pattern twice is one pattern
    assert MODEL.model_validate(payload).keys == h.cache_payload()["keys"]


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []
