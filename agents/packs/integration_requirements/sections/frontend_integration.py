"""### Integration Points / #### Frontend Integration (frontend-specialist)."""

from __future__ import annotations

from pydantic import Field, field_validator

from agentspec.render.markdown import field, join_blocks
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items

from ._headings import headings_of


class Route(SectionModel):
    path: ShortText = Field(description="URL path in lowercase kebab-case, under the area of the app this feature belongs to")
    component: ShortText = Field(description="PascalCase page component, one of components")
    guard: ShortText = Field(description="who may open it: a role or permission from this feature's access rules")


class FrontendIntegration(SectionModel):
    component_location: ShortText = Field(description="proposed directory for the new components, named after this feature")
    components: items(ShortText, 0, 6) = Field(default_factory=list, description="components to build, PascalCase; empty if the feature has no user interface")
    frontend_dependencies: items(ShortText, 0, 6) = Field(default_factory=list, description="libraries with versions; empty if the feature has no user interface")
    integration_method: Text = Field(description="how the components plug into the app shell")
    state_integration: Text = Field(description="where the feature's state lives and how it syncs with the server")
    routes: items(Route, 0, 5) = Field(default_factory=list, description="pages the feature adds; empty if it adds none")
    navigation_flow: Text
    lazy_loading: Text | None = Field(description="what is code-split and when it loads; null if nothing is")
    store_structure: Text = Field(description="slices/stores and their shape")
    actions: items(ShortText, 0, 8) = Field(default_factory=list, description="action or mutation names, camelCase; empty if the feature has no client state")
    reducer_integration: Text
    middleware: Text | None = Field(description="middleware or effects used, by library and mechanism; null if none")

    @field_validator("middleware", "lazy_loading", mode="before")
    @classmethod
    def _none_is_an_answer(cls, value: object) -> object:
        # "None" is a valid answer here (no middleware, nothing code-split), not filler to re-ask for.
        if isinstance(value, str) and value.strip().lower().rstrip(".") in {"none", "n/a", ""}:
            return None
        return value


MODEL = FrontendIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1000


def _pages_without_routes(ctx: RenderContext) -> str | None:
    """The design's pages, said when this section gave them no route: "the feature adds no
    pages" beside the spine's admin page was a contradiction (seventh-pass Stripe draft)."""
    from agentspec.agents.spine import SPINE_ID

    spine = ctx.sections.get(SPINE_ID)
    pages = [f"{s.name} (role `{s.role}`, fed by `{s.endpoint}`)" for s in getattr(spine, "surfaces", None) or []]
    return ("not drafted: the design has " + "; ".join(pages) + ", and this section names no route for it") if pages else None


def render(data: FrontendIntegration, ctx: RenderContext) -> str:
    unrouted = None if data.routes else _pages_without_routes(ctx)
    routes = "; ".join(f"`{r.path}` → {r.component}" for r in data.routes) or unrouted or "none: the feature adds no pages"
    guards = "; ".join(f"`{r.path}`: {r.guard}" for r in data.routes) or ("each page's role above" if unrouted else "none: no pages to guard")
    location = (f"`{data.component_location}` (new: {', '.join(data.components)})" if data.components
                else "none: the feature adds no user interface components")
    actions = ", ".join(f"`{a}`" for a in data.actions) or "none: the feature adds no client actions"
    dependencies = data.frontend_dependencies or "none beyond the app's existing libraries"
    section, frontend_heading = HEADINGS
    return join_blocks(
        section,
        frontend_heading,
        "\n".join([
            "1. **Component Integration**",
            field("Location", location, 3),
            field("Dependencies", dependencies, 3),
            field("Integration Method", data.integration_method, 3),
            field("State Management", data.state_integration, 3),
            "",
            "2. **Routing Integration**",
            field("Route Structure", routes, 3),
            field("Navigation Flow", data.navigation_flow, 3),
            field("Guard Conditions", guards, 3),
            field("Lazy Loading", data.lazy_loading or "none: the feature's routes load with the app shell", 3),
            "",
            "3. **State Management Integration**",
            field("Store Structure", data.store_structure, 3),
            field("Action Definitions", actions, 3),
            field("Reducer Integration", data.reducer_integration, 3),
            field("Middleware Usage", data.middleware or "none: plain data fetching, no middleware", 3),
        ]),
    )


def digest(data: FrontendIntegration) -> str:
    return ("routes: " + (", ".join(r.path for r in data.routes) or "none")
            + "; components: " + (", ".join(data.components) or "none"))
