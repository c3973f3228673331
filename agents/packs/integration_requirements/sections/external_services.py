"""## External Service Integration / ### Third-Party APIs (integration-specialist)."""

from __future__ import annotations

import re

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from agentspec.render.markdown import field, fence, join_blocks
from agentspec.render.typescript import TsExpr, ts_const, ts_identifier
from agentspec.section import RenderContext, SectionModel, ShortText, Text, items, unique_names
from ._headings import headings_of
from ._validators import EnvVar
from agentspec.agents.spine import VERIFIED

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
HEADINGS = headings_of(__name__)

# How each spine direction reads as the template's "Integration Type".
_DIRECTION_TEXT = {
    "inbound_webhook": "inbound webhooks (the provider calls us)",
    "outbound_api": "outbound REST API calls (we call the provider)",
    "polling": "scheduled polling of the provider's API",
    "file_import": "file import (the provider drops files we read)",
    "file_export": "file export (we deliver files to the provider)",
    "identity_provider": "identity provider (sign-in and tokens)",
    "inbound_stream": "inbound event stream",
    "outbound_notification": "outbound notifications (we send through the provider)",
}


def align(data: ExternalServices, spine) -> ExternalServices:  # noqa: ANN001 - agents.spine.DesignSpine
    """The services are the spine's external systems: each answer's service that names
    one takes the system's name and its integration type from the spine's directions
    (with the receiver path for a webhook); a service the spine lacks is dropped, since
    the spine decided who the feature talks to. An inbound webhook's authentication
    states the spine's verification when the answer named none (an API key is how we
    call a provider, not how it proves a delivery)."""
    by_system = {}
    for service in data.services:
        system = _system_named(service.name, spine)
        if system is not None and system.id not in by_system:
            by_system[system.id] = (system, service)
    services = []
    for system, service in by_system.values():
        interfaces = [x for x in spine.external_systems if x.name == system.name or x.id == system.id]
        directions = [x.direction for x in interfaces]
        kinds = "; ".join(dict.fromkeys(_DIRECTION_TEXT[d] + _receiver(spine, system) * (d == "inbound_webhook") for d in directions))
        auth = service.authentication
        if "inbound_webhook" in directions and (len(interfaces) > 1 or not VERIFIED.search(auth)):
            # How each interface is authenticated is the spine's: a delivery by its verification,
            # our own calls by their credential (an API key is never how a delivery is proven).
            auth = ". ".join(f"{_AUTH_LABEL.get(x.direction, x.direction.replace('_', ' '))}: {x.auth}" for x in interfaces)
        update = {"name": system.name, "integration_type": kinds, "authentication": auth}
        if set(directions) & _FILES:
            # Files are fetched or delivered by logging in to the partner's server or bucket, as the
            # spine decided (the SFTP answer said "basic" auth and an API key for an SFTP server).
            secret = next((st.name for st in spine.settings if st.secret and st.name in system.auth), None)
            update.update(authentication=system.auth, **({"api_key_env_var": secret} if secret else {}))
        limit = _documented_limit(system)
        if limit is not None:
            # The provider's documented limit, not the answer's: the eleventh-pass Stripe answer
            # planned for 1,000 requests per minute with bursts of 500 (Stripe allows 25 per
            # second to an endpoint, 100 per second for the whole account).
            update.update(requests_per_minute=limit.per_minute, burst_limit=limit.requests if limit.per == "s" else limit.per_minute,
                          rate_limits=f"{limit.scope} ({limit.source_url})")
        services.append(service.model_copy(update=update))
    return data.model_copy(update={"services": services})


def _documented_limit(system):  # noqa: ANN001, ANN202 - ExternalSystem -> knowledge.schema.RateLimit | None
    from agentspec.agents.knowledge.briefing import notes_for

    return next((p.rate_limit for p in notes_for(system) if p.rate_limit), None)


_FILES = {"file_import", "file_export"}
_AUTH_LABEL = {"inbound_webhook": "Deliveries", "outbound_api": "Our calls", "polling": "Our polling"}


