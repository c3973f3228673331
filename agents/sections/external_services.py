"""## External Service Integration / ### Third-Party APIs (integration-specialist)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import TsExpr, ts_const, ts_identifier
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items, unique_names

EnvVar = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{2,63}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^ \t\n\[\]]+$", max_length=200)]


class ExternalService(SectionModel):
    name: ShortText = Field(description="the third-party product or service by its real name, as the description or brief names it")
    purpose: Text = Field(description="what this feature uses it for")
    integration_type: ShortText = Field(description="the protocols used with it, in both directions where it also calls us")
    authentication: Text = Field(description="how we authenticate, where the secret lives")
    base_url: HttpsUrl = Field(description="the service's real API base URL")
    api_key_env_var: EnvVar = Field(description="environment variable holding the secret")
    timeout_ms: int = Field(ge=100, le=120_000)
    retry_attempts: int = Field(ge=0, le=10)
    requests_per_minute: int = Field(ge=1, le=10_000_000, description="the provider's documented limit we plan for")
    burst_limit: int = Field(ge=1, le=10_000_000)
    rate_limits: Text = Field(description="the limits and how we stay under them")
    fallback_strategy: Text = Field(description="what happens when the service is down or slow")


class ExternalServices(SectionModel):
    services: items(ExternalService, 0, 3) = Field(default_factory=list, description="third-party services, most important first; empty if the feature calls and receives none")

    @field_validator("services")
    @classmethod
    def _unique(cls, value: list[ExternalService]) -> list[ExternalService]:
        unique_names(value, "name", "service")
        return value


MODEL = ExternalServices


def render(data: ExternalServices, ctx: RenderContext) -> str:
    blocks = ["## External Service Integration", "### Third-Party APIs"]
    if not data.services:
        blocks.append("None: this feature calls no third-party service and receives no calls from one.")
    for service in data.services:
        config = {
            "baseUrl": service.base_url,
            "apiKey": TsExpr(f"process.env.{service.api_key_env_var}"),
            "timeout": service.timeout_ms,
            "retryAttempts": service.retry_attempts,
            "rateLimits": {"requestsPerMinute": service.requests_per_minute, "burstLimit": service.burst_limit},
        }
        blocks.append(
            join_blocks(
                f"#### {service.name}",
                "\n".join([
                    field("Purpose", service.purpose),
                    field("Integration Type", service.integration_type),
                    field("Authentication", service.authentication),
                    field("Rate Limits", service.rate_limits),
                    field("Fallback Strategy", service.fallback_strategy),
                ]),
                fence("typescript", ts_const(ts_identifier(service.name) + "Config", config, "Service integration configuration")),
            )
        )
    return join_blocks(*blocks)


def digest(data: ExternalServices) -> str:
    if not data.services:
        return "- none: the feature uses no third-party service"
    return "\n".join(
        f"- {s.name} ({s.integration_type}); base {s.base_url}; auth: {s.authentication}; {s.requests_per_minute}/min"
        for s in data.services
    )
