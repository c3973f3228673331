"""`draft --repo PATH`: the scanned repository grounds the draft. Each section's prompt gets
only the facts of its kind, the spine references what exists instead of creating it again,
and spec.json records what was found and where."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from agentspec.agents.repository import (common_prefix, ground_spine, repository_lines, repository_tables_named,
                                         repository_tools_are_not_systems, scan_repository)
from agentspec.agents.spine import DesignSpine
from tests.cli.harness import DESCRIPTION, agentspec, assert_exit
from tests.doubles import FakeOpenAIServer
from tests.fakes import RecordedResponder
from tests.spine.conftest import SPINE

REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


def test_the_summary_keeps_each_fact_with_where_it_was_found() -> None:
    facts = scan_repository(REPOS / "python-fastapi-alembic")
    assert facts["route_prefix"] == "/api/v1"
    users = next(t for t in facts["tables"] if t["name"] == "users")
    assert users["primary_key"] == "id" and users["at"].startswith("alembic/versions/")
    assert {"service": "Stripe", "package": "stripe"} == {k: facts["clients"][0][k] for k in ("service", "package")}
    assert "STRIPE_SECRET_KEY" in facts["env_vars"]
    json.dumps(facts)  # travels in the run's options and spec.json


def test_each_section_gets_only_its_kind_of_fact() -> None:
    facts = scan_repository(REPOS / "ts-express-prisma")
    spine = "\n".join(repository_lines("design_spine", facts))
    assert "Existing tables" in spine and "Existing routes (new ones go under /api)" in spine and "Twilio via twilio" in spine
    schema = "\n".join(repository_lines("database_schema", facts))
    assert "- users: id SERIAL primary key" in schema and "Existing routes" not in schema
    assert repository_lines("performance", facts) == [] and repository_lines("design_spine", None) == []
    assert "TWILIO_AUTH_TOKEN" in "\n".join(repository_lines("deployment", facts))
    assert "twilio-fixture-token" not in json.dumps(facts)  # names, never values


def test_a_new_table_the_repository_has_is_referenced_with_its_real_key() -> None:
    data = copy.deepcopy(SPINE)
    data["entities"][0].update(table="users", change="new", key="user_id", unique=[])
    spine = DesignSpine.model_validate(data)
    notes = ground_spine(spine, scan_repository(REPOS / "ts-express-prisma"))
    users = next(e for e in spine.entities if e.table == "users")
    assert (users.change, users.key) == ("referenced", "id")
    assert any("users exists in the repository (prisma/migrations/" in n for n in notes)


def test_route_prefix_is_what_most_routes_and_more_than_one_resource_share() -> None:
    assert common_prefix(["/api/v1/users", "/api/v1/users/{id}", "/api/v1/teams", "/health"]) == "/api/v1"
    assert common_prefix(["/api/accounts", "/api/accounts/:id"]) == ""  # one resource: no prefix to infer
    assert common_prefix(["/users", "/teams"]) == ""


def test_draft_with_repo_prompts_with_the_repository_and_records_it(tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    responder = RecordedResponder()

    def record(request):  # noqa: ANN001, ANN202
        seen[request.section] = request.messages[-1]["content"]
        return responder(request)

    with FakeOpenAIServer(responder=record) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test-not-a-real-key",
               "AGENTSPEC_MODEL": "fake-model", "AGENTSPEC_INSTRUCTOR_MODE": "tools"}
        repo = REPOS / "ts-express-prisma"
        result = agentspec("draft", DESCRIPTION, "--repo", str(repo), "--out", str(tmp_path / "spec"), "--no-critic",
                           env=env, cwd=tmp_path)
    assert result.code in (0, 5), result.output  # 5: recorded answers for another design may fail a gate
    assert "repository: " in result.output and "tables" in result.output
    assert "its stack is this one" in seen["intake"] and "framework Express" in seen["intake"]
    assert "## The repository" in seen["design_spine"] and "users (primary key id SERIAL" in seen["design_spine"]
    assert "## The repository" not in seen.get("performance", "")
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text())
    assert spec["repo"]["root"] == str(repo) and any(t["name"] == "users" for t in spec["repo"]["tables"])
    assert json.loads((tmp_path / "spec" / "run.json").read_text())["repo"] == str(repo)  # path:line refs are checked there


def test_draft_with_a_missing_repo_is_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    result = agentspec("draft", DESCRIPTION, "--repo", str(tmp_path / "nowhere"), "--out", str(tmp_path / "spec"),
                       env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-x"}, cwd=tmp_path)
    assert_exit(result, 2, "not a directory")
    assert not (tmp_path / "spec").exists()


def test_a_table_only_guessed_to_exist_is_new_when_written_and_dropped_when_only_read() -> None:
    """Without --repo, an existing table is one the description names (12-05: a guessed
    `sync_status_page_data`, and a deletion_requests table called altered)."""
    from agentspec.agents.repository import unknown_existing_tables

    data = copy.deepcopy(SPINE)
    data["entities"] += [
        {"table": "users", "purpose": "people", "change": "referenced", "key": "id", "unique": [], "money": "none", "owner": "sync_worker"},
        {"table": "page_data", "purpose": "page", "change": "referenced", "key": "id", "unique": [], "money": "none", "owner": "sync_worker"},
        {"table": "deletion_requests", "purpose": "work", "change": "altered", "key": "id", "unique": [], "money": "none", "owner": "sync_worker"},
    ]
    data["roles"][0]["permissions"] = ["read:sync_status", "read:page_data"]
    spine = DesignSpine.model_validate(data)
    notes = unknown_existing_tables(spine, None, "Erase each user's data when they ask")
    changes = {e.table: e.change for e in spine.entities}
    assert changes == {"received_events": "new", "synced_records": "new", "users": "referenced", "deletion_requests": "new"}
    assert spine.roles[0].permissions == ["read:sync_status"]
    assert notes == ["table page_data dropped: the description does not name it, so it is not known to exist",
                     "table deletion_requests is new: the description does not name it, so this feature creates it"]
    grounded = DesignSpine.model_validate(data)
    facts = scan_repository(REPOS / "ts-express-prisma")
    facts["tables"].append({"name": "page_data", "columns": [], "at": "x.sql"})
    unknown_existing_tables(grounded, facts, "")
    assert {e.table for e in grounded.entities} >= {"page_data"}  # the repository has it


def test_the_description_names_a_table_in_its_own_words() -> None:
    from agentspec.agents.repository import _named_in

    assert _named_in("users", "delete a user's data") and _named_in("order_items", "sync order items")
    assert _named_in("categories", "product category sync") and _named_in("boxes", "ship a box")
    assert not _named_in("sync_status_page_data", "with an admin sync-status page")
    # What a page is to show is what the feature makes, not a table the user has (the SFTP spine's import_history).
    assert not _named_in("import_history", "flag bad rows, and show the import history to catalog managers")
    assert _named_in("import_history", "append to our import history, and show the import history to managers")


def test_an_external_system_named_after_one_of_the_repositorys_tools_is_dropped() -> None:
    # The grounded draft of fastapi/full-stack-fastapi-template made its Playwright test runner
    # an outbound API of the billing page.
    payload = copy.deepcopy(SPINE)
    payload["external_systems"].append({**payload["external_systems"][0], "id": "playwright", "name": "Playwright",
                                        "direction": "outbound_api", "auth": "none", "processed_by": None,
                                        "redelivery_hours": None, "purpose": "Runs tests on the billing page"})
    spine = DesignSpine.model_validate(payload)
    facts = {"stack": ["framework FastAPI", "orm SQLModel", "test runner Playwright"]}
    notes = repository_tools_are_not_systems(spine, facts, "Sync Stripe invoices")
    assert notes == ["external system Playwright dropped: it is the repository's own tool, not a service this feature calls"]
    assert "Playwright" not in [s.name for s in spine.external_systems]
    DesignSpine.model_validate(spine.model_dump(mode="json"))
    # named by the description, or without a repository, it stays
    kept = DesignSpine.model_validate(payload)
    assert repository_tools_are_not_systems(kept, facts, "Run Playwright tests against Stripe checkout") == []
    assert repository_tools_are_not_systems(kept, None, "Sync Stripe invoices") == []


def test_a_repository_table_the_description_names_joins_the_design_with_its_real_key() -> None:
    """"Billing for workspaces": the fixture's workspaces table (uuid key) is referenced, so the
    subscription record completion adds carries workspace_id, of the workspace key's type."""
    from agentspec.agents.knowledge.completion import complete

    facts = scan_repository(REPOS / "python-fastapi-alembic")
    payload = copy.deepcopy(SPINE)
    payload["external_systems"][0].update(id="stripe", name="Stripe")
    payload["events"][0]["producer"] = "stripe"
    spine = DesignSpine.model_validate(payload)
    description = "Add Stripe subscription billing for workspaces: Stripe webhooks keep each workspace's subscription status"
    notes = repository_tables_named(spine, facts, description)
    assert notes == ["table workspaces is named by the description and exists in the repository "
                     f"({next(t['at'] for t in facts['tables'] if t['name'] == 'workspaces')}): referenced"]
    assert ("workspaces", "referenced", "id") in [(e.table, e.change, e.key) for e in spine.entities]
    completed, _ = complete(spine, (), description)
    assert next(e for e in completed.entities if e.table == "stripe_subscriptions").required_columns[0] == "workspace_id"
    # A table the description does not name stays out; so does every table without a repository.
    again = DesignSpine.model_validate(payload)
    assert repository_tables_named(again, facts, "Sync Stripe invoices") == []
    assert repository_tables_named(again, None, description) == []


def test_an_altered_repository_table_nothing_adds_to_is_referenced_before_completion() -> None:
    """The recorded workspace-billing spine called the fixture's `users` altered in a feature about
    workspaces, and the schema section failed twice asking which columns it adds."""
    facts = scan_repository(REPOS / "python-fastapi-alembic")
    payload = copy.deepcopy(SPINE)
    payload["entities"].append({"table": "users", "purpose": "accounts", "change": "altered", "key": "id",
                                "unique": [], "money": "none", "owner": "sync_worker"})
    spine = DesignSpine.model_validate(payload)
    notes = ground_spine(spine, facts, "Add Stripe subscription billing for workspaces")
    assert next(e for e in spine.entities if e.table == "users").change == "referenced"
    assert any("nothing in the design adds to it: referenced" in n for n in notes)
    named = DesignSpine.model_validate(payload)
    ground_spine(named, facts, "Add Stripe billing emails for users")  # the description names it: its decision stands
    assert next(e for e in named.entities if e.table == "users").change == "altered"
    after = DesignSpine.model_validate(payload)
    ground_spine(after, facts)  # after completion (no description): what completion decided stands
    assert next(e for e in after.entities if e.table == "users").change == "altered"
