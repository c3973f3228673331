"""A grounded draft (`draft --repo`) of the FastAPI/SQLModel/Alembic fixture repository, replayed from
its cassette (real output of the embedded model, evals/cassettes/fastapi-workspace-billing.yaml):
what the spec says of the repository is what the repository has. Its stack, its real table with its
real key type, its route prefix, code in its language, an Alembic revision after its real head, and
only `path:line` citations that exist there."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from agentspec.checks import run_checks
from agentspec.evals import cassettes
from agentspec.evals.harness import DATASETS_DIR, load_dataset, run_eval
from agentspec.spec_document import SpecDocument
from tests.fakes import REPLAY_TOOLS_REASON, replay_tools_missing

CASE_ID = "fastapi-workspace-billing"
CASSETTE = cassettes.CASSETTE_DIR / f"{CASE_ID}.yaml"
pytestmark = [pytest.mark.skipif(not CASSETTE.is_file(), reason=f"no recorded cassette {CASSETTE.name} yet"),
              pytest.mark.skipif(replay_tools_missing(), reason=REPLAY_TOOLS_REASON)]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    case = next(c for c in load_dataset(DATASETS_DIR / "replay.jsonl") if c.id == CASE_ID)
    report_dir = tmp_path_factory.mktemp("grounded")
    report = run_eval([case], "replay", None, report_dir, console=Console(file=io.StringIO()), calibration_dir=None,
                      judge=False)
    out = report_dir / "cases" / CASE_ID
    return report["cases"][0], SpecDocument.load(out), json.loads((out / "spec.json").read_text()), case.repo


def test_the_grounded_recording_replays_with_every_call_used(replayed):
    result, _, _, _ = replayed
    assert result["status"] in ("ok", "partial"), result["error"]
    assert result["cassette"]["unused"] == []


def test_the_spec_names_the_repository_s_stack_and_reuses_its_table_with_its_key_type(replayed):
    _, spec, data, repo = replayed
    assert {"framework FastAPI", "orm SQLModel", "migration tool Alembic"} <= set(data["repo"]["stack"])
    schema = data["sections"]["database_schema"]["data"]["tables"]
    workspaces = next(t for t in schema if t["name"] == "workspaces")
    assert workspaces["existing"] is True
    key = next(c for c in workspaces["columns"] if c["primary_key"])
    assert (key["name"], key["type"]) == ("id", "uuid")  # the fixture's Workspace.id: uuid.UUID
    pointing = [c for t in schema if not t["existing"] for c in t["columns"] if c.get("references") == "workspaces.id"]
    assert pointing and all(c["type"] == "uuid" for c in pointing)
    assert "CREATE TABLE workspaces" not in spec.markdown  # referenced, never created again


def test_routes_sit_under_the_repository_s_prefix_and_code_is_in_its_language(replayed):
    _, spec, data, _ = replayed
    endpoints = data["sections"]["design_spine"]["data"]["endpoints"]
    assert endpoints and all(e["path"].startswith(data["repo"]["route_prefix"] + "/") for e in endpoints)
    assert data["brief"]["code_language"] == "python"
    for sid in ("example_database", "example_events"):
        example = data["sections"][sid]["data"]
        assert example["file_path"].endswith(".py"), sid
        compile(example["code"], example["file_path"], "exec")
    assert "**ORM Integration Mapping** (SQLModel" in spec.markdown and "typeorm" not in spec.markdown.lower()
    revision = next(b.content for b in spec.blocks("python") if "down_revision" in b.content)
    ast.parse(revision)
    assert "down_revision = '9f1c2d3e4b5a'" in revision  # the fixture's real Alembic head


def test_every_path_line_the_spec_cites_exists_in_the_repository(replayed):
    _, spec, data, repo = replayed
    cited = re.findall(r"`([\w./-]+\.\w+):(\d+)`", spec.markdown)
    assert cited, "a grounded spec cites where the repository's code is"
    for path, line in cited:
        lines = (Path(repo) / path).read_text(encoding="utf-8").splitlines()
        assert 1 <= int(line) <= len(lines), f"{path}:{line}"
    (score,) = run_checks(spec, names=["file_refs"], run={"repo": str(repo)})
    assert score.passed, score.details
