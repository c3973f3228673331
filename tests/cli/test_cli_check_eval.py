"""`agentspec check` and `agentspec eval` through the installed console script:
unreadable specs and bad datasets are bad input (exit 2, one clear line naming
the file and line, nothing created), failed sections and SQL that only sqlglot's
generic fallback accepts are failing checks (exit 1), and replay needs nothing
beyond the product's own dependencies."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest

from tests.cli.harness import Tree, agentspec, assert_exit

GOOD_SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "good_spec"
SPEC = "integration-requirements.md"
NO_PG = {"AGENTSPEC_PG_URL": None}  # the no-PostgreSQL path, whatever the developer's shell has


@pytest.fixture
def spec_dir(tmp_path) -> Path:
    target = tmp_path / "spec"
    shutil.copytree(GOOD_SPEC, target)
    return target


def _insert_after_heading(spec_dir: Path, heading: str, text: str) -> None:
    md = spec_dir / SPEC
    lines = md.read_text(encoding="utf-8").splitlines()
    at = lines.index(heading) + 1
    md.write_text("\n".join([*lines[:at], "", text, "", *lines[at:]]) + "\n", encoding="utf-8")


def _row(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if f" {name} " in line)


# ---------------------------------------------------------------------- check


def test_check_good_spec_passes_and_says_sql_was_not_executed(spec_dir, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 0, "parsed only; not executed: no PostgreSQL")
    assert "FAIL" not in result.output
    tree.assert_unchanged()


def test_check_require_execution_fails_when_the_sql_was_only_parsed(spec_dir, tmp_path):
    tree = Tree(tmp_path)
    result = agentspec("check", str(spec_dir), "--require-execution", env=NO_PG)
    assert_exit(result, 1, "execution required (--require-execution) but skipped")
    assert "FAIL" in _row(result.output, "sql"), result.output
    tree.assert_unchanged()


PG_URL = __import__("os").environ.get("AGENTSPEC_TEST_PG_URL")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="AGENTSPEC_TEST_PG_URL not set (see scripts/ci_postgres.sh)")
def test_check_require_execution_passes_when_the_sql_ran_on_seeded_rows(spec_dir):
    result = agentspec("check", str(spec_dir), "--require-execution", "--json", env={"AGENTSPEC_PG_URL": PG_URL})
    assert_exit(result, 0)
    sql = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "sql")
    assert sql["passed"] and any("seeded" in d for d in sql["details"]), sql


def test_check_non_utf8_spec_is_bad_input_naming_file_and_line(spec_dir, tmp_path):
    md = spec_dir / SPEC
    md.write_bytes(md.read_bytes().replace(b"## Overview", b"## Overview \xff\xfe", 1))
    line = md.read_bytes().split(b"\n").index(b"## Overview \xff\xfe") + 1
    tree = Tree(tmp_path)
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 2, f"{md}: line {line}: not valid UTF-8")
    assert "internal error" not in result.output
    tree.assert_unchanged()


def test_check_non_utf8_analysis_file_is_bad_input(spec_dir, tmp_path):
    (spec_dir / "analysis-scenarios.md").write_bytes(b"# Scenarios\n\xc3\x28\n")
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 2, f"{spec_dir / 'analysis-scenarios.md'}: line 2: not valid UTF-8")


def test_check_broken_spec_json_is_bad_input(spec_dir):
    (spec_dir / "spec.json").write_text('{"sections": {\n  "x": \n', encoding="utf-8")
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 2, f"{spec_dir / 'spec.json'}: line 3: not valid JSON")


def test_check_a_directory_without_a_spec_is_bad_input(tmp_path):
    result = agentspec("check", str(tmp_path), env=NO_PG)
    assert_exit(result, 2, f"{tmp_path} holds no {SPEC}")


def test_check_failed_section_is_a_failing_row(spec_dir, tmp_path):
    # What a run with a failed section writes: assemble.render_section's note in
    # the markdown, and status "failed" in spec.json.
    _insert_after_heading(spec_dir, "## Data Integration",
                          "> **Section `data_integration` failed**: sql: CREATE TABL does not parse")
    (spec_dir / "spec.json").write_text(json.dumps({
        "description": "x", "brief": None, "analyses": {}, "document_checks": [],
        "sections": {"data_integration": {"status": "failed", "data": None, "edited_markdown": None, "attempts": 2,
                                          "failures": ["sql: CREATE TABL does not parse"]}},
    }), encoding="utf-8")
    tree = Tree(tmp_path)
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 1)
    assert "FAIL" in _row(result.output, "failed_sections"), result.output
    tree.assert_unchanged()


def test_check_failed_section_marked_only_in_the_markdown_fails(spec_dir):
    _insert_after_heading(spec_dir, "## Overview", "> **Checks still failing for this section**: length: too short")
    result = agentspec("check", str(spec_dir), "--json", env=NO_PG)
    assert result.code == 1, result.output
    payload = json.loads(result.stdout)  # the one JSON document (docs/cli-json.md)
    assert payload["exit_code"] == 1 and payload["passed"] is False
    rows = {row["name"]: row for row in payload["checks"]}
    assert rows["failed_sections"]["passed"] is False
    assert rows["failed_sections"]["findings"][0]["heading"] == "Overview"


def test_check_sql_that_does_not_parse_fails_without_postgresql(spec_dir, tmp_path):
    _insert_after_heading(spec_dir, "## Data Integration", "```sql\nCREATE TABL x (id uuid PRIMARY KEY;\n```")
    tree = Tree(tmp_path)
    result = agentspec("check", str(spec_dir), env=NO_PG)
    assert_exit(result, 1, "'CREATE TABL' is not a PostgreSQL statement")
    assert "FAIL" in _row(result.output, "sql"), result.output
    assert "parsed only; not executed: no PostgreSQL" in result.output
    tree.assert_unchanged()


def test_check_reports_semantic_defects(spec_dir):
    # A contradiction between two sections (no spec.json, so no spine: statements are judged between themselves).
    _insert_after_heading(spec_dir, "### Integration Points", "No caching is required for this feature.")
    _insert_after_heading(spec_dir, "### Cache Integration", "Invoices are cached in Redis 7 for 60 s.")
    result = agentspec("check", str(spec_dir), "--json", env=NO_PG)
    assert result.code == 1, result.output
    row = {r["name"]: r for r in json.loads(result.stdout)["checks"]}["semantic_defects"]
    assert row["passed"] is False and len(row["findings"]) == 1
    assert row["findings"][0]["heading"] == "Integration Architecture"
    assert '"No caching is required for this feature."' in row["findings"][0]["message"]
    assert "names Redis" in row["findings"][0]["message"]


# ---------------------------------------------------------------------- eval

GOOD_CASE = {"id": "ok-case", "description": "Sync Stripe invoices into Postgres"}


@pytest.mark.parametrize("line, fragment", [
    (b"[1, 2, 3]", "a case is a JSON object"),
    (b'"str"', "a case is a JSON object"),
    (b'{"id": "c", "description": 123}', "description must be a string"),
    (b'{"id": "c", "description": "Sync invoices", "expect": [1, 2]}', "expect must be an object"),
    (b'{"id": "c", "description": "Sync \\u0000 invoices"}', "control character"),
    (b'{"id": "c", "description": "Sync \xff invoices"}', "not valid UTF-8"),
], ids=["list", "string", "description-int", "expect-list", "nul", "non-utf8"])
def test_eval_bad_dataset_line_is_bad_input_and_creates_nothing(workdir, tmp_path, line, fragment):
    dataset = tmp_path / "cases.jsonl"
    dataset.write_bytes(json.dumps(GOOD_CASE).encode() + b"\n\n" + line + b"\n")
    report = workdir / "report"
    tree = Tree(tmp_path)
    result = agentspec("eval", "--replay", "--no-judge", "--dataset", str(dataset), "--report", str(report),
                       cwd=workdir, env=NO_PG)
    assert_exit(result, 2, f"{dataset}:3:")
    assert fragment.lower() in result.output.lower(), result.output
    assert "internal error" not in result.output
    assert not report.exists() and not (workdir / "eval-report").exists()
    tree.assert_unchanged()


@pytest.mark.parametrize("line, fragment", [
    ('{"id": "c", "description": "Sync invoices", "expect": {"entities": "invoice"}}', "expect.entities must be a list"),
    ('{"id": "c", "description": "Sync invoices", "expect": {"entites": ["invoice"]}}', "unknown expect key 'entites'"),
    ('{"id": "c", "description": "Sync invoices", "expect": {"must_cover": ["inbound_webhooks/kafka"]}}',
     "names no concern of agents/knowledge/archetypes.yaml: inbound_webhooks/kafka"),
    ('{"id": 7, "description": "Sync invoices"}', "must be a string of letters"),
    ('{"id": "c"}', "has no description"),
])
def test_load_dataset_names_file_and_line(tmp_path, line, fragment):
    from agentspec.errors import ConfigError
    from agentspec.evals.harness import load_dataset

    dataset = tmp_path / "cases.jsonl"
    dataset.write_text(json.dumps(GOOD_CASE) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{dataset}:2: ") as info:
        load_dataset(dataset)
    assert fragment in info.value.message


def test_load_dataset_cleans_descriptions_like_draft(tmp_path):
    from agentspec.evals.harness import load_dataset

    dataset = tmp_path / "cases.jsonl"
    dataset.write_text(json.dumps({"id": "c", "description": "  Sync\n invoices\tnow "}) + "\n", encoding="utf-8")
    assert load_dataset(dataset)[0].description == "Sync invoices now"


def test_vcrpy_is_a_product_dependency():
    # eval --replay (the default mode) imports vcr: it must come with the
    # product, not only with the [test] extra.
    required = [r for r in metadata.requires("agentspec") or [] if r.replace(" ", "").startswith("vcrpy")]
    assert required and all("extra" not in r for r in required), metadata.requires("agentspec")
    assert "9.4.2" in required[0]


def test_eval_that_prints_fail_exits_1(workdir):
    # A case with no recording: the replay gate fails, and a CI gate must see it.
    dataset = workdir / "cases.jsonl"
    dataset.write_text('{"id": "never-recorded", "description": "Sync Shopify orders into our warehouse"}\n')
    result = agentspec("eval", "--replay", "--no-judge", "--dataset", str(dataset), "--report", str(workdir / "rep"),
                       cwd=workdir)
    assert_exit(result, 1, "FAIL")
    assert "missing_cassette" in result.output
