"""The schema sent with every call carries structure only; the field guide in
the prompt carries the meaning. Sending descriptions in both would bill each
draft twice for them."""

from __future__ import annotations

import json

from instructor.v2.providers.openai.schema import generate_openai_schema

from agentspec.gateway.grammar import grammar_schema
from agentspec.prompting import schema_guide
from agents.analyses import analysis_specs
from agents.brief import FeatureBrief
from agents.registry import registry

MODELS = [s.model for s in registry() if s.needs_llm] + [s.model for s in analysis_specs()] + [FeatureBrief]


def _keys(node, found=None):
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(value, dict):
                found.add(key)
            _keys(value, found)
    elif isinstance(node, list):
        for item in node:
            _keys(item, found)
    return found


def test_wire_schema_has_no_descriptions_and_the_guide_has_them():
    for model in MODELS:
        wire = model.model_json_schema()
        assert "description" not in _keys(wire), model.__name__
        assert wire["title"] == model.__name__  # the tool's name
        assert "description" in _keys(model.documented_schema()), model.__name__
        assert " — " in schema_guide(model)  # the guide still explains the fields


def test_tool_schema_is_smaller_and_the_local_grammar_is_unchanged():
    lean = sum(len(json.dumps(generate_openai_schema(m))) for m in MODELS)
    documented = sum(len(json.dumps(m.documented_schema())) for m in MODELS)
    assert lean < 0.75 * documented
    for model in MODELS:
        assert grammar_schema(model.model_json_schema()) == grammar_schema(model.documented_schema())


def test_properties_named_title_or_description_survive():
    from pydantic import Field

    from agentspec.section import SectionModel

    class Finding(SectionModel):
        title: str = Field(description="short")
        description: str

    assert set(Finding.model_json_schema()["properties"]) == {"title", "description"}
