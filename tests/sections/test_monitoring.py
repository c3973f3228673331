from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import monitoring as section
from agentspec.agents.packs.integration_requirements.sections.external_services import ExternalServices
from agentspec.agents.packs.integration_requirements.sections.monitoring import Monitoring

from ._general_helpers import assert_rejects, check_rendered, code_blocks, context

DATA = {
    "logging_provider": "pino JSON logs shipped to Grafana Loki",
    "log_levels": "info in production, debug in development",
    "log_aggregation": "Loki with 30-day retention, labelled by service and workspace_id",
    "metrics_provider": "Prometheus via the OpenTelemetry SDK",
    "metrics_collection": "billing_webhook_lag_seconds, stripe_requests_total by status, checkout_sessions_created_total",
    "metrics_dashboard": "Grafana Billing dashboard",
    "tracing_provider": "OpenTelemetry to Grafana Tempo",
    "trace_sampling": 0.1,
    "trace_correlation": "W3C traceparent plus the Stripe event id on every span",
    "alerting_provider": "Alertmanager to PagerDuty",
    "alert_rules": ["billing_webhook_lag_seconds > 60 for 5 min", "Stripe 5xx rate > 5% for 10 min"],
    "notification_channels": ["PagerDuty billing on-call", "Slack #billing-alerts"],
    "liveness_checks": ["event loop lag < 500ms"],
    "readiness_checks": ["PostgreSQL reachable", "Redis reachable", "migrations at latest version"],
    "database_check": "SELECT 1 with a 500ms timeout",
    "cache_check": "Redis PING with a 200ms timeout",
    "external_checks": [{"service": "Stripe API", "check": "GET /v1/balance every 60s, 2s timeout; degraded, not unready"}],
}

SERVICES = {
    "services": [
        {
            "name": "Stripe API", "purpose": "Checkout sessions and subscription state", "integration_type": "REST API + signed webhooks",
            "authentication": "Secret key as Bearer token from STRIPE_SECRET_KEY", "base_url": "https://api.stripe.com/v1",
            "api_key_env_var": "STRIPE_SECRET_KEY", "timeout_ms": 10000, "retry_attempts": 3, "requests_per_minute": 6000,
            "burst_limit": 100, "rate_limits": "100 read ops/s in live mode; we stay under 20/s", "fallback_strategy": "Queue and replay",
        },
        {
            "name": "Postmark", "purpose": "Receipt emails", "integration_type": "REST API",
            "authentication": "Server token header from POSTMARK_SERVER_TOKEN", "base_url": "https://api.postmarkapp.com",
            "api_key_env_var": "POSTMARK_SERVER_TOKEN", "timeout_ms": 5000, "retry_attempts": 2, "requests_per_minute": 600,
            "burst_limit": 50, "rate_limits": "No hard limit; we send under 10/s", "fallback_strategy": "Retry from the outbox for 24h",
        },
    ]
}


def test_renders_monitoring_and_health_checks() -> None:
    md = check_rendered(section, Monitoring.model_validate(DATA))
    (_, monitoring), (_, health) = code_blocks(md)
    assert monitoring.startswith("// Monitoring integration\nconst monitoringIntegration = {")
    assert "sampling: 0.1" in monitoring and "rules: [" in monitoring
    assert "const healthChecks = {" in health
    assert "endpoint: '/health/live'" in health and "endpoint: '/health/ready'" in health
    assert '"Stripe API": \'GET /v1/balance every 60s' in health


def test_external_services_from_dependency_are_all_checked() -> None:
    ctx = context(sections={"external_services": ExternalServices.model_validate(SERVICES)})
    md = check_rendered(section, Monitoring.model_validate(DATA), ctx)
    health = code_blocks(md)[1][1]
    assert '"Stripe API": \'GET /v1/balance' in health  # the model's own check is kept
    assert "Postmark: 'probe https://api.postmarkapp.com with a 5000ms timeout" in health  # the missing one is derived
    # raw dicts (e.g. from a checkpoint) work too
    md2 = section.render(Monitoring.model_validate(dict(DATA, external_checks=[])), context(sections={"external_services": SERVICES}))
    assert '"Stripe API": \'probe https://api.stripe.com/v1' in md2


def test_no_external_services_is_stated() -> None:
    md = check_rendered(section, Monitoring.model_validate(dict(DATA, external_checks=[])))
    assert "externalServices: 'none: the feature calls no external service'" in md


def test_validators() -> None:
    assert_rejects(Monitoring, dict(DATA, alert_rules=["alert when webhooks are slow"]), "threshold")
    kept = Monitoring.model_validate(dict(DATA, alert_rules=DATA["alert_rules"] + ["sync_status_page_down"])).alert_rules
    assert kept == DATA["alert_rules"]  # a bare name beside rules with numbers is dropped
    assert_rejects(Monitoring, dict(DATA, trace_sampling=0), "trace_sampling")
    assert_rejects(Monitoring, dict(DATA, trace_sampling=5), "trace_sampling")
    dup = [DATA["external_checks"][0], dict(DATA["external_checks"][0])]
    assert_rejects(Monitoring, dict(DATA, external_checks=dup), "duplicate")
    assert_rejects(Monitoring, dict(DATA, logging_provider="Loki at https://admin:hunter2pass@loki.internal"), "never put secrets")


def test_without_a_cache_in_the_spine_the_cache_check_says_why() -> None:
    from agentspec.section import RenderContext
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    spine = DesignSpine.model_validate(SPINE)  # not_needed: cache, with its reason
    data = Monitoring.model_validate({**DATA, "cache_check": "no cache and why"})
    rendered = section.render(data, RenderContext(brief=None, sections={"design_spine": spine}))
    assert "no cache and why" not in rendered and "cache: 'none: " in rendered
