"""Hand-made spec directories for the eval tests: graph state built from the
section tests' sample payloads (one coherent Stripe invoicing feature), rendered
with the real assembler, so spec.json and the markdown agree the way a draft's do.

Test inputs only: nothing here is model output.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from agentspec.assemble import all_files

ROOT = Path(__file__).resolve().parents[2]

# A 30-line TypeScript client for the examples; {path} is what the test varies.
EXAMPLE_CODE = """\
import fetch from 'node-fetch';

export interface Invoice {
  id: string;
  status: string;
  amountDue: number;
}

export class InvoiceClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' };
  }

  async getInvoice(invoiceId: string): Promise<Invoice> {
    const response = await fetch(`${this.baseUrl}{path}`, { headers: this.headers() });
    if (!response.ok) {
      throw new Error(`getInvoice failed with HTTP ${response.status}`);
    }
    return (await response.json()) as Invoice;
  }

  async payInvoice(invoiceId: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/v1/invoices/${invoiceId}/pay`, {
      method: 'POST',
      headers: this.headers(),
    });
    if (response.status !== 202) {
      throw new Error(`payInvoice failed with HTTP ${response.status}`);
    }
    // The Stripe API itself is versioned too, but on its own host: not ours.
    console.log('see https://api.stripe.com/api/v1/charges for the raw charge');
  }
}
"""

EVENTS_CODE = """\
import { Kafka } from 'kafkajs';

const kafka = new Kafka({ clientId: 'billing', brokers: ['localhost:9092'] });
const consumer = kafka.consumer({ groupId: 'notification_worker' });

export async function run(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: 'billing.invoices' });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}');
      switch (event.type) {
        case '{event}':
          console.log('invoice paid', event.invoiceId);
          break;
        case 'payment.failed':
          console.log('payment failed', event.invoiceId);
          break;
        default:
          console.log('ignored', event.type);
      }
    },
  });
}
"""


@lru_cache(maxsize=1)
def data_helpers() -> ModuleType:
    """tests/sections/_data_helpers.py, loaded by path (tests/ is not a package)."""
    path = ROOT / "tests" / "sections" / "_data_helpers.py"
    spec = importlib.util.spec_from_file_location("_eval_data_helpers", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(path: str = "/api/v1/invoices/${invoiceId}") -> dict[str, Any]:
    return {
        "purpose": "Call the billing API from a backend service with a bearer token",
        "file_path": "src/billing/invoice_client.ts",
        "code": EXAMPLE_CODE.replace("{path}", path),
        "key_points": ["typed responses", "errors carry the HTTP status"],
    }


def events_example(event: str = "invoice.paid") -> dict[str, Any]:
    return {
        "purpose": "Consume billing events and notify customers",
        "file_path": "src/billing/notification_worker.ts",
        "code": EVENTS_CODE.replace("{event}", event),
        "key_points": ["idempotent handler", "unknown events are ignored"],
    }


def state(**overrides: Any) -> dict[str, Any]:
    """Graph state with the data sections filled in; overrides replace a
    section's data (None removes the section)."""
    h = data_helpers()
    sections: dict[str, Any] = {
        "database_schema": h.schema_payload(),
        "event_integration": h.events_payload(),
        "backend_integration": h.backend_payload(),
        "api_specifications": h.api_payload(),
        "example_api_client": example(),
        "example_events": events_example(),
    }
    for key, value in overrides.items():
        if value is None:
            sections.pop(key, None)
        else:
            sections[key] = value
    return {
        "description": "Let customers pay invoices with Stripe",
        "brief": h.brief().model_dump(mode="json"),
        "sections": {sid: {"status": "drafted", "data": copy.deepcopy(data)} for sid, data in sections.items()},
        "analyses": {},
        "options": {"date": "2026-01-01"},
        "calls": [],
    }


def write_spec(target: Path, state_: dict[str, Any] | None = None, *, run_extra: dict[str, Any] | None = None) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    files = all_files(state_ or state(), thread_id="test0000", endpoint="test", timings={"wall_s": 1.0})
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    if run_extra:
        run = json.loads((target / "run.json").read_text(encoding="utf-8"))
        run.update(run_extra)
        (target / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return target