def rate_limits(service: ExternalService) -> str:
    """The limits as the configuration below states them, then the answer's words on how we
    stay under them when they give no number of their own: the ninth-pass answer wrote "100
    requests per minute" above a configuration of 1000 per minute."""
    if moves_files(service):
        return "none to plan for: one login per run, and the run's files are fetched or delivered one at a time"
    said = f"{service.requests_per_minute} requests per minute, bursts of {service.burst_limit}"
    if "(https://" in service.rate_limits:
        return f"{said}: {service.rate_limits}"  # the provider's documented limit, with its page (align)
    return said if re.search(r"\d", service.rate_limits) else f"{said}; {service.rate_limits}"


def spine_checks(data: ExternalServices, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """Every external system the spine decided on is described here: the ninth-pass Stripe
    answer listed no service at all, so the section said nothing of Stripe's base URL,
    credentials, timeout or limits, and the outbound timeout concern stayed open."""
    described = {system.name for system in (_system_named(s.name, spine) for s in data.services) if system is not None}
    missing = list(dict.fromkeys(x.name for x in spine.external_systems if x.name not in described))
    return [f"the design spine's external system {name} is missing: add it as a service with its real base URL, "
            "credential variable, timeout, retries and documented rate limit" for name in missing]


def _system_named(name: str, spine):  # noqa: ANN001, ANN202
    """The spine's external system a service name means: its name or id is a word of it, or it of them."""
    said = name.lower()
    for x in spine.external_systems:
        names = {x.name.lower(), x.id.replace("_", " ").lower()}
        if any(n in said or said in n for n in names if n):
            return x
    return None


def _receiver(spine, system) -> str:  # noqa: ANN001
    path = next((e.path for e in spine.endpoints if e.kind == "webhook_receiver" and e.caller == system.id), None)
    path = path or next((e.path for e in spine.endpoints if e.kind == "webhook_receiver"), None)
    return f" to POST {path}" if path else ""


def provider_facts_block(description: str) -> str | None:
    """The sourced facts of each provider the description names (agents/knowledge/providers.yaml),
    so the spec states them as the provider documents them, with the page to check."""
    from agentspec.agents.knowledge.briefing import named_providers

    lines = [f"- {note.name}: {fact.fact} ([source]({fact.source_url}))"
             for note in named_providers(description) for fact in note.facts]
    if not lines:
        return None
    return "**Provider facts** (from agentspec's knowledge library, each from the provider's documentation):\n" + "\n".join(lines)


def render(data: ExternalServices, ctx: RenderContext) -> str:
    section, apis_heading = HEADINGS
    blocks = [section, apis_heading]
    if not data.services:
        blocks.append("None: this feature calls no third-party service and receives no calls from one.")
    for service in data.services:
        config = _file_config(service) if moves_files(service) else {
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
                    field("Rate Limits", rate_limits(service)),
                    field("Fallback Strategy", service.fallback_strategy),
                ]),
                fence("typescript", ts_const(ts_identifier(service.name) + "Config", config, "Service integration configuration")),
            )
        )
    blocks.append(provider_facts_block(ctx.description))
    return join_blocks(*blocks)


def moves_files(service: ExternalService) -> bool:
    """A partner's file server or bucket (align states its integration type from the spine)."""
    return service.integration_type.startswith(("file import", "file export"))


def _file_config(service: ExternalService) -> dict[str, object]:
    """How a file server is reached: its host, the protocol's port and the key, not an API's base URL and rate."""
    sftp = bool(re.search(r"s?ftp|ssh", f"{service.name} {service.authentication} {service.base_url}", re.I))
    host = re.sub(r"^\w+://", "", service.base_url).split("/", 1)[0]
    config: dict[str, object] = {"protocol": "sftp" if sftp else "object storage", "host": host}
    if sftp:
        config.update(port=22, privateKey=TsExpr(f"process.env.{service.api_key_env_var}"))
    else:
        config["credentials"] = TsExpr(f"process.env.{service.api_key_env_var}")
    return {**config, "timeout": service.timeout_ms, "retryAttempts": service.retry_attempts}


def digest(data: ExternalServices) -> str:
    if not data.services:
        return "- none: the feature uses no third-party service"
    return "\n".join(
        f"- {s.name} ({s.integration_type}); base {s.base_url}; auth: {s.authentication}; {s.requests_per_minute}/min"
        for s in data.services
    )
