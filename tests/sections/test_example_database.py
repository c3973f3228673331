from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import example_database as section
from agentspec.agents.packs.integration_requirements.sections.example_database import DatabaseExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks

CODE = """\
// Subscription writes: the subscription row and its outbox event in one transaction
import { Pool, PoolClient } from 'pg';

export interface SubscriptionUpdate {
  workspaceId: string;
  stripeSubscriptionId: string;
  status: 'active' | 'past_due' | 'canceled';
  currentPeriodEnd: Date;
}

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20,
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 2_000,
});

async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export async function applySubscriptionUpdate(update: SubscriptionUpdate, stripeEventId: string): Promise<void> {
  await inTransaction(async (client) => {
    await client.query(
      `INSERT INTO subscriptions (workspace_id, stripe_subscription_id, status, current_period_end)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (stripe_subscription_id)
       DO UPDATE SET status = EXCLUDED.status, current_period_end = EXCLUDED.current_period_end`,
      [update.workspaceId, update.stripeSubscriptionId, update.status, update.currentPeriodEnd],
    );
    await client.query(
      `INSERT INTO billing_outbox (event_type, stripe_event_id, payload) VALUES ($1, $2, $3)`,
      ['subscription.status_changed', stripeEventId, JSON.stringify(update)],
    );
  });
}
"""

DATA = {
    "purpose": "Upsert a subscription and enqueue its outbox event atomically",
    "file_path": "src/billing/subscription-repository.ts",
    "code": CODE,
    "key_points": ["BEGIN/COMMIT with ROLLBACK on any error", "Connection always released", "Upsert keyed by stripe_subscription_id"],
}

PY_CODE = '''\
"""Subscription writes with psycopg 3: one transaction for the row and its outbox event."""
import json
import os

from psycopg_pool import ConnectionPool

pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=2, max_size=20, timeout=2.0)


def apply_subscription_update(update: dict, stripe_event_id: str) -> None:
    with pool.connection() as conn:
        with conn.transaction():
            conn.execute(
                "INSERT INTO subscriptions (workspace_id, stripe_subscription_id, status) VALUES (%s, %s, %s) "
                "ON CONFLICT (stripe_subscription_id) DO UPDATE SET status = EXCLUDED.status",
                (update["workspace_id"], update["stripe_subscription_id"], update["status"]),
            )
            conn.execute(
                "INSERT INTO billing_outbox (event_type, stripe_event_id, payload) VALUES (%s, %s, %s)",
                ("subscription.status_changed", stripe_event_id, json.dumps(update)),
            )
'''


def test_renders_example_2() -> None:
    md = check_rendered(section, DatabaseExample.model_validate(DATA))
    assert md.startswith("### Example 2: Database Integration with Transaction Support\n\n**Purpose**: Upsert a subscription")
    assert "## Code Examples" not in md
    [(lang, body)] = code_blocks(md)
    assert lang == "typescript" and "ROLLBACK" in body


def test_python_example_renders_python_fence_and_parses() -> None:
    data = DatabaseExample.model_validate(DATA | {"file_path": "app/billing/subscription_repository.py", "code": PY_CODE})
    md = check_rendered(section, data)
    [(lang, _)] = code_blocks(md)
    assert lang == "python"


def test_python_syntax_error_is_reported_with_its_line() -> None:
    broken = PY_CODE.replace("def apply_subscription_update(update: dict, stripe_event_id: str) -> None:", "def apply_subscription_update(update: dict, stripe_event_id: str) -> None")
    assert_rejects(DatabaseExample, DATA | {"file_path": "app/billing/repo.py", "code": broken}, "does not parse as python", "line 10")


def test_template_holes_are_rejected() -> None:
    holed = CODE.replace("INSERT INTO billing_outbox", "INSERT INTO [table_name]")
    assert_rejects(DatabaseExample, DATA | {"code": holed}, "[table_name]")
