from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import example_websocket as section
from agentspec.agents.packs.integration_requirements.sections.example_websocket import WebSocketExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks

CODE = """\
// Live billing status over WebSocket with capped exponential reconnection
export type BillingMessage =
  | { type: 'subscription.status'; workspaceId: string; status: 'active' | 'past_due' | 'canceled' }
  | { type: 'pong' };

export class BillingStatusSocket {
  private ws: WebSocket | null = null;
  private attempts = 0;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly maxAttempts = 6;

  constructor(private readonly url: string, private readonly onMessage: (m: BillingMessage) => void) {}

  connect(): void {
    this.ws = new WebSocket(this.url);
    this.ws.onopen = () => {
      this.attempts = 0;
      this.heartbeat = setInterval(() => this.ws?.send(JSON.stringify({ type: 'ping' })), 25_000);
    };
    this.ws.onmessage = (event) => {
      try {
        this.onMessage(JSON.parse(String(event.data)) as BillingMessage);
      } catch (error) {
        console.error('bad billing message', error);
      }
    };
    this.ws.onclose = () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.reconnect();
    };
  }

  private reconnect(): void {
    if (this.attempts >= this.maxAttempts) return;
    const delay = Math.min(30_000, 1_000 * 2 ** this.attempts);
    this.attempts += 1;
    setTimeout(() => this.connect(), delay);
  }

  disconnect(): void {
    this.attempts = this.maxAttempts;
    this.ws?.close(1000, 'client closed');
  }
}
"""

DATA = {
    "purpose": "Push subscription status changes to the billing page in real time",
    "file_path": "src/billing/realtime/billing-status-socket.ts",
    "code": CODE,
    "key_points": ["Backoff capped at 30s and 6 attempts", "25s heartbeat keeps proxies from idling out", "Malformed messages are logged, not thrown"],
}


def test_renders_example_4() -> None:
    md = check_rendered(section, WebSocketExample.model_validate(DATA))
    assert md.startswith("### Example 4: WebSocket Integration\n\n")
    assert code_blocks(md)[0][1].startswith("// Live billing status over WebSocket")


def test_rejects_wrong_extension() -> None:
    assert_rejects(WebSocketExample, DATA | {"file_path": "src/billing/realtime/socket.txt"}, "source extension")
