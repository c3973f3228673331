"""The review pass after assembly (agentspec/review_pass.py), against the fake OpenAI
server (a test double) answering with data recorded from a real draft: sections with
critical or major findings are redrafted once with the findings as feedback, the rest
are listed in the spec as open questions, and run.json counts both."""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter

import pytest
from rich.console import Console

from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder

pytestmark = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")


def model_written_examples(monkeypatch, responder: RecordedResponder) -> None:
    """The examples as a model writes them, not code: the database example calls the
    `pool.release()` a reviewer found in the README draft, which pg's Pool does not have.
    (From the design, code writes examples that pass; this is the path for what it cannot write.)"""
    monkeypatch.setattr("agentspec.agents.nodes._derived", lambda task, section_id: None)
    table = responder.data["design_spine"]["entities"][0]["table"]
    code = "\n".join([
        "import { Pool } from 'pg';",
        "",
        "const pool = new Pool({ connectionString: process.env.DATABASE_URL });",
        "",
        "// Marks one row done, then gives the connection back.",
        "export async function markDone(id: string): Promise<void> {",
        f"  await pool.query('UPDATE {table} SET attempts = attempts + 1 WHERE id = $1', [id]);",
        "  pool.release();",
        "}",
        "",
        "export async function countRows(): Promise<number> {",
        f"  const result = await pool.query('SELECT count(*) AS n FROM {table}');",
        "  return Number(result.rows[0].n);",
        "}",
    ])
    responder.data["example_database"] = {"purpose": f"How the worker updates {table}.", "file_path": "src/worker/mark-done.ts",
                                          "code": code, "key_points": ["one statement per query", "parameterised"]}


def _draft(tmp_path, monkeypatch, critic: bool):
    responder = RecordedResponder()
    model_written_examples(monkeypatch, responder)
    asked: dict[str, list[str]] = {}

    def remember(section):
        def answer(request):
            asked.setdefault(section, []).append(json.dumps(request.messages))
            return responder.data[section]
        return answer

    for section in list(responder.data):
        responder.overrides[section] = remember(section)
    with FakeOpenAIServer(responder=responder) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        runner = Runner(load_settings(), Console(file=io.StringIO(), width=200))
        code = asyncio.run(runner.draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False,
                                        interactive=False, critic=critic))
        calls = Counter(c.section for c in srv.calls)
    run = json.loads((tmp_path / "spec" / "run.json").read_text(encoding="utf-8"))
    return code, calls, asked, run, (tmp_path / "spec" / "integration-requirements.md").read_text(encoding="utf-8")


def test_sections_with_findings_are_redrafted_once_with_the_findings(tmp_path, monkeypatch):
    code, calls, asked, run, markdown = _draft(tmp_path, monkeypatch, critic=True)
    review = run["review_pass"]
    assert review["ran"] and sum(review["first"].values()) > 0
    redrafted = review["redrafted"]
    assert redrafted, review
    for section in redrafted:
        assert calls[section] == 2, (section, calls[section])  # the draft and one redraft, never more
        assert "review (" in asked[section][-1] and "Fix:" in asked[section][-1]
    assert all(n == 1 for s, n in calls.items() if s not in redrafted and s != "intake"), calls
    # the fake answers the same data again, so the findings stay: listed, with their severity
    open_findings = review["open_findings"]
    assert any(f["severity"] in ("critical", "major") for f in open_findings)
    # a minor finding (the recording's Reusability slips into Chinese) is listed, never redrafted
    assert all(f["section"] not in redrafted for f in open_findings if f["severity"] == "minor")
    assert "**Open questions from the review pass**" in markdown
    assert open_findings[0]["message"].split(":", 1)[0] in markdown
    if review["open"]["critical"]:
        assert "**Not ready for implementation**" in markdown and "open critical review finding" in markdown


def test_no_critic_turns_the_pass_off(tmp_path, monkeypatch):
    _, calls, _, run, markdown = _draft(tmp_path, monkeypatch, critic=False)
    assert run["review_pass"] == {"enabled": False, "ran": False}
    assert set(calls.values()) == {1}
    assert "Open questions from the review pass" not in markdown


def test_a_redraft_that_fails_keeps_the_earlier_draft(tmp_path, monkeypatch):
    responder = RecordedResponder()
    model_written_examples(monkeypatch, responder)
    answered: list[int] = []

    def first_good_then_broken(request):
        answered.append(1)
        return responder.data["example_database"] if len(answered) == 1 else {"not": "a valid answer"}

    responder.overrides["example_database"] = first_good_then_broken
    with FakeOpenAIServer(responder=responder) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        runner = Runner(load_settings(), Console(file=io.StringIO(), width=200))
        asyncio.run(runner.draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False, interactive=False))
    spec = json.loads((tmp_path / "spec" / "spec.json").read_text(encoding="utf-8"))
    run = json.loads((tmp_path / "spec" / "run.json").read_text(encoding="utf-8"))
    assert "example_database" in run["review_pass"]["redrafted"]
    # the draft, then one redraft attempt (one call with its re-asks), no repair loop: it keeps the draft anyway
    assert len(answered) == 1 + load_settings().retry_budget()[0] + 1
    entry = spec["sections"]["example_database"]
    assert entry["status"] == "drafted" and entry["data"] == responder.data["example_database"]
    assert "example_database" not in run["failed_sections"]


def test_sql_findings_by_meaning_executed_failures_critical_parse_errors_left_to_the_gate():
    from agentspec.review_pass import _classify

    assert _classify("sql", "migration statement `DELETE FROM t` emptied t: 3 row(s) before, 0 after")[0] == "critical"
    assert _classify("sql", "the rollback did not restore t: 3 row(s) before the migration, 0 after")[0] == "critical"
    assert _classify("sql", "t accepted a second row with the same stripe_id: no unique constraint")[0] == "critical"
    assert _classify("sql", 'relation "x" does not exist (while running migration SQL)')[0] == "major"
    assert _classify("sql", "syntax error at or near SELEC") is None  # the draft gate's
    assert _classify("sql", "execute: PostgreSQL unavailable: connection refused") is None  # nothing to redraft


def test_security_middleware_without_an_owner_column_states_who_alone_reads():
    from agentspec.agents.packs.integration_requirements.sections.security_integration import _decided

    class Role:
        def __init__(self, name):
            self.name = name

    class Spine:
        roles = [Role("billing_admin")]
        settings = []

    assert "only billing_admin may read them" in _decided(Spine(), None)["resources"]


def test_a_wrong_provider_fact_is_critical():
    from agentspec.review_pass import _classify

    assert _classify("provider_values", "event stripe_invoice.created is not a Stripe event type: ...")[0] == "critical"
