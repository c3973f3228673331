"""The section registry: data (sections.yaml) joined with each section's module
by id. Which role drafts which section and what it depends on lives in the YAML,
not in if-chains."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import yaml

from agentspec.packs.builtin import BuiltinPack, builtin_pack
from agentspec.section import SectionSpec
from agentspec.agents.spine import SLICES, SPINE_ID, USES

# The design spine is the product's, not a pack's: every pack that reads the spine drafts
# this one section first (agents/spine_section.py).
SPINE_MODULE = "agentspec.agents.spine_section"


# The sections of the run's pack. Unset: the default pack's own sections.
# A run drafted over a user's template (agentspec/packs/generic.py) sets it for the life of
# the run; asyncio tasks and LangGraph's executor threads copy it with the context.
_ACTIVE: ContextVar[tuple[SectionSpec, ...] | None] = ContextVar("agentspec_sections", default=None)


def registry() -> tuple[SectionSpec, ...]:
    active = _ACTIVE.get()
    return active if active is not None else builtin_registry()


@contextmanager
def using(specs: tuple[SectionSpec, ...] | None) -> Iterator[None]:
    """Run with these sections as the registry (None: the built-in ones)."""
    if specs is not None:
        _validate(specs)
    token = _ACTIVE.set(specs)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@lru_cache(maxsize=None)
def builtin_registry(pack_name: str | None = None) -> tuple[SectionSpec, ...]:
    """The sections of a shipped pack that has its own (the default pack unless named)."""
    pack = builtin_pack(pack_name) if pack_name else builtin_pack()
    specs = pack_registry(pack)
    _validate(specs)
    return specs


def pack_registry(pack: BuiltinPack) -> tuple[SectionSpec, ...]:
    entries = yaml.safe_load(pack.read("sections.yaml"))
    return tuple(_load(entry, pack.sections_package) for entry in entries)


def _load(entry: dict, package: str) -> SectionSpec:
    module = importlib.import_module(SPINE_MODULE if entry["id"] == SPINE_ID else f"{package}.{entry['id']}")
    stage = entry.get("stage", "draft")
    depends_on = tuple(entry.get("depends_on", []))
    if stage in ("draft", "foldin") and entry["id"] != SPINE_ID:
        # Sections elaborate the spine and never re-decide it: it comes first.
        depends_on = (SPINE_ID, *depends_on)
    return SectionSpec(
        id=entry["id"],
        headings=tuple(entry.get("headings", [])),
        role=entry["role"],
        model=getattr(module, "MODEL", None),
        render=module.render,
        depends_on=depends_on,
        stage=stage,
        digest=getattr(module, "digest", None),
        max_tokens=getattr(module, "MAX_TOKENS", 1400),
        cross_checks=getattr(module, "cross_checks", None),
        spine_checks=getattr(module, "spine_checks", None),
        align=getattr(module, "align", None),
        derive=getattr(module, "derive", None),
        spine_parts=tuple(entry["spine"]) if entry.get("spine") else None,
        applies_when=entry.get("applies_when"),
        shown_by=entry.get("shown_by"),
    )


def _validate(specs: tuple[SectionSpec, ...]) -> None:
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate section ids in sections.yaml")
    known = set(ids)
    for spec in specs:
        missing = set(spec.depends_on) - known
        if missing:
            raise ValueError(f"section {spec.id} depends on unknown sections {sorted(missing)}")
        if spec.spine_parts and set(spec.spine_parts) - set(SLICES):
            raise ValueError(f"section {spec.id}: unknown spine slices {sorted(set(spec.spine_parts) - set(SLICES))}")
        if spec.applies_when and spec.applies_when not in USES:
            raise ValueError(f"section {spec.id}: unknown applies_when {spec.applies_when!r}; known: {sorted(USES)}")
        if spec.shown_by and spec.shown_by not in known:
            raise ValueError(f"section {spec.id}: shown_by names unknown section {spec.shown_by!r}")
        if spec.needs_llm and spec.model is None:
            raise ValueError(f"section {spec.id} is drafted by an LLM but its module defines no MODEL")
    waves(specs)  # raises on cycles


def by_id() -> dict[str, SectionSpec]:
    return {s.id: s for s in registry()}


def waves(specs: Iterable[SectionSpec] | None = None, stage: str = "draft") -> list[list[str]]:
    """Dependency waves: each wave holds sections whose dependencies are all in
    earlier waves. Raises ValueError on a cycle."""
    pool = {s.id: s for s in (specs if specs is not None else registry()) if s.stage == stage}
    done: set[str] = set()
    result: list[list[str]] = []
    while len(done) < len(pool):
        ready = [sid for sid, s in pool.items() if sid not in done and all(d in done or d not in pool for d in s.depends_on)]
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(set(pool) - done)}")
        result.append(ready)
        done.update(ready)
    return result


def dependents(section_id: str, specs: Iterable[SectionSpec] | None = None) -> list[str]:
    """Every section that depends on `section_id`, directly or transitively, in registry order."""
    specs = tuple(specs if specs is not None else registry())
    stale: set[str] = set()
    frontier = {section_id}
    while frontier:
        nxt = {s.id for s in specs if set(s.depends_on) & frontier and s.id not in stale}
        stale |= nxt
        frontier = nxt
    return [s.id for s in specs if s.id in stale]
