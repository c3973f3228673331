"""The three ultra-thinking passes (../shared/reference/ultra-thinking/protocol.md).
Each module defines MODEL, render() (the analysis file) and digest() (what fold-in sees)."""

from __future__ import annotations

import importlib
from functools import lru_cache

from agentspec.section import SectionSpec

# id -> (role, output file). Prompts live at prompts/<role>/<id>.md.j2.
ANALYSES: dict[str, tuple[str, str]] = {
    "stakeholder": ("stakeholder-analyst", "analysis-stakeholder.md"),
    "scenarios": ("scenario-analyst", "analysis-scenarios.md"),
    "multi_angle": ("review-analyst", "analysis-multi-angle.md"),
}


@lru_cache(maxsize=1)
def analysis_specs() -> tuple[SectionSpec, ...]:
    specs = []
    for analysis_id, (role, _file) in ANALYSES.items():
        module = importlib.import_module(f"agents.analyses.{analysis_id}")
        specs.append(SectionSpec(
            id=analysis_id, headings=(module.TITLE,), role=role, model=module.MODEL, render=module.render,
            stage="analysis", digest=module.digest, max_tokens=getattr(module, "MAX_TOKENS", 1600),
        ))
    return tuple(specs)


def analysis_file(analysis_id: str) -> str:
    return ANALYSES[analysis_id][1]
