"""A hand-built design spine for a generic inbound-webhook feature (not a recorded answer)."""

from __future__ import annotations

import copy

import pytest

SPINE = {
    "components": [
        {"id": "webhook_receiver", "label": "Webhook Receiver", "kind": "service", "responsibility": "verifies and stores events"},
        {"id": "sync_worker", "label": "Sync Worker", "kind": "worker", "responsibility": "applies stored events"},
        {"id": "app_db", "label": "Application DB", "kind": "database", "responsibility": "stores synced records"},
        {"id": "admin_ui", "label": "Admin UI", "kind": "web_ui", "responsibility": "status page"},
    ],
    "external_systems": [{"id": "provider", "name": "Provider", "direction": "inbound_webhook", "connects_to": "webhook_receiver",
                          "purpose": "record change events", "auth": "HMAC signature over the raw body"}],
    "entities": [
        {"table": "received_events", "purpose": "every delivery, once", "change": "new", "key": "id",
         "unique": ["provider_event_id"], "money": "none", "owner": "webhook_receiver"},
        {"table": "synced_records", "purpose": "the provider's records", "change": "new", "key": "id",
         "unique": ["provider_record_id"], "money": "integer_minor_units_with_currency", "owner": "sync_worker"},
    ],
    "endpoints": [
        {"method": "POST", "path": "/api/v1/webhooks/provider", "kind": "webhook_receiver", "caller": "provider", "purpose": "receive"},
        {"method": "GET", "path": "/api/v1/sync-status", "kind": "rest", "caller": "sync_viewer", "purpose": "status page data"},
    ],
    "events": [{"name": "record.updated", "producer": "provider", "consumer": "sync_worker", "purpose": "a record changed"}],
    "roles": [{"name": "sync_viewer", "who": "operations staff", "permissions": ["read:sync_status"]}],
    "settings": [{"name": "PROVIDER_WEBHOOK_SECRET", "secret": True, "purpose": "verify signatures"}],
    "surfaces": [{"name": "Sync status page", "shows": ["last event received", "failed events"],
                  "endpoint": "/api/v1/sync-status", "role": "sync_viewer"}],
    "failure_policy": {"retries": 5, "backoff": "exponential from 1 s", "after_retries": "dead_letter_table",
                       "replay": "an operator re-queues failed events"},
    "limits": [{"name": "ack_timeout", "value": 2, "unit": "s", "meaning": "answer the provider within"}],
    "not_needed": [{"what": "message_broker", "reason": "a table and a worker carry the load"}],
}


@pytest.fixture
def spine_data() -> dict:
    return copy.deepcopy(SPINE)


@pytest.fixture
def spine(spine_data):
    from agentspec.agents.spine import DesignSpine

    return DesignSpine.model_validate(spine_data)
