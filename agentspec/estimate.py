"""`agentspec draft --estimate`: expected calls, tokens and cost before spending anything.

Prompts are rendered for real (same templates, same field guides) from a
provisional brief built from the description; dependency digests and outputs
are estimated from each section's output cap."""

from __future__ import annotations

from typing import Any

from agentspec.gateway.pricing import cost_usd, price_for, set_given_prices
from agentspec.gateway.client import documented_tool
from agentspec.gateway.endpoint import field_guide_in_prompt, structured_mode
from agentspec.gateway.tokens import count_message_tokens, count_tool_tokens
from agentspec.settings import Settings
from agentspec.agents.analyses import analysis_specs
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.drafting import section_messages
from agentspec.agents.registry import registry

OUTPUT_SHARE = 0.45  # typical output / output cap, measured on recorded drafts
DIGEST_TOKENS = 250  # typical dependency digest
REPAIR_OVERHEAD = 1.10  # re-asks and repairs


def _provisional_brief(description: str) -> FeatureBrief:
    words = description.split()
    return FeatureBrief.model_construct(
        name=" ".join(words[:6]), summary=description, complexity="High", domains=["API Design", "Data Sync"],
        stack=["TypeScript", "Node.js", "PostgreSQL"], code_language="typescript", actors=["User"],
        external_systems=[], assumptions=["-"], out_of_scope=["-"],
    )


def unpriced_models(settings: Settings) -> list[str]:
    """The models this run would call that have no price (built-in or given)."""
    from agentspec.agents.roles import role

    set_given_prices(settings.price_input_per_mtok, settings.price_output_per_mtok)
    provider = settings.resolved_provider()
    specs = [*[s for s in registry() if s.needs_llm], *analysis_specs()]
    models = {settings.model_for("product-analyst", role("product-analyst").model)}  # intake
    models |= {settings.model_for(s.role, role(s.role).model) for s in specs}
    return sorted(m for m in models if price_for(m, provider) is None)


def estimate_run(settings: Settings, description: str) -> dict[str, Any]:
    set_given_prices(settings.price_input_per_mtok, settings.price_output_per_mtok)
    brief = _provisional_brief(description)
    provider = settings.resolved_provider()
    mode = structured_mode(settings, provider)
    field_guide = field_guide_in_prompt(mode)
    rows = []
    for spec in [*[s for s in registry() if s.needs_llm], *analysis_specs()]:
        deps = [{"id": d, "digest": "x"} for d in spec.depends_on]
        messages = section_messages(spec, description=description, brief=brief, dependencies=deps, feedback=[],
                                    repo_given=False, field_guide=field_guide)
        model = settings.model_for(spec.role)
        n_deps = len(spec.depends_on) + (3 if spec.stage == "foldin" else 0)  # fold-ins also read the 3 analyses
        input_tokens = count_message_tokens(messages, model) + n_deps * DIGEST_TOKENS
        if mode == "tools":  # the function's schema is part of the prompt there
            input_tokens += count_tool_tokens([documented_tool(spec.model)], model)
        output_tokens = int(spec.max_tokens * OUTPUT_SHARE)
        rows.append({"section": spec.id, "model": model, "input_tokens": input_tokens, "output_tokens": output_tokens})
    intake_in, intake_out = 450, 350
    total_in = int((sum(r["input_tokens"] for r in rows) + intake_in) * REPAIR_OVERHEAD)
    total_out = int((sum(r["output_tokens"] for r in rows) + intake_out) * REPAIR_OVERHEAD)
    model = settings.model_for("integration-specialist")
    priced = price_for(model, provider) is not None
    return {
        "provider": provider,
        "model": model,
        "calls": len(rows) + 1,
        "input_tokens": total_in,
        "output_tokens": total_out,
        "cost_usd": cost_usd(model, provider, total_in, total_out) if priced else None,
        "note": "estimate; repairs and re-asks included at +10%" + ("" if priced else f"; no price known for {model}"),
        "sections": rows,
    }
