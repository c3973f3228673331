"""A grounded draft (`draft --repo`) of the FastAPI/SQLModel/Alembic fixture repository, replayed from
its cassette (real output of the embedded model, evals/cassettes/fastapi-workspace-billing.yaml):
what the spec says of the repository is what the repository has. Its stack, its real tables with
their real keys and key types, its route prefix, code in its language, and only `path:line`
citations that exist there. The 1.5B model failed five sections of this recording (the schema
among them: its answer called its own new tables existing); the run says so, and what is checked
here is what grounding decided, which does not depend on those answers."""

from __future__ import annotations

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


def test_the_design_stands_on_the_repository_s_tables_with_their_real_keys(replayed):
    _, _, data, _ = replayed
    assert {"framework FastAPI", "orm SQLModel", "migration tool Alembic"} <= set(data["repo"]["stack"])
    entities = {e["table"]: e for e in data["sections"]["design_spine"]["data"]["entities"]}
    scanned = {t["name"]: t for t in data["repo"]["tables"]}
    for name in ("workspaces", "users"):
        assert entities[name]["change"] != "new" and entities[name]["key"] == scanned[name]["primary_key"]
    # "each workspace's subscription": the record carries the workspace's key, and the workspace keeps
    # the Stripe customer id a delivered subscription names (providers.yaml record_owners)
    assert entities["workspaces"]["change"] == "altered" and entities["workspaces"]["unique"] == ["stripe_customer_id"]
    assert entities["stripe_subscriptions"]["required_columns"][:2] == ["workspace_id", "stripe_customer_id"]
    tables = {t["name"]: t for t in data["sections"]["database_schema"]["data"]["tables"]}
    key = next(c for c in tables["stripe_subscriptions"]["columns"] if c["name"] == "workspace_id")
    assert (key["references"], key["type"]) == ("workspaces.id", scanned["workspaces"]["key_type"])  # uuid, as migrated


def test_routes_sit_under_the_repository_s_prefix_and_code_is_in_its_language(replayed):
    _, _, data, _ = replayed
    endpoints = data["sections"]["design_spine"]["data"]["endpoints"]
    assert endpoints and all(e["path"].startswith(data["repo"]["route_prefix"] + "/") for e in endpoints)
    assert data["brief"]["code_language"] == "python"
    written = [data["sections"][sid]["data"] for sid in ("example_api_client", "example_database")]
    for example in written:  # written from the design, in the repository's language
        assert example["file_path"].startswith("app/") and example["file_path"].endswith(".py")
        compile(example["code"], example["file_path"], "exec")
    assert "import httpx" in written[0]["code"] and "from sqlalchemy.orm import Session" in written[1]["code"]


def test_every_path_line_the_spec_cites_exists_in_the_repository(replayed):
    _, spec, _, repo = replayed
    cited = re.findall(r"`([\w./-]+\.\w+):(\d+)`", spec.markdown)
    assert len(cited) >= 3, "a grounded spec cites where the repository's code is"
    for path, line in cited:
        lines = (Path(repo) / path).read_text(encoding="utf-8").splitlines()
        assert 1 <= int(line) <= len(lines), f"{path}:{line}"
    (score,) = run_checks(spec, names=["file_refs"], run={"repo": str(repo)})
    assert score.passed, score.details
