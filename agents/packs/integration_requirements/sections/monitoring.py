"""## Monitoring & Observability Integration (devops-specialist): the
`monitoringIntegration` and `healthChecks` objects. Health checks name the
external services of the section this one depends on; any service the model
left out gets a check derived from that section's data."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText, items, unique_names
from ._context import attr, section_data
from ._headings import headings_of
from ._validators import no_secret

_DIGIT = re.compile(r"\d")


class ExternalCheck(SectionModel):
    service: ShortText = Field(description="exact external service name from the external services section")
    check: ShortText = Field(description="how it is probed (a cheap read-only call of that service's real API, interval, timeout) and the effect of failure: degraded or not ready")


class Monitoring(SectionModel):
    logging_provider: ShortText = Field(description="logging library for the stack, log format and the product logs are shipped to")
    log_levels: ShortText = Field(description="log level per environment")
    log_aggregation: ShortText = Field(description="where logs are shipped and kept, with retention")
    metrics_provider: ShortText = Field(description="metrics product and the SDK that feeds it")
    metrics_collection: ShortText = Field(description="the feature's key metrics by name")
    metrics_dashboard: ShortText = Field(description="dashboard and its panels")
    tracing_provider: ShortText = Field(description="tracing SDK and the backend traces are sent to")
    trace_sampling: float = Field(gt=0, le=1, description="sampling ratio between 0 and 1, sized for the feature's traffic")
    trace_correlation: ShortText = Field(description="how traces join logs and outbound calls: the propagation header and the id logged with each line")
    alerting_provider: ShortText = Field(description="alert routing and paging products")
    alert_rules: items(ShortText, 1, 4) = Field(description="each names a metric this feature emits, a numeric threshold and a time window")
    notification_channels: items(ShortText, 1, 3) = Field(description="where alerts go: the paging rotation and the team channel that owns this feature")
    liveness_checks: items(ShortText, 1, 3) = Field(description="process-only checks, no dependencies")
    readiness_checks: items(ShortText, 1, 4) = Field(description="dependencies required to serve traffic")
    database_check: ShortText = Field(description="how the database is probed, with its timeout in ms")
    cache_check: ShortText = Field(description="how the cache is probed, with its timeout in ms; or no cache and why")
    external_checks: items(ExternalCheck, 0, 3) = Field(default_factory=list, description="one per external service; empty if there is none")

    @field_validator("alert_rules")
    @classmethod
    def _thresholds(cls, value: list[str]) -> list[str]:
        vague = [v for v in value if not _DIGIT.search(v)]
        if vague and len(vague) == len(value):
            raise ValueError(f"each alert rule needs a metric, a numeric threshold and a time window with numbers; got {vague[0]!r}")
        # Beside rules with numbers, a bare name is a rule nobody can page on: dropped, not re-asked.
        return [v for v in value if v not in vague]

    @field_validator("external_checks")
    @classmethod
    def _unique(cls, value: list[ExternalCheck]) -> list[ExternalCheck]:
        unique_names(value, "service", "external service check")
        return value

    @field_validator("logging_provider", "log_aggregation", "metrics_provider", "tracing_provider", "alerting_provider")
    @classmethod
    def _no_secrets(cls, value: str) -> str:
        return no_secret(value)


MODEL = Monitoring
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1000


def align(data: Monitoring, spine) -> Monitoring:  # noqa: ANN001 - agents.spine.DesignSpine
    """Health checks are of the spine's dependencies: readiness checks that only repeat the
    instruction ("dependencies required to serve traffic"), or probe infrastructure the design
    does without ("redis ping" with no cache, measured on the 12-04 gdpr recording), are
    replaced by its stores and the systems it calls."""
    from agentspec.agents.spine_gate import echoes_field, infrastructure_outside

    echoed = any(echoes_field(Monitoring, "readiness_checks", c) for c in data.readiness_checks)
    real = [c for c in data.readiness_checks if not infrastructure_outside(c, spine)]
    alive = [c for c in data.liveness_checks if not infrastructure_outside(c, spine)]
    checks = [f"{c.id} ({c.kind.replace('_', ' ')}) answers a cheap query" for c in spine.components
              if c.kind in ("database", "cache", "message_broker", "object_storage", "search_index")]
    checks += [f"{x.name} API reachable (read-only call)" for x in spine.external_systems if x.direction in ("outbound_api", "polling")]
    readiness = checks[:4] if (echoed or not real) and checks else real
    update: dict = {}
    metrics = archetype_metrics(spine)
    if metrics:
        # The design's archetypes name what to watch and when to page: the tenth-pass Stripe
        # answer alerted on invoice counts ("stripe_invoices_count > 100"), which says nothing
        # about a delivery that failed. The answer's own rules are replaced, not added to.
        names = [m.name for m in metrics]
        while len(", ".join(names)) > 160:  # the field's bound: the last archetypes' second metrics go first
            names.pop()
        update["metrics_collection"] = ", ".join(names)
        update["alert_rules"] = [f"{m.name}: {m.rule}" for m in metrics if m.rule][:4]
    if readiness != list(data.readiness_checks) and readiness:
        update["readiness_checks"] = readiness
    if alive != list(data.liveness_checks) and alive:
        update["liveness_checks"] = alive
    return data.model_copy(update=update) if update else data


def archetype_metrics(spine) -> list:  # noqa: ANN001 - DesignSpine -> list[knowledge.schema.Metric]
    """The standard metrics of the design's archetypes, each once: every archetype's first,
    then every archetype's second, and so on, so the four rules a section holds cover
    each archetype before any gets a second."""
    from itertools import chain, zip_longest

    from agentspec.agents.knowledge import archetypes

    lists = [a.metrics for a in archetypes() if a.id in set(spine.archetypes)]
    seen: dict[str, object] = {}
    for metric in chain.from_iterable(zip_longest(*lists)):
        if metric is not None:
            seen.setdefault(metric.name, metric)
    return list(seen.values())


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def external_service_checks(data: Monitoring, ctx: RenderContext) -> dict[str, str]:
    """The model's checks, plus a derived check for each external service it missed."""
    checks = {c.service: c.check for c in data.external_checks}
    services = section_data(ctx, "external_services")
    for service in attr(services, "services") or []:
        name, base_url, timeout = attr(service, "name"), attr(service, "base_url"), attr(service, "timeout_ms")
        if not name:
            continue
        key = _norm(str(name))
        if any(key in _norm(s) or _norm(s) in key for s in checks):
            continue
        probe = f"probe {base_url}" if base_url else "probe its API"
        within = f" with a {timeout}ms timeout" if timeout else ""
        checks[str(name)] = f"{probe}{within}; report degraded, keep serving via fallback"
    return checks


