from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import additional_resources as section
from agentspec.agents.packs.integration_requirements.sections.ai_development_notes import AiDevelopmentNotes
from agentspec.agents.packs.integration_requirements.sections.example_api_client import ApiClientExample
from agentspec.agents.packs.integration_requirements.sections.example_integration_test import IntegrationTestExample
from agentspec.agents.packs.integration_requirements.sections.reusability import Reusability

from . import test_ai_development_notes, test_example_api_client, test_example_integration_test, test_reusability
from ._general_helpers import assert_headings, assert_no_placeholders, context, yaml_specs


def _sections() -> dict:
    return {
        "ai_development_notes": AiDevelopmentNotes.model_validate(test_ai_development_notes.DATA),
        "reusability": Reusability.model_validate(test_reusability.DATA),
        "example_api_client": ApiClientExample.model_validate(test_example_api_client.DATA),
        "example_integration_test": IntegrationTestExample.model_validate(test_example_integration_test.DATA),
    }


def test_renders_from_drafted_sections() -> None:
    md = section.render(None, context(sections=_sections(), registry=yaml_specs()))
    assert_headings(md, "additional_resources")
    assert_no_placeholders(md)
    docs = md.split("**Integration Patterns Documentation**:", 1)[1].split("**Related Integration Examples**:", 1)[0]
    lines = [line for line in docs.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    assert lines[0] == "- Idempotent webhook consumption: add `docs/patterns/idempotent-webhooks.md` with a detailed explanation (new doc proposed by this spec)"
    assert lines[1].startswith("- Transactional outbox for outbound subscription events: add `docs/patterns/transactional-outbox-for-outbound.md` with usage guidelines")
    related = md.split("**Related Integration Examples**:", 1)[1]
    assert "- Example 1: API Client Integration: `src/integrations/stripe/client.ts` (proposed)" in related
    assert "- Integration Testing Example: `tests/integration/stripe/checkout.test.ts` (proposed)" in related
    assert "`examples/stripe-subscription-billing/`" in related
    assert "next to the tests in `tests/integration/stripe/`" in related


def test_renders_from_the_brief_alone() -> None:
    md = section.render(None, context())
    assert_headings(md, "additional_resources")
    assert_no_placeholders(md)
    assert "- Payment Processing: add `docs/patterns/payment-processing.md` with a detailed explanation" in md
    assert "`tests/integration/`" in md
    assert section.MODEL is None
