"""## Deployment Integration (devops-specialist): the CI/CD pipeline YAML (dumped
from data by PyYAML, so it always parses) and the `environmentConfig` object.
Config names environment variables; secrets never appear."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import TsExpr, ts_const
from agentspec.render.yaml_block import yaml_block
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items
from agents.sections._validators import no_secret

EnvVar = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Z0-9_]{2,63}$")]
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
    api_url: Url = Field(description="the API base URL in this environment: localhost only in development, otherwise the company's own domain")
    database: ShortText = Field(description="database setup: product and version, hosting, redundancy and how migrations run")
    services: ShortText = Field(description="the brief's external systems in this environment: sandbox, test or live credentials, by environment variable; or none")
    monitoring: ShortText = Field(description="monitoring setup in this environment: tracing sampling ratio, log level, whether alerts page anyone")

    @field_validator("database", "services", "monitoring")
    @classmethod
    def _no_secrets(cls, value: str) -> str:
        return no_secret(value)


class Deployment(SectionModel):
    stages: items(PipelineStage, 3, 4) = Field(description="pipeline stages in order: build, integration tests, deployment")
    database_url_env: EnvVar = Field(description="UPPER_SNAKE_CASE env var with the database URL")
    cache_url_env: EnvVar | None = Field(default=None, description="UPPER_SNAKE_CASE env var with the cache URL; null if no cache")
    development: Environment
    staging: Environment
    production: Environment

    @field_validator("stages")
    @classmethod
    def _unique(cls, value: list[PipelineStage]) -> list[PipelineStage]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        return value

    @model_validator(mode="after")
    def _environments(self) -> "Deployment":
        prod = self.production.api_url
        if prod.startswith("http://"):
            # Production is served over TLS; the host and path the model chose stand.
            prod = self.production.api_url = "https://" + prod[len("http://"):]
        if re.search(_LOCAL, prod):
            raise ValueError("production api_url must not point at localhost; name the service's own https host")
        if re.search(_LOCAL, self.staging.api_url) or self.staging.api_url == prod:
            # Staging runs on its own host beside production's. The 1.5B model wrote
            # localhost for staging in every recording since the prompts lost their
            # sample URLs; the host follows from production's, so code derives it.
            self.staging.api_url = re.sub(r"^https://", "https://staging.", prod, count=1)
        urls = [getattr(self, e).api_url for e in ENVIRONMENTS]
        if len(set(urls)) != len(urls):
            raise ValueError("each environment needs its own api_url")
        return self


MODEL = Deployment
MAX_TOKENS = 1000


def pipeline(data: Deployment) -> dict:
    return {
        "deployment_integration": {
            "stages": [{s.name: list(s.steps)} for s in data.stages],
            "environments": {
                name: {
                    "database": getattr(data, name).database,
                    "services": getattr(data, name).services,
                    "monitoring": getattr(data, name).monitoring,
                }
                for name in ENVIRONMENTS
            },
        }
    }


def render(data: Deployment, ctx: RenderContext) -> str:
    env_config = {
        name: {
            "apiUrl": getattr(data, name).api_url,
            "database": TsExpr(f"process.env.{data.database_url_env}"),
            "cache": TsExpr(f"process.env.{data.cache_url_env}") if data.cache_url_env else None,
            "monitoring": getattr(data, name).monitoring,
        }
        for name in ENVIRONMENTS
    }
    return join_blocks(
        "## Deployment Integration",
        "### CI/CD Pipeline Integration",
        fence("yaml", yaml_block(pipeline(data), "Deployment integration pipeline")),
        "### Environment Configuration",
        fence("typescript", ts_const("environmentConfig", env_config, "Environment-specific integration")),
    )


def digest(data: Deployment) -> str:
    stages = " -> ".join(s.name for s in data.stages)
    return f"- pipeline: {stages}\n- env vars: {data.database_url_env}{', ' + data.cache_url_env if data.cache_url_env else ''}\n- production: {data.production.api_url}"
