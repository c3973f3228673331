"""A value that repeats its field's description is sent back, or replaced by what the spine decides."""

from __future__ import annotations

import copy
import json

from agentspec.agents.registry import by_id
from agentspec.agents.spine_gate import echoed_descriptions

from tests.sections._general_helpers import ROOT

RECORDED = json.loads((ROOT / "tests" / "fixtures" / "recorded" / "spec.json").read_text(encoding="utf-8"))


def _recorded(section_id: str):
    return by_id()[section_id].model.model_validate(RECORDED["sections"][section_id]["data"])


def _echoing_security() -> dict:
    """The security answer with every middleware value set to its field's description, as
    the recorded embedded-model drafts wrote it."""
    from agentspec.agents.packs.integration_requirements.sections.security_integration import SecurityMiddleware

    data = json.loads(json.dumps(RECORDED["sections"]["security_integration"]["data"]))
    data["middleware"] = {name: info.description for name, info in SecurityMiddleware.model_fields.items()}
    return data


def test_an_echoed_instruction_is_found_and_an_offered_option_is_not() -> None:
    security = by_id()["security_integration"].model
    echoes = echoed_descriptions(security, _echoing_security())
    assert echoed_descriptions(security, RECORDED["sections"]["security_integration"]["data"]) == []
    assert any(e.startswith("middleware.token_validation repeats its field description") for e in echoes)
    flow = by_id()["data_flow"].model
    data = json.loads(json.dumps(RECORDED["sections"]["data_flow"]["data"]))
    data["sources"][0]["frequency"] = "real-time per message"  # one of the options the description offers
    assert echoed_descriptions(flow, data) == []