def _cache_check(data: Monitoring, ctx: RenderContext) -> str:
    """Without a cache in the spine there is nothing to probe, and the line says why in the
    spine's words (the ninth-pass answer echoed its instruction, "no cache and why")."""
    from agentspec.agents.spine import applies

    spine = ctx.sections.get("design_spine")
    if spine is None:
        return data.cache_check
    used, reason = applies(spine, "cache")
    return data.cache_check if used else f"none: {reason}"


def render(data: Monitoring, ctx: RenderContext) -> str:
    monitoring = {
        "logging": {"provider": data.logging_provider, "levels": data.log_levels, "aggregation": data.log_aggregation},
        "metrics": {"provider": data.metrics_provider, "collection": data.metrics_collection, "visualization": data.metrics_dashboard},
        "tracing": {"provider": data.tracing_provider, "sampling": data.trace_sampling, "correlation": data.trace_correlation},
        "alerting": {"provider": data.alerting_provider, "rules": list(data.alert_rules), "channels": list(data.notification_channels)},
    }
    externals = external_service_checks(data, ctx)
    health = {
        "liveness": {"endpoint": "/health/live", "checks": list(data.liveness_checks)},
        "readiness": {"endpoint": "/health/ready", "checks": list(data.readiness_checks)},
        "dependencies": {
            "database": data.database_check,
            "cache": _cache_check(data, ctx),
            "externalServices": externals or "none: the feature calls no external service",
        },
    }
    section, stack_heading, health_heading = HEADINGS
    return join_blocks(
        section,
        stack_heading,
        fence("typescript", ts_const("monitoringIntegration", monitoring, "Monitoring integration")),
        health_heading,
        fence("typescript", ts_const("healthChecks", health, "Health check endpoints")),
    )


def digest(data: Monitoring) -> str:
    return (
        f"- logs: {data.logging_provider}; metrics: {data.metrics_provider}; traces: {data.tracing_provider} @ {data.trace_sampling}\n"
        f"- alerts: " + "; ".join(data.alert_rules) + "\n"
        f"- health: /health/live, /health/ready ({'; '.join(data.readiness_checks)})"
    )
