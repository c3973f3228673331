from __future__ import annotations

import yaml

from agents.sections import deployment as section
from agents.sections.deployment import Deployment

from ._general_helpers import assert_rejects, check_rendered, code_blocks

ENV = {
    "development": {
        "api_url": "http://localhost:3000/api",
        "database": "PostgreSQL 16 in docker-compose, seeded with test plans",
        "services": "Stripe test mode via stripe-cli listen forwarding webhooks",
        "monitoring": "console logs, tracing off",
    },
    "staging": {
        "api_url": "https://staging.api.example.com",
        "database": "RDS PostgreSQL 16 single-AZ, migrations run by CI",
        "services": "Stripe test mode with a dedicated webhook endpoint",
        "monitoring": "full tracing at 100% sampling, alerts to Slack only",
    },
    "production": {
        "api_url": "https://api.example.com",
        "database": "RDS PostgreSQL 16 Multi-AZ, PITR 7 days",
        "services": "Stripe live mode, keys from AWS Secrets Manager",
        "monitoring": "tracing at 10% sampling, PagerDuty on",
    },
}
DATA = {
    "stages": [
        {"name": "build", "steps": ["Compile TypeScript", "Bundle assets", "Run unit tests"]},
        {"name": "integration_tests", "steps": ["Apply migrations to a disposable PostgreSQL", "Replay Stripe webhook fixtures", "Contract tests against Stripe test mode"]},
        {"name": "deployment", "steps": ["Blue-green deploy", "Gate on /health/ready", "Automatic rollback on failed health check"]},
    ],
    "database_url_env": "DATABASE_URL",
    "cache_url_env": "REDIS_URL",
    **ENV,
}


def test_renders_pipeline_yaml_and_environment_config() -> None:
    md = check_rendered(section, Deployment.model_validate(DATA))
    (lang1, pipeline), (lang2, ts) = code_blocks(md)
    assert (lang1, lang2) == ("yaml", "typescript")
    assert pipeline.startswith("# Deployment integration pipeline\ndeployment_integration:")
    doc = yaml.safe_load(pipeline)["deployment_integration"]
    assert [list(s)[0] for s in doc["stages"]] == ["build", "integration_tests", "deployment"]
    assert doc["stages"][1]["integration_tests"][1] == "Replay Stripe webhook fixtures"
    assert list(doc["environments"]) == ["development", "staging", "production"]
    assert doc["environments"]["production"]["database"] == "RDS PostgreSQL 16 Multi-AZ, PITR 7 days"
    assert "const environmentConfig = {" in ts
    assert "database: process.env.DATABASE_URL" in ts and "cache: process.env.REDIS_URL" in ts
    assert "apiUrl: 'https://api.example.com'" in ts


def test_yaml_special_characters_survive() -> None:
    stages = [dict(DATA["stages"][0], steps=["Run: npm test # unit", "Tag image as 'billing:{sha}'"])] + DATA["stages"][1:]
    md = check_rendered(section, Deployment.model_validate(dict(DATA, stages=stages)))
    doc = yaml.safe_load(code_blocks(md)[0][1])
    assert doc["deployment_integration"]["stages"][0]["build"] == ["Run: npm test # unit", "Tag image as 'billing:{sha}'"]


def test_no_cache() -> None:
    md = check_rendered(section, Deployment.model_validate(dict(DATA, cache_url_env=None)))
    assert "cache: null" in md


def test_validators() -> None:
    prod = dict(ENV["production"], api_url="http://api.example.com")
    assert Deployment.model_validate(dict(DATA, production=prod)).production.api_url == "https://api.example.com"
    # staging on localhost or on production's own URL: its host follows from production's
    for slip in ("https://localhost:8443", "http://127.0.0.1:3000/api", ENV["production"]["api_url"]):
        derived = Deployment.model_validate(dict(DATA, staging=dict(ENV["staging"], api_url=slip)))
        assert derived.staging.api_url == "https://staging.api.example.com"
    assert_rejects(Deployment, dict(DATA, production=dict(ENV["production"], api_url="https://localhost:8443")), "localhost")
    assert_rejects(Deployment, dict(DATA, development=dict(ENV["development"], api_url=ENV["production"]["api_url"])), "own api_url")
    leaked = dict(ENV["production"], database="postgres://billing:S3cretPass@db.internal:5432/billing")
    assert_rejects(Deployment, dict(DATA, production=leaked), "never put secrets")
    assert_rejects(Deployment, dict(DATA, database_url_env="database-url"), "database_url_env")
    assert_rejects(Deployment, dict(DATA, stages=DATA["stages"][:2]), "stages")
    assert_rejects(Deployment, dict(DATA, stages=[DATA["stages"][0]] * 3), "unique")
    assert_rejects(Deployment, dict(DATA, stages=[dict(DATA["stages"][0], name="Build: stage")] + DATA["stages"][1:]), "name")
