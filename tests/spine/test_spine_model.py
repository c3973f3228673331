"""The design spine model: closed over its own names, and applicability computed from it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agentspec.agents.spine import DesignSpine, applies, slice_digest


def test_a_closed_spine_validates(spine):
    assert [e.table for e in spine.entities] == ["received_events", "synced_records"]


@pytest.mark.parametrize(("path", "value", "message"), [
    (("events", 0, "consumer"), "provider", "consumer is 'provider'"),
])
def test_a_name_the_spine_does_not_define_is_refused(spine_data, path, value, message):
    target = spine_data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError, match=message):
        DesignSpine.model_validate(spine_data)


def test_what_an_answer_implies_is_completed_by_code(spine_data):
    spine_data["not_needed"].append({"what": "events", "reason": "handled by the receiver directly"})  # but it has events
    spine_data["entities"][0]["unique"].append("id")  # its key
    spine_data["surfaces"][0]["endpoint"] = "/api/v1/sync-status/summary"  # not listed
    spine_data["failure_policy"]["after_retries"] = "dead_letter_queue"  # no broker
    spine_data["external_systems"][0]["connects_to"] = "provider"  # itself: an external talks to one of ours
    spine_data["surfaces"][0]["role"] = "auditor"  # no such role
    spine_data["entities"][1]["owner"] = "reconciler"  # no such component
    spine_data["endpoints"][0]["path"] = "/webhooks/provider"  # unversioned
    spine_data["events"].append(dict(spine_data["events"][0]))  # said twice
    spine = DesignSpine.model_validate(spine_data)
    assert [o.what for o in spine.not_needed] == ["message_broker"]
    assert "auditor" in {r.name for r in spine.roles} and "reconciler" in {c.id for c in spine.components}
    assert spine.endpoints[0].path == "/api/v1/webhooks/provider" and len(spine.events) == 1
    assert spine.external_systems[0].connects_to == "webhook_receiver"
    assert spine.entities[0].unique == ["provider_event_id"]
    assert ("GET", "/api/v1/sync-status/summary") in {(e.method, e.path) for e in spine.endpoints}
    assert spine.failure_policy.after_retries == "dead_letter_table"


def test_lists_may_be_empty(spine_data):
    for key in ("external_systems", "events", "roles", "settings", "surfaces", "limits", "not_needed"):
        spine_data[key] = []
    spine_data["endpoints"] = []
    spine = DesignSpine.model_validate(spine_data)
    assert applies(spine, "events") == (False, "the design has no events: no component emits or handles one")


def test_applicability_uses_the_spines_own_reason(spine):
    assert applies(spine, "message_broker") == (False, "a table and a worker carry the load")
    assert applies(spine, "events") == (True, "")
    assert applies(spine, "user_interface") == (True, "")
    assert applies(None, "cache") == (True, "")  # no spine: nothing was decided, everything applies


def test_a_slice_holds_only_its_parts_and_what_the_design_leaves_out(spine):
    text = slice_digest(spine, ("entities",))
    assert "received_events" in text and "unique provider_event_id" in text
    assert "POST /api/v1/webhooks/provider" not in text
    assert "Not in this design (do not add):" in text and "cache" in text and "message broker" in text


def test_the_embedded_models_recorded_spine_answers_validate():
    """Real answers that failed (unversioned paths, snake_case params, undotted event names,
    lowercase env names, "None" as an answer) are normalised instead of re-asked."""
    import json
    from pathlib import Path

    recorded = json.loads((Path(__file__).parent / "recorded_spine_answers.json").read_text(encoding="utf-8"))
    for text in recorded["answers"]:
        spine = DesignSpine.model_validate_json(text)
        assert all(e.path.startswith("/api/v1/") for e in spine.endpoints)
        assert all("." in e.name for e in spine.events)
        assert all(s.name.isupper() for s in spine.settings)


def test_the_embedded_models_recorded_gdpr_spine_answers_validate():
    """`{user_id}` and `{user-id}` params, `delete_user` and `read:user-data` permissions and a
    46-character event name: all four answers failed before these were normalised."""
    import json
    from pathlib import Path

    recorded = json.loads((Path(__file__).parent / "recorded_spine_answers_gdpr.json").read_text(encoding="utf-8"))
    for text in recorded["answers"]:
        spine = DesignSpine.model_validate_json(text)
        assert all(":" in p for r in spine.roles for p in r.permissions)
        assert not any("{" in e.path or "_" in e.path for e in spine.endpoints)
        # a page named after a POST path is the form that calls it: no GET is invented for it
        assert not any(e.method == "GET" and e.path.endswith("/delete") for e in spine.endpoints)


def test_an_inbound_webhook_is_verified_with_a_signing_secret(spine_data):
    from agentspec.agents.spine import DesignSpine

    spine_data["external_systems"][0]["auth"] = "API key authentication"
    spine_data["settings"] = [{"name": "PROVIDER_API_KEY", "secret": True, "purpose": "calls the provider's API"}]
    spine = DesignSpine.model_validate(spine_data)
    assert spine.external_systems[0].auth == "signature over the raw request body, checked with PROVIDER_WEBHOOK_SECRET before parsing"
    assert [(s.name, s.secret) for s in spine.settings] == [("PROVIDER_API_KEY", True), ("PROVIDER_WEBHOOK_SECRET", True)]
    spine_data["external_systems"][0]["auth"] = "HMAC-SHA256 of the body in X-Provider-Signature"  # already verified: kept
    spine_data["settings"].append({"name": "PROVIDER_SIGNING_KEY", "secret": True, "purpose": "verify"})
    spine = DesignSpine.model_validate(spine_data)
    assert spine.external_systems[0].auth.startswith("HMAC-SHA256") and len(spine.settings) == 2  # no second secret


def test_a_store_named_as_writer_or_consumer_means_the_code_in_front_of_it(spine_data):
    from agentspec.agents.spine import DesignSpine

    spine_data["entities"][1]["owner"] = "app_db"
    spine_data["events"][0]["consumer"] = "app_db"
    spine = DesignSpine.model_validate(spine_data)
    assert spine.entities[1].owner == "webhook_receiver" and spine.events[0].consumer == "sync_worker"


def test_a_table_drawn_as_a_database_component_is_the_table_and_its_references_move_to_the_code() -> None:
    import copy

    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = copy.deepcopy(SPINE)
    table = data["entities"][0]["table"]
    data["components"].append({"id": table, "label": "Received", "kind": "database", "responsibility": "stores events"})
    data["entities"][0]["owner"] = table
    spine = DesignSpine.model_validate(data)
    assert table not in [c.id for c in spine.components]
    assert spine.entities[0].owner in [c.id for c in spine.components if c.kind in ("worker", "service")]


def test_two_roles_with_the_same_permissions_are_one_role_the_page_uses() -> None:
    import copy

    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = copy.deepcopy(SPINE)
    page_role = data["surfaces"][0]["role"]
    grants = next(r["permissions"] for r in data["roles"] if r["name"] == page_role)
    data["roles"].insert(0, {"name": "admin_twin", "who": "the same people", "permissions": list(reversed(grants))})
    spine = DesignSpine.model_validate(data)
    assert "admin_twin" not in [r.name for r in spine.roles] and page_role in [r.name for r in spine.roles]
    assert spine.surfaces[0].role == page_role


def test_a_table_named_as_a_database_is_the_database_not_a_table() -> None:
    import copy

    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = copy.deepcopy(SPINE)
    owner = data["entities"][0]["owner"]
    data["entities"].append({"table": "billing_database", "purpose": "the billing DB", "change": "altered", "key": "id",
                             "unique": [], "money": "none", "owner": owner})
    spine = DesignSpine.model_validate(data)
    assert "billing_database" not in [e.table for e in spine.entities]
    assert [e.table for e in spine.entities] == [e["table"] for e in SPINE["entities"]]


def test_a_component_named_as_server_code_is_not_a_web_page() -> None:
    import copy

    from agentspec.agents.spine import DesignSpine
    from tests.spine.conftest import SPINE

    data = copy.deepcopy(SPINE)
    data["components"].append({"id": "webhook_receiver", "label": "Webhook receiver", "kind": "web_ui", "responsibility": "x"})
    data["components"].append({"id": "admin_dashboard", "label": "Admin", "kind": "web_ui", "responsibility": "y"})
    spine = DesignSpine.model_validate(data)
    kinds = {c.id: c.kind for c in spine.components}
    assert kinds["webhook_receiver"] == "service" and kinds["admin_dashboard"] == "web_ui"
