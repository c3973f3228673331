"""Cross-section consistency checks and dataset expectations, on hand-made spec
directories (spec_factory) edited to break one thing at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spec_factory

from agentspec.checks import CHECKS, run_checks
from agentspec.checks.consistency import (
    check_erd_ddl_orm,
    check_event_flow,
    check_example_endpoints,
    check_expectations,
    route_shape,
)
from agentspec.spec_document import SpecDocument

CONSISTENCY = ["erd_ddl_orm", "example_endpoints", "event_flow", "expectations"]


def _load(directory: Path) -> SpecDocument:
    return SpecDocument.load(directory)


def _edit_markdown(directory: Path, old: str, new: str, count: int = 1) -> SpecDocument:
    path = directory / "integration-requirements.md"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in the spec"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return _load(directory)


def _edit_spec_json(directory: Path, section: str, data: dict) -> SpecDocument:
    path = directory / "spec.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    spec["sections"][section]["data"] = data
    path.write_text(json.dumps(spec), encoding="utf-8")
    return _load(directory)


def test_registered_in_the_check_registry():
    assert all(name in CHECKS for name in CONSISTENCY)
    # semantic_defects and coverage (tests/eval/test_semantic_check.py, tests/knowledge) sit between
    # the consistency checks and expectations
    assert [n for n in CHECKS if n not in ("semantic_defects", "coverage", "lints", "provider_values")][-4:] == CONSISTENCY
    assert list(CHECKS).index("semantic_defects") == list(CHECKS).index("event_flow") + 1
    assert list(CHECKS).index("coverage") == list(CHECKS).index("semantic_defects") + 1


def test_a_consistent_spec_passes(spec_dir):
    scores = {s.name: s for s in run_checks(_load(spec_dir), {"repo": None}, names=CONSISTENCY)}
    for name in ("erd_ddl_orm", "example_endpoints", "event_flow"):
        assert scores[name].passed and not scores[name].skipped, scores[name].details
    assert scores["expectations"].skipped  # no run["expect"]


def test_every_check_skips_without_spec_json(spec_dir):
    (spec_dir / "spec.json").unlink()
    spec = _load(spec_dir)
    for score in run_checks(spec, {"expect": {"entities": ["invoice"]}}, names=CONSISTENCY):
        assert score.skipped and score.passed, (score.name, score.details)
        assert "spec.json" in score.details[0]


# ------------------------------------------------------------------ ERD = DDL = ORM


def test_missing_orm_entity_fails(spec_dir):
    spec = _edit_markdown(spec_dir, "@Entity('invoices')", "@Entity('invoice_records')")
    score = check_erd_ddl_orm(spec)
    assert not score.passed
    text = "\n".join(score.details)
    assert "table invoices from spec.json is missing from the ORM @Entity" in text
    assert "ORM @Entity names invoice_records" in text
    assert "CREATE TABLE invoices has no ORM @Entity('invoices')" in text
    assert score.section == "Data Integration"


def test_extra_erd_entity_fails(spec_dir):
    spec = _edit_markdown(spec_dir, "erDiagram\n", "erDiagram\n    REFUNDS {\n        uuid id PK\n    }\n")
    score = check_erd_ddl_orm(spec)
    assert not score.passed
    assert any("erDiagram names refunds" in d for d in score.details)


def test_renamed_ddl_table_fails_on_every_view(spec_dir):
    spec = _edit_markdown(spec_dir, "CREATE TABLE invoice_line_items (", "CREATE TABLE line_items (")
    details = "\n".join(check_erd_ddl_orm(spec).details)
    assert "table invoice_line_items from spec.json is missing from the CREATE TABLE" in details
    assert "CREATE TABLE line_items has no entity in the erDiagram" in details


def test_existing_tables_need_no_orm_entity(spec_dir):
    # users is existing: CREATE TABLE IF NOT EXISTS, in the ERD, no @Entity.
    md = (spec_dir / "integration-requirements.md").read_text(encoding="utf-8")
    assert "CREATE TABLE IF NOT EXISTS users" in md and "@Entity('users')" not in md
    assert check_erd_ddl_orm(_load(spec_dir)).passed


def test_failed_schema_section_is_skipped(tmp_path):
    state = spec_factory.state()
    state["sections"]["database_schema"] = {"status": "failed", "data": {"tables": [{"name": "x"}]}, "failures": ["boom"]}
    spec = _load(spec_factory.write_spec(tmp_path / "s", state))
    score = check_erd_ddl_orm(spec)
    assert score.skipped and "not in the document" in score.details[0]


# ------------------------------------------------------------------ endpoints


@pytest.mark.parametrize(("path", "shape"), [
    ("/api/v1/invoices/${invoiceId}/pay", "/api/v1/invoices/:/pay"),
    ("/api/v1/invoices/:invoiceId/pay", "/api/v1/invoices/:/pay"),
    ("/api/v1/customers/{customerId}/invoices?status=open", "/api/v1/customers/:/invoices"),
    ("/api/v1/Invoices/", "/api/v1/invoices"),
    # a test named "POST /api/v1/deletion-requests: success path" (the eleventh-pass gdpr draft)
    ("/api/v1/deletion-requests:", "/api/v1/deletion-requests"),
    ("/api/v1/deletion-requests/:id:", "/api/v1/deletion-requests/:"),
])
def test_route_shape(path, shape):
    assert route_shape(path) == shape


def test_examples_call_defined_endpoints_and_ignore_third_party_hosts(spec_dir):
    score = check_example_endpoints(_load(spec_dir))
    assert score.passed and not score.skipped
    # getInvoice (${invoiceId}) and payInvoice; the api.stripe.com URL is not ours.
    assert "2 API paths in examples" in score.details


def test_example_calling_an_undefined_endpoint_fails(tmp_path):
    state = spec_factory.state(example_api_client=spec_factory.example("/api/v1/refunds/${invoiceId}"))
    spec = _load(spec_factory.write_spec(tmp_path / "s", state))
    score = check_example_endpoints(spec)
    assert not score.passed
    (finding,) = score.findings
    assert "example calls /api/v1/refunds/${invoiceId}, which no endpoint defines" in finding.message
    assert finding.heading == "Code Examples"
    assert "refunds" in spec.lines[finding.line - 1]  # the line number points at the call


def test_endpoints_check_skips_without_backend_or_api_data(tmp_path):
    state = spec_factory.state(backend_integration=None, api_specifications=None)
    score = check_example_endpoints(_load(spec_factory.write_spec(tmp_path / "s", state)))
    assert score.skipped


# ------------------------------------------------------------------ events


def test_event_example_using_an_undefined_event_fails(tmp_path):
    state = spec_factory.state(example_events=spec_factory.events_example("invoice.refunded"))
    score = check_event_flow(_load(spec_factory.write_spec(tmp_path / "s", state)))
    assert not score.passed
    assert any("events example uses invoice.refunded" in d for d in score.details)


def test_consumed_event_without_producer_fails(spec_dir):
    # Hand-edited spec.json (the section validator would refuse this while drafting).
    data = spec_factory.data_helpers().events_payload()
    data["publishers"] = [{"name": "billing_service", "events": ["invoice.created"]}]
    data["subscribers"][0]["events"].append("invoice.voided")
    score = check_event_flow(_edit_spec_json(spec_dir, "event_integration", data))
    details = "\n".join(score.details)
    assert "subscriber notification_worker consumes invoice.paid, which no publisher produces" in details
    assert "subscriber notification_worker consumes invoice.voided, which is not defined" in details
    assert "event payment.failed is defined but no publisher produces it" in details
    assert score.section == "Event-Driven Integration"


def test_backend_dependency_on_an_undefined_event_fails(spec_dir):
    data = spec_factory.data_helpers().backend_payload()
    data["endpoints"][0]["dependencies"].append("invoice.voided")
    score = check_event_flow(_edit_spec_json(spec_dir, "backend_integration", data))
    assert any("endpoint createInvoice depends on event invoice.voided" in d for d in score.details)


# ------------------------------------------------------------------ expectations


def test_expectations_found_and_missing(spec_dir):
    spec = _load(spec_dir)
    ok = check_expectations(spec, {"expect": {"entities": ["invoice", "webhook"], "external_systems": ["stripe"]}})
    assert ok.passed and ok.value == 1.0
    bad = check_expectations(spec, {"expect": {"entities": ["refund"], "external_systems": ["paypal", "stripe"]}})
    assert not bad.passed and bad.value == pytest.approx(1 / 3, abs=1e-3)
    assert any("'refund' is not a table or column" in d for d in bad.details)
    assert any("'paypal' is not mentioned" in d for d in bad.details)


def test_a_system_named_only_in_the_description_does_not_count(tmp_path):
    state = spec_factory.state()
    state["description"] = "Let customers pay invoices with Stripe and mirror them into Xero"
    spec = _load(spec_factory.write_spec(tmp_path / "s", state))
    assert "Xero" in spec.markdown  # the Context section quotes the description
    score = check_expectations(spec, {"expect": {"external_systems": ["xero"]}})
    assert not score.passed


def test_p1_categories_fall_back_to_the_scenarios_file(spec_dir):
    (spec_dir / "analysis-scenarios.md").write_text("#### Scenario: Replayed webhook\n**Category**: Security\n", encoding="utf-8")
    spec = _load(spec_dir)
    assert check_expectations(spec, {"expect": {"p1_categories": ["security"]}}).passed
    assert not check_expectations(spec, {"expect": {"p1_categories": ["scale"]}}).passed


def test_dataset_expectations_are_lowercase_substrings():
    root = Path(__file__).resolve().parents[2] / "evals" / "datasets"
    core = [json.loads(line) for line in (root / "core.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    replay = [json.loads(line) for line in (root / "replay.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(core) >= 12 and len({c["id"] for c in core}) == len(core)
    for case in core:
        for values in case.get("expect", {}).values():
            assert all(v == v.lower() for v in values), case["id"]
    by_id = {c["id"]: c for c in core}
    assert {c["id"] for c in replay} >= {"stripe-invoice-sync"}  # only cases with a recorded cassette
    assert all(by_id[c["id"]] == c for c in replay)  # the replay set is a subset, not a fork
    assert by_id["stripe-invoice-sync"]["description"] == (
        "Sync Stripe invoices into our Postgres billing DB via webhooks, with an admin sync-status page")