def test_security_middleware_states_what_the_spine_and_auth_decide(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import security_integration

    from agentspec.render.typescript import ts_value
    from tests.sections._general_helpers import context

    aligned = security_integration.align(security_integration.MODEL.model_validate(_echoing_security()), spine)
    assert aligned.middleware.token_validation == "Provider deliveries: HMAC signature over the raw body"
    left = {e.split(" ", 1)[0] for e in echoed_descriptions(security_integration.MODEL, aligned.model_dump())}
    assert "middleware.token_validation" not in left and "middleware.tls" in left  # what the spine does not decide: gate
    md = security_integration.render(aligned, context(sections={"design_spine": spine}))
    assert "rbac: 'roles sync_viewer, checked by the API guard before each handler runs'" in md
    assert "keys: 'secrets only in environment variables (PROVIDER_WEBHOOK_SECRET), never in code or logs'" in md
    assert "refresh: 'as the authentication section states'" in md
    # who signs users in is the auth section's: not the webhook's signature check the answer named
    auth = _recorded("auth_integration")
    md = security_integration.render(aligned, context(sections={"design_spine": spine, "auth_integration": auth}))
    assert f"provider: {ts_value(auth.provider)}" in md  # quoted as the renderer quotes it


def test_a_not_supported_mobile_echo_states_the_spines_reason(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import compatibility

    data = _recorded("compatibility").model_copy(update={"android": "not supported when the feature has no mobile use"})
    assert compatibility.align(data, spine).android == "not supported: the design has no mobile client"


def test_echoed_readiness_checks_are_the_spines_dependencies(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import monitoring

    data = _recorded("monitoring").model_copy(update={"readiness_checks": ["dependencies required to serve traffic"]})
    assert monitoring.align(data, spine).readiness_checks == ["app_db (database) answers a cheap query"]


def test_security_requirements_state_how_each_inbound_delivery_is_verified(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import security_integration

    from tests.sections._general_helpers import context

    md = security_integration.render(_recorded("security_integration"), context(sections={"design_spine": spine}))
    auth = md.split("2. **Authorization Security**")[0]
    assert "   - [ ] Provider deliveries verified: HMAC signature over the raw body" in auth


def test_performance_caches_nothing_the_design_does_without(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import performance

    aligned = performance.align(_recorded("performance"), spine)  # the spine has a page but no cache
    assert aligned.config.application_cache == "nothing: the design has no cache"
    assert aligned.config.bundling == _recorded("performance").config.bundling


def test_health_checks_probe_only_what_the_design_has(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import monitoring

    data = _recorded("monitoring").model_copy(update={"readiness_checks": ["redis ping", "postgres SELECT 1"]})
    assert monitoring.align(data, spine).readiness_checks == ["postgres SELECT 1"]  # the spine has no cache


def test_one_clause_of_a_description_handed_back_is_an_echo_and_an_optional_one_is_dropped(spine) -> None:
    """The tenth-pass security answer's resource_protection was the description's first clause."""
    from agentspec.agents.packs.integration_requirements.sections import security_integration as security

    data = json.loads(json.dumps(RECORDED["sections"]["security_integration"]["data"]))
    data["middleware"]["resource_protection"] = "tenant column every query on this feature's records is scoped by"
    found = echoed_descriptions(security.MODEL, data)
    assert [e.split(" repeats")[0] for e in found] == ["middleware.resource_protection"]
    aligned = security.align(security.MODEL.model_validate(data), spine)
    assert aligned.middleware.resource_protection is None  # render states the roles that alone read the records
    data["middleware"]["resource_protection"] = "customer_id on invoices, checked by every query"
    assert echoed_descriptions(security.MODEL, data) == []


def test_a_desktop_os_refused_without_a_reason_is_stated_from_the_design(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import compatibility

    answer = _recorded("compatibility").model_copy(update={"windows": "not supported and why", "linux": "Not supported",
                                                            "macos": "12+", "ios": "not supported and why"})
    aligned = compatibility.align(answer, spine)  # the spine's admin page is a web UI
    compatibility.MODEL.model_validate(aligned.model_dump())  # what align states passes the section's own rules
    assert aligned.windows == aligned.linux == "any version that runs the browsers above: the UI is a web page"
    assert aligned.macos == "12+" and aligned.ios == "not supported: the design has no mobile client"
    headless = spine.model_copy(update={"surfaces": [], "components": [c for c in spine.components if c.kind != "web_ui"]})
    assert compatibility.align(answer, headless).windows.startswith("not supported: the feature has no user interface")


def test_another_fields_description_handed_back_is_an_echo() -> None:
    """The tenth-pass deployment answer listed monitoring's instruction as a pipeline step."""
    from agentspec.agents.packs.integration_requirements.sections import deployment
    from agentspec.agents.packs.integration_requirements.sections.deployment import Environment

    steps = ["run the migrations", Environment.model_fields["monitoring"].description]
    data = {"stages": [{"name": "deployment", "steps": steps}], "database_url_env": "DATABASE_URL"}
    found = echoed_descriptions(deployment.MODEL, data)
    assert found == [f"stages[0].steps repeats the description of field monitoring ({steps[1][:60]!r}); write this feature's actual value"]
    data["stages"][0]["steps"] = ["run the migrations", "roll out behind a health-check gate"]
    assert echoed_descriptions(deployment.MODEL, data) == []


def test_monitoring_alerts_on_what_the_designs_archetypes_watch(spine):
    """The tenth-pass Stripe answer alerted on invoice counts, not on a delivery that failed."""
    from agentspec.agents.knowledge.completion import complete
    from agentspec.agents.knowledge.coverage import archetypes_for
    from agentspec.agents.packs.integration_requirements.sections import monitoring

    spine, _ = complete(spine)
    spine.archetypes = [a.id for a in archetypes_for(spine)]
    data = _recorded("monitoring").model_copy(update={"alert_rules": ["stripe_invoices_count > 100"]})
    aligned = monitoring.align(data, spine)
    assert aligned.alert_rules[0] == "webhook_signature_failures_total: more than 10 in 15 min: page; any for 1 h: warn"
    assert len(aligned.alert_rules) == 4 and "stripe_invoices_count > 100" not in aligned.alert_rules
    assert aligned.metrics_collection.startswith("webhook_signature_failures_total, ")
    monitoring.MODEL.model_validate(aligned.model_dump())  # within the section's bounds
    spine.archetypes = []
    assert monitoring.align(data, spine).alert_rules == ["stripe_invoices_count > 100"]  # no archetype: the answer's


def test_no_shared_cache_keeps_what_only_a_role_may_read(spine):
    """The tenth-pass Stripe answer had its CDN cache an admin API for 7 days."""
    from agentspec.agents.packs.integration_requirements.sections import performance

    recorded = _recorded("performance")
    data = recorded.model_copy(update={"config": recorded.config.model_copy(update={"cdn": "cache everything for 7 days",
                                                                                     "browser_cache": "max-age=60"})})
    aligned = performance.align(data, spine)  # its one GET is called by role sync_viewer
    assert aligned.config.cdn.startswith("nothing: every read needs a signed-in role")
    assert aligned.config.browser_cache == "private, no-store: each response is for one signed-in user"
    spine.endpoints[1].caller = "provider"  # a read someone without a role makes
    assert performance.align(data, spine).config.cdn == "cache everything for 7 days"


def test_a_providers_documented_rate_limit_replaces_the_answers():
    """The eleventh-pass Stripe answer planned for 1,000 requests per minute, bursts of 500."""
    from agentspec.agents.knowledge.completion import complete
    from agentspec.agents.packs.integration_requirements.sections import external_services
    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = copy.deepcopy(SPINE)
    data["external_systems"][0].update(id="stripe", name="Stripe")
    spine, _ = complete(DesignSpine.model_validate(data))
    answer = external_services.MODEL.model_validate(RECORDED["sections"]["external_services"]["data"])
    aligned = external_services.align(answer, spine)
    stripe = next(s for s in aligned.services if s.name == "Stripe")
    assert (stripe.requests_per_minute, stripe.burst_limit) == (1500, 25)
    assert external_services.rate_limits(stripe).startswith(
        "1500 requests per minute, bursts of 25: requests per second to one API endpoint unless Stripe states otherwise")
    external_services.MODEL.model_validate(aligned.model_dump())


def test_the_designs_own_database_is_no_source_of_its_data():
    """The eleventh-pass Stripe answer fed the database from `postgres_database` every hour; the reconciler reads Stripe's API."""
    from agentspec.agents.packs.integration_requirements.sections import data_flow
    from agentspec.agents.spine import DesignSpine

    recorded = json.loads((ROOT / "examples" / "stripe-invoice-sync" / "spec.json").read_text(encoding="utf-8"))
    spine = DesignSpine.model_validate(recorded["sections"]["design_spine"]["data"])
    answer = copy.deepcopy(recorded["sections"]["data_flow"]["data"])
    database = answer["destinations"][0]["name"]
    answer["sources"] = [s for s in answer["sources"] if s["type"] == "Webhook"] + [
        {"name": "postgres_database", "type": "Database", "format": "SQL rows", "frequency": "every 1 h",
         "transformation": "none: stored as received", "feeds": [database]}]
    aligned = data_flow.align(data_flow.MODEL.model_validate(answer), spine)
    sources = {s.name: (s.type, s.frequency, s.feeds) for s in aligned.sources}
    assert sources["stripe_api"] == ("REST API", "every 1 h", [database]) and "postgres_database" not in sources
    data_flow.MODEL.model_validate(aligned.model_dump())
