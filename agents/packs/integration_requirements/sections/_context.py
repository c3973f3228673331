"""Reading another section's data from a RenderContext (not a section itself: the registry
only loads the ids listed in sections.yaml)."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

from agentspec.section import RenderContext


def section_data(ctx: RenderContext, section_id: str) -> Any | None:
    """The validated data of another section, or None when it was not drafted.
    Accepts raw dicts too (e.g. read back from a checkpoint)."""
    data = ctx.sections.get(section_id)
    if data is None or isinstance(data, BaseModel):
        return data
    if isinstance(data, dict):
        module = importlib.import_module(f".{section_id}", __package__)
        model = getattr(module, "MODEL", None)
        if model is not None:
            try:
                return model.model_validate(data)
            except Exception:  # a stale or foreign dict: treat the section as absent
                return None
    return data


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """getattr that also reads dicts, for analyses passed as objects or plain data."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def label_of(section_id: str) -> str:
    """A readable name for a section id: example_api_client -> example API client."""
    words = section_id.split("_")
    return " ".join(w.upper() if w in ("api", "ai", "ci", "cd") else w for w in words)
