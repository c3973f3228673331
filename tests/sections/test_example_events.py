from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import example_events as section
from agentspec.agents.packs.integration_requirements.sections.example_events import EventsExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks

CODE = """\
// Typed in-process bus for billing events with idempotent, isolated handlers
export type BillingEvents = {
  'subscription.activated': { workspaceId: string; planId: string; eventId: string };
  'subscription.canceled': { workspaceId: string; eventId: string };
};

type Handler<K extends keyof BillingEvents> = (payload: BillingEvents[K]) => Promise<void>;

export class BillingEventBus {
  private handlers = new Map<keyof BillingEvents, Set<Handler<any>>>();
  private processed = new Set<string>();

  subscribe<K extends keyof BillingEvents>(event: K, handler: Handler<K>): () => void {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler);
    this.handlers.set(event, set);
    return () => set.delete(handler);
  }

  async publish<K extends keyof BillingEvents>(event: K, payload: BillingEvents[K]): Promise<void> {
    if (this.processed.has(payload.eventId)) return;
    this.processed.add(payload.eventId);
    const handlers = Array.from(this.handlers.get(event) ?? []);
    const results = await Promise.allSettled(handlers.map((handler) => handler(payload)));
    results.forEach((result) => {
      if (result.status === 'rejected') {
        console.error(`billing handler failed for ${event}`, result.reason);
      }
    });
  }
}

export const billingEvents = new BillingEventBus();

billingEvents.subscribe('subscription.activated', async ({ workspaceId, planId }) => {
  console.info('unlock plan features', { workspaceId, planId });
});
"""

DATA = {
    "purpose": "Publish subscription lifecycle events to decoupled consumers",
    "file_path": "src/billing/events/bus.ts",
    "code": CODE,
    "key_points": ["Event names and payloads typed together", "Duplicate event ids are skipped", "One failing handler does not stop the rest"],
}


def test_renders_example_3() -> None:
    md = check_rendered(section, EventsExample.model_validate(DATA))
    assert md.startswith("### Example 3: Event-Driven Integration\n\n")
    assert "**File**: `src/billing/events/bus.ts`" in md
    assert code_blocks(md)[0][0] == "typescript"


def test_unbalanced_code_is_rejected() -> None:
    assert_rejects(EventsExample, DATA | {"code": CODE.rsplit("});", 1)[0]}, "does not parse")
    assert_rejects(EventsExample, DATA | {"key_points": ["only one"]}, "key_points")
