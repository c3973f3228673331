from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import security_integration as section
from agentspec.agents.packs.integration_requirements.sections.security_integration import SecurityIntegration

from ._general_helpers import assert_rejects, check_rendered, code_blocks

MIDDLEWARE = {
    "auth_provider": "Auth0 (OIDC), RS256 access tokens",
    "token_validation": "verify signature via Auth0 JWKS, check iss, aud=billing-api and exp, 60s clock skew",
    "resource_protection": "workspace_id from the token scopes every subscriptions query",
    "tls": "TLS 1.3 only, HSTS max-age=31536000",
    "encryption_at_rest": "AES-256 RDS storage encryption; Stripe customer ids are not secrets",
}
DATA = {
    "authentication": ["JWT token validation", "Session management"],
    "authentication_specific": ["Verify the Stripe-Signature header on every webhook with a 5-minute tolerance"],
    "authorization": ["Role-based access control", "API endpoint protection", "Resource-level permissions"],
    "authorization_specific": ["Only workspace owners can open a Checkout session for their workspace"],
    "data_security": ["Encryption in transit (TLS 1.3)", "Audit logging"],
    "data_security_specific": ["Never store card data: Stripe Checkout collects it (PCI SAQ A)", "Redact Stripe event payloads in logs"],
    "middleware": MIDDLEWARE,
}


def test_renders_selected_standard_and_specific_items() -> None:
    md = check_rendered(section, SecurityIntegration.model_validate(DATA))
    assert "1. **Authentication Security**\n   - [ ] JWT token validation\n   - [ ] Session management\n   - [ ] Verify the Stripe-Signature" in md
    assert "2. **Authorization Security**" in md and "3. **Data Security**" in md
    # standard items in template order regardless of the model's order; unselected ones left out
    authz = md.split("2. **Authorization Security**", 1)[1].split("3. **Data Security**", 1)[0]
    assert authz.index("Role-based access control") < authz.index("Resource-level permissions") < authz.index("API endpoint protection")
    assert "Data access restrictions" not in md and "Multi-factor authentication support" not in md
    [(lang, ts)] = code_blocks(md)
    assert lang == "typescript" and "const securityMiddleware = {" in ts
    for key in ("authentication:", "authorization:", "encryption:", "provider:", "validation:", "refresh:", "rbac:", "permissions:", "resources:", "transit:", "rest:", "keys:"):
        assert key in ts


def test_duplicate_selection_is_merged() -> None:
    data = SecurityIntegration.model_validate(dict(DATA, authentication=["JWT token validation", "JWT token validation"]))
    assert data.authentication == ["JWT token validation"]


def test_validators() -> None:
    assert_rejects(SecurityIntegration, dict(DATA, authentication=["Passwordless magic links"]), "authentication")
    assert_rejects(SecurityIntegration, dict(DATA, authorization_specific=["Role-based access control"]), "is a standard item", "authorization")
    # A requirement listed twice is the same requirement: the repeat goes, no re-ask.
    twice = SecurityIntegration.model_validate(dict(DATA, data_security_specific=["Audit all reads", "audit all reads."]))
    assert twice.data_security_specific == ["Audit all reads"]
    leaked = dict(MIDDLEWARE, encryption_at_rest="api_key: sk_live_51Habc123XYZ")
    assert_rejects(SecurityIntegration, dict(DATA, middleware=leaked), "never put secrets")
    assert_rejects(SecurityIntegration, dict(DATA, middleware=dict(MIDDLEWARE, auth_provider="[AUTH_PROVIDER]")), "placeholder")
    assert_rejects(SecurityIntegration, dict(DATA, authentication=[]), "authentication")


def test_empty_specific_lists_render_only_the_standard_items() -> None:
    """A group whose standard items cover the feature has no specific requirement: its
    checklist holds just the selected standard items, never an empty list."""
    data = dict(DATA, authentication_specific=[], authorization_specific=[], data_security_specific=[])
    md = check_rendered(section, SecurityIntegration.model_validate(data))
    assert "1. **Authentication Security**\n   - [ ] JWT token validation\n   - [ ] Session management\n\n2. **Authorization Security**" in md
    assert "Stripe-Signature" not in md
    assert "- specific: none" in section.digest(SecurityIntegration.model_validate(data))


def test_resource_protection_left_out_validates() -> None:
    """Data only operators read has no owner column: the answer leaves resource_protection
    out, and the secrets check must not choke on the None (the sixth-pass recording lost the
    section twice that way)."""
    for middleware in ({k: v for k, v in MIDDLEWARE.items() if k != "resource_protection"},
                       dict(MIDDLEWARE, resource_protection=None)):
        data = SecurityIntegration.model_validate(dict(DATA, middleware=middleware))
        assert data.middleware.resource_protection is None
        check_rendered(section, data)
