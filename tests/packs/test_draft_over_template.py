"""`agentspec draft --template FILE` end to end, through the installed console script: any
markdown template (tables, checklists, numbered placeholders, mermaid and SQL blocks, front
matter) is drafted section by section against the fake OpenAI server (a test double answering
with recorded real data and data made from each section's own schema), and the result has every
heading in order, no placeholder, code blocks that parse and the three analyses. The eval
harness judges such a case with the generic rubric."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from tests.cli.harness import agentspec, assert_exit
from tests.doubles import FakeOpenAIServer
from tests.fakes import TemplateResponder

TEMPLATES = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "templates"
DESCRIPTION = "Postmortem for the checkout outage on 2026-11-30: the payment gateway's TLS certificate expired"


@pytest.fixture
def template_server():
    with FakeOpenAIServer(responder=TemplateResponder()) as srv:
        yield srv


def _env(server) -> dict[str, str]:  # noqa: ANN001
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "AGENTSPEC_MODEL": "fake-model", "AGENTSPEC_INSTRUCTOR_MODE": "tools"}


def _headings(markdown: str) -> list[str]:
    fenced, out = False, []
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith(("## ", "### ")):
            out.append(line)
    return out


# The postmortem runs by default; the others (about 11 s each, a whole draft through the
# console script) with `-m slow`, which keeps the default run under its 10 minutes. The
# retention runbook holds every shape at once: a front-matter choice, a table, numbered
# steps, an SQL block, a mermaid block and a checklist.
@pytest.mark.parametrize("name", ["incident-postmortem",
                                  pytest.param("decision-record", marks=pytest.mark.slow),
                                  pytest.param("data-pipeline", marks=pytest.mark.slow),
                                  pytest.param("retention-runbook", marks=pytest.mark.slow)])
def test_any_template_is_drafted_end_to_end(tmp_path, template_server, name):
    template = tmp_path / f"{name}.md"
    shutil.copy(TEMPLATES / f"{name}.md", template)
    out = tmp_path / "spec"
    result = agentspec("draft", DESCRIPTION, "--template", str(template), "--out", str(out), "--json",
                       env=_env(template_server), cwd=tmp_path)
    assert_exit(result, 0)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.md", "analysis-multi-angle.md", "analysis-scenarios.md", "analysis-stakeholder.md", "run.json", "spec.json"])
    text = (out / f"{name}.md").read_text(encoding="utf-8")
    source = template.read_text(encoding="utf-8")
    # every H2/H3 of the template, in its order (no heading in these templates is a placeholder)
    assert [h for h in _headings(text) if h in _headings(source)] == _headings(source)
    assert "[" not in text.split("\n", 1)[0]  # the title names the feature
    spec = json.loads((out / "spec.json").read_text(encoding="utf-8"))
    assert spec["template"]["name"] == name and spec["template"]["markdown"] == source
    # the design spine is decided only where a heading calls for its slices (a pipeline's Sources and Storage)
    assert ("design_spine" in spec["sections"]) == (name in ("data-pipeline", "retention-runbook"))
    asked = {c.section for c in template_server.calls}
    assert {"stakeholder", "scenarios", "multi_angle"} <= asked
    # the checks a user runs on it: headings in order, no placeholder, mermaid and SQL that parse
    check = agentspec("check", str(out), "--json", cwd=tmp_path)
    rows = {row["name"]: row for row in json.loads(check.stdout)["checks"]}
    # the pipeline's design spine is the double's recorded Stripe one, whose stripe_invoice.created
    # Stripe does not send: provider_values says so, and nothing else fails
    failing = {name for name, row in rows.items() if not row["passed"]}
    assert failing == ({"provider_values"} if name == "data-pipeline" else set()), failing
    assert check.code == (1 if failing else 0)
    for row in ("headings", "placeholders"):
        assert rows[row]["passed"] and not rows[row]["skipped"], rows[row]
    for row in ("mermaid", "sql"):  # parsed wherever the template has such a block
        assert rows[row]["passed"] and rows[row]["skipped"] == (f"```{row}" not in source), rows[row]


@pytest.mark.slow
def test_a_template_run_is_shown_again_without_its_file(tmp_path, template_server):
    template = tmp_path / "postmortem.md"
    shutil.copy(TEMPLATES / "incident-postmortem.md", template)
    result = agentspec("draft", DESCRIPTION, "--template", str(template), "--out", str(tmp_path / "spec"), "--json",
                       env=_env(template_server), cwd=tmp_path)
    assert_exit(result, 0)
    run_id = json.loads(result.stdout)["run_id"]
    template.unlink()  # the run keeps its template: show, resume and review need no file
    shown = agentspec("show", run_id, "--out", str(tmp_path / "again"), cwd=tmp_path, env=_env(template_server))
    assert_exit(shown, 0)
    assert (tmp_path / "again" / "postmortem.md").read_text(encoding="utf-8") == \
        (tmp_path / "spec" / "postmortem.md").read_text(encoding="utf-8")


def _judge_or_draft(responder: TemplateResponder):
    def respond(req):  # noqa: ANN001
        if (req.section or "").startswith("judge"):
            return {cid: {"evidence": ["Timeline"], "feedback": "ok", "score": 4} for cid in req.schema["properties"]}
        return responder(req)
    return respond


def test_eval_judges_a_template_case_with_the_generic_rubric(tmp_path, monkeypatch):
    from agentspec.evals.harness import load_dataset, run_eval

    dataset = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "templates.jsonl"
    case = next(c for c in load_dataset(dataset) if c.template and c.template["name"] == "incident-postmortem")
    with FakeOpenAIServer(responder=_judge_or_draft(TemplateResponder())) as server:
        for key, value in _env(server).items():
            monkeypatch.setenv(key, value)
        report = run_eval([case], "live", None, tmp_path / "report", console=Console(file=io.StringIO()),
                          calibration_dir=None)
    result = report["cases"][0]
    assert result["status"] == "ok", result.get("error")
    assert result["spec"] == f"cases/{case.id}/incident-postmortem.md"
    families = result["judge"]["families"]
    assert set(families) == {"template", "analysis"} and result["judge"]["mean"] == 4.0
    judged = {u["label"] if "label" in u else tuple(u.get("labels", ())) for u in families["template"]["units"]}
    assert judged  # the template's own sections were judged
    case_dir = tmp_path / "report" / "cases" / case.id
    assert (case_dir / "incident-postmortem.md").is_file() and (case_dir / "analysis-scenarios.md").is_file()


def test_a_failed_template_section_is_retried_by_resume_without_the_file(tmp_path):
    template = tmp_path / "postmortem.md"
    shutil.copy(TEMPLATES / "incident-postmortem.md", template)
    broken = TemplateResponder()
    broken.overrides["timeline"] = {"time_utc_rows": []}  # no rows: invalid every time, the section fails
    with FakeOpenAIServer(responder=broken) as srv:
        env = {**_env(srv), "AGENTSPEC_DATA_DIR": str(tmp_path / "data")}
        first = agentspec("draft", DESCRIPTION, "--template", str(template), "--out", str(tmp_path / "spec"), "--json",
                          env=env, cwd=tmp_path)
    assert_exit(first, 5)
    run_id = json.loads(first.stdout)["run_id"]
    assert "Section `timeline` failed" in (tmp_path / "spec" / "postmortem.md").read_text(encoding="utf-8")
    template.unlink()
    with FakeOpenAIServer(responder=TemplateResponder()) as srv:
        env = {**_env(srv), "AGENTSPEC_DATA_DIR": str(tmp_path / "data")}
        again = agentspec("resume", run_id, env=env, cwd=tmp_path)
        asked = {c.section for c in srv.calls}
    assert_exit(again, 0)
    assert asked == {"timeline"}  # only the failed part is paid for again
    text = (tmp_path / "spec" / "postmortem.md").read_text(encoding="utf-8")
    assert "failed" not in text and "| Time (UTC) | Event | Owner |" in text


@pytest.mark.slow
def test_the_lean_built_in_template_is_drafted_by_name_with_the_design_spine(tmp_path, template_server):
    out = tmp_path / "spec"
    result = agentspec("draft", "Post a Slack message to #billing when the nightly invoice export fails",
                       "--template", "integration-lean", "--out", str(out), env=_env(template_server), cwd=tmp_path)
    assert_exit(result, 0)
    text = (out / "integration-lean.md").read_text(encoding="utf-8")
    assert text.startswith("# Integration Spec (lean): ") and "[" not in text.split("\n", 1)[0]
    spec = json.loads((out / "spec.json").read_text(encoding="utf-8"))
    assert "design_spine" in spec["sections"] and spec["template"]["name"] == "integration-lean"
