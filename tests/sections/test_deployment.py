from __future__ import annotations

import yaml

from agentspec.agents.packs.integration_requirements.sections import deployment as section
from agentspec.agents.packs.integration_requirements.sections.deployment import Deployment

from ._general_helpers import assert_rejects, check_rendered, code_blocks

ENV = {
    "development": {
        "api_url": "http://localhost:3000/api",
        "database": "PostgreSQL 16 in docker-compose, seeded with test plans",
        "monitoring": "console logs, tracing off",
    },
    "staging": {
        "database": "RDS PostgreSQL 16 single-AZ, migrations run by CI",
        "monitoring": "full tracing at 100% sampling, alerts to Slack only",
    },
    "production": {
        "database": "RDS PostgreSQL 16 Multi-AZ, PITR 7 days",
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
    # the company's hosts are its own: staging and production read theirs from one named setting
    assert "apiUrl: 'http://localhost:3000/api'" in ts and ts.count("apiUrl: process.env.STRIPE_SUBSCRIPTION_BILLING_API_URL") == 2


def test_yaml_special_characters_survive() -> None:
    stages = [dict(DATA["stages"][0], steps=["Run: npm test # unit", "Tag image as 'billing:{sha}'"])] + DATA["stages"][1:]
    md = check_rendered(section, Deployment.model_validate(dict(DATA, stages=stages)))
    doc = yaml.safe_load(code_blocks(md)[0][1])
    assert doc["deployment_integration"]["stages"][0]["build"] == ["Run: npm test # unit", "Tag image as 'billing:{sha}'"]


def test_no_cache() -> None:
    md = check_rendered(section, Deployment.model_validate(dict(DATA, cache_url_env=None)))
    assert "cache: null" in md


def test_validators() -> None:
    assert_rejects(Deployment, dict(DATA, development=dict(ENV["development"], api_url="https://api.example.com")), "localhost")
    leaked = dict(ENV["production"], database="postgres://billing:S3cretPass@db.internal:5432/billing")
    assert_rejects(Deployment, dict(DATA, production=leaked), "never put secrets")
    assert_rejects(Deployment, dict(DATA, database_url_env="database-url"), "database_url_env")
    assert_rejects(Deployment, dict(DATA, stages=DATA["stages"][:2]), "stages")
    assert_rejects(Deployment, dict(DATA, stages=[DATA["stages"][0]] * 3), "unique")
    assert_rejects(Deployment, dict(DATA, stages=[dict(DATA["stages"][0], name="Build: stage")] + DATA["stages"][1:]), "name")


def _spine(systems: list[dict], settings: list[dict]):
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    return DesignSpine.model_validate(dict(SPINE, external_systems=systems, settings=settings,
                                           endpoints=SPINE["endpoints"][1:], events=[]))


def test_each_environment_uses_the_providers_documented_side() -> None:
    """Stripe's own modes (providers.yaml, stripe.com/docs/keys): test mode before production,
    live mode in production, with the secret settings named after it; the lints find nothing."""
    from agentspec.checks.lints import no_live_credentials_before_production, production_on_live_services
    from agentspec.render.markdown import fence
    from agentspec.spec_document import SpecDocument
    from agentspec.render.yaml_block import yaml_block

    spine = _spine([{"id": "stripe", "name": "Stripe", "direction": "outbound_api", "connects_to": "sync_worker",
                     "purpose": "list invoices", "auth": "secret API key"}],
                   [{"name": "STRIPE_SECRET_KEY", "secret": True, "purpose": "calls Stripe"},
                    {"name": "DATABASE_URL", "secret": True, "purpose": "the database"}])
    doc = section.pipeline(Deployment.model_validate(DATA), spine)["deployment_integration"]["environments"]
    assert doc["development"]["services"] == doc["staging"]["services"] == "Stripe: test mode, with test API keys (STRIPE_SECRET_KEY)"
    assert doc["production"]["services"] == "Stripe: live mode, with live API keys (STRIPE_SECRET_KEY)"
    markdown = "## Deployment Integration\n\n" + fence("yaml", yaml_block({"deployment_integration": {"environments": doc}}, "x")) + "\n"
    spec = SpecDocument.from_markdown(markdown)
    assert list(production_on_live_services(spec)) == [] and list(no_live_credentials_before_production(spec)) == []


def test_a_provider_without_documented_modes_gets_its_own_accounts_and_none_says_none() -> None:
    spine = _spine([{"id": "acme_ledger", "name": "Acme Ledger", "direction": "outbound_api", "connects_to": "sync_worker",
                     "purpose": "post journal entries", "auth": "OAuth client credentials"}], [])
    assert section.environment_services(spine, "staging") == "Acme Ledger: a non-production Acme Ledger account"
    assert section.environment_services(spine, "production") == "Acme Ledger: its production account"
    assert section.environment_services(_spine([], []), "production") == "none: the design calls no third-party service"
    assert section.environment_services(None, "production").startswith("not derived")


def test_a_providers_webhook_and_api_are_one_account_per_environment() -> None:
    spine = _spine([{"id": "stripe", "name": "Stripe", "direction": "inbound_webhook", "connects_to": "webhook_receiver",
                     "purpose": "invoice events", "auth": "signature over the raw request body"},
                    {"id": "stripe_api", "name": "Stripe", "direction": "outbound_api", "connects_to": "sync_worker",
                     "purpose": "reads back", "auth": "secret API key"}],
                   [{"name": "STRIPE_WEBHOOK_SECRET", "secret": True, "purpose": "verifies"},
                    {"name": "STRIPE_API_KEY", "secret": True, "purpose": "calls"}])
    assert section.environment_services(spine, "production") == \
        "Stripe: live mode, with live API keys (STRIPE_WEBHOOK_SECRET, STRIPE_API_KEY)"


def test_instructions_handed_back_are_stated_from_the_design_not_redrafted() -> None:
    """The tenth-pass answers echoed database and monitoring in every environment (on the redraft
    too, and the section was lost), and listed monitoring's instruction as a pipeline step."""
    from agentspec.agents.spine_gate import echoed_descriptions
    from agentspec.agents.packs.integration_requirements.sections.deployment import Environment

    echo = {"database": Environment.model_fields["database"].description, "monitoring": Environment.model_fields["monitoring"].description}
    stages = [dict(DATA["stages"][0]), dict(DATA["stages"][1]),
              {"name": "deployment", "steps": ["Blue-green deploy", echo["monitoring"]]}]
    answer = Deployment.model_validate(dict(DATA, stages=stages, development=dict(ENV["development"], **echo),
                                            production=dict(ENV["production"], monitoring=echo["monitoring"])))
    aligned = section.align(answer, _spine([], []))
    assert echoed_descriptions(Deployment, aligned.model_dump()) == []
    assert aligned.development.database.startswith("Application DB on the developer's machine")
    assert aligned.production.monitoring == "logs at info level, traces sampled; alerts page the on-call engineer"
    assert aligned.production.database == ENV["production"]["database"]  # the answer's own value stands
    assert aligned.stages[2].steps == ["Blue-green deploy", "apply the migrations before the new version takes traffic"]
