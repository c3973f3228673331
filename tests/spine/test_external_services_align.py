"""External services are the spine's external systems, named and typed as the spine decided."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import external_services as section


def _service(name: str, auth: str = "API key authentication") -> dict:
    return {"name": name, "purpose": "receives the provider's record changes", "integration_type": "POST /webhooks",
            "authentication": auth, "base_url": "https://api.provider.example", "api_key_env_var": "PROVIDER_API_KEY",
            "timeout_ms": 5000, "retry_attempts": 3, "requests_per_minute": 100, "burst_limit": 200,
            "rate_limits": "exponential backoff", "fallback_strategy": "queue and replay"}


def test_a_service_takes_the_spine_systems_name_direction_and_verification(spine) -> None:
    answer = section.MODEL.model_validate({"services": [_service("Provider Webhook Receiver"), _service("Kafka")]})
    (aligned,) = section.align(answer, spine).services  # Kafka is not an external system of the spine: dropped
    assert aligned.name == "Provider"
    assert aligned.integration_type == "inbound webhooks (the provider calls us) to POST /api/v1/webhooks/provider"
    assert aligned.authentication == "Deliveries: HMAC signature over the raw body"  # the spine's, not "API key"
    kept = section.align(section.MODEL.model_validate({"services": [_service("Provider", "HMAC-SHA256 signature header")]}), spine)
    assert kept.services[0].authentication == "HMAC-SHA256 signature header"  # already states the verification
    both = spine.model_copy(update={"external_systems": [*spine.external_systems, spine.external_systems[0].model_copy(
        update={"id": "provider_api", "direction": "outbound_api", "auth": "API key from PROVIDER_API_KEY"})]})
    (two,) = section.align(section.MODEL.model_validate({"services": [_service("Provider", "whsec_ prefix")]}), both).services
    assert two.authentication == "Deliveries: HMAC signature over the raw body. Our calls: API key from PROVIDER_API_KEY"
    assert two.integration_type == ("inbound webhooks (the provider calls us) to POST /api/v1/webhooks/provider; "
                                    "outbound REST API calls (we call the provider)")


def test_a_database_destination_writes_only_the_spines_tables(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import data_flow

    answer = data_flow.MODEL.model_validate({
        "sources": [{"name": "provider_webhooks", "type": "Webhook", "format": "JSON", "frequency": "per delivery",
                     "transformation": "verify and store", "feeds": ["billing_data"]}],
        "destinations": [{"name": "billing_data", "type": "PostgreSQL table", "format": "SQL rows",
                          "schedule": "in the request transaction", "tables": ["billing_data"]}]})
    assert data_flow.align(answer, spine).destinations[0].tables == ["received_events", "synced_records"]
    answer.destinations[0].tables = ["synced_records", "billing_data"]
    assert data_flow.align(answer, spine).destinations[0].tables == ["synced_records"]


def test_publishers_and_subscribers_are_the_spines_producers_and_consumers(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import event_integration

    answer = event_integration.MODEL.model_validate({
        "schema_format": event_integration.MODEL.model_fields["schema_format"].annotation.__args__[0],
        "events": [{"name": "record.updated", "description": "a record changed at the provider",
                    "fields": [{"name": "recordId", "type": "string", "description": "the provider's id"}]}],
        "publishers": [{"name": "webhook_receiver_queue", "events": ["record.updated"]}],
        "subscribers": [{"name": "webhook_receiver_worker_queue", "events": ["record.updated"],
                         "handler": "upserts the record by recordId", "error_handling": "retries, then dead-letters"}]})
    aligned = event_integration.align(answer, spine)
    assert [(p.name, p.external, p.events) for p in aligned.publishers] == [("provider", True, ["record.updated"])]
    assert [(s.name, s.handler) for s in aligned.subscribers] == [("sync_worker", "upserts the record by recordId")]
    assert event_integration.cross_checks(aligned, {"design_spine": spine}) == []
    event_integration.MODEL.model_validate(aligned.model_dump())


def test_the_auth_sections_roles_are_the_spines_and_routes_are_not_grants(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import auth_integration

    from tests.sections import _data_helpers as h

    payload = h.auth_payload()
    payload["scopes"] = payload["scopes"] + ["POST /api/v1/stripe/webhooks"]
    payload["roles"][0]["permissions"] = ["POST /api/v1/stripe/webhooks"] + payload["roles"][0]["permissions"]
    answer = auth_integration.MODEL.model_validate(payload)
    assert not any(s.startswith("POST") for s in answer.scopes + [p for r in answer.roles for p in r.permissions])
    aligned = auth_integration.align(answer, spine)
    assert [(r.name, r.permissions) for r in aligned.roles] == [("sync_viewer", ["read:sync_status"])]
    assert "read:sync_status" in aligned.scopes and "openid" in aligned.scopes
    auth_integration.MODEL.model_validate(aligned.model_dump())


def test_a_source_named_after_an_external_system_crosses_the_way_the_spine_says(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import data_flow

    answer = data_flow.MODEL.model_validate({
        "sources": [{"name": "provider", "type": "REST API", "format": "JSON", "frequency": "a schedule with its interval",
                     "transformation": "verify and store", "feeds": ["events_store"]}],
        "destinations": [{"name": "events_store", "type": "PostgreSQL table", "format": "SQL rows",
                          "schedule": "in the request transaction", "tables": ["received_events"]}]})
    (source,) = data_flow.align(answer, spine).sources
    assert (source.type, source.frequency) == ("Webhook", "real-time, per delivery")


def test_the_client_never_calls_the_webhook_receiver_and_covers_our_endpoints(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import api_specifications

    from tests.sections import _data_helpers as h

    payload = h.api_payload()
    payload["rest"]["methods"] = [dict(payload["rest"]["methods"][0], name="postProviderWebhooks",
                                       path="/api/v1/webhooks/provider", params=[])]
    problems = api_specifications.spine_checks(api_specifications.MODEL.model_validate(payload), spine)
    assert problems[0].startswith("method postProviderWebhooks calls the webhook receiver POST /api/v1/webhooks/provider, "
                                  "which only the provider calls")
    assert "the design spine's endpoint GET /api/v1/sync-status (status page data) has no client method; add one" in problems


def test_a_client_method_for_the_webhook_receiver_is_dropped_when_others_remain(spine) -> None:
    from agentspec.agents.packs.integration_requirements.sections import api_specifications

    from tests.sections import _data_helpers as h

    payload = h.api_payload()
    status = dict(payload["rest"]["methods"][1], name="getSyncStatus", path="/api/v1/sync-status", params=[])
    receiver = dict(payload["rest"]["methods"][0], name="postProviderWebhooks", path="/api/v1/webhooks/provider", params=[])
    payload["rest"]["methods"] = [receiver, status]
    aligned = api_specifications.align(api_specifications.MODEL.model_validate(payload), spine)
    assert [m.name for m in aligned.rest.methods] == ["getSyncStatus"]
    payload["rest"]["methods"] = [receiver]  # nothing else: kept, and the gate says what to call
    alone = api_specifications.MODEL.model_validate(payload)
    assert api_specifications.align(alone, spine) == alone


def test_every_external_system_of_the_spine_is_described(spine) -> None:
    empty = section.MODEL.model_validate({"services": []})
    assert section.spine_checks(empty, spine) == [
        "the design spine's external system Provider is missing: add it as a service with its real base URL, "
        "credential variable, timeout, retries and documented rate limit"]
    described = section.align(section.MODEL.model_validate({"services": [_service("Provider")]}), spine)
    assert section.spine_checks(described, spine) == []


def test_the_rate_limit_line_states_the_configured_numbers() -> None:
    service = section.ExternalService.model_validate({**_service("Provider"), "rate_limits": "100 requests per minute"})
    assert section.rate_limits(service) == "100 requests per minute, bursts of 200"  # the config's 100/min, not the prose's
    worded = section.ExternalService.model_validate({**_service("Provider"), "requests_per_minute": 1000,
                                                     "rate_limits": "a token bucket per API key"})
    assert section.rate_limits(worded) == "1000 requests per minute, bursts of 200; a token bucket per API key"
