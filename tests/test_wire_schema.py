"""Each field is documented once per call. In the JSON modes and for llama.cpp's
grammar the schema carries structure only and the prompt's field guide carries
the meaning; in tools mode the documented tool carries both and the prompt has no
guide. Sending descriptions in both would bill each draft twice for them."""

from __future__ import annotations

import json

from instructor.v2.providers.openai.schema import generate_openai_schema

from agentspec.gateway.grammar import grammar_schema
from agentspec.prompting import schema_guide
from agentspec.agents.analyses import analysis_specs
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.registry import registry

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


def test_tools_mode_prompts_have_no_field_guide_and_other_modes_keep_it():
    from agentspec.gateway.endpoint import field_guide_in_prompt
    from agentspec.agents.drafting import section_messages
    from agentspec.agents.registry import by_id
    from tests.fakes import DESCRIPTION

    from tests.test_prompts import BRIEF as brief

    spec = by_id()["monitoring"]
    for mode in ("tools", "json", "json_schema", "md_json", "json_object_schema"):
        user = section_messages(spec, description=DESCRIPTION, brief=brief, dependencies=[], feedback=[],
                                repo_given=False, field_guide=field_guide_in_prompt(mode))[1]["content"]
        assert ("## Output fields" in user) is (mode != "tools"), mode
        assert "## Your task" in user


def test_documented_tool_carries_what_the_field_guide_says():
    from agentspec.prompting import tool_parameters

    for model in MODELS:
        params = tool_parameters(model)
        assert "title" not in params
        text = json.dumps(params, ensure_ascii=False)
        for line in schema_guide(model).splitlines():
            if " — " in line:
                description = line.split(" — ", 1)[1]
                assert json.dumps(description, ensure_ascii=False)[1:-1] in text, f"{model.__name__}: {line}"
            if ": list of " in line:  # the guide's list bounds, e.g. "list of 2-6 Table"
                bounds = line.split(": list of ", 1)[1].split(" ", 1)[0]
                assert f"{bounds} items" in text, f"{model.__name__}: {line}"
