"""## Integration Architecture / ### System Landscape: the design spine, shown.

No model call: the diagram and tables are rendered from the design spine
(agents/spine.py), the one place the design is decided, so they cannot disagree
with the sections that elaborate it."""

from __future__ import annotations

from agentspec.render.markdown import bullets, field, fence, join_blocks, table
from agentspec.render.mermaid import flowchart
from agentspec.section import RenderContext
from agentspec.agents.repository import REPOSITORY_NOTE
from agentspec.agents.spine import (DEFAULT_REASON, SPINE_ID, USES, DesignSpine, failure_store, fed_by, has, interface_facts, number,
                          run_rule)

from ._headings import headings_of

MODEL = None
HEADINGS = headings_of(__name__)


def _edges(spine: DesignSpine) -> list[tuple[str, str, str | None]]:
    edges: list[tuple[str, str, str | None]] = []
    # A delivery handed from the receiver to a worker reaches its consumer through the receiver:
    # its events label the inbound edge instead of drawing the provider straight to the worker.
    handed = {x.id for x in spine.external_systems if x.processed_by}
    for x in spine.external_systems:
        label = x.direction.replace("_", " ")
        sent = [e.name for e in spine.events if e.producer == x.id] if x.id in handed else []
        label += f": {', '.join(sent)}" if sent else ""
        inbound = x.direction in ("inbound_webhook", "inbound_stream", "file_import", "identity_provider")
        edges.append((x.id, x.connects_to, label) if inbound else (x.connects_to, x.id, label))
        if x.processed_by:
            edges.append((x.connects_to, x.processed_by, "stored deliveries"))
    for event in spine.events:
        if event.producer not in handed:
            edges.append((event.producer, event.consumer, event.name))
    store = next((c.id for c in spine.components if c.kind == "database"), None)
    for entity in spine.entities:
        # A table the feature only references is read, never written, by it.
        if store and entity.owner != store and entity.change != "referenced":
            edges.append((entity.owner, store, f"writes {entity.table}"))
    return list(dict.fromkeys(edges))


def _store_columns(spine: DesignSpine) -> list[str]:
    store = failure_store(spine)
    return store.required_columns if store is not None else []


def diagram(spine: DesignSpine) -> str:
    nodes = [(c.id, c.label) for c in spine.components] + [(x.id, x.name) for x in spine.external_systems]
    return flowchart(nodes, _edges(spine))


def _omitted(spine: DesignSpine) -> list[str]:
    given = {o.what: o.reason for o in spine.not_needed}
    return [f"{what.replace('_', ' ')}: {given.get(what, DEFAULT_REASON[what])}" for what in USES if not has(spine, what)]


def _archetypes(spine: DesignSpine, description: str, chosen: tuple[str, ...] = ()) -> list[str]:
    """Each archetype of the design, and what made it one: the user's choice, the
    description's words, or the spine's structure."""
    from agentspec.agents.knowledge.briefing import declared_archetypes, suggested_archetypes
    from agentspec.agents.knowledge.coverage import archetypes_for

    declared = declared_archetypes(description, chosen)
    cues = {a.id: cue for a, cue in suggested_archetypes(description)}

    def why(archetype_id: str) -> str:
        if archetype_id in chosen:
            return "chosen with --archetype"
        return f'the description says "{cues[archetype_id]}"' if archetype_id in declared else "from the design's structure"

    return [f"{a.title}: {why(a.id)}" for a in archetypes_for(spine, declared)]


