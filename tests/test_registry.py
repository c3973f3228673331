"""The registry covers the template: every H2/H3 heading, once, in template order,
each owned by a section with a model, a role, a prompt and a renderer."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from agentspec.prompting import prompt_exists
from agentspec.agents.analyses import analysis_specs
from agentspec.agents.registry import dependents, registry, waves
from agentspec.agents.roles import roles


def template_headings() -> list[str]:
    text = resources.files("agentspec.agents.packs.integration_requirements").joinpath("template.md").read_text(encoding="utf-8")
    headings, in_code = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"^#{2,3} ", line):
            headings.append(line.strip())
    return headings


def test_every_template_h2_h3_is_owned_once_in_order():
    owned = [h for spec in registry() for h in spec.headings if re.match(r"^#{2,3} ", h)]
    assert owned == template_headings()


def test_template_copy_matches_shared_reference():
    shared = resources.files("agentspec.agents.packs.integration_requirements").joinpath("template.md")
    from pathlib import Path

    reference = Path(__file__).resolve().parents[2] / "shared/reference/integration-requirements-template.md"
    if not reference.exists():
        pytest.skip("no ../shared checkout beside the repo")
    assert shared.read_text(encoding="utf-8") == reference.read_text(encoding="utf-8")


def test_both_named_roles_own_sections_and_every_role_is_defined():
    owners = {spec.role for spec in registry()}
    assert {"integration-specialist", "implementation-specialist"} <= owners
    assert owners | {s.role for s in analysis_specs()} <= set(roles())


@pytest.mark.parametrize("spec", [s for s in registry() if s.needs_llm], ids=lambda s: s.id)
def test_llm_sections_have_prompt_and_model(spec):
    assert prompt_exists(spec.prompt), spec.prompt
    assert spec.model is not None


def test_waves_respect_dependencies():
    seen: set[str] = set()
    by = {s.id: s for s in registry()}
    for wave in waves():
        for sid in wave:
            assert all(d in seen or by[d].stage != "draft" for d in by[sid].depends_on)
        seen.update(wave)
    assert len(waves()) >= 2


def test_dependents_are_transitive():
    stale = dependents("database_schema")
    assert "backend_integration" in stale and "api_specifications" in stale  # api_specifications via backend
    assert "database_schema" not in stale
