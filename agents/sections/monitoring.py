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
from agents.sections._general import attr, no_secret, section_data

_DIGIT = re.compile(r"\d")


class ExternalCheck(SectionModel):
    service: ShortText = Field(description="exact external service name from the external services section")
    check: ShortText = Field(description="how it is probed and the effect of failure, e.g. GET /v1/balance every 30s, 2s timeout; degraded")


class Monitoring(SectionModel):
    logging_provider: ShortText = Field(description="e.g. pino JSON logs to Grafana Loki")
    log_levels: ShortText = Field(description="e.g. info in production, debug in development")
    log_aggregation: ShortText = Field(description="where logs are shipped and kept, with retention")
    metrics_provider: ShortText = Field(description="e.g. Prometheus via OpenTelemetry SDK")
    metrics_collection: ShortText = Field(description="the feature's key metrics by name")
    metrics_dashboard: ShortText = Field(description="dashboard and its panels")
    tracing_provider: ShortText = Field(description="e.g. OpenTelemetry to Grafana Tempo")
    trace_sampling: float = Field(gt=0, le=1, description="sampling ratio, e.g. 0.1")
    trace_correlation: ShortText = Field(description="how traces join logs and provider calls, e.g. W3C traceparent + request_id")
    alerting_provider: ShortText = Field(description="e.g. Alertmanager, PagerDuty")
    alert_rules: items(ShortText, 1, 4) = Field(description="metric, threshold and window each")
    notification_channels: items(ShortText, 1, 3) = Field(description="e.g. PagerDuty primary on-call, Slack #payments-alerts")
    liveness_checks: items(ShortText, 1, 3) = Field(description="process-only checks, no dependencies")
    readiness_checks: items(ShortText, 1, 4) = Field(description="dependencies required to serve traffic")
    database_check: ShortText = Field(description="e.g. SELECT 1 with 500ms timeout")
    cache_check: ShortText = Field(description="e.g. Redis PING with 200ms timeout")
    external_checks: items(ExternalCheck, 0, 3) = Field(description="one per external service")

    @field_validator("alert_rules")
    @classmethod
    def _thresholds(cls, value: list[str]) -> list[str]:
        vague = [v for v in value if not _DIGIT.search(v)]
        if vague:
            raise ValueError(f"each alert rule needs a threshold and window with numbers, e.g. 'error rate > 2% for 5 min'; got {vague[0]!r}")
        return value

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
MAX_TOKENS = 1000


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
            "cache": data.cache_check,
            "externalServices": externals or "none: the feature calls no external service",
        },
    }
    return join_blocks(
        "## Monitoring & Observability Integration",
        "### Monitoring Stack Integration",
        fence("typescript", ts_const("monitoringIntegration", monitoring, "Monitoring integration")),
        "### Health Check Integration",
        fence("typescript", ts_const("healthChecks", health, "Health check endpoints")),
    )


def digest(data: Monitoring) -> str:
    return (
        f"- logs: {data.logging_provider}; metrics: {data.metrics_provider}; traces: {data.tracing_provider} @ {data.trace_sampling}\n"
        f"- alerts: " + "; ".join(data.alert_rules) + "\n"
        f"- health: /health/live, /health/ready ({'; '.join(data.readiness_checks)})"
    )
