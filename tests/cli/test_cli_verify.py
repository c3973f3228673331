"""`agentspec verify SPEC --repo PATH` as a user runs it: the installed console script on
a copy of a fixture repository, implemented step by step by a script. After each step
the report lists exactly what is still missing or different, and the exit code gates CI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.harness import agentspec, assert_exit, verify_left

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "ts-express-prisma"

# The structured result of a spec (the parts verify reads), written for this test.
SPEC = {
    "description": "Stripe subscriptions for organizations",
    "sections": {
        "design_spine": {"status": "drafted", "data": {
            "entities": [{"table": "subscriptions", "change": "new"}, {"table": "users", "change": "altered"}],
            "endpoints": [{"method": "POST", "path": "/api/webhooks/stripe"},
                          {"method": "GET", "path": "/api/subscriptions/{id}"},
                          {"method": "GET", "path": "/api/posts/{id}"}],
            "events": [{"name": "invoice.paid", "producer": "stripe_api", "consumer": "billing_worker"}],
            "settings": [{"name": "STRIPE_WEBHOOK_SECRET", "secret": True}, {"name": "DATABASE_URL", "secret": True}],
        }},
        "database_schema": {"status": "drafted", "data": {"tables": [
            {"name": "users", "existing": True, "columns": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "stripe_customer_id", "type": "varchar(255)", "added": True}]},
            {"name": "subscriptions", "existing": False, "columns": [
                {"name": "id", "type": "uuid", "primary_key": True},
                {"name": "organization_id", "type": "uuid", "references": "organizations.id"},
                {"name": "stripe_subscription_id", "type": "varchar(255)", "unique": True},
                {"name": "status", "type": "varchar(50)"}]},
        ]}},
        "example_api_client": {"status": "drafted", "data": {"file_path": "src/services/billing.ts"}},
    },
}

MIGRATION = """CREATE TABLE "subscriptions" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL REFERENCES "organizations"("id"),
    "stripe_subscription_id" VARCHAR(255) NOT NULL,
    "status" {status} NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);
"""
WEBHOOKS = """import { Router } from 'express';
const router = Router();
router.post('/stripe', (req, res) => {
  if (req.body.type === 'invoice.paid') { /* mark the subscription paid */ }
  res.sendStatus(200);
});
export default router;
"""


def _spec_dir(tmp_path: Path) -> Path:
    spec = tmp_path / "specs" / "subscriptions"
    spec.mkdir(parents=True)
    (spec / "integration-requirements.md").write_text("# Integration Requirements: subscriptions\n", encoding="utf-8")
    (spec / "spec.json").write_text(json.dumps(SPEC), encoding="utf-8")
    return spec


def _mount(index: Path, name: str) -> None:
    """Mount src/routes/<name>.ts under /api/<name>, as the fixture mounts its routers."""
    text = index.read_text(encoding="utf-8")
    text = text.replace("import postsRouter from './posts';", f"import postsRouter from './posts';\nimport {name}Router from './{name}';")
    text = text.replace("router.use('/posts', postsRouter);", f"router.use('/posts', postsRouter);\nrouter.use('/{name}', {name}Router);")
    index.write_text(text, encoding="utf-8")


def test_verify_lists_exactly_what_is_left_after_each_step_of_an_implementation(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    spec = _spec_dir(tmp_path)

    code, left = verify_left(repo, spec)
    assert code == 1
    assert left == {("table", "subscriptions", "missing"), ("column", "users.stripe_customer_id", "missing"),
                    *{("column", f"subscriptions.{c}", "missing")
                      for c in ("id", "organization_id", "stripe_subscription_id", "status", "created_at")},
                    ("route", "POST /api/webhooks/stripe", "missing"), ("route", "GET /api/subscriptions/{id}", "missing"),
                    ("event", "invoice.paid", "missing"), ("env_var", "STRIPE_WEBHOOK_SECRET", "missing")}

    # Step 1: the table (with a status column of the wrong type) and the webhook route.
    migration = repo / "prisma" / "migrations" / "20250101000000_subscriptions" / "migration.sql"
    migration.parent.mkdir()
    migration.write_text(MIGRATION.format(status="TEXT"), encoding="utf-8")
    (repo / "src" / "routes" / "webhooks.ts").write_text(WEBHOOKS, encoding="utf-8")
    index = repo / "src" / "routes" / "index.ts"
    _mount(index, "webhooks")
    code, left = verify_left(repo, spec)
    assert code == 1
    assert left == {("column", "users.stripe_customer_id", "missing"), ("column", "subscriptions.status", "different"),
                    ("route", "GET /api/subscriptions/{id}", "missing"), ("env_var", "STRIPE_WEBHOOK_SECRET", "missing")}

    # Step 2: the rest.
    migration.write_text(MIGRATION.format(status="VARCHAR(50)")
                         + 'ALTER TABLE "users" ADD COLUMN "stripe_customer_id" VARCHAR(255);\n', encoding="utf-8")
    (repo / "src" / "routes" / "subscriptions.ts").write_text(
        "import { Router } from 'express';\nconst router = Router();\nrouter.get('/:id', (_req, res) => res.json({}));\n"
        "export default router;\n", encoding="utf-8")
    _mount(index, "subscriptions")
    env = repo / ".env.example"
    env.write_text(env.read_text(encoding="utf-8") + "STRIPE_WEBHOOK_SECRET=whsec_fixture\n", encoding="utf-8")
    code, left = verify_left(repo, spec)
    assert (code, left) == (0, set())


def test_verify_prints_a_markdown_report_with_the_checklist(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    result = agentspec("verify", str(_spec_dir(tmp_path)), "--repo", str(repo))
    assert_exit(result, 1)
    assert "| route | `GET /api/posts/{id}` | present |" in result.stdout
    assert "src/routes/posts.ts:" in result.stdout  # where the route is
    assert "- [ ] table subscriptions (new)" in result.stdout
    assert "- [ ] file src/services/billing.ts (written by example_api_client)" in result.stdout
    assert "whsec_fixture" not in result.stdout and "MUST-NOT-LEAK" not in result.stdout  # names only, never values


def test_verify_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    spec = _spec_dir(tmp_path)
    assert_exit(agentspec("verify", str(spec), "--repo", str(tmp_path / "nowhere")), 2, "not a directory")
    assert_exit(agentspec("verify", str(tmp_path / "no-spec"), "--repo", str(tmp_path)), 2)
    (spec / "spec.json").unlink()
    assert_exit(agentspec("verify", str(spec), "--repo", str(tmp_path)), 2, "spec.json")
