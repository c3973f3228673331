"""Load role definitions (data in roles.yaml)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel


class Role(BaseModel):
    name: str
    persona: str
    temperature: float = 0.2
    model: str | None = None


@lru_cache(maxsize=1)
def roles() -> dict[str, Role]:
    data = yaml.safe_load(resources.files("agentspec.agents").joinpath("roles.yaml").read_text(encoding="utf-8"))
    return {name: Role(name=name, **spec) for name, spec in data.items()}


def role(name: str) -> Role:
    try:
        return roles()[name]
    except KeyError:
        raise KeyError(f"unknown role {name!r}; known: {sorted(roles())}") from None
