"""The packs that ship with agentspec, read as data.

A pack is one folder under agents/packs/ (installed as agentspec.agents.packs.<folder>):
- pack.yaml: its name, the spec's file name and title, the sections the analyses read, and
  the configuration of the checks that belong to it (length bounds, the sections P1
  scenarios are traced into);
- facts.yaml (optional): which sections are told which provider facts and repository facts;
- template.md: the markdown template its sections fill;
- for a pack drafted by its own sections: sections.yaml (the registry), sections/ (each
  section's model, renderer and rules), prompts/<role>/<id>.md.j2 and rubrics/ (the judge's
  criteria for its sections). A pack without sections.yaml is compiled from its template
  like any user's template (agentspec/packs/compile.py).

Adding a section to a pack touches only that pack's folder (and its tests). This module
reads the folders' files and imports none of their code, so the checks can read a pack's
configuration without depending on the agents layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

import yaml

PACKS_PACKAGE = "agentspec.agents.packs"
# The pack `agentspec draft` uses when no --template is given.
DEFAULT_PACK = "integration-requirements"


@dataclass(frozen=True)
class BuiltinPack:
    name: str
    package: str  # the folder as a package: agentspec.agents.packs.<folder>
    folder: Traversable
    description: str
    output: str  # the spec's file name
    title: str | None  # "Integration Requirements: {feature}"; None: the template's own H1
    length_bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    trace_p1_into: tuple[str, ...] = ()  # H2 sections every P1 scenario must appear in
    analyses_read: tuple[str, ...] = ()  # the sections the three analyses read (else every drafted one)
    # facts.yaml: which sections are told a provider fact of each topic (and where an unmapped
    # topic goes), and which repository facts each section gets.
    provider_fact_readers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provider_fact_default: tuple[str, ...] = ()
    repository_fact_readers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_sections(self) -> bool:
        """Drafted by its own section modules (else compiled from its template)."""
        return self.folder.joinpath("sections.yaml").is_file()

    @property
    def sections_package(self) -> str:
        return f"{self.package}.sections"

    def read(self, name: str) -> str:
        return self.folder.joinpath(name).read_text(encoding="utf-8")

    def template_markdown(self) -> str:
        return self.read("template.md")

    def rubric_files(self) -> list[Traversable]:
        rubrics = self.folder.joinpath("rubrics")
        return sorted((f for f in rubrics.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name) \
            if rubrics.is_dir() else []


def _load(folder: Traversable) -> BuiltinPack:
    data = yaml.safe_load(folder.joinpath("pack.yaml").read_text(encoding="utf-8")) or {}
    checks = data.get("checks") or {}
    facts_file = folder.joinpath("facts.yaml")
    facts = (yaml.safe_load(facts_file.read_text(encoding="utf-8")) or {}) if facts_file.is_file() else {}
    return BuiltinPack(
        name=data["name"],
        package=f"{PACKS_PACKAGE}.{folder.name}",
        folder=folder,
        description=data.get("description", ""),
        output=data.get("output") or f"{data['name']}.md",
        title=data.get("title"),
        length_bounds={h: (int(lo), int(hi)) for h, (lo, hi) in (checks.get("length_bounds") or {}).items()},
        trace_p1_into=tuple(checks.get("trace_p1_into") or ()),
        analyses_read=tuple(data.get("analyses_read") or ()),
        provider_fact_readers={k: tuple(v) for k, v in (facts.get("provider_facts") or {}).items()},
        provider_fact_default=tuple(facts.get("provider_facts_default") or ()),
        repository_fact_readers={k: tuple(v) for k, v in (facts.get("repository_facts") or {}).items()},
    )


@lru_cache(maxsize=1)
def builtin_packs() -> dict[str, BuiltinPack]:
    """Every shipped pack by name, the default first."""
    root = resources.files(PACKS_PACKAGE)
    packs = [_load(f) for f in sorted(root.iterdir(), key=lambda f: f.name) if f.joinpath("pack.yaml").is_file()]
    packs.sort(key=lambda p: p.name != DEFAULT_PACK)
    return {p.name: p for p in packs}


def builtin_pack(name: str = DEFAULT_PACK) -> BuiltinPack:
    return builtin_packs()[name]
