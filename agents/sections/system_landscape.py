"""## Integration Architecture / ### System Landscape: a mermaid `graph TD`
rendered from components and their connections (integration-specialist)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from agentspec.render.markdown import fence, join_blocks, table
from agentspec.render.mermaid import flowchart
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items, unique_names

Layer = Literal["frontend", "api", "service", "database", "cache", "queue", "external", "monitoring"]


class Component(SectionModel):
    id: Ident = Field(description="snake_case id, e.g. stripe_webhook_handler")
    label: ShortText = Field(description="display name, e.g. Stripe Webhook Handler")
    layer: Layer
    responsibility: ShortText = Field(description="what it does for this feature")


class Connection(SectionModel):
    source: Ident = Field(description="component id")
    target: Ident = Field(description="component id")
    label: ShortText = Field(description="what flows, e.g. invoice.paid webhook (HTTPS)")


class SystemLandscape(SectionModel):
    components: items(Component, 4, 12)
    connections: items(Connection, 3, 16)

    @model_validator(mode="after")
    def _connections_reference_components(self) -> "SystemLandscape":
        unique_names(self.components, "id", "component id")
        known = {c.id for c in self.components}
        for conn in self.connections:
            for end in (conn.source, conn.target):
                if end not in known:
                    raise ValueError(f"connection refers to unknown component {end!r}; known ids: {sorted(known)}")
        return self


MODEL = SystemLandscape
MAX_TOKENS = 1200


def render(data: SystemLandscape, ctx: RenderContext) -> str:
    root = "feature_root"
    nodes = [(root, ctx.brief.name)] + [(c.id, c.label) for c in data.components]
    targets = {conn.target for conn in data.connections}
    # Components nothing points at hang off the feature node, so the graph is connected.
    edges = [(root, c.id, None) for c in data.components if c.id not in targets]
    edges += [(conn.source, conn.target, conn.label) for conn in data.connections]
    rows = [(c.label, c.layer, c.responsibility) for c in data.components]
    return join_blocks(
        "## Integration Architecture",
        "### System Landscape",
        fence("mermaid", flowchart(nodes, edges)),
        table(["Component", "Layer", "Responsibility"], rows),
    )


def digest(data: SystemLandscape) -> str:
    return "; ".join(f"{c.id} ({c.layer})" for c in data.components)
