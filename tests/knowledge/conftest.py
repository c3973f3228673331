"""Hand-built spines for the knowledge tests: the generic webhook spine of
tests/spine/conftest.py, and small variants of it. Test inputs only."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WEBHOOK_SPINE: dict[str, Any] = _load("_knowledge_spine_conftest", ROOT / "tests" / "spine" / "conftest.py").SPINE

# An outbound sync with a CRM: every P1 concern of outbound_api_sync has a structured field.
OUTBOUND_SPINE: dict[str, Any] = {
    "components": [
        {"id": "sync_worker", "label": "Sync Worker", "kind": "worker", "responsibility": "pushes contacts"},
        {"id": "app_db", "label": "App DB", "kind": "database", "responsibility": "stores contacts"},
    ],
    "external_systems": [{"id": "crm", "name": "CRM", "direction": "outbound_api", "connects_to": "sync_worker",
                          "purpose": "contacts", "auth": "bearer API key"}],
    "entities": [{"table": "crm_contacts", "purpose": "synced contacts", "change": "new", "key": "id",
                  "unique": ["crm_contact_id"], "money": "none", "owner": "sync_worker"}],
    "endpoints": [], "events": [], "roles": [],
    "settings": [{"name": "CRM_API_KEY", "secret": True, "purpose": "call the CRM"}],
    "surfaces": [],
    "failure_policy": {"retries": 3, "backoff": "exponential from 1 s", "after_retries": "dead_letter_table",
                       "replay": "an operator re-queues failed rows"},
    "limits": [{"name": "crm_call_timeout", "value": 5, "unit": "s", "meaning": "per call"},
               {"name": "crm_request_rate", "value": 10, "unit": "requests_per_s", "meaning": "stay under the CRM limit"}],
    "not_needed": [],
}


def spine_data(base: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(WEBHOOK_SPINE if base is None else base)
    data.update(copy.deepcopy(changes))
    return data


def spine(base: dict[str, Any] | None = None, **changes: Any):
    from agentspec.agents.spine import DesignSpine

    return DesignSpine.model_validate(spine_data(base, **changes))
