from __future__ import annotations

import pytest
from pydantic import ValidationError

from agentspec.agents.packs.integration_requirements.sections import example_api_client as section
from agentspec.agents.packs.integration_requirements.sections.example_api_client import ApiClientExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks, context

CODE = """\
// Stripe client for subscription billing: typed results, retries, timeouts
import Stripe from 'stripe';

export type BillingResult<T> = { ok: true; data: T } | { ok: false; error: string; retryable: boolean };

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '', {
  apiVersion: '2024-06-20',
  timeout: 10_000,
  maxNetworkRetries: 0,
});

const MAX_ATTEMPTS = 3;

async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 0;
      const retryable = status === 429 || status >= 500;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      const delayMs = 2 ** attempt * 250;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

export class StripeBillingClient {
  async createCheckoutSession(workspaceId: string, priceId: string): Promise<BillingResult<string>> {
    try {
      const session = await withRetry(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            line_items: [{ price: priceId, quantity: 1 }],
            client_reference_id: workspaceId,
            success_url: `${process.env.APP_URL}/billing?status=success`,
            cancel_url: `${process.env.APP_URL}/billing?status=cancelled`,
          },
          { idempotencyKey: `checkout-${workspaceId}-${priceId}` },
        ),
      );
      return { ok: true, data: session.url ?? '' };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 0;
      return { ok: false, error: (error as Error).message, retryable: status === 429 || status >= 500 };
    }
  }
}
"""

DATA = {
    "purpose": "Create Stripe Checkout sessions with retries, timeouts and typed results",
    "file_path": "src/integrations/stripe/client.ts",
    "code": CODE,
    "key_points": ["Exponential backoff on 429 and 5xx only", "Idempotency key per workspace and price", "Secret key read from STRIPE_SECRET_KEY"],
}


def test_renders_code_examples_intro_and_example() -> None:
    md = check_rendered(section, ApiClientExample.model_validate(DATA))
    assert md.startswith("## Code Examples\n\nThis section provides practical code examples for integrating Stripe Subscription Billing with existing systems")
    assert "**Purpose**: Create Stripe Checkout sessions" in md
    assert "**File**: `src/integrations/stripe/client.ts`" in md
    [(lang, body)] = code_blocks(md)
    assert lang == "typescript" and body == CODE.rstrip()
    assert "**Key Points**:\n- Exponential backoff on 429 and 5xx only" in md


def test_rejects_code_that_does_not_parse_with_the_line() -> None:
    broken = CODE.replace("      const delayMs = 2 ** attempt * 250;", "      const delayMs = 2 ** attempt * ;")
    message = assert_rejects(ApiClientExample, dict(DATA, code=broken), "does not parse as typescript", "line 22")
    assert "delayMs" in message
    truncated = CODE[: CODE.index("export class")] + "export class StripeBillingClient {\n  async create() {\n"
    assert_rejects(ApiClientExample, dict(DATA, code=truncated), "does not parse")


def test_rejects_placeholders_in_code() -> None:
    assert_rejects(ApiClientExample, dict(DATA, code=CODE.replace("'2024-06-20'", "'[API_VERSION]'")), "placeholder [API_VERSION] at line 7")
    assert_rejects(ApiClientExample, dict(DATA, code=CODE.replace("class StripeBillingClient", "class [ExternalServiceClient]")), "[ExternalServiceClient]")
    # indexing a variable is not a placeholder
    ApiClientExample.model_validate(dict(DATA, code=CODE.replace("?? 0;\n      const retryable", "?? 0;\n      const limits = LIMITS[RATE_LIMIT_KEY];\n      const retryable")))


def test_rejects_bad_paths_and_sizes() -> None:
    assert_rejects(ApiClientExample, dict(DATA, file_path="/etc/app/client.ts"), "relative path")
    assert_rejects(ApiClientExample, dict(DATA, file_path="../client.ts"), "relative path")
    assert_rejects(ApiClientExample, dict(DATA, file_path="src/integrations/stripe/client.ts:12"), "without a line number")
    assert_rejects(ApiClientExample, dict(DATA, file_path="src/stripe client"), "special characters")
    assert_rejects(ApiClientExample, dict(DATA, file_path="src/integrations/stripe/README"), "source extension")
    assert_rejects(ApiClientExample, dict(DATA, code="const a = 1;\nconst b = 2;\nexport { a, b };"), "write a complete example")
    assert_rejects(ApiClientExample, dict(DATA, code=CODE * 3), "keep the example focused")
    assert_rejects(ApiClientExample, dict(DATA, code=CODE.replace("// Stripe client", "// see src/lib/http.ts:40; Stripe client")), "does not exist")


def test_python_file_is_checked_as_python() -> None:
    assert_rejects(ApiClientExample, DATA | {"file_path": "app/integrations/stripe_client.py"}, "does not parse as python")


def test_language_from_validation_context() -> None:
    ApiClientExample.model_validate(DATA, context={"code_language": "typescript"})
    with pytest.raises(ValidationError, match="the examples are in python, use .py"):
        ApiClientExample.model_validate(DATA, context={"code_language": "python"})


def test_tsx_component_parses_as_tsx() -> None:
    tsx = """\
import { useState } from 'react';

type Props = { workspaceId: string; priceId: string };

export function UpgradeButton({ workspaceId, priceId }: Props) {
  const [busy, setBusy] = useState(false);
  async function upgrade(): Promise<void> {
    setBusy(true);
    const res = await fetch('/api/billing/checkout', {
      method: 'POST',
      body: JSON.stringify({ workspaceId, priceId }),
    });
    const { url } = (await res.json()) as { url: string };
    window.location.assign(url);
  }
  return <button disabled={busy} onClick={upgrade}>Upgrade</button>;
}
"""
    data = ApiClientExample.model_validate(DATA | {"file_path": "src/components/billing/UpgradeButton.tsx", "code": tsx})
    md = section.render(data, context())
    assert "```tsx\nimport { useState }" in md  # fenced as tsx: the document check parses JSX only then
    from agentspec.checks.code_blocks import check_code_blocks
    from agentspec.spec_document import SpecDocument
    assert check_code_blocks(SpecDocument.from_markdown(md)).passed


def test_all_general_models_are_grammar_friendly() -> None:
    """The local model is grammar-constrained: a maxLength over 2000 (e.g. the code
    field) makes llama.cpp reject the schema, so long fields are checked in Python."""
    import importlib

    from ._general_helpers import assert_grammar_friendly

    ids = ("ai_development_notes", "compatibility", "security_integration", "performance", "monitoring", "deployment",
           "reusability", "example_api_client", "example_database", "example_events", "example_websocket",
           "example_cache", "example_integration_test", "testing_validation")
    for sid in ids:
        assert_grammar_friendly(importlib.import_module(f"agentspec.agents.packs.integration_requirements.sections.{sid}").MODEL)
    assert "maxLength" not in ApiClientExample.model_json_schema()["properties"]["code"]
    assert_rejects(ApiClientExample, dict(DATA, code=CODE + ("// padding line to exceed the character budget\n" * 130)), "characters")
