"""A section's headings as this pack's sections.yaml types them, so a renderer never spells
a heading itself: a heading is written in the template and in the registry, and a renderer
that unpacks the wrong number of them fails on import of the pack, not in a reader's hands."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY = Path(__file__).resolve().parents[1] / "sections.yaml"


@lru_cache(maxsize=1)
def _by_id() -> dict[str, tuple[str, ...]]:
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    return {entry["id"]: tuple(entry.get("headings") or ()) for entry in entries}


def headings_of(module_name: str) -> tuple[str, ...]:
    """The headings of the section a module renders, by the module's `__name__`."""
    return _by_id()[module_name.rsplit(".", 1)[-1]]
