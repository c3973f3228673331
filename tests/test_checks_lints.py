"""Each named lint catches its bad fixture with the section and the quote, and the good
fixture passes every lint."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentspec.checks.lints import LINTS, check_lints
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "lints"

# rule -> (section, message start, quoted text)
EXPECTED = {
    "verb_matches_operation": ("Integration Examples", "deleteInvoice sends POST; its name says DELETE",
                               "async deleteInvoice(id: string): Promise<void> {"),
    "one_to_one_said": ("Data Integration", "billing_profiles.customer_id is a unique foreign key to customers "
                        "(one-to-one), but the ERD draws one-to-many", "customers ||--o{ billing_profiles : customer_id"),
    "no_live_credentials_before_production": ("Deployment Considerations", "a pre-production environment uses live mode",
                                              "| Staging | live mode | STRIPE_API_KEY (sk_live_) |"),
    "time_units_consistent": ("Integration Examples", "PX is milliseconds: 3600 ms is 3.6 s (write 3600000 for 3600 seconds)", '"PX", 3600);'),
    "imports_named_dependencies": ("Integration Examples", "imports event-broker, which no dependency list or text of "
                                   "the spec names", "import { EventBroker } from 'event-broker';"),
    "out_of_scope_not_required": ("Compatibility", 'requires "mobile apps", which line 6 lists as out of scope',
                                  "must ship in the native mobile apps"),
    "one_statement_per_parameterised_query": ("Integration Examples", "2 statements in one query with bind parameters, "
                                              "which PostgreSQL runs as one prepared statement only; send them as "
                                              "separate queries in a transaction",
                                              "await pool.query(`INSERT INTO stripe_webhook_events"),
    "production_on_live_services": ("Deployment Integration", "production uses sandbox",
                                    "services: stripe_api=sandbox;inbound_webhook=live"),
    "fixed_width_only_for_codes": ("Data Integration", "provider is CHAR(3), which pads a shorter value with blanks and "
                                   "rejects a longer one; only a code of exactly 3 characters fits it: use text or varchar",
                                   "provider CHAR(3) NOT NULL,"),
}


def test_every_lint_has_a_bad_fixture():
    assert set(EXPECTED) == set(LINTS) == {p.stem for p in FIXTURES.glob("*.md")} - {"good"}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_bad_fixture_is_caught_by_its_rule_alone(rule):
    score = check_lints(SpecDocument.load(FIXTURES / f"{rule}.md"))
    assert not score.passed
    section, message, quoted = EXPECTED[rule]
    assert len(score.findings) == 1, score.details
    finding = score.findings[0]
    assert finding.heading == section
    assert finding.message.startswith(f"{rule}: {message}: \""), finding.message
    assert quoted in finding.message


def test_the_good_fixture_passes_every_lint():
    score = check_lints(SpecDocument.load(FIXTURES / "good.md"))
    assert score.passed, score.details


def test_one_parameterised_statement_and_a_script_without_parameters_are_not_flagged():
    text = ("## Integration Examples\n\n```typescript\n"
            "await pool.query('UPDATE stripe_invoices SET status = $1 WHERE id = $2;', [status, id]);\n"
            "await pool.query(`BEGIN; LOCK TABLE stripe_invoices; COMMIT;`, []);\n```\n")
    assert check_lints(SpecDocument.from_markdown(text)).passed


def test_graphql_posts_and_negated_live_keys_are_not_flagged():
    spec = SpecDocument.from_markdown(
        "## Examples\n\n```ts\nasync getInvoices() {\n  return client.post('/graphql', { query });\n}\n```\n\n"
        "## Deployment\n\n- **Staging**: never uses live keys\n")
    assert check_lints(spec).passed


def test_a_code_column_of_the_wrong_width_is_flagged():
    from agentspec.checks.lints import _fixed_width_fits

    assert _fixed_width_fits("currency", 3) and _fixed_width_fits("billing_country_code", 2)
    assert not _fixed_width_fits("currency", 2) and not _fixed_width_fits("status", 10)
    assert _fixed_width_fits("postal_code", 5) and _fixed_width_fits("body_sha256", 64)


def test_an_examples_own_notes_do_not_declare_what_it_imports():
    """The tenth-pass Stripe events example passed by naming NestJS in its own key points."""
    from agentspec.checks.lints import imports_named_dependencies

    text = ("# Spec\n\n## Overview\n\n- **Libraries**: pg\n\n## Code Examples\n\n### Example 1: Events\n\n"
            "```typescript\nimport { Pool } from 'pg';\nimport { Injectable } from '@nestjs/common';\n```\n\n"
            "**Key points**:\n- Uses @nestjs/common for injection\n\n### Example 2: Database\n\nUses pg.\n")
    found = [f.message for f in imports_named_dependencies(SpecDocument.from_markdown(text))]
    assert found == ["imports_named_dependencies: imports @nestjs/common, which no dependency list or text of the spec "
                     "names: \"import { Injectable } from '@nestjs/common';\""]


def test_the_reviews_own_open_questions_do_not_name_a_package():
    """The eleventh-pass Stripe review passed its second round on the first round's open questions."""
    from agentspec.checks.lints import imports_named_dependencies

    text = ("# Spec\n\n## Overview\n\n- **Libraries**: pg\n\n## Code Examples\n\n### Example 3: Events\n\n"
            "```typescript\nimport { Injectable } from '@nestjs/common';\n```\n\n## Deep Analysis\n\n#### Integration Readiness\n\n"
            "**Open questions from the review pass** (computed by the checks of meaning):\n"
            "- **major** (example_events): imports_named_dependencies: imports @nestjs/common, which no dependency list names\n")
    assert len(list(imports_named_dependencies(SpecDocument.from_markdown(text)))) == 1


def test_a_package_the_named_stack_is_built_on_is_named_by_it():
    """The grounded SQLModel draft's models import sqlalchemy, which SQLModel is powered by: named
    by the stack. A package nothing named stays a finding."""
    from agentspec.checks.lints import imports_named_dependencies

    text = ("# Spec\n\n## Overview\n\n**Stack**: Python, FastAPI, SQLModel.\n\n## Schema\n\n"
            "```python\nimport sqlalchemy as sa\nfrom pydantic import BaseModel\nfrom starlette.requests import Request\n"
            "import redis\n```\n")
    found = [f.message for f in imports_named_dependencies(SpecDocument.from_markdown(text))]
    assert found == ["imports_named_dependencies: imports redis, which no dependency list or text of the spec names: "
                     "\"import redis\""]
    without = text.replace("FastAPI, SQLModel", "Django")
    assert len(list(imports_named_dependencies(SpecDocument.from_markdown(without)))) == 4
