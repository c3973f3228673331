"""Per-section approval, targeted regeneration and durable resume, counted in LLM
calls against the fake OpenAI server (a test double) answering with data recorded
from a real draft."""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from agentspec.errors import ReviewPending
from agentspec.runner import Runner
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer
from agentspec.agents.analyses import ANALYSES
from agentspec.agents.registry import dependents, registry
from tests.fakes import DESCRIPTION, RECORDED, RecordedResponder, not_applicable, written_from_design

pytestmark = pytest.mark.skipif(not RECORDED.exists(), reason="needs tests/fixtures/recorded/spec.json from a real draft")
# what a draft requests: neither what the design has no use for nor what code writes from it
LLM_SECTIONS = [s.id for s in registry() if s.needs_llm and s.id not in not_applicable() | written_from_design()]


@pytest.fixture
def fake(monkeypatch):
    responder = RecordedResponder()
    with FakeOpenAIServer(responder=responder) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        srv.responder_data = responder
        yield srv


def runner() -> Runner:
    return Runner(load_settings(), Console(file=io.StringIO(), width=200))


def counts(srv) -> Counter:
    return Counter(c.section for c in srv.calls)


def approve_until_done(thread: str) -> int:
    for _ in range(20):
        try:
            return asyncio.run(runner().review(thread, approve=[], approve_all=True, revise=None, feedback=None,
                                               edit=None, edit_file=None, interactive=False))
        except ReviewPending:
            continue
    raise AssertionError("review never finished")


def start_review(out: Path) -> str:
    r = runner()
    with pytest.raises(ReviewPending) as info:
        asyncio.run(r.draft(DESCRIPTION, out=out, force=False, review=True, interactive=False))
    return info.value.message.split()[1]


def test_full_draft_requests_each_section_once(fake, tmp_path):
    assert asyncio.run(runner().draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False, interactive=False, critic=False)) == 0
    assert counts(fake) == Counter({"intake": 1, **{s: 1 for s in LLM_SECTIONS}, **{a: 1 for a in ANALYSES}})
    run = json.loads((tmp_path / "spec" / "run.json").read_text())
    assert run["totals"]["calls"] == len(run["calls"]) == sum(counts(fake).values())
    assert run["totals"]["input_tokens"] == sum(c["input_tokens"] for c in run["calls"])


def test_approvals_cost_no_llm_calls(fake, tmp_path):
    thread = start_review(tmp_path / "spec")
    assert approve_until_done(thread) == 0
    assert set(counts(fake).values()) == {1}, counts(fake)
    assert "sk-test-not-a-real-key" not in (tmp_path / "spec" / "run.json").read_text()


def test_revision_costs_exactly_the_section_and_its_dependents(fake, tmp_path):
    asyncio.run(runner().draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False, interactive=False, critic=False))
    thread = runner().runs()[0]["thread_id"]
    before = counts(fake)
    code = asyncio.run(runner().review(thread, approve=[], approve_all=False, revise="database_schema",
                                       feedback="add a table for webhook delivery attempts", edit=None,
                                       edit_file=None, interactive=False))
    assert code == 0
    new = counts(fake) - before
    assert set(new) == {"database_schema", *dependents("database_schema")} - not_applicable() - written_from_design()
    assert set(new.values()) == {1}
    feedback_prompt = [c for c in fake.calls if c.section == "database_schema"][-1]
    assert feedback_prompt is not None


def test_edits_survive_later_passes(fake, tmp_path):
    thread = start_review(tmp_path / "spec")
    at_edit = counts(fake)["external_services"]  # 0 when the review waits on the spine, drafted first
    edited = tmp_path / "edit.md"
    edited.write_text("## External Service Integration\n\n### Third-Party APIs\n\n#### Stripe\n\nHUMAN-EDIT-MARKER: we only use Stripe's Invoices API v2024-06-20.\n")
    with pytest.raises(ReviewPending):
        asyncio.run(runner().review(thread, approve=[], approve_all=False, revise=None, feedback=None,
                                    edit="external_services", edit_file=edited, interactive=False))
    approve_until_done(thread)
    # A later revision of something else (and its fold-in) must not touch the edit.
    try:
        asyncio.run(runner().review(thread, approve=[], approve_all=False, revise="monitoring", feedback="add SLOs",
                                    edit=None, edit_file=None, interactive=False))
    except ReviewPending:
        approve_until_done(thread)  # revised sections come back for approval in a review run
    assert counts(fake)["monitoring"] == 2
    spec = (tmp_path / "spec" / "integration-requirements.md").read_text()
    assert "HUMAN-EDIT-MARKER" in spec
    assert counts(fake)["external_services"] == at_edit  # never drafted again after the edit


