"""The three ultra-thinking passes (../shared/reference/ultra-thinking/protocol.md).
Each module defines MODEL, render() (the analysis file) and digest() (what fold-in sees)."""

from __future__ import annotations

import importlib
from functools import lru_cache

from agentspec.packs.builtin import builtin_pack
from agentspec.section import SectionSpec

# id -> (role, output file). Prompts live at prompts/<role>/<id>.md.j2.
ANALYSES: dict[str, tuple[str, str]] = {
    "stakeholder": ("stakeholder-analyst", "analysis-stakeholder.md"),
    "scenarios": ("scenario-analyst", "analysis-scenarios.md"),
    "multi_angle": ("review-analyst", "analysis-multi-angle.md"),
}


def analysis_specs() -> tuple[SectionSpec, ...]:
    """The three analyses, reading the run's primary sections: those the default pack's
    pack.yaml names (`analyses_read`) for its own sections, every drafted section of a pack
    compiled from a template."""
    from agentspec.agents.registry import registry
    from agentspec.agents.spine import SPINE_ID

    drafted = [s.id for s in registry() if s.stage == "draft" and s.id != SPINE_ID]
    inputs = tuple(i for i in builtin_pack().analyses_read if i in drafted) or tuple(drafted)
    return _specs(inputs)


@lru_cache(maxsize=4)
def _specs(inputs: tuple[str, ...]) -> tuple[SectionSpec, ...]:
    specs = []
    for analysis_id, (role, _file) in ANALYSES.items():
        module = importlib.import_module(f"agentspec.agents.analyses.{analysis_id}")
        specs.append(SectionSpec(
            id=analysis_id, headings=(module.TITLE,), role=role, model=module.MODEL, render=module.render,
            stage="analysis", digest=module.digest, max_tokens=getattr(module, "MAX_TOKENS", 1600), depends_on=inputs,
        ))
    return tuple(specs)


def analysis_file(analysis_id: str) -> str:
    return ANALYSES[analysis_id][1]
