"""The knowledge library: integration archetypes and provider notes, as data.

    from agentspec.agents.knowledge import archetypes, providers
    from agentspec.agents.knowledge.coverage import archetypes_for, coverage

The YAML is validated by the pydantic models in schema.py and then checked
against the rest of the product, so a library that names a section, predicate
or archetype that does not exist fails on load with a message saying which."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from agentspec.agents.knowledge.schema import Archetype, ProviderNote


class KnowledgeError(ValueError):
    """The knowledge YAML is malformed or names something that does not exist."""


def _read(name: str) -> Any:
    return yaml.safe_load(resources.files("agentspec.agents.knowledge").joinpath(name).read_text(encoding="utf-8"))


def says(text: str, phrase: str) -> bool:
    """The phrase is a whole word (or words) of the text, case-insensitive: "Stripe" in
    "Sync Stripe invoices" but not in "Stripey". " ... " in a phrase stands for up to four words
    ("publish ... to" is said by "Publish each blog post to Mastodon")."""
    gap = r"(?:\W+[a-z0-9'-]+){0,4}?\W+"
    pattern = gap.join(re.escape(part) for part in phrase.lower().split(" ... "))
    return re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text.lower()) is not None


def providers_named_in(texts: Iterable[str]) -> list[ProviderNote]:
    """Provider notes whose name or an alias is a whole word of one of the texts."""
    texts = list(texts)
    return [note for note in providers() if any(says(t, n) for n in (note.name, *note.aliases) for t in texts)]


@lru_cache(maxsize=1)
def archetypes() -> tuple[Archetype, ...]:
    return parse_archetypes(_read("archetypes.yaml"))


@lru_cache(maxsize=1)
def providers() -> tuple[ProviderNote, ...]:
    return parse_providers(_read("providers.yaml"), {a.id for a in archetypes()})


def parse_archetypes(data: Any, section_ids: Iterable[str] | None = None) -> tuple[Archetype, ...]:
    """Validate archetype entries and cross-check them: owners are registered sections,
    predicates are registered, archetype ids and concern ids (per archetype) are unique."""
    from agentspec.agents.knowledge.coverage import COVERED_WHEN

    if section_ids is None:
        from agentspec.agents.registry import builtin_registry

        # the library is written for the built-in sections, whatever template a run uses
        section_ids = [s.id for s in builtin_registry()]
    sections = set(section_ids)
    items = _models(Archetype, data, "archetypes.yaml")
    problems = _duplicates([a.id for a in items], "archetype id")
    for archetype in items:
        problems += _duplicates([c.id for c in archetype.concerns], f"archetype {archetype.id}: concern id")
        for concern in archetype.concerns:
            where = f"archetype {archetype.id}, concern {concern.id}"
            if concern.owner not in sections:
                problems.append(f"{where}: owner {concern.owner!r} is not a section in agents/packs/integration_requirements/sections.yaml")
            if concern.covered_when not in COVERED_WHEN:
                problems.append(f"{where}: covered_when {concern.covered_when!r} is not a predicate in "
                                f"agents/knowledge/coverage.py; known: {sorted(COVERED_WHEN)}")
    _raise(problems, "archetypes.yaml")
    return items


def parse_providers(data: Any, archetype_ids: Iterable[str]) -> tuple[ProviderNote, ...]:
    """Validate provider notes: ids unique, archetypes known, and every fact cites an https page
    (the schema requires source_url; a fact nobody can source is left out of the file)."""
    known = set(archetype_ids)
    items = _models(ProviderNote, data, "providers.yaml")
    problems = _duplicates([p.id for p in items], "provider id")
    for note in items:
        unknown = sorted(set(note.archetypes) - known)
        if unknown:
            problems.append(f"provider {note.id}: unknown archetype(s) {unknown}")
    _raise(problems, "providers.yaml")
    return items


def _models(model: type, data: Any, name: str) -> tuple:
    if not isinstance(data, list):
        raise KnowledgeError(f"{name}: expected a list of entries, got {type(data).__name__}")
    items = []
    for index, entry in enumerate(data):
        label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise KnowledgeError(f"{name}: entry {label}: {details}") from None
    return tuple(items)


def _duplicates(ids: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    twice = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    return [f"duplicate {what} {i!r}" for i in twice]


def _raise(problems: list[str], name: str) -> None:
    if problems:
        raise KnowledgeError(f"{name}: " + "; ".join(problems))


__all__ = ["KnowledgeError", "archetypes", "parse_archetypes", "parse_providers", "providers"]
