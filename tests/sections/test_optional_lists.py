"""Lists a feature may legitimately leave empty (no third-party service, no UI, no
cache, no stakeholder conflict...): the model accepts [] instead of forcing an
invented item, and each renderer states "none" in one line, never an empty
table, list or code block."""

from __future__ import annotations

import json
import re

from agentspec.agents.analyses import stakeholder
from agentspec.agents.brief import FeatureBrief
from agentspec.agents.packs.integration_requirements.sections import (
    auth_integration,
    backend_integration,
    cache_integration,
    context as context_section,
    database_schema,
    deep_analysis,
    external_services,
    frontend_integration,
)

from . import _data_helpers as h
from ._general_helpers import ROOT, assert_rejects, brief, check_rendered, context

RECORDED = json.loads((ROOT / "tests" / "fixtures" / "recorded" / "spec.json").read_text(encoding="utf-8"))


def _recorded(section_id: str) -> dict:
    entry = RECORDED["sections"].get(section_id) or RECORDED["analyses"][section_id]
    return json.loads(json.dumps(entry["data"]))


def _no_empty_structures(markdown: str) -> None:
    assert not re.search(r"^`{3,}[a-z]*\n\s*`{3,}$", markdown, re.M), "empty code block"
    assert not re.search(r"^\|[-|]+\|\n(?!\|)", markdown + "\n", re.M), "table without rows"
    assert not re.search(r"^\s*- \s*$", markdown, re.M), "empty bullet"
    assert "()" not in markdown.replace("gen_random_uuid()", "").replace("now()", "")


def test_brief_without_assumptions_or_exclusions_renders_none_lines():
    data = brief(assumptions=[], out_of_scope=[], domains=["Data Privacy"])
    assert isinstance(data, FeatureBrief) and data.assumptions == [] and data.out_of_scope == []
    md = context_section.render(None, context(brief=data))
    assert "**Assumptions**: none beyond the description." in md
    assert "**Out of scope**: nothing excluded explicitly." in md
    _no_empty_structures(md)
    assert FeatureBrief.model_validate({k: v for k, v in data.model_dump().items()
                                        if k not in {"assumptions", "out_of_scope", "slug"}}).assumptions == []


def test_no_external_service_renders_one_line():
    data = external_services.MODEL.model_validate({"services": []})
    md = check_rendered(external_services, data)
    assert "None: this feature calls no third-party service and receives no calls from one." in md
    assert "```" not in md
    assert external_services.digest(data) == "- none: the feature uses no third-party service"
    assert external_services.MODEL.model_validate({}).services == []


def test_feature_without_ui_renders_none_statements():
    payload = _recorded("frontend_integration")
    payload.update(components=[], routes=[], actions=[], frontend_dependencies=[])
    data = frontend_integration.MODEL.model_validate(payload)
    md = check_rendered(frontend_integration, data)
    assert "- **Location**: none: the feature adds no user interface components" in md
    assert "- **Route Structure**: none: the feature adds no pages" in md
    assert "- **Guard Conditions**: none: no pages to guard" in md
    assert "- **Action Definitions**: none: the feature adds no client actions" in md
    assert "- **Dependencies**: none beyond the app's existing libraries" in md
    _no_empty_structures(md)
    assert frontend_integration.digest(data) == "routes: none; components: none"


def test_a_page_of_the_design_without_a_route_is_never_said_not_to_exist():
    from agentspec.agents.spine import SPINE_ID, DesignSpine

    payload = _recorded("frontend_integration")
    payload.update(routes=[])
    data = frontend_integration.MODEL.model_validate(payload)
    spine = DesignSpine.model_validate(RECORDED["sections"][SPINE_ID]["data"])
    assert spine.surfaces, "the recorded spine has a page"
    md = check_rendered(frontend_integration, data, context(sections={SPINE_ID: spine}))
    assert "adds no pages" not in md and f"not drafted: the design has {spine.surfaces[0].name}" in md


def test_no_application_cache():
    payload = h.cache_payload()
    payload.update(keys=[], cached_tables=[], invalidation=[],
                   cache_aside={"used": False, "how": "every read is a single indexed lookup"},
                   write_through={"used": False, "how": "nothing is cached"},
                   write_back={"used": False, "how": "nothing is cached"})
    data = cache_integration.MODEL.model_validate(payload)
    md = check_rendered(cache_integration, data)
    assert "keys: 'none: the feature keeps no application cache'" in md
    assert "invalidation: 'none: no application cache keys to invalidate'" in md
    assert "[]" not in md
    assert cache_integration.digest(data).startswith("Cache: no application cache keys")
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    assert cache_integration.cross_checks(data, {"database_schema": schema}) == []


def test_cache_lists_stay_consistent():
    payload = h.cache_payload()
    assert_rejects(cache_integration.MODEL, dict(payload, invalidation=[]), "no invalidation rule")
    assert_rejects(cache_integration.MODEL, dict(payload, keys=[], invalidation=[]), "keys is empty")
    assert_rejects(cache_integration.MODEL, dict(payload, keys=[], cached_tables=[], invalidation=[]), "keys is empty")
    # keys over provider responses, no table rows: allowed, and the {param} check has no table to hold it to
    data = cache_integration.MODEL.model_validate(dict(payload, cached_tables=[]))
    md = check_rendered(cache_integration, data)
    assert "tables: 'none: the cached data are not table rows'" in md
    schema = database_schema.MODEL.model_validate(h.schema_payload())
    assert cache_integration.cross_checks(data, {"database_schema": schema}) == []


def test_no_resource_rules_renders_one_line():
    data = auth_integration.MODEL.model_validate(dict(h.auth_payload(), resource_rules=[]))
    md = check_rendered(auth_integration, data)
    assert "- **Resource Access**: no record-level rules: the role permissions above decide access" in md
    _no_empty_structures(md)


def test_one_api_scope_is_enough():
    payload = h.auth_payload()
    payload["scopes"] = ["read:invoices"]
    payload["refresh_strategy"] = "silent authentication"
    data = auth_integration.MODEL.model_validate(payload)
    assert data.scopes == ["openid", "read:invoices"]


def test_single_table_and_single_endpoint_are_valid():
    table = {"name": "deletion_requests", "purpose": "one erasure request and its progress", "integration_type": "Application Data",
             "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                         {"name": "status", "type": "varchar(50)", "default": "pending", "note": "pending, done"}]}
    schema = database_schema.MODEL.model_validate({"tables": [table]})
    assert [t.name for t in schema.tables] == [table["name"]]
    assert_rejects(database_schema.MODEL, {"tables": []}, "tables")
    payload = h.backend_payload()
    payload["endpoints"] = payload["endpoints"][:1]
    assert len(backend_integration.MODEL.model_validate(payload).endpoints) == 1
    # A design with no HTTP endpoint of its own (a scheduled export, say) has none to elaborate.
    assert backend_integration.MODEL.model_validate(dict(payload, endpoints=[])).endpoints == []


def test_no_stakeholder_conflicts_renders_one_line():
    data = stakeholder.MODEL.model_validate(dict(_recorded("stakeholder"), conflicts=[]))
    md = stakeholder.render(data, context())
    assert "### Conflicts\n\nNo conflicts identified between the stakeholders." in md
    _no_empty_structures(md)
    insights = deep_analysis.MODEL.model_validate(_recorded("deep_analysis"))
    md = deep_analysis.render(insights, context(analyses={"stakeholder": data}))
    assert "#### Stakeholder Conflicts\n\n- None identified by the stakeholder analysis." in md
