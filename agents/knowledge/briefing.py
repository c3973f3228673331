"""What one section's prompt is told from the knowledge library: the must-cover
concerns it owns for this design's archetypes, and the facts of the providers the
feature names that bear on it. Only those, so a prompt grows by a few lines, not
by the library (tests/knowledge/test_briefing.py measures it).

The model is told; code still decides: coverage (agents/knowledge/coverage.py)
checks from structured fields whether the spec states each concern."""

from __future__ import annotations

import re


from agentspec.packs.builtin import builtin_pack
from agentspec.agents.knowledge import archetypes, providers_named_in, says
from agentspec.agents.knowledge.coverage import archetypes_for
from agentspec.agents.knowledge.schema import Archetype, ProviderNote
from agentspec.agents.spine import SPINE_ID, DesignSpine, ExternalSystem

# Which sections read a provider fact of each topic, and where an unmapped topic goes:
# the default pack's facts.yaml.
TOPIC_READERS: dict[str, tuple[str, ...]] = builtin_pack().provider_fact_readers
_DEFAULT_READERS = builtin_pack().provider_fact_default


def named_providers(text: str) -> list[ProviderNote]:
    """Provider notes whose name or an alias is a whole word of the text (the user's description)."""
    return providers_named_in([text])


def notes_for(system: ExternalSystem) -> list[ProviderNote]:
    """The provider notes of one external system of the design, by its name or its id."""
    return named_providers(f"{system.name} {system.id}")


def suggested_archetypes(description: str) -> list[tuple[Archetype, str]]:
    """(archetype, the cue that suggests it) for each archetype a cue of the description names:
    a hint before the design exists. Once the spine exists, its structure decides (triggers)."""
    found = []
    for archetype in archetypes():
        cue = next((c for c in archetype.cues if says(description, c)), None)
        if cue is None and archetype.id == "inbound_webhooks":
            cue = provider_event(description)
        if cue:
            found.append((archetype, cue))
    return found


_EVENT_CLAUSE = r"(?<![a-z0-9])(?:when|whenever|once|after|as soon as)\s+(?:an?\s+|the\s+|each\s+|every\s+)?{name}(?![a-z0-9])"


def provider_event(description: str) -> str | None:
    """"When a Shopify order is paid": a clause that starts with something happening at a provider
    that delivers webhooks is that provider's event, delivered to us (the Shopify draft's spine
    made Shopify an API we call, and nothing received the payment)."""
    for note in named_providers(description):
        if "inbound_webhooks" not in note.archetypes:
            continue
        for name in (note.name, *note.aliases):
            found = re.search(_EVENT_CLAUSE.format(name=re.escape(name.lower())), description.lower())
            if found:
                return found.group(0)
    return None


def declared_archetypes(description: str, chosen: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Archetypes the run declares: those the user chose (`draft --archetype`), and those
    the description cues that have no structural trigger. An archetype with triggers
    otherwise counts only when the spine has its structure, so a loose word in the
    description never adds concerns the design does not have."""
    return list(dict.fromkeys([*chosen, *(a.id for a, _ in suggested_archetypes(description) if not a.triggers)]))


def check_archetype_ids(ids: list[str] | tuple[str, ...]) -> list[str]:
    """The ids, or ValueError naming the unknown ones and the known ones."""
    known = [a.id for a in archetypes()]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown archetype(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return list(dict.fromkeys(ids))


def implied_elements(description: str, chosen: tuple[str, ...] | list[str] = ()) -> list[str]:
    """For the spine's prompt: what each suggested or chosen archetype implies."""
    lines = []
    suggested = suggested_archetypes(description)
    cued = {a.id for a, _ in suggested}
    suggested += [(a, "") for a in archetypes() if a.id in chosen and a.id not in cued]
    for archetype, cue in suggested:
        parts = [f"{i.element} {i.kind}" + (f" ({i.note})" if i.note else "") for i in archetype.implies]
        why = f'the description says "{cue}"' if cue else "chosen with --archetype"
        lines.append(f"{archetype.title} ({why}): {'; '.join(parts)}")
    return lines


def provider_facts(section_id: str, description: str) -> list[str]:
    """`Stripe: <fact>` for each fact of a named provider that this section reads."""
    return [f"{note.name}: {fact.fact}"
            for note in named_providers(description)
            for fact in note.facts
            if section_id in TOPIC_READERS.get(fact.topic, _DEFAULT_READERS)]


def owned_concerns(section_id: str, spine: DesignSpine | None, description: str = "",
                   chosen: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The must-cover concerns of the design's archetypes that this section owns,
    each as what to decide and what the spec must state."""
    if spine is None:
        return []
    lines = []
    for archetype in archetypes_for(spine, declared_archetypes(description, chosen)):
        for concern in archetype.concerns:
            if concern.owner == section_id:
                lines.append(f"{concern.priority} {concern.what} (state: {'; '.join(concern.states)})")
    return list(dict.fromkeys(lines))  # two archetypes may share a concern


def briefing(section_id: str, description: str, spine: DesignSpine | None,
             chosen: tuple[str, ...] | list[str] = ()) -> dict[str, list[str]]:
    """The knowledge block of one section's prompt: {"concerns", "implies", "facts"}; the
    spine alone gets `implies` (it decides the design), the others the concerns they own."""
    return {"concerns": owned_concerns(section_id, spine, description, chosen),
            "implies": implied_elements(description, chosen) if section_id == SPINE_ID else [],
            "facts": provider_facts(section_id, description)}
