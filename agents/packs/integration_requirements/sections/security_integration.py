"""## Security Integration (security-specialist): the template's three checklist
groups, where the model selects the standard items that apply and adds
feature-specific ones, plus the `securityMiddleware` object."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from agentspec.render.markdown import checklist, fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText, items
from ._headings import headings_of
from ._validators import no_secret

AUTHENTICATION = ("JWT token validation", "Session management", "Multi-factor authentication support", "Single sign-on integration")
AUTHORIZATION = ("Role-based access control", "Resource-level permissions", "API endpoint protection", "Data access restrictions")
DATA_SECURITY = ("Encryption in transit (TLS 1.3)", "Encryption at rest", "PII data protection", "Audit logging")

AuthnItem = Literal["JWT token validation", "Session management", "Multi-factor authentication support", "Single sign-on integration"]
AuthzItem = Literal["Role-based access control", "Resource-level permissions", "API endpoint protection", "Data access restrictions"]
DataItem = Literal["Encryption in transit (TLS 1.3)", "Encryption at rest", "PII data protection", "Audit logging"]

GROUPS = (
    ("Authentication Security", "authentication", "authentication_specific", AUTHENTICATION),
    ("Authorization Security", "authorization", "authorization_specific", AUTHORIZATION),
    ("Data Security", "data_security", "data_security_specific", DATA_SECURITY),
)


class SecurityMiddleware(SectionModel):
    auth_provider: ShortText = Field(description="identity provider and token type, as the authentication section names them")
    token_validation: ShortText = Field(description="how tokens are verified: signature source, claims checked, clock skew in seconds")
    # Refresh, roles, permission checks and keys are not asked: the authentication section and the
    # spine decide them, and render() states them from there (every recorded embedded-model answer
    # handed these fields' instructions back as their values).
    # Optional: data only operators read has no owner column, and asked for one anyway the
    # embedded model handed the instruction back as its value (the 12-04 recording lost the
    # section that way); without one, render() states the roles that alone may read it.
    resource_protection: ShortText | None = Field(
        None, description="the owner or tenant column every query on this feature's records is scoped by; omit when only operators read them")
    tls: ShortText = Field(description="minimum TLS version and transport headers")
    encryption_at_rest: ShortText = Field(description="algorithm and mechanism, and which of this feature's data it covers")

    @field_validator("*")
    @classmethod
    def _no_secrets(cls, value: str | None) -> str | None:
        # None is the optional resource_protection left out; the sixth-pass recording lost the
        # section twice on no_secret(None).
        return value if value is None else no_secret(value)


class SecurityIntegration(SectionModel):
    authentication: items(AuthnItem, 1, 4) = Field(description="standard authentication items that apply")
    authentication_specific: items(ShortText, 0, 3) = Field(default_factory=list, description="authentication requirements specific to this feature; empty if the standard items cover it")
    authorization: items(AuthzItem, 1, 4) = Field(description="standard authorization items that apply")
    authorization_specific: items(ShortText, 0, 3) = Field(default_factory=list, description="authorization requirements specific to this feature; empty if the standard items cover it")
    data_security: items(DataItem, 1, 4) = Field(description="standard data security items that apply")
    data_security_specific: items(ShortText, 0, 3) = Field(default_factory=list, description="data protection requirements specific to this feature; empty if the standard items cover it")
    middleware: SecurityMiddleware

    @field_validator("authentication", "authorization", "data_security")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("authentication_specific", "authorization_specific", "data_security_specific")
    @classmethod
    def _specific(cls, value: list[str]) -> list[str]:
        for item in value:
            no_secret(item)
        return value

    @model_validator(mode="after")
    def _not_restated(self) -> "SecurityIntegration":
        for _title, standard, specific, options in GROUPS:
            known = {o.lower() for o in options}
            for item in getattr(self, specific):
                if item.lower().rstrip(".") in known:
                    raise ValueError(
                        f"{specific}: {item!r} is a standard item; select it in {standard} and write a requirement specific to this feature instead"
                    )
        return self


MODEL = SecurityIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1000


def align(data: SecurityIntegration, spine) -> SecurityIntegration:  # noqa: ANN001 - agents.spine.DesignSpine
    """A middleware value that only repeats its field's description is replaced by what
    the spine decides, where it decides it: the roles and their guard, the secrets' names,
    how an inbound delivery is verified. One it does not decide is left for the gate."""
    from agentspec.agents.spine_gate import echoes_field

    echoed = {name for name in SecurityMiddleware.model_fields
              if echoes_field(SecurityMiddleware, name, getattr(data.middleware, name))}
    derived = _from_spine(spine)
    update = {name: derived[name] for name in echoed if name in derived}
    if "resource_protection" in echoed:
        update["resource_protection"] = None  # optional: render() states the roles that alone read the records
    return data.model_copy(update={"middleware": data.middleware.model_copy(update=update)}) if update else data


def _from_spine(spine) -> dict[str, str]:  # noqa: ANN001
    values: dict[str, str] = {}
    inbound = [x for x in spine.external_systems if x.direction == "inbound_webhook"]
    if inbound:
        values["token_validation"] = "; ".join(f"{x.name} deliveries: {x.auth}" for x in inbound)
    return {k: v[:160] for k, v in values.items()}


def _owned_rows(schema) -> list[str]:  # noqa: ANN001 - DatabaseSchema | None
    """The feature's tables whose rows belong to a row of an existing table (a foreign key to it,
    `stripe_subscriptions.user_id`): records a caller may read only for their own holder."""
    from .database_schema import foreign_keys, singular

    if schema is None:
        return []
    existing = {t.name for t in schema.tables if t.existing}
    return [f"{fk.child} rows belong to a {fk.parent} row ({fk.child}.{fk.column}): a request reads only those of "
            f"the signed-in caller's {singular(fk.parent)}, checked in the query"
            for fk in foreign_keys(schema) if fk.parent in existing and fk.child not in existing]


def _decided(spine, auth, schema=None) -> dict[str, str]:  # noqa: ANN001 - DesignSpine | None, AuthIntegration | None
    """The middleware values other sections decide, stated from them."""
    owned = _owned_rows(schema)
    roles = [r.name for r in spine.roles] if spine else [r.name for r in auth.roles] if auth else []
    secrets = [s.name for s in spine.settings if s.secret] if spine else []
    refresh = "as the authentication section states"
    if auth is not None:
        refresh = f"{auth.refresh_strategy}, access token {auth.access_token_minutes} min" + (
            f", refresh {auth.refresh_token_days} d" if auth.refresh_token_days else "")
    return {
        "refresh": refresh,
        "rbac": f"roles {', '.join(roles)}, checked by the API guard before each handler runs" if roles
                else "no roles: the feature has no guarded page or operator endpoint",
        "resources": "; ".join(owned) if owned
                     else f"no per-owner records: only {', '.join(roles)} may read them, through the guarded endpoints" if roles
                     else "no per-owner records and no guarded endpoint",
        "permissions": auth.permission_claim if auth is not None else "each route's role from the design spine is required",
        "keys": f"secrets only in environment variables ({', '.join(secrets)}), never in code or logs" if secrets
                else "no secrets: the feature reads none",
    }


def render(data: SecurityIntegration, ctx: RenderContext) -> str:
    from agentspec.agents.spine import SPINE_ID

    spine = ctx.sections.get(SPINE_ID)
    # How each inbound delivery is proven genuine is the spine's decision, stated here
    # whatever the answer chose among the standard items.
    verified = [f"{x.name} deliveries verified: {x.auth}" for x in (spine.external_systems if spine else [])
                if x.direction == "inbound_webhook"]
    groups = []
    for number, (title, standard, specific, options) in enumerate(GROUPS, start=1):
        chosen = set(getattr(data, standard))
        lines = [o for o in options if o in chosen] + list(getattr(data, specific)) + (verified if number == 1 else [])
        groups.append(f"{number}. **{title}**\n" + checklist(lines, indent=3))
    m = data.middleware
    auth = ctx.sections.get("auth_integration")
    decided = _decided(spine, auth, ctx.sections.get("database_schema"))
    # Who signs users in is the auth section's decision (the tenth-pass answer put the webhook's
    # signature check here as the "provider").
    provider = auth.provider if auth is not None else m.auth_provider
    middleware = {
        "authentication": {"provider": provider, "validation": m.token_validation, "refresh": decided["refresh"]},
        "authorization": {"rbac": decided["rbac"], "permissions": decided["permissions"], "resources": m.resource_protection or decided["resources"]},
        "encryption": {"transit": m.tls, "rest": m.encryption_at_rest, "keys": decided["keys"]},
    }
    section, requirements_heading, points_heading = HEADINGS
    return join_blocks(
        section,
        requirements_heading,
        "\n\n".join(groups),
        points_heading,
        fence("typescript", ts_const("securityMiddleware", middleware, "Security middleware integration")),
    )


def digest(data: SecurityIntegration) -> str:
    m = data.middleware
    specific = data.authentication_specific + data.authorization_specific + data.data_security_specific
    return f"- auth: {m.auth_provider}; {m.token_validation}\n- data: {m.encryption_at_rest}\n- specific: " + ("; ".join(specific) or "none")
