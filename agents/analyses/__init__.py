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

# The drafted sections the analyses read: the architecture, data, security and
# operations sections, not the code examples. Declaring them lets the analyses
# (and the fold-in sections after them) run while the examples are drafted,
# instead of after every section: two fewer levels on the critical path.
INPUTS: tuple[str, ...] = (
    "system_landscape", "external_services", "frontend_integration", "backend_integration", "auth_integration",
    "data_flow", "database_schema", "event_integration", "security_integration", "performance", "monitoring",
    "deployment", "testing_validation",
)


@lru_cache(maxsize=1)
def analysis_specs() -> tuple[SectionSpec, ...]:
    specs = []
    for analysis_id, (role, _file) in ANALYSES.items():
        module = importlib.import_module(f"agents.analyses.{analysis_id}")
        specs.append(SectionSpec(
            id=analysis_id, headings=(module.TITLE,), role=role, model=module.MODEL, render=module.render,
            stage="analysis", digest=module.digest, max_tokens=getattr(module, "MAX_TOKENS", 1600), depends_on=INPUTS,
        ))
    return tuple(specs)


def analysis_file(analysis_id: str) -> str:
    return ANALYSES[analysis_id][1]
