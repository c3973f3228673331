"""## Deployment Integration (devops-specialist): the CI/CD pipeline YAML (dumped
from data by PyYAML, so it always parses) and the `environmentConfig` object.
Config names environment variables; secrets never appear.

Which side of each external system an environment uses is not asked of the model: it is
rendered from the design spine and the provider's documented modes (providers.yaml
`modes`), the test side before production and the live side in production. Both recorded
drafts of the ninth pass had run production on a provider's sandbox, and the review pass's
redraft did not mend it."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import TsExpr, ts_const
from agentspec.render.yaml_block import yaml_block
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items
from ._headings import headings_of
from ._validators import EnvVar, no_secret
from agentspec.agents.spine import SPINE_ID, secrets_of

Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^https?://[^\s\[\]]+$")]

ENVIRONMENTS = ("development", "staging", "production")
_LOCAL = r"//(localhost|127\.|0\.0\.0\.0)"


class PipelineStage(SectionModel):
    name: Ident = Field(description="snake_case stage name: build, integration_tests, deployment or post_deploy")
    steps: items(ShortText, 2, 5) = Field(description="what the stage runs, each step naming this feature's own migrations, tests, services or checks")

    @field_validator("steps")
    @classmethod
    def _no_secrets(cls, value: list[str]) -> list[str]:
        return [no_secret(v) for v in value]


class Environment(SectionModel):
    database: ShortText = Field(description="database setup: product and version, hosting, redundancy and how migrations run")
    monitoring: ShortText = Field(description="monitoring setup in this environment: tracing sampling ratio, log level, whether alerts page anyone")

    @field_validator("database", "monitoring")
    @classmethod
    def _no_secrets(cls, value: str) -> str:
        return no_secret(value)


class Development(Environment):
    api_url: Url = Field(description="the API base URL on a developer's machine: http://localhost and the port the service listens on")

    @field_validator("api_url")
    @classmethod
    def _local(cls, value: str) -> str:
        if not re.search(_LOCAL, value):
            raise ValueError(f"development api_url runs on the developer's machine: http://localhost and a port; got {value!r}")
        return value


class Deployment(SectionModel):
    stages: items(PipelineStage, 3, 4) = Field(description="pipeline stages in order: build, integration tests, deployment")
    database_url_env: EnvVar = Field(description="UPPER_SNAKE_CASE env var with the database URL")
    cache_url_env: EnvVar | None = Field(default=None, description="UPPER_SNAKE_CASE env var with the cache URL; null if no cache")
    development: Development
    staging: Environment
    production: Environment

    @field_validator("stages")
    @classmethod
    def _unique(cls, value: list[PipelineStage]) -> list[PipelineStage]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        return value


MODEL = Deployment
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1000


def environment_services(spine, environment: str) -> str:  # noqa: ANN001 - agents.spine.DesignSpine | None
    """The external systems of the design in one environment: the provider's test side in
    development and staging and its live side in production, as its documentation names
    them, with the secret settings that hold the credentials. The same names in every
    environment, each environment's own values: the split is by account, not by code."""
    from agentspec.agents.knowledge import providers_named_in

    if spine is None:
        return "not derived: no design spine was drafted"
    if not spine.external_systems:
        return "none: the design calls no third-party service"
    production = environment == "production"
    said: list[str] = []
    # One entry per provider: its webhook and its API are two interfaces of one account.
    for name in dict.fromkeys(x.name for x in spine.external_systems):
        interfaces = [x for x in spine.external_systems if x.name == name]
        note = next(iter(providers_named_in([f"{name} {interfaces[0].id.replace('_', ' ')}"])), None)
        if note is not None and note.modes is not None:
            side = note.modes.production if production else note.modes.pre_production
        else:
            side = "its production account" if production else f"a non-production {name} account"
        secrets = list(dict.fromkeys(s.name for x in interfaces for s in secrets_of(spine, x)))
        said.append(f"{name}: {side}" + (f" ({', '.join(secrets)})" if secrets else ""))
    return "; ".join(said)


def pipeline(data: Deployment, spine=None) -> dict:  # noqa: ANN001 - agents.spine.DesignSpine | None
    return {
        "deployment_integration": {
            "stages": [{s.name: list(s.steps)} for s in data.stages],
            "environments": {
                name: {
                    "database": getattr(data, name).database,
                    "services": environment_services(spine, name),
                    "monitoring": getattr(data, name).monitoring,
                }
                for name in ENVIRONMENTS
            },
        }
    }


