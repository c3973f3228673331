"""### Authentication & Authorization Integration / #### Identity Provider
Integration / #### Role-Based Access Control (security-specialist).

Identity provider settings render as the template's `authIntegration` object
(the client id is read from the environment, never inlined); roles and their
permissions render as the RBAC bullets. Validators keep scopes, roles and the
refresh strategy consistent."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from agentspec.render.markdown import bullets, field, fence, join_blocks
from agentspec.render.typescript import TsExpr, ts_const
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, Text, items
from ._headings import headings_of
from ._validators import EnvVar
from agentspec.agents.spine import named_after

def _host_only(value: object) -> object:
    """A URL where a host is asked for has one meaning: its host (`https://x.eu.auth0.com/` is `x.eu.auth0.com`)."""
    if isinstance(value, str) and "://" in value:
        return (urlsplit(value.strip()).hostname or value).lower()
    return value


Hostname = Annotated[str, BeforeValidator(_host_only), StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?([.][a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", max_length=120)]
Audience = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(https://[a-z0-9.-]+(/[A-Za-z0-9._~/-]*)?|[a-z][a-z0-9+.-]*:[A-Za-z0-9._:/-]+)$", max_length=160)]
Scope = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)?$", max_length=60)]
Permission = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$", max_length=60)]

TokenStorage = Literal["httpOnly secure cookie", "in-memory (SPA)", "server-side session", "secure device storage"]
RefreshStrategy = Literal["rotating refresh tokens", "silent authentication", "sliding server session", "re-authenticate on expiry"]
PermissionModel = Literal["RBAC", "RBAC + resource ownership", "ABAC", "ReBAC"]

DEFAULT_ROTATING_REFRESH_DAYS = 30  # Auth0's default absolute refresh-token lifetime
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


class Role(SectionModel):
    name: Ident = Field(description="snake_case role named after who holds it in this feature")
    description: ShortText = Field(description="who holds it")
    permissions: items(Permission, 1, 8) = Field(description="lowercase action:resource, the resource being this feature's own")


class AuthIntegration(SectionModel):
    provider: ShortText = Field(description="identity provider product the brief or stack implies, by product name")
    client_id_env_var: EnvVar = Field(description="UPPER_SNAKE_CASE environment variable with the OAuth client id, prefixed with the provider name")
    client_secret_env_var: EnvVar | None = Field(None, description="environment variable with the client secret, only for confidential server-side clients")
    domain: Hostname = Field(description="tenant or issuer host: a tenant-specific domain under the company's own domain or the identity provider's tenant domain")
    audience: Audience = Field(description="API identifier the access token is issued for: our own API's https origin on the company's own domain, optionally with this feature's path")
    scopes: items(Scope, 1, 10) = Field(description="requested scopes: OIDC ones (openid, profile, offline_access) and API permissions")
    token_storage: TokenStorage
    refresh_strategy: RefreshStrategy
    access_token_minutes: int = Field(ge=1, le=1440, description="access token lifetime")
    refresh_token_days: int = Field(0, ge=0, le=90, description="refresh token or session lifetime; 0 if none")
    permission_model: PermissionModel
    permission_claim: ShortText = Field(description="where permissions travel (which token claim or session field) and where they are checked")
    roles: items(Role, 1, 5)
    resource_rules: items(Text, 0, 4) = Field(default_factory=list, description="resource-level access rules: who may read or change which of this feature's records (ownership, tenant); empty when roles alone decide")
    integration_points: items(ShortText, 1, 4) = Field(description="where checks are enforced: the layer and what it verifies")

    @model_validator(mode="before")
    @classmethod
    def _routes_are_not_permissions(cls, data: object) -> object:
        """`POST /api/v1/webhooks` among scopes or permissions is a route, not a grant:
        dropped (the recorded Stripe answer put its receiver there). What grants it is the
        role the spine gives the route's caller (align)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("scopes"), list):
            data["scopes"] = [s for s in data["scopes"] if not _is_route(s)]
        if isinstance(data.get("roles"), list):
            data["roles"] = [{**r, "permissions": [p for p in r["permissions"] if not _is_route(p)]}
                             if isinstance(r, dict) and isinstance(r.get("permissions"), list) else r for r in data["roles"]]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "AuthIntegration":
        _unique(self.scopes, "scope")
        _unique([r.name for r in self.roles], "role")
        granted: set[str] = set()
        for role in self.roles:
            _unique(role.permissions, f"permission of role {role.name}")
            granted.update(role.permissions)
        # OIDC fixes these scopes for these choices: implied by the answer, so added, not re-asked.
        if "openid" not in self.scopes:
            self.scopes.insert(0, "openid")
        if self.refresh_strategy == "rotating refresh tokens":
            if "offline_access" not in self.scopes:
                self.scopes.append("offline_access")
            if self.refresh_token_days == 0:
                # 0 means "none", which rotation contradicts; the common absolute lifetime applies.
                self.refresh_token_days = DEFAULT_ROTATING_REFRESH_DAYS
        if self.client_secret_env_var and self.token_storage in {"in-memory (SPA)", "secure device storage"}:
            raise ValueError("a browser or mobile app cannot keep a client secret; drop client_secret_env_var (use PKCE) or store tokens server-side")
        if self.token_storage == "in-memory (SPA)" and self.refresh_strategy == "sliding server session":
            raise ValueError("an in-memory SPA token has no server session to slide; use silent authentication or rotating refresh tokens")
        api_scopes = [s for s in self.scopes if s not in OIDC_SCOPES]
        if not api_scopes and granted:
            # Only OIDC scopes, next to roles that grant permissions: the token asks for
            # what the roles grant (the 1.5B model left them out on both recorded cases).
            api_scopes = sorted(granted)[: 10 - len(self.scopes)]
            self.scopes += api_scopes
        ungranted = [s for s in api_scopes if s not in granted]
        if ungranted:
            raise ValueError(f"scopes {ungranted} are not granted by any role; add them to a role's permissions or drop them")
        if not api_scopes:
            raise ValueError("scopes must include at least one API permission (lowercase action:resource for this feature's resources) besides the OIDC scopes")
        return self


