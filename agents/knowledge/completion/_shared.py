"""The registry of archetype completions, and the small helpers several rule modules share:
`completes` files an archetype's completion under its id (COMPLETIONS, which `complete` in
__init__ looks up), `_room` keeps every addition within the spine's list bounds, `_base` and
`_api_of` give the provider part of a system's names, `_singular` a plural's singular,
`_defaults` an archetype's library defaults, and `_doers` the components that do the work."""

from __future__ import annotations

import re
from collections.abc import Callable

from agentspec.agents.spine import DesignSpine, ExternalSystem


Completion = Callable[[DesignSpine, str], list[str]]
COMPLETIONS: dict[str, Completion] = {}
# The spine's list bounds (agents/spine.py DesignSpine): completion never breaks them.
_MAX = {"components": 8, "external_systems": 3, "entities": 5, "endpoints": 6, "settings": 6}


def completes(archetype_id: str) -> Callable[[Completion], Completion]:
    def register(fn: Completion) -> Completion:
        COMPLETIONS[archetype_id] = fn
        return fn
    return register


def _room(spine: DesignSpine, field: str) -> bool:
    return len(getattr(spine, field)) < _MAX[field]


def _api_of(system: ExternalSystem) -> str:
    """"Stripe's API", or "Stripe API" when the system is already named as one (not "Stripe API's API")."""
    return system.name if system.name.lower().endswith("api") else f"{system.name}'s API"


def _base(system: ExternalSystem) -> str:
    """The provider part of a system id (`stripe_api`, `stripe_webhooks` -> `stripe`), for the names code gives;
    a known provider's own id when the system is named after one (the Twilio draft's callbacks system was
    `delivery_status_callbacks_webhook_receiver`, and every name code gave it repeated that)."""
    from agentspec.agents.knowledge.briefing import named_providers

    providers = named_providers(system.name)
    if len(providers) == 1:
        return providers[0].id
    return re.sub(r"_(api|apis|webhooks?|service|client|events?)$", "", system.id) or system.id


def _defaults(archetype_id: str) -> dict[str, str]:
    from agentspec.agents.knowledge import archetypes

    return next((a.defaults for a in archetypes() if a.id == archetype_id), {})


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "ches", "shes", "xes")):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _doers(spine: DesignSpine) -> list[str]:
    """The components that carry out the feature's work: its workers, else its services."""
    return [c.id for c in spine.components if c.kind == "worker"] or [c.id for c in spine.components if c.kind == "service"]