def render(_data: None, ctx: RenderContext) -> str:
    spine: DesignSpine | None = ctx.sections.get(SPINE_ID)
    if spine is None:
        return join_blocks(*HEADINGS, "> **Design spine missing**: the design could not be decided, so the sections "
                                      "below were drafted without a shared design; treat names across sections with care.")
    policy = spine.failure_policy
    blocks: list[str | None] = [
        *HEADINGS,
        fence("mermaid", diagram(spine)),
        table(["Component", "Kind", "Responsibility"], [(f"`{c.id}`", c.kind.replace("_", " "), c.responsibility + run_rule(c, "; "))
                                                        for c in spine.components]),
        "**External interfaces**",
        table(["System", "Direction", "Talks to", "What crosses", "Authentication"],
              [(x.name, x.direction.replace("_", " "), f"`{x.connects_to}`", x.purpose, x.auth) for x in spine.external_systems])
        if spine.external_systems else "None: the feature talks to no system outside our own.",
        bullets([f"{x.name} (`{x.id}`): {interface_facts(x)}" for x in spine.external_systems if interface_facts(x)]) or None,
        "**Data entities**",
        table(["Table", "Change", "Key", "Unique", "Money", "Written by", "Purpose"],
              [(f"`{e.table}`", e.change, e.key, ", ".join(e.unique) or "-", e.money.replace("_", " "), f"`{e.owner}`", e.purpose)
               for e in spine.entities]) if spine.entities else "None: the feature stores no data of its own.",
        "**Endpoints**",
        table(["Method", "Path", "Kind", "Caller", "Purpose"],
              [(e.method, f"`{e.path}`", e.kind.replace("_", " "), f"`{e.caller}`", e.purpose) for e in spine.endpoints])
        if spine.endpoints else "None: the feature exposes no endpoint.",
    ]
    if spine.events:
        blocks += ["**Events**", table(["Event", "Producer", "Consumer", "Purpose"],
                                       [(f"`{e.name}`", f"`{e.producer}`", f"`{e.consumer}`", e.purpose) for e in spine.events])]
    blocks += ["**Roles and permissions**",
               table(["Role", "Held by", "Permissions"], [(f"`{r.name}`", r.who, ", ".join(r.permissions)) for r in spine.roles])
               if spine.roles else "None: no person or service needs a role of its own for this feature."]
    if spine.settings:
        blocks += ["**Configuration and secrets**",
                   table(["Variable", "Secret", "Purpose"], [(f"`{s.name}`", "yes" if s.secret else "no", s.purpose)
                                                             for s in spine.settings])]
    if spine.surfaces:
        blocks += ["**User-facing pages**",
                   table(["Page", "Shows", "Fed by", "Role"], [(s.name, "; ".join(s.shows), f"`{fed_by(spine, s)}`", f"`{s.role}`")
                                                              for s in spine.surfaces])]
    blocks += ["**Failure policy and fixed values**",
               "\n".join([field("Retries", f"{policy.retries}, {policy.backoff}"),
                          field("After retries", policy.after_retries.replace("_", " ")
                                + (f" (`{policy.store}`: {', '.join(_store_columns(spine))})" if policy.store else "")
                                + (f", kept {policy.kept_days} d for replay" if policy.kept_days else "")),
                          field("Replay", policy.replay)]
                         + [field(lim.name.replace("_", " ").capitalize(), f"{number(lim.value)} {lim.unit.replace('_', ' ')} ({lim.meaning})")
                            for lim in spine.limits])]
    if spine.rules:
        blocks += ["**Design rules** (decided from the knowledge library for the archetypes' must-cover concerns)",
                   bullets([f"`{r.applies_to}`: {r.statement}" for r in spine.rules])]
    found = _archetypes(spine, ctx.description, ctx.archetypes)
    if found:
        blocks += ["**Integration archetypes** (agentspec's knowledge library; their must-cover concerns are "
                   "listed under Integration Readiness)", bullets(found)]
    library = [n for n in spine.completed if not n.startswith(REPOSITORY_NOTE)]
    grounded = [n[len(REPOSITORY_NOTE):] for n in spine.completed if n.startswith(REPOSITORY_NOTE)]
    if library:
        blocks += ["**Added from the knowledge library** (required by the feature's integration archetypes; "
                   "the model's answer left them out)", bullets(library)]
    if grounded:
        blocks += ["**Changed to match the repository** (`draft --repo`: what the scan found there)", bullets(grounded)]
    omitted = _omitted(spine)
    if omitted:
        blocks += ["**Not in this design**", bullets(omitted)]
    return join_blocks(*blocks)