_ROUTE = re.compile(r"^\s*(GET|POST|PUT|PATCH|DELETE)\s+/", re.I)


def _is_route(value: object) -> bool:
    return isinstance(value, str) and bool(_ROUTE.match(value))


def align(data: AuthIntegration, spine) -> AuthIntegration:  # noqa: ANN001 - agents.spine.DesignSpine
    """The roles are the spine's (name, who holds them, permissions), so the guard, the
    pages and this section name the same roles; the API scopes are what they grant."""
    data = _not_another_systems_credentials(data, spine)
    if not spine.roles:
        return data
    roles = [Role(name=r.name, description=r.who, permissions=list(r.permissions)) for r in spine.roles][:5]
    granted = list(dict.fromkeys(p for r in roles for p in r.permissions))
    oidc = [s for s in data.scopes if s in OIDC_SCOPES]
    scopes = (oidc + [p for p in granted if p not in oidc])[:10]
    return data.model_copy(update={"roles": roles, "scopes": scopes})


# What signs the feature's users in when the description names no identity provider.
OWN_IDENTITY_PROVIDER = "the organisation's existing OIDC identity provider"


def _not_another_systems_credentials(data: AuthIntegration, spine) -> AuthIntegration:  # noqa: ANN001
    """Sign-in credentials are named after the identity provider, never after a system the
    feature only exchanges data with: the ninth-pass Stripe draft read the admin's OAuth client
    id from STRIPE_CLIENT_ID, as if Stripe signed the admins in."""
    partners = [x for x in spine.external_systems if x.direction != "identity_provider"]
    others = {re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") for x in partners for name in (x.name, x.id)}
    fixes: dict[str, object] = {}
    if any(named_after(data.provider, x) for x in partners):
        # Nor is the identity provider a system the feature syncs with: the tenth-pass Stripe
        # draft signed its admins in with provider 'Stripe', openid scopes and a STRIPE_DOMAIN.
        fixes["provider"] = OWN_IDENTITY_PROVIDER
    own = "AUTH" if fixes else (re.sub(r"[^A-Z0-9]+", "_", data.provider.upper()).strip("_") or "AUTH")
    for field_name in ("client_id_env_var", "client_secret_env_var"):
        value = getattr(data, field_name)
        prefix = next((o for o in sorted(others, key=len, reverse=True) if value and value.startswith(o + "_")), None)
        if prefix:
            fixes[field_name] = own + value[len(prefix):]
    return data.model_copy(update=fixes) if fixes else data


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


MODEL = AuthIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1200


def _expiration(data: AuthIntegration) -> str:
    text = f"access token {data.access_token_minutes} min"
    if data.refresh_token_days:
        text += f", refresh {data.refresh_token_days} days"
    return text


# A host the model made up for "the company's own domain": the spec cannot know it, so it is configuration.
_STAND_IN_HOST = re.compile(r"your|example\.|company\.com|acme|mycompany|domain\.com", re.I)


def _configured(value: str, data: AuthIntegration, what: str) -> object:
    """A stand-in host (`yourcompany.com`, `https://yourapi.com`) is read from the environment
    instead, named like the client id's variable (AUTH0_CLIENT_ID -> AUTH0_DOMAIN)."""
    if not _STAND_IN_HOST.search(value) and data.provider != OWN_IDENTITY_PROVIDER:
        return value  # an unnamed identity provider's hosts are the organisation's: configuration
    prefix = data.client_id_env_var.rsplit("_CLIENT_ID", 1)[0] if data.client_id_env_var.endswith("_CLIENT_ID") else "AUTH"
    return TsExpr(f"process.env.{prefix}_{what}")


def auth_object(data: AuthIntegration) -> str:
    value = {
        "provider": data.provider,
        "configuration": {
            "clientId": TsExpr(f"process.env.{data.client_id_env_var}"),
            **({"clientSecret": TsExpr(f"process.env.{data.client_secret_env_var}")} if data.client_secret_env_var else {}),
            "domain": _configured(data.domain, data, "DOMAIN"),
            "audience": _configured(data.audience, data, "AUDIENCE"),
            "scopes": " ".join(data.scopes),
        },
        "tokenManagement": {
            "storage": data.token_storage,
            "refreshStrategy": data.refresh_strategy,
            "expiration": _expiration(data),
        },
    }
    return ts_const("authIntegration", value, "Authentication integration")


def _said(value: object) -> str:
    return value.code if isinstance(value, TsExpr) else str(value)


def _nested(label: str, values: list[str], empty: str = "none") -> str:
    if not values:
        return field(label, empty)
    if len(values) == 1:
        return field(label, values[0])
    return f"- **{label}**:\n" + bullets(values, indent=2)


def render(data: AuthIntegration, ctx: RenderContext) -> str:
    roles = "\n".join(
        f"  - `{r.name}` ({' '.join(r.description.split())}): " + ", ".join(f"`{p}`" for p in r.permissions)
        for r in data.roles
    )
    rbac = "\n".join([
        field("Permission Model", f"{data.permission_model}; {data.permission_claim}"),
        "- **Role Definitions**:",
        roles,
        _nested("Resource Access", data.resource_rules, "no record-level rules: the role permissions above decide access"),
        _nested("Integration Points", data.integration_points),
    ])
    section, provider_heading, rbac_heading = HEADINGS
    return join_blocks(
        section,
        provider_heading,
        fence("typescript", auth_object(data)),
        rbac_heading,
        rbac,
    )


def digest(data: AuthIntegration) -> str:
    lines = [
        f"Identity provider: {data.provider} ({_said(_configured(data.domain, data, 'DOMAIN'))}), "
        f"audience {_said(_configured(data.audience, data, 'AUDIENCE'))}, client id in {data.client_id_env_var}",
        f"Scopes: {' '.join(data.scopes)}; tokens: {data.token_storage}, {data.refresh_strategy}, {_expiration(data)}",
        f"Permission model: {data.permission_model}",
    ]
    lines += [f"- role {r.name}: {', '.join(r.permissions)}" for r in data.roles]
    return "\n".join(lines)


def spine_checks(data: AuthIntegration, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """The roles are the design spine's, with at least its permissions."""
    decided = {r.name: r for r in spine.roles}
    problems = [f"role {r.name} is not in the design spine; use only: {', '.join(decided) or 'none'}"
                for r in data.roles if r.name not in decided]
    mine = {r.name: set(r.permissions) for r in data.roles}
    for name, role in decided.items():
        if name not in mine:
            problems.append(f"the design spine's role {name} is missing; add it")
        elif missing := [p for p in role.permissions if p not in mine[name]]:
            problems.append(f"role {name} lacks the design spine's permissions {missing}")
    return problems
