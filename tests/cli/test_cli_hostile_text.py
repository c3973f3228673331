"""Issue 11 item 6: model text can never break the document.

The fake OpenAI server (a TEST DOUBLE) answers with hostile text: a brief name
holding a newline and a code fence, headings, setext underlines, HTML comments
and table pipes in a few sections, and a ``` inside a code example's string
literal of a code example. The installed console script must write a document whose structure
comes from the template alone (every heading, in order, no fence or heading
opened by a value) and exit 0. A document that does fail its own heading check
is reported by `agentspec.quality.document_problems` (the runner turns a
non-empty list into exit 5)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Iterator

import pytest

from agentspec.assemble import render_document
from agentspec.quality import document_problems
from agentspec.render.markdown import cell, fence, inline
from tests.doubles import FakeOpenAIServer
from agentspec.agents.brief import FeatureBrief
from agentspec.checks import run_checks
from agentspec.spec_document import SpecDocument
from tests.cli.harness import DESCRIPTION, Tree, agentspec, assert_exit
from tests.fakes import RECORDED, RecordedResponder

HOSTILE_NAME = "Invoice Sync\n```\n# Injected"
MARK = "Injected"  # every hostile value carries it; it must never become structure


_PYTHON_EXAMPLES = {"example_api_client": "src/sync/stripe_client.py", "example_database": "src/sync/invoice_store.py",
                    "example_events": "src/sync/event_worker.py", "example_integration_test": "tests/integration/test_sync.py"}


def _python_example(path: str) -> dict:
    code = "\n".join([
        "import os",
        "",
        "",
        "def setting(name: str) -> str:",
        "    value = os.environ.get(name)",
        "    if not value:",
        "        raise RuntimeError(f'{name} is not set')",
        "    return value",
        "",
        "",
        "def retry_delays(retries: int) -> list[float]:",
        "    return [0.5 * 2 ** attempt for attempt in range(retries)]",
    ])
    return {"purpose": "Reads settings and spaces retries.", "file_path": path, "code": code,
            "key_points": ["settings fail at start-up", "exponential retry delays"]}


def _hostile_responder() -> RecordedResponder:
    responder = RecordedResponder()
    brief = copy.deepcopy(responder.data["intake"])
    brief["name"] = HOSTILE_NAME
    brief["summary"] = brief["summary"] + "\n\n## Injected Summary Heading\n<!-- hide everything after"
    brief["domains"][0] = "~~~\nInjected Domain"
    brief["assumptions"][:1] = ["Injected\n===\nassumption with a setext underline"]  # the list may be empty
    responder.overrides["intake"] = brief

    risks = copy.deepcopy(responder.data["risk_assessment"])
    risks["risks"][0]["description"] = "Injected | breaks the row\n| --- | --- |\n```"
    risks["risks"][0]["mitigation"] = "---"
    risks["contingency"]["degradation_trigger"] = "provider down\n# Injected Trigger Heading\n```sql"
    risks["contingency"]["incident_response"] = "<div style=\"display:none\">Injected hidden</div> page on-call"
    responder.overrides["risk_assessment"] = risks

    # Code writes the client, store and worker from the design (TypeScript or Python); the model
    # writes the Python integration test, so that example carries the hostile text.
    brief["code_language"] = "python"
    for section, path in _PYTHON_EXAMPLES.items():
        responder.overrides[section] = _python_example(path)
    hostile = copy.deepcopy(responder.overrides["example_integration_test"])
    hostile["code"] = "FENCE_MARKER = '```'  # Injected: a fence inside a string literal\n" + hostile["code"]
    hostile["key_points"][0] = "```\n## Injected Key Point"
    responder.overrides["example_integration_test"] = hostile
    return responder


@pytest.fixture
def hostile_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(responder=_hostile_responder()) as srv:
        yield srv


@pytest.fixture
def hostile_env(hostile_server) -> dict[str, str]:  # noqa: ANN001
    return {"OPENAI_BASE_URL": hostile_server.base_url, "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "AGENTSPEC_MODEL": "fake-model", "AGENTSPEC_INSTRUCTOR_MODE": "tools"}


def _assert_structure_from_template_only(markdown: str) -> None:
    doc = SpecDocument.from_markdown(markdown)
    scores = {s.name: s for s in run_checks(doc, run={"sql_execute": False, "parser_missing": "skip"},
                                            names=("headings", "placeholders"))}
    assert scores["headings"].passed, scores["headings"].details
    assert scores["placeholders"].passed, scores["placeholders"].details
    injected_headings = [h.text for h in doc.headings[1:] if MARK in h.text]  # the H1 holds the name, as text
    assert injected_headings == [], injected_headings
    # No value opened or closed a fence: the same code blocks as a document of ordinary values.
    ordinary = SpecDocument.from_markdown(render_document(_recorded_state()).markdown)
    # (the hostile brief asks for Python examples, the ordinary one has TypeScript: a code block either way)
    def kinds(blocks) -> list[str]:  # noqa: ANN001
        return ["code" if b.info in ("python", "typescript", "tsx") else b.info for b in blocks]

    assert kinds(doc.code_blocks) == kinds(ordinary.code_blocks)
    assert [h.text for h in doc.headings[1:]] == [h.text for h in ordinary.headings[1:]]
    first = markdown.splitlines()[0]
    assert first.startswith("# Integration Requirements: Invoice Sync") and MARK in first
    assert "<!--" not in markdown and "<div" not in markdown
    for line in markdown.splitlines():
        if line.startswith("| Injected"):
            # The hostile cell stays one cell: the row keeps the table's five columns.
            assert line.replace("\\|", "").count("|") == 6, line


def test_hostile_model_text_cannot_break_the_document(workdir, hostile_env, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("draft", DESCRIPTION, env=hostile_env, cwd=workdir, timeout=300)
    assert_exit(result, 0, "wrote")
    written = list((workdir / "specs").glob("*/integration-requirements.md"))
    assert len(written) == 1, written
    markdown = written[0].read_text(encoding="utf-8")
    _assert_structure_from_template_only(markdown)
    spec = json.loads((written[0].parent / "spec.json").read_text(encoding="utf-8"))
    assert all(check["passed"] for check in spec["document_checks"] if check["name"] == "headings")
    assert "\n" not in spec["brief"]["name"]  # a single-line field stays single-line
    # The code example's string literal keeps its ``` and cannot close the fence around it.
    assert "FENCE_MARKER = '```'" in markdown
    assert "\n````python\n" in markdown
    tree.assert_unchanged(workdir / "specs")


# --- the pieces, in process ---------------------------------------------------------------


def _recorded_state(**changes) -> dict:
    spec = json.loads(Path(RECORDED).read_text(encoding="utf-8"))
    sections = {sid: {"status": "done", "data": e["data"]} for sid, e in spec["sections"].items() if e.get("data") is not None}
    analyses = {aid: {"status": "done", "data": e["data"]} for aid, e in spec["analyses"].items() if e.get("data") is not None}
    state = {"description": DESCRIPTION, "brief": spec["brief"], "sections": sections, "analyses": analyses,
             "options": {"date": "2026-11-26"}}
    for sid, entry in changes.items():
        state["sections"][sid] = entry
    return state


def test_document_problems_is_empty_for_a_whole_document():
    assert document_problems(_recorded_state()) == []


def test_document_problems_names_a_document_that_fails_its_heading_check():
    # An edit (the one path where markdown is taken as written) opens a fence that
    # swallows every heading after it.
    state = _recorded_state(system_landscape={"status": "done", "edited_markdown": "## System Landscape\n\n```\nswallowed"})
    problems = document_problems(state)
    assert problems and all(p.startswith("headings: ") for p in problems), problems


def test_hostile_brief_is_made_safe_on_validation():
    brief = dict(json.loads(Path(RECORDED).read_text(encoding="utf-8"))["brief"], name=HOSTILE_NAME)
    name = FeatureBrief.model_validate(brief).name
    assert "\n" not in name and "```" not in name and name.startswith("Invoice Sync")
    markdown = render_document({"brief": {**brief, "name": HOSTILE_NAME}, "sections": {}, "options": {"date": "2026-11-26"}}).markdown
    assert not [h for h in SpecDocument.from_markdown(markdown).headings[1:] if MARK in h.text]


@pytest.mark.parametrize("value", ["Stripe Invoice Sync", "p95 < 200 ms for `GET /api/v1/invoices`", "a > b", "C# client",
                                   "use `Promise<Invoice>` here", "rate 5/s - burst 10", "#general channel"])
def test_inline_leaves_ordinary_text_alone(value):
    assert inline(value) == value


@pytest.mark.parametrize("value", ["```", "~~~ x", "# h", "### h", "===", "---", "- - -", "***", "> quote",
                                   "<!-- hide", "<div>x</div>", "a\n# b", "x | y\n| z"])
def test_inline_neutralises_structure(value):
    safe = inline(value)
    assert inline(safe) == safe  # idempotent: stored data is validated again
    for text in (safe, "- " + safe, cell(safe)):
        doc = SpecDocument.from_markdown("## Heading\n\npara\n" + text + "\n")
        assert [h.text for h in doc.headings] == ["Heading"] and doc.code_blocks == [], (value, text)
    assert "\n" not in safe and "<!--" not in safe and "<div" not in safe
    assert "|" not in cell(safe).replace("\\|", "")


def test_fence_is_longer_than_any_backtick_run_in_the_code():
    body = "const a = '```';\nconst b = '````';\n```\n"
    block = fence("typescript", body)
    assert block.startswith("`````typescript\n") and block.endswith("\n`````")
    doc = SpecDocument.from_markdown("## H\n\n" + block + "\n\n## After\n")
    assert [h.text for h in doc.headings] == ["H", "After"] and len(doc.code_blocks) == 1
    assert fence("sql", "SELECT 1;") == "```sql\nSELECT 1;\n```"
