"""A provider record's stored values are the ones its documentation lists
(agents/knowledge/providers.yaml `documented_values`)."""

from __future__ import annotations

from agentspec.checks.provider_values import check_provider_values
from agentspec.spec_document import SpecDocument

DESCRIPTION = "Sync Stripe invoices into our Postgres billing DB via webhooks"


def _spec(sql: str, description: str = DESCRIPTION, notes: dict | None = None) -> SpecDocument:
    spec_json = {"description": description, "sections": {}}
    if notes is not None:
        spec_json["sections"]["database_schema"] = {"data": {"tables": [
            {"name": "stripe_invoices", "columns": [{"name": "status", "note": notes["status"]}]}]}}
    return SpecDocument.from_markdown(f"## Data Integration\n\n```sql\n{sql}\n```\n", spec_json=spec_json)


def test_a_status_stripe_does_not_document_is_named_with_the_source():
    score = check_provider_values(_spec(
        "CREATE TABLE stripe_invoices (\n  id BIGSERIAL PRIMARY KEY,\n"
        "  status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed'))\n);"))
    assert not score.passed
    assert [str(f) for f in score.findings] == [
        "Data Integration: stripe_invoices.status allows 'pending', 'failed': Stripe documents invoice status values as "
        "draft, open, paid, uncollectible, void (https://support.stripe.com/questions/invoice-states) (line 4)"]


def test_enum_types_and_column_notes_are_read_and_documented_values_pass():
    good = _spec("CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid', 'uncollectible', 'void');\n"
                 "CREATE TABLE invoices (id UUID PRIMARY KEY, status invoice_status NOT NULL);",
                 notes={"status": "draft, open, paid, uncollectible, void"})
    assert check_provider_values(good).passed
    bad = _spec("CREATE TYPE invoice_status AS ENUM ('draft', 'pending');\n"
                "CREATE TABLE invoices (id UUID PRIMARY KEY, status invoice_status NOT NULL);",
                notes={"status": "open, refunded"})
    assert [f.message.split(":")[0] for f in check_provider_values(bad).findings] == [
        "invoices.status allows 'pending'", "stripe_invoices.status allows 'refunded'"]


def test_other_tables_and_unnamed_providers_are_not_judged():
    other = "CREATE TABLE sync_runs (id UUID PRIMARY KEY, status TEXT CHECK (status IN ('running', 'done')));"
    assert check_provider_values(_spec(other)).skipped
    assert check_provider_values(_spec(other.replace("sync_runs", "invoices"), description="Sync Xero invoices")).skipped


def test_an_event_the_provider_does_not_send_is_named_and_documented_types_pass():
    import copy
    import json
    from pathlib import Path

    spec_json = json.loads((Path(__file__).parent / "fixtures" / "recorded" / "spec.json").read_text(encoding="utf-8"))
    spine = spec_json["sections"]["design_spine"]["data"]
    sender = next(e["producer"] for e in spine["events"] if e["producer"] in {x["id"] for x in spine["external_systems"]})

    def score(names: list[str]):
        data = copy.deepcopy(spec_json)
        events = data["sections"]["design_spine"]["data"]["events"]
        template = next(e for e in events if e["producer"] == sender)
        data["sections"]["design_spine"]["data"]["events"] = [{**template, "name": n} for n in names]
        return check_provider_values(SpecDocument.from_markdown("## Overview\n\ntext\n", spec_json=data))

    wrong = score(["stripe_invoice.created", "invoice.pending"])  # the recorded spine's own name, and a made-up one
    assert not wrong.passed
    assert [f.message.split(":")[0] for f in wrong.findings] == [
        "event stripe_invoice.created is not a Stripe event type", "event invoice.pending is not a Stripe event type"]
    assert "https://docs.stripe.com/api/events/types" in wrong.findings[0].message
    assert score(["invoice.paid", "invoice.created"]).passed  # a status change, and another documented type
    assert not score(["received.event"]).findings  # not about invoices: no event to compare