def align(data: Deployment, spine) -> Deployment:  # noqa: ANN001 - agents.spine.DesignSpine
    """What the answer handed back as an instruction is stated from the design instead of
    redrafted: an environment's database or monitoring that repeats its field description (the
    tenth-pass answers did so in all three environments, on the redraft too, and the section
    was lost); a pipeline step that repeats any field's description is dropped, and a stage
    left with one step gets the step its name stands for."""
    from agentspec.agents.spine_gate import echoes_any, echoes_field

    database = next((c.label for c in spine.components if c.kind == "database"), "the application database")
    update: dict[str, object] = {}
    for name in ENVIRONMENTS:
        env = getattr(data, name)
        mended = {}
        if echoes_field(Environment, "database", env.database):
            mended["database"] = _database_said(name, database)
        if echoes_field(Environment, "monitoring", env.monitoring):
            mended["monitoring"] = _monitoring_said(name)
        if mended:
            update[name] = env.model_copy(update=mended)
    stages = []
    for stage in data.stages:
        kept = [step for step in stage.steps if not echoes_any(Deployment, step)]
        if len(kept) < 2 and len(kept) < len(stage.steps):
            kept.append(_STAGE_STEP.get(stage.name, "run the checks this stage exists for and stop the pipeline on a failure"))
        stages.append(stage.model_copy(update={"steps": kept}) if kept != list(stage.steps) else stage)
    if stages != list(data.stages):
        update["stages"] = stages
    return data.model_copy(update=update) if update else data


# What a stage runs when the answer's step was an instruction handed back (the stage names the prompt asks for).
_STAGE_STEP = {
    "build": "compile and run the unit tests",
    "integration_tests": "apply the migrations to a disposable database and run the integration tests",
    "deployment": "apply the migrations before the new version takes traffic",
    "post_deploy": "watch the health checks and the error rate; roll back when either fails",
}


def _database_said(environment: str, database: str) -> str:
    return {"development": f"{database} on the developer's machine; migrations applied at start",
            "staging": f"{database}, a staging instance of its own; migrations run by the deployment stage before the rollout",
            "production": f"{database}, the production instance with backups; migrations run by the deployment stage "
                          "before the rollout, with the rollback script ready"}[environment]


def _monitoring_said(environment: str) -> str:
    return {"development": "logs at debug level; no alerts",
            "staging": "logs at info level, traces sampled; alerts go to the team's channel, nobody is paged",
            "production": "logs at info level, traces sampled; alerts page the on-call engineer"}[environment]


def api_url_setting(brief) -> str:  # noqa: ANN001 - agents.brief.FeatureBrief | None
    """The setting staging and production read their API host from (STRIPE_INVOICE_SYNC_API_URL):
    the company's hosts are its own, and the spec cannot know them. Asked for a host, the model
    wrote `your-production-host.com` or localhost (both ninth-pass drafts), which cost a re-ask."""
    words = (getattr(brief, "slug", "") or "service").split("-")[:3]
    return "_".join(words).upper() + "_API_URL"


def render(data: Deployment, ctx: RenderContext) -> str:
    hosted = TsExpr(f"process.env.{api_url_setting(ctx.brief)}")
    env_config = {
        name: {
            "apiUrl": data.development.api_url if name == "development" else hosted,
            "database": TsExpr(f"process.env.{data.database_url_env}"),
            "cache": TsExpr(f"process.env.{data.cache_url_env}") if data.cache_url_env else None,
            "monitoring": getattr(data, name).monitoring,
        }
        for name in ENVIRONMENTS
    }
    section, pipeline_heading, environment_heading = HEADINGS
    return join_blocks(
        section,
        pipeline_heading,
        fence("yaml", yaml_block(pipeline(data, ctx.sections.get(SPINE_ID)), "Deployment integration pipeline")),
        environment_heading,
        fence("typescript", ts_const("environmentConfig", env_config,
                                     "Environment-specific integration: each environment sets its own values of these settings")),
    )


def digest(data: Deployment) -> str:
    stages = " -> ".join(s.name for s in data.stages)
    return f"- pipeline: {stages}\n- env vars: {data.database_url_env}{', ' + data.cache_url_env if data.cache_url_env else ''}\n- development: {data.development.api_url}"
