"""### Integration Points / #### Frontend Integration (frontend-specialist)."""

from __future__ import annotations

from pydantic import Field, field_validator

from agentspec.render.markdown import field, join_blocks
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items


class Route(SectionModel):
    path: ShortText = Field(description="URL path, e.g. /admin/billing/sync")
    component: ShortText = Field(description="page component, e.g. SyncStatusPage")
    guard: ShortText = Field(description="who may open it, e.g. role admin")


class FrontendIntegration(SectionModel):
    component_location: ShortText = Field(description="proposed directory for the new components")
    components: items(ShortText, 1, 6) = Field(description="components to build, PascalCase")
    frontend_dependencies: items(ShortText, 1, 6) = Field(description="libraries with versions")
    integration_method: Text = Field(description="how the components plug into the app shell")
    state_integration: Text = Field(description="where the feature's state lives and how it syncs with the server")
    routes: items(Route, 1, 5)
    navigation_flow: Text
    lazy_loading: Text | None = Field(description="what is code-split and when it loads; null if nothing is")
    store_structure: Text = Field(description="slices/stores and their shape")
    actions: items(ShortText, 1, 8) = Field(description="action or mutation names")
    reducer_integration: Text
    middleware: Text | None = Field(description="middleware/effects used, e.g. RTK Query polling; null if none")

    @field_validator("middleware", "lazy_loading", mode="before")
    @classmethod
    def _none_is_an_answer(cls, value: object) -> object:
        # "None" is a valid answer here (no middleware, nothing code-split), not filler to re-ask for.
        if isinstance(value, str) and value.strip().lower().rstrip(".") in {"none", "n/a", ""}:
            return None
        return value


MODEL = FrontendIntegration
MAX_TOKENS = 1000


def render(data: FrontendIntegration, ctx: RenderContext) -> str:
    routes = "; ".join(f"`{r.path}` → {r.component}" for r in data.routes)
    guards = "; ".join(f"`{r.path}`: {r.guard}" for r in data.routes)
    return join_blocks(
        "### Integration Points",
        "#### Frontend Integration",
        "\n".join([
            "1. **Component Integration**",
            field("Location", f"`{data.component_location}` (new: " + ", ".join(data.components) + ")", 3),
            field("Dependencies", data.frontend_dependencies, 3),
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
            field("Action Definitions", ", ".join(f"`{a}`" for a in data.actions), 3),
            field("Reducer Integration", data.reducer_integration, 3),
            field("Middleware Usage", data.middleware or "none: plain data fetching, no middleware", 3),
        ]),
    )


def digest(data: FrontendIntegration) -> str:
    return "routes: " + ", ".join(r.path for r in data.routes) + "; components: " + ", ".join(data.components)
