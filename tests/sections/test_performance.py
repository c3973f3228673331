from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import performance as section
from agentspec.agents.packs.integration_requirements.sections.performance import Performance

from ._general_helpers import assert_rejects, check_rendered, code_blocks

CONFIG = {
    "browser_cache": "Cache-Control: private, max-age=60 on GET /api/billing/subscription",
    "cdn": "CloudFront caches the pricing page 5 min; billing API responses are not cached",
    "application_cache": "Redis caches Stripe price list 15 min under stripe:prices:v1",
    "bundling": "billing settings route code-split, under 120 KB gzip",
    "compression": "Brotli for JSON responses over 1 KB",
    "minification": "Next.js SWC minify in production builds",
    "metrics": "p95 latency per billing endpoint, webhook processing lag, Stripe error rate",
    "alerts": "p95 > 500ms for 5 min or webhook lag > 60s pages on-call",
    "dashboards": "Grafana Billing: latency, webhook lag, Stripe 4xx/5xx",
}
DATA = {
    "api_response_ms": 300,
    "db_query_ms": 50,
    "page_load_ms": 2500,
    "time_to_interactive_ms": 3500,
    "concurrent_users": 2000,
    "requests_per_second": 150,
    "db_connections": 40,
    "config": CONFIG,
}


def test_renders_numeric_targets_and_config() -> None:
    md = check_rendered(section, Performance.model_validate(DATA))
    for line in (
        "  - API endpoints: < 300ms (p95)",
        "  - Database queries: < 50ms (p95)",
        "  - Page load time: < 2500ms",
        "  - Time to interactive: < 3500ms",
        "  - Concurrent users: 2,000",
        "  - Requests per second: 150",
        "  - Database connections: 40",
    ):
        assert line in md
    [(lang, ts)] = code_blocks(md)
    assert lang == "typescript" and "const performanceConfig = {" in ts
    assert "caching:" in ts and "optimization:" in ts and "monitoring:" in ts and "stripe:prices:v1" in ts


def test_validators() -> None:
    assert_rejects(Performance, dict(DATA, db_query_ms=400), "must be below api_response_ms")
    assert_rejects(Performance, dict(DATA, db_connections=5000), "db_connections")
    assert_rejects(Performance, dict(DATA, api_response_ms=0), "api_response_ms")
    assert_rejects(Performance, dict(DATA, concurrent_users=10, requests_per_second=5000), "per user per second")
    assert_rejects(Performance, dict(DATA, requests_per_second="fast"), "requests_per_second")
    assert_rejects(Performance, dict(DATA, config=dict(CONFIG, cdn="TBD")), "filler")


def test_the_targets_are_shown_on_the_monitoring_stacks_dashboards() -> None:
    from agentspec.agents.packs.integration_requirements.sections.monitoring import MODEL as Monitoring
    from tests.sections.test_monitoring import DATA as MONITORING

    from ._general_helpers import context

    answered = Performance.model_validate({**DATA, "config": {**CONFIG, "dashboards": "Google Analytics"}})
    md = section.render(answered, context(sections={"monitoring": Monitoring.model_validate(MONITORING)}))
    assert "dashboards: 'Grafana Billing dashboard: a panel for each target above'" in md
    assert "Google Analytics" not in md
    # an answer that already names the monitoring stack's product is kept as written
    kept = section.render(Performance.model_validate(DATA), context(sections={"monitoring": Monitoring.model_validate(MONITORING)}))
    assert "Grafana Billing: latency, webhook lag, Stripe 4xx/5xx" in kept
