from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import example_integration_test as section
from agentspec.agents.packs.integration_requirements.sections.example_integration_test import IntegrationTestExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks

CODE = """\
// Integration test: Stripe checkout client against a mocked Stripe API
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { StripeBillingClient } from '../../src/integrations/stripe/client';

const server = setupServer(
  http.post('https://api.stripe.com/v1/checkout/sessions', () =>
    HttpResponse.json({ id: 'cs_test_123', url: 'https://checkout.stripe.com/c/pay/cs_test_123' }),
  ),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('Stripe Subscription Billing integration', () => {
  it('returns the Checkout URL on success', async () => {
    const result = await new StripeBillingClient().createCheckoutSession('ws_42', 'price_pro_monthly');
    expect(result).toEqual({ ok: true, data: 'https://checkout.stripe.com/c/pay/cs_test_123' });
  });

  it('reports a retryable error when Stripe keeps failing', async () => {
    server.use(http.post('https://api.stripe.com/v1/checkout/sessions', () => HttpResponse.json({}, { status: 503 })));
    const result = await new StripeBillingClient().createCheckoutSession('ws_42', 'price_pro_monthly');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.retryable).toBe(true);
  });

  it('retries a 429 and then succeeds', async () => {
    let calls = 0;
    server.use(
      http.post('https://api.stripe.com/v1/checkout/sessions', () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({}, { status: 429 })
          : HttpResponse.json({ id: 'cs_test_456', url: 'https://checkout.stripe.com/c/pay/cs_test_456' });
      }),
    );
    const result = await new StripeBillingClient().createCheckoutSession('ws_42', 'price_pro_monthly');
    expect(result.ok).toBe(true);
    expect(calls).toBe(2);
  });
});
"""

DATA = {
    "purpose": "Prove the Stripe client handles success, outages and rate limits",
    "file_path": "tests/integration/stripe/checkout.test.ts",
    "code": CODE,
    "key_points": ["msw mocks the real Stripe endpoint", "Covers 200, 503 and 429 responses", "Unhandled requests fail the test"],
}


def test_renders_integration_testing_example() -> None:
    md = check_rendered(section, IntegrationTestExample.model_validate(DATA))
    assert md.startswith("### Integration Testing Example\n\n**Purpose**: Prove the Stripe client")
    assert "**File**: `tests/integration/stripe/checkout.test.ts`" in md
    assert code_blocks(md)[0][0] == "typescript"


def test_rejects_template_mock_data() -> None:
    holed = CODE.replace("'price_pro_monthly');\n    expect(result).toEqual", "'[TEST_PRICE_ID]');\n    expect(result).toEqual")
    assert_rejects(IntegrationTestExample, DATA | {"code": holed}, "[TEST_PRICE_ID]")
