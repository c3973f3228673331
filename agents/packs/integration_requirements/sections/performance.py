"""## Performance Integration (devops-specialist): numeric response-time and
throughput targets, and the `performanceConfig` object."""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText

from ._headings import headings_of


class PerformanceConfig(SectionModel):
    browser_cache: ShortText = Field(description="Cache-Control policy for this feature's responses, with max-age in seconds, or no-store and why")
    cdn: ShortText = Field(description="what the CDN caches and for how long, or why nothing")
    application_cache: ShortText = Field(description="what the application caches, where, and for how long; or nothing and why")
    bundling: ShortText = Field(description="how the feature's UI code is split and its size budget in KB; or no UI")
    compression: ShortText = Field(description="response compression algorithm and the size above which it applies")
    minification: ShortText = Field(description="the build tool that minifies production assets")
    metrics: ShortText = Field(description="the metrics that prove the targets above, by name")
    alerts: ShortText = Field(description="alert on a target above: metric, numeric threshold and time window")
    dashboards: ShortText = Field(description="dashboard product and the panels it shows for this feature")


class Performance(SectionModel):
    api_response_ms: int = Field(ge=10, le=10_000, description="p95 API endpoint latency target")
    db_query_ms: int = Field(ge=1, le=5_000, description="p95 database query time target")
    page_load_ms: int = Field(ge=200, le=20_000, description="page load target for the feature's UI")
    time_to_interactive_ms: int = Field(ge=200, le=30_000)
    concurrent_users: int = Field(ge=1, le=10_000_000)
    requests_per_second: int = Field(ge=1, le=1_000_000, description="peak sustained rps the feature must serve")
    db_connections: int = Field(ge=1, le=10_000, description="connection pool size across instances")
    config: PerformanceConfig

    @model_validator(mode="after")
    def _consistent(self) -> "Performance":
        if self.db_query_ms >= self.api_response_ms:
            raise ValueError(
                f"db_query_ms ({self.db_query_ms}) must be below api_response_ms ({self.api_response_ms}): a request includes its queries"
            )
        if self.db_connections > 2_000:
            raise ValueError(f"db_connections: {self.db_connections} is beyond what one PostgreSQL serves; use a pool (e.g. 20-200) behind PgBouncer")
        if self.requests_per_second > self.concurrent_users * 100:
            raise ValueError(
                f"requests_per_second: {self.requests_per_second} rps from {self.concurrent_users} concurrent users is over 100 requests per user per second; check both numbers"
            )
        return self


MODEL = Performance
HEADINGS = headings_of(__name__)
MAX_TOKENS = 800


def align(data: Performance, spine) -> Performance:  # noqa: ANN001 - agents.spine.DesignSpine
    """What the spine does without is not cached or bundled here: with no cache in the
    design the application caches nothing, and with no page there is no UI bundle. When
    every read needs a role, no shared cache keeps a response."""
    from agentspec.agents.spine import has

    update = {}
    if not has(spine, "cache"):
        update["application_cache"] = "nothing: the design has no cache"
    if not has(spine, "user_interface"):
        update["bundling"] = "no UI: the feature has no page"
    roles = {r.name for r in spine.roles}
    reads = [e for e in spine.endpoints if e.kind == "rest" and e.method == "GET"]
    if reads and all(e.caller in roles for e in reads):
        # A response only a signed-in role may see is never kept by a shared cache: the
        # tenth-pass Stripe answer had its CDN "cache everything for 7 days" of an admin API.
        update["cdn"] = "nothing: every read needs a signed-in role, so no response is kept by a shared cache"
        if not re.search(r"private|no-store", data.config.browser_cache, re.I):
            update["browser_cache"] = "private, no-store: each response is for one signed-in user"
    return data.model_copy(update={"config": data.config.model_copy(update=update)}) if update else data


def _dashboards(answered: str, ctx: RenderContext) -> str:
    """The targets are shown where the design's metrics are: the monitoring stack's dashboard
    product, not another (the twelfth-pass Stripe answer named Google Analytics beside Grafana)."""
    from ._context import section_data

    monitoring = section_data(ctx, "monitoring")
    product = str(getattr(monitoring, "metrics_dashboard", "") or "").strip()
    if not product or product.split()[0].lower() in answered.lower():  # the product, by its name
        return answered
    return f"{product}: a panel for each target above"


def render(data: Performance, ctx: RenderContext) -> str:
    c = data.config
    config = {
        "caching": {"browser": c.browser_cache, "cdn": c.cdn, "application": c.application_cache},
        "optimization": {"bundling": c.bundling, "compression": c.compression, "minification": c.minification},
        "monitoring": {"metrics": c.metrics, "alerts": c.alerts, "dashboards": _dashboards(c.dashboards, ctx)},
    }
    requirements = "\n".join([
        "- **Response Time Targets**:",
        f"  - API endpoints: < {data.api_response_ms}ms (p95)",
        f"  - Database queries: < {data.db_query_ms}ms (p95)",
        f"  - Page load time: < {data.page_load_ms}ms",
        f"  - Time to interactive: < {data.time_to_interactive_ms}ms",
        "",
        "- **Throughput Targets**:",
        f"  - Concurrent users: {data.concurrent_users:,}",
        f"  - Requests per second: {data.requests_per_second:,}",
        f"  - Database connections: {data.db_connections:,}",
    ])
    section, requirements_heading, optimization_heading = HEADINGS
    return join_blocks(
        section,
        requirements_heading,
        requirements,
        optimization_heading,
        fence("typescript", ts_const("performanceConfig", config, "Performance optimization configuration")),
    )


def digest(data: Performance) -> str:
    return (
        f"- API p95 < {data.api_response_ms}ms, DB p95 < {data.db_query_ms}ms, page load < {data.page_load_ms}ms\n"
        f"- {data.concurrent_users} concurrent users, {data.requests_per_second} rps, {data.db_connections} DB connections\n"
        f"- alerts: {data.config.alerts}"
    )
