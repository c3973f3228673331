"""auth_integration: identity provider object with secrets from the environment,
and RBAC bullets whose roles cover every requested API scope."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import auth_integration as section

from . import _data_helpers as h

MODEL = section.MODEL


def test_render_shape_and_typescript():
    md = h.render(section, MODEL.model_validate(h.auth_payload()))
    h.assert_section_shape("auth_integration", md)
    (code,) = h.blocks(md, "typescript")
    h.assert_ts_parses(code)
    assert "clientId: process.env.AUTH0_CLIENT_ID," in code
    assert "clientSecret: process.env.AUTH0_CLIENT_SECRET," in code
    assert "scopes: 'openid profile offline_access read:invoices pay:invoices manage:billing'" in code
    assert "refreshStrategy: 'rotating refresh tokens'" in code
    assert "expiration: 'access token 15 min, refresh 7 days'" in code


def test_rbac_bullets():
    md = h.render(section, MODEL.model_validate(h.auth_payload()))
    rbac = md.split("#### Role-Based Access Control")[1]
    assert "- **Permission Model**: RBAC + resource ownership; permissions claim" in rbac
    assert "  - `billing_admin` (finance staff): `read:invoices`, `manage:billing`" in rbac
    assert "- **Resource Access**:\n  - Customers read and pay only invoices" in rbac
    assert "- **Integration Points**:\n  - API gateway validates" in rbac


def test_public_client_has_no_secret_line():
    payload = h.auth_payload()
    del payload["client_secret_env_var"]
    payload["token_storage"] = "in-memory (SPA)"
    code = h.blocks(h.render(section, MODEL.model_validate(payload)), "typescript")[0]
    h.assert_ts_parses(code)
    assert "clientSecret" not in code


def test_digest_and_prompt():
    text = section.digest(MODEL.model_validate(h.auth_payload()))
    assert "role billing_admin: read:invoices, manage:billing" in text and "AUTH0_CLIENT_ID" in text
    assert "action:resource" in h.prompt_text("auth_integration")


def test_rejects_scope_no_role_grants():
    payload = h.auth_payload()
    payload["scopes"].append("refund:invoices")
    h.rejects(MODEL, payload, "['refund:invoices'] are not granted by any role")


def test_scopes_that_oidc_requires_are_added():
    payload = h.auth_payload()
    payload["scopes"].remove("offline_access")
    payload["scopes"].remove("openid")
    scopes = MODEL.model_validate(payload).scopes
    assert scopes[0] == "openid" and "offline_access" in scopes


def test_refresh_rotation_without_a_lifetime_gets_the_default_lifetime():
    payload = h.auth_payload()
    payload["refresh_strategy"] = "rotating refresh tokens"
    payload["refresh_token_days"] = 0
    assert MODEL.model_validate(payload).refresh_token_days == 30
    payload["refresh_strategy"] = "re-authenticate on expiry"
    assert MODEL.model_validate(payload).refresh_token_days == 0


def test_rejects_secret_in_browser_and_missing_openid():
    payload = h.auth_payload()
    payload["token_storage"] = "in-memory (SPA)"
    h.rejects(MODEL, payload, "cannot keep a client secret")


def test_rejects_bad_formats_and_duplicates():
    payload = h.auth_payload()
    payload["client_id_env_var"] = "[CLIENT_ID]"
    h.rejects(MODEL, payload, "client_id_env_var")
    payload = h.auth_payload()
    payload["token_storage"] = "localStorage"
    h.rejects(MODEL, payload, "token_storage")
    payload = h.auth_payload()
    payload["roles"].append(dict(payload["roles"][0]))
    h.rejects(MODEL, payload, "duplicate role 'customer'")
    payload = h.auth_payload()
    payload["roles"][0]["permissions"] = ["invoices"]
    h.rejects(MODEL, payload, "permissions")


def test_schema_compiles_to_a_grammar_llama_cpp_accepts():
    assert h.gbnf_problems(MODEL) == []


def test_sign_in_is_not_named_after_a_data_system_and_a_stand_in_host_is_configuration() -> None:
    from agentspec.agents.packs.integration_requirements.sections import auth_integration as auth
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    spine = DesignSpine.model_validate(SPINE)
    provider = next(x for x in spine.external_systems if x.direction == "inbound_webhook")
    answer = auth.MODEL.model_construct(**{**h.auth_payload(), "provider": "OAuth",
                                           "client_id_env_var": f"{provider.name.upper()}_CLIENT_ID",
                                           "domain": "yourcompany.com", "audience": "https://yourapi.com"})
    aligned = auth.align(answer, spine)
    assert aligned.client_id_env_var == "OAUTH_CLIENT_ID"
    rendered = auth.auth_object(aligned)
    assert "domain: process.env.OAUTH_DOMAIN" in rendered and "audience: process.env.OAUTH_AUDIENCE" in rendered
    assert "yourcompany" not in rendered


def test_the_identity_provider_is_never_a_system_the_feature_syncs_with() -> None:
    """The tenth-pass Stripe draft signed its admins in with provider 'Stripe' and a STRIPE_DOMAIN."""
    from agentspec.agents.packs.integration_requirements.sections import auth_integration as auth
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    spine = DesignSpine.model_validate(SPINE)
    answer = auth.MODEL.model_construct(**{**h.auth_payload(), "provider": "Provider", "client_id_env_var": "PROVIDER_CLIENT_ID",
                                           "client_secret_env_var": None, "domain": "dashboard.provider.com"})
    aligned = auth.align(answer, spine)
    assert aligned.provider == auth.OWN_IDENTITY_PROVIDER and aligned.client_id_env_var == "AUTH_CLIENT_ID"
    rendered = auth.auth_object(aligned)
    assert "domain: process.env.AUTH_DOMAIN" in rendered and "audience: process.env.AUTH_AUDIENCE" in rendered
    assert "provider.com" not in rendered and "process.env.AUTH_DOMAIN" in auth.digest(aligned)
    # a named identity provider keeps its own hosts
    kept = auth.align(auth.MODEL.model_construct(**h.auth_payload()), spine)
    assert kept.provider == "Auth0" and kept.client_id_env_var == "AUTH0_CLIENT_ID"
