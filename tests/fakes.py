"""Test-only helpers around the fake OpenAI server (a TEST DOUBLE).

`RecordedResponder` answers each section's call with that section's data from a
spec.json written by a real draft from a real model (tests/fixtures/recorded/),
so fast pipeline tests run on realistic, valid data without a cassette."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "spec.json"
DESCRIPTION = "Sync Stripe invoices into our Postgres billing DB via webhooks, with an admin sync-status page"


class RecordedResponder:
    def __init__(self, spec_json: Path = RECORDED) -> None:
        spec = json.loads(spec_json.read_text(encoding="utf-8"))
        self.data: dict[str, Any] = {"intake": spec["brief"]}
        for sid, entry in spec["sections"].items():
            if entry.get("data") is not None:
                self.data[sid] = entry["data"]
        for aid, entry in spec["analyses"].items():
            if entry.get("data") is not None:
                self.data[aid] = entry["data"]
        self.overrides: dict[str, Any] = {}

    def __call__(self, request: Any) -> Any:
        section = request.section
        if section in self.overrides:
            value = self.overrides[section]
            return value(request) if callable(value) else value
        if section not in self.data:
            raise KeyError(f"no recorded data for section {section!r}")
        return self.data[section]


def not_applicable(spec_json: Path = RECORDED) -> set[str]:
    """Sections the fixture's design spine has no use for: a draft answering from it
    never requests them (they render as one "Not applicable" line)."""
    from agentspec.agents.registry import registry
    from agentspec.agents.spine import DesignSpine, applies

    spec = json.loads(spec_json.read_text(encoding="utf-8"))
    spine = DesignSpine.model_validate(spec["sections"]["design_spine"]["data"])
    return {s.id for s in registry() if not applies(spine, s.applies_when)[0]}


def written_from_design(spec_json: Path = RECORDED) -> set[str]:
    """Sections code writes from the fixture's design (a section's `derive`): a draft
    answering from it never requests them either."""
    from agentspec.assemble import render_context
    from agentspec.agents.registry import registry

    spec = json.loads(spec_json.read_text(encoding="utf-8"))
    state = {"brief": spec["brief"], "description": spec["description"], "options": {}, "sections": spec["sections"],
             "analyses": {}}
    ctx = render_context(state)
    return {s.id for s in registry() if s.derive is not None and s.derive(ctx) is not None}


def replay_tools_missing() -> bool:
    """A committed cassette replays the recorded flow only with the tools the recording's
    review pass had: the TypeScript compiler of agentspec/checks/node decides which examples are
    redrafted (agentspec/review_pass.py), so without it the replay asks what was never recorded."""
    from agentspec.checks.sql import PG_URL_ENV
    from agentspec.checks.typecheck import compiler_available

    return not compiler_available() or not os.environ.get(PG_URL_ENV)


REPLAY_TOOLS_REASON = ("the recorded review pass type-checked the examples and ran the SQL on PostgreSQL: "
                       "run npm ci --prefix agentspec/checks/node and set AGENTSPEC_PG_URL (scripts/test.sh does both)")



# Code a section compiled from a user's template is answered with: real code of the block's
# language, so the drafted spec's blocks parse (the schema faker writes "mermaid code 1").
TEMPLATE_CODE = {
    "mermaid": "graph TD\n    A[Certificate expired] --> B[Checkout API rejects TLS]",
    "sql": "SELECT 1 AS ok;",  # no table: a design spine, when drafted, defines its own
    "yaml": "schedule: '0 * * * *'\nretries: 3",
    "json": '{"status": "ok"}',
    "typescript": "export const retries: number = 3;",
    "python": "RETRIES: int = 3",
}


class TemplateResponder(RecordedResponder):
    """A TEST DOUBLE for drafts over a user's template: the intake, the design spine and the
    analyses answer with recorded real data; a compiled template section with data made
    from its own schema, each code field holding real code of its block's language."""

    def __call__(self, request: Any) -> Any:
        from tests.doubles.schema_faker import generate_from_schema

        if request.section in self.data or request.section in self.overrides:
            return super().__call__(request)
        data = generate_from_schema(request.schema or {}, seed=request.section or 0)
        properties = (request.schema or {}).get("properties") or {}
        for name, prop in properties.items():
            if name.endswith("_code"):
                language = name.removesuffix("_code")
                data[name] = TEMPLATE_CODE.get(language, TEMPLATE_CODE["yaml"])
        return data
