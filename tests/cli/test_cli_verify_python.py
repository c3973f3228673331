"""`agentspec verify` on the Python fixture repository (FastAPI, SQLModel, Alembic), implemented
step by step by a script. The migration step is the Alembic revision agentspec itself writes
for a SQLModel repository (database_schema's mapping): once it is in alembic/versions/, verify
finds the tables and the added column it creates, with their types."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agentspec.agents.packs.integration_requirements.sections import database_schema
from agentspec.agents.packs.integration_requirements.sections._orm_python import alembic_revision
from tests.cli.harness import verify_left

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "python-fastapi-alembic"

SCHEMA = {"tables": [
    {"name": "workspaces", "purpose": "the repository's workspaces", "integration_type": "Application Data", "existing": True,
     "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                 {"name": "stripe_customer_id", "type": "varchar(255)", "nullable": True, "added": True}]},
    {"name": "subscriptions", "purpose": "a workspace's Stripe subscription", "integration_type": "Data Bridge",
     "columns": [{"name": "id", "type": "uuid", "primary_key": True, "default": "gen_random_uuid()"},
                 {"name": "workspace_id", "type": "uuid", "references": "workspaces.id"},
                 {"name": "stripe_subscription_id", "type": "varchar(255)", "unique": True},
                 {"name": "status", "type": "varchar(50)"}]},
]}
SPEC = {
    "description": "Stripe subscription billing for workspaces",
    "sections": {
        "design_spine": {"status": "drafted", "data": {
            "entities": [{"table": "subscriptions", "change": "new"}, {"table": "workspaces", "change": "altered"}],
            "endpoints": [{"method": "POST", "path": "/api/v1/webhooks/stripe"},
                          {"method": "POST", "path": "/api/v1/billing/checkout"}],
            "events": [{"name": "customer.subscription.updated", "producer": "stripe_api", "consumer": "billing_worker"}],
            "settings": [{"name": "STRIPE_WEBHOOK_SECRET", "secret": True}, {"name": "STRIPE_SECRET_KEY", "secret": True}],
        }},
        "database_schema": {"status": "drafted", "data": SCHEMA},
    },
}
WEBHOOKS = '''from fastapi import APIRouter, Request

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post("/stripe")
async def stripe_webhook(request: Request) -> dict:
    event = await request.json()
    if event["type"] == "customer.subscription.updated":
        pass  # update the workspace's subscription
    return {"received": True}
'''


def test_verify_follows_a_fastapi_alembic_repository_through_agentspecs_own_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "integration-requirements.md").write_text("# Integration Requirements: billing\n", encoding="utf-8")
    (spec / "spec.json").write_text(json.dumps(SPEC), encoding="utf-8")

    code, left = verify_left(repo, spec)
    assert code == 1
    # The checkout route and STRIPE_SECRET_KEY exist already (app/routers/billing.py, .env.example).
    assert left == {("table", "subscriptions", "missing"), ("column", "workspaces.stripe_customer_id", "missing"),
                    *{("column", f"subscriptions.{c}", "missing")
                      for c in ("id", "workspace_id", "stripe_subscription_id", "status", "created_at")},
                    ("route", "POST /api/v1/webhooks/stripe", "missing"),
                    ("event", "customer.subscription.updated", "missing"), ("env_var", "STRIPE_WEBHOOK_SECRET", "missing")}

    # Step 1: the migration agentspec writes, after the repository's head.
    revision = alembic_revision(database_schema.MODEL.model_validate(SCHEMA), "c0ffee000001", "9f1c2d3e4b5a", "billing")
    (repo / "alembic" / "versions" / "c0ffee000001_billing.py").write_text(revision, encoding="utf-8")
    code, left = verify_left(repo, spec)
    assert code == 1
    assert left == {("route", "POST /api/v1/webhooks/stripe", "missing"),
                    ("event", "customer.subscription.updated", "missing"), ("env_var", "STRIPE_WEBHOOK_SECRET", "missing")}

    # Step 2: the webhook router, mounted under the API's prefix, and the setting.
    (repo / "app" / "routers" / "webhooks.py").write_text(WEBHOOKS, encoding="utf-8")
    main = repo / "app" / "main.py"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "from app.routers import users, workspaces", "from app.routers import users, webhooks, workspaces").replace(
        'app.include_router(billing_router, prefix="/api/v1")',
        'app.include_router(billing_router, prefix="/api/v1")\napp.include_router(webhooks.router, prefix="/api/v1")'),
        encoding="utf-8")
    env = repo / ".env.example"
    env.write_text(env.read_text(encoding="utf-8") + "STRIPE_WEBHOOK_SECRET=whsec_fixture\n", encoding="utf-8")
    assert verify_left(repo, spec) == (0, set())
