"""Slips the embedded model made in the recorded cases (evals/cassettes, spine
pipeline) that have one meaning, so code fixes them instead of paying a re-ask.
Each input below is the model's own value from a failed re-ask in a cassette."""

from __future__ import annotations

import pytest

from agentspec.render.sql import check_statement
from agentspec.agents.packs.integration_requirements.sections.api_specifications import MODEL as API
from agentspec.agents.packs.integration_requirements.sections.auth_integration import MODEL as AUTH
from agentspec.agents.packs.integration_requirements.sections.database_schema import MODEL as SCHEMA
from agentspec.agents.packs.integration_requirements.sections.example_integration_test import IntegrationTestExample

from . import _data_helpers as h
from .test_example_integration_test import DATA as TEST_EXAMPLE


def test_two_counts_compared_in_one_select_become_two_subqueries():
    fixed = check_statement("SELECT COUNT(*) FROM billing_history = COUNT(*) FROM stripe_invoices;", ["select"])
    assert fixed == "SELECT (SELECT COUNT(*) FROM billing_history) = (SELECT COUNT(*) FROM stripe_invoices)"


def test_pk_shorthand_in_a_column_list_is_primary_key_and_nowhere_else():
    fixed = check_statement("CREATE TABLE webhook_events (id uuid PK, event_type varchar(255), data jsonb)", ["create"])
    assert "id uuid PRIMARY KEY," in fixed
    assert check_statement("SELECT pk FROM t", ["select"]) == "SELECT pk FROM t"


def test_jsx_in_a_ts_file_is_a_tsx_file_and_broken_code_still_fails():
    jsx = TEST_EXAMPLE["code"].replace("    expect(calls).toBe(2);", "    expect(calls).toBe(2);\n    render(<BillingHistory />);")
    fixed = IntegrationTestExample.model_validate(dict(TEST_EXAMPLE, code=jsx))
    assert fixed.file_path.endswith(".test.tsx")
    with pytest.raises(ValueError, match="does not parse"):
        IntegrationTestExample.model_validate(dict(TEST_EXAMPLE, code=jsx.replace("render(<BillingHistory />);", "render(<Bil")))


def test_oidc_only_scopes_ask_for_what_the_roles_grant():
    payload = h.auth_payload()
    payload["scopes"] = ["openid", "profile"]
    fixed = AUTH.model_validate(payload)
    granted = {p for r in fixed.roles for p in r.permissions}
    assert granted <= set(fixed.scopes) and fixed.scopes[:2] == ["openid", "profile"]


def test_an_index_on_an_existing_table_is_dropped_not_rejected():
    payload = h.schema_payload()
    existing = next(t for t in payload["tables"] if t.get("existing"))
    existing["indexes"] = [{"columns": [existing["columns"][0]["name"]], "unique": False}]
    fixed = SCHEMA.model_validate(payload)
    assert next(t for t in fixed.tables if t.name == existing["name"]).indexes == []


def test_snake_case_field_and_param_names_are_camel_case():
    payload = h.api_payload()
    payload["rest"]["types"][0]["fields"][1]["name"] = "customer_id"
    fixed = API.model_validate(payload)
    assert fixed.rest.types[0].fields[1].name == "customerId"