def test_resume_retries_only_failed_sections(fake, tmp_path):
    fake.responder_data.overrides["performance"] = {"api_response_ms": "not a number"}
    from agentspec.errors import PartialResult

    with pytest.raises(PartialResult):
        asyncio.run(runner().draft(DESCRIPTION, out=tmp_path / "spec", force=False, review=False, interactive=False, critic=False))
    thread = runner().runs()[0]["thread_id"]
    assert "Section `performance` failed" in (tmp_path / "spec" / "integration-requirements.md").read_text()
    del fake.responder_data.overrides["performance"]
    before = counts(fake)
    assert asyncio.run(runner().resume(thread, interactive=False)) == 0
    assert set(counts(fake) - before) == {"performance"}


# ----------------------------------------------------------------------------- interactive review (in-process)
class _Pending:
    def __init__(self, iid: str, section: str, markdown: str, failures: list[str] | None = None) -> None:
        self.id = iid
        self.value = {"section": section, "markdown": markdown, "failures": failures or [],
                      "status": "failed" if failures else "drafted"}


def _ui(answers: list[str], width: int = 40) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    stdin = io.StringIO("".join(a + "\n" for a in answers))
    console = Console(file=out, width=width, soft_wrap=True, force_terminal=False, color_system=None)
    console.input = lambda prompt="", **_: (console.print(prompt, end=""), stdin.readline().rstrip("\n"))[1]  # type: ignore[method-assign]
    return console, out


def test_review_ui_wraps_long_bullets_at_the_console_width():
    from agentspec import review_ui

    words = " ".join(f"word{i}" for i in range(40))
    console, out = _ui(["a"])
    review_ui.ask(console, [_Pending("i1", "monitoring", f"### Monitoring\n\n- {words} END\n")])
    lines = [line for line in out.getvalue().splitlines() if "[a/e/r/s]" not in line]  # the prompt itself
    assert all(len(line) <= 40 for line in lines), [line for line in lines if len(line) > 40]
    assert "END" in out.getvalue() and "word39" in out.getvalue()


def test_review_ui_offers_a_failed_section_for_editing_never_approval(monkeypatch):
    from agentspec import review_ui

    monkeypatch.setattr(review_ui, "edit_in_editor", lambda text: text + "\nfixed by hand\n")
    console, out = _ui(["a", "e"])  # "a" is not a choice for a failed section: asked again
    decisions = review_ui.ask(console, [_Pending("i1", "performance", "### Performance\n", ["no valid output"])])
    assert decisions == {"i1": {"action": "edit", "markdown": "### Performance\n\nfixed by hand\n"}}
    assert "cannot be approved" in out.getvalue()


def test_review_ui_comes_back_to_a_skipped_section():
    from agentspec import review_ui

    console, out = _ui(["s", "a", "y", "a"])
    decisions = review_ui.ask(console, [_Pending("i1", "monitoring", "### Monitoring\n"),
                                        _Pending("i2", "deployment", "### Deployment\n")])
    assert decisions == {"i1": {"action": "approve"}, "i2": {"action": "approve"}}
    assert "skipped: monitoring" in out.getvalue()
    console, _ = _ui(["s", "n"])
    assert review_ui.ask(console, [_Pending("i3", "monitoring", "### Monitoring\n")]) == {"i3": {"action": "skip"}}


def test_show_renders_a_pending_draft_marked_as_pending():
    from agentspec.assemble import render_context, render_section
    from agentspec.agents.registry import by_id

    spec = json.loads(RECORDED.read_text(encoding="utf-8"))
    state = {"brief": spec["brief"], "description": DESCRIPTION, "options": {}, "sections": {}, "analyses": {}}
    entry = {"status": "pending_review", "pending_markdown": "### Monitoring\n\nthe draft text\n"}
    text = render_section(by_id()["monitoring"], entry, render_context(state))
    assert "the draft text" in text and "Pending review" in text and "not drafted yet" not in text
