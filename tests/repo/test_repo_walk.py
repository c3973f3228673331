"""The walk: .gitignore (root and nested), built-in skips, size/binary limits,
budgets, problems instead of crashes, and deterministic output."""

from __future__ import annotations

import os

import pydantic
import pytest

from agentspec.repo import RepoContext, scan

DECOY_FASTAPI = '''from fastapi import APIRouter
import os
router = APIRouter()
SECRET = os.environ["DECOY_ENV_NAME"]

@router.get("{path}")
def decoy(): ...
'''


def test_gitignored_and_always_skipped_folders_are_not_scanned(copy_fixture, write_file):
    root = copy_fixture("python-fastapi-alembic")
    # Decoys are written here, not committed: git would refuse them for the very same .gitignore rules.
    write_file(root, "generated/routes.py", DECOY_FASTAPI.format(path="/decoy-root-gitignore"))  # `generated/`
    write_file(root, "app/routers/users.bak.py", DECOY_FASTAPI.format(path="/decoy-glob"))  # `*.bak.py`
    write_file(root, "app/scratch_notes.py", DECOY_FASTAPI.format(path="/decoy-nested-gitignore"))  # app/.gitignore
    write_file(root, "app/scratch_keep.py", DECOY_FASTAPI.format(path="/kept-by-negation"))  # `!scratch_keep.py`
    write_file(root, "node_modules/evil/index.js", "const app = require('express')();\n"
               "app.get('/decoy-node-modules', (q, s) => s.send(process.env.DECOY_ENV_NAME));\n")
    write_file(root, ".venv/lib/site.py", DECOY_FASTAPI.format(path="/decoy-venv"))
    write_file(root, "dist/bundle.js", "app.get('/decoy-dist', h);\n")
    write_file(root, ".env", "REAL_SECRET_NAME=a-real-secret-value-123\n")  # `.env` is gitignored
    ctx = scan(root)
    paths = {r.path for r in ctx.routes}
    assert "/kept-by-negation" in paths
    assert not any("decoy" in p for p in paths), paths
    env_names = {v.name for v in ctx.env_vars}
    assert "REAL_SECRET_NAME" not in env_names
    assert [str(s) for s in next(v for v in ctx.env_vars if v.name == "DECOY_ENV_NAME").read_in] == [
        "app/scratch_keep.py:4"]
    assert "a-real-secret-value-123" not in ctx.to_json()
    # generated/, users.bak.py, scratch_notes.py, node_modules/, .venv/, dist/, .env
    assert ctx.stats.skipped_ignored == 7


def test_nested_gitignore_patterns_are_relative_to_their_folder(tmp_path, write_file):
    write_file(tmp_path, "svc/.gitignore", "/local_only.py\nlogs/\n")
    for rel in ("svc/local_only.py", "svc/deep/local_only.py", "local_only.py", "svc/logs/x.py", "logs/x.py"):
        write_file(tmp_path, rel, f"import os\nX = os.getenv('{rel.replace('/', '_').replace('.', '_').upper()}')\n")
    ctx = scan(tmp_path)
    # `/local_only.py` is anchored to svc/; `logs/` matches any logs folder below svc/ only.
    assert {v.name for v in ctx.env_vars} == {"SVC_DEEP_LOCAL_ONLY_PY", "LOCAL_ONLY_PY", "LOGS_X_PY"}
    assert ctx.stats.skipped_ignored == 2


def test_files_that_cannot_hold_a_fact_are_read_but_not_parsed(tmp_path, write_file):
    write_file(tmp_path, "util.py", "def f(:\n    return 1\n")  # broken, but nothing we look for
    write_file(tmp_path, "util.ts", "export const add = (a: number, b: number) => a +;\n")
    write_file(tmp_path, "svc.py", "import os\nX = os.getenv('A')\n")
    ctx = scan(tmp_path)
    assert (ctx.stats.files_seen, ctx.stats.files_parsed) == (3, 1)
    assert ctx.stats.problems == []


def test_budget_by_file_count(copy_fixture):
    root = copy_fixture("python-fastapi-alembic")
    ctx = scan(root, max_files=3)
    assert ctx.stats.stopped_early is True
    assert ctx.stats.stop_reason == "max_files"
    assert ctx.stats.files_seen == 3
    full = scan(root)
    assert full.stats.stopped_early is False and full.stats.stop_reason is None
    assert full.stats.files_seen > 3


def test_budget_by_time(copy_fixture):
    ctx = scan(copy_fixture("ts-express-prisma"), time_budget_s=0)
    assert (ctx.stats.stopped_early, ctx.stats.stop_reason, ctx.stats.files_seen) == (True, "time_budget", 0)


def test_big_and_binary_files_are_skipped_and_counted(tmp_path, write_file):
    filler = "# padding\n" * 110_000  # ~1.1 MB
    write_file(tmp_path, "big.py", "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/too-big')\n"
               "def f(): ...\n" + filler)
    write_file(tmp_path, "blob.ts", b"app.get('/binary', h);\x00\x01\x02")
    write_file(tmp_path, "logo.png", b"\x89PNG\r\n\x1a\n")
    write_file(tmp_path, "ok.py", "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/ok')\ndef ok(): ...\n")
    ctx = scan(tmp_path)
    assert [r.path for r in ctx.routes] == ["/ok"]
    assert (ctx.stats.skipped_too_big, ctx.stats.skipped_binary) == (1, 2)
    assert (ctx.stats.files_seen, ctx.stats.files_parsed) == (4, 1)


def test_files_that_do_not_parse_are_problems_not_crashes(tmp_path, write_file):
    write_file(tmp_path, "app/broken.py", "from fastapi import FastAPI\napp = FastAPI(\n\ndef oops(:\n")
    write_file(tmp_path, "src/broken.ts", "const a = process.env.BEFORE_ERROR;\nfunction (( {\n"
               "const b = process.env.AFTER_ERROR;\n")
    write_file(tmp_path, "openapi.yaml", "openapi: 3.0.0\npaths:\n  /x: [unclosed\n")
    write_file(tmp_path, "ok.py", "import os\nNAME = os.getenv('STILL_SCANNED')\n")
    ctx = scan(tmp_path)
    problems = {p.path: p for p in ctx.stats.problems}
    assert set(problems) == {"app/broken.py", "src/broken.ts", "openapi.yaml"}
    assert problems["app/broken.py"].reason.startswith("Python syntax error")
    assert problems["app/broken.py"].line is not None
    assert problems["src/broken.ts"].line == 2
    # tree-sitter recovers: facts before and after the error still count.
    assert {"BEFORE_ERROR", "AFTER_ERROR", "STILL_SCANNED"} <= {v.name for v in ctx.env_vars}


def test_symlinks_are_not_followed(tmp_path, write_file):
    write_file(tmp_path, "pkg/a.py", "import os\nX = os.getenv('ONLY_ONCE')\n")
    try:
        os.symlink(tmp_path, tmp_path / "pkg" / "loop")
    except OSError:
        pytest.skip("symlinks not available")
    ctx = scan(tmp_path)
    assert [len(v.read_in) for v in ctx.env_vars] == [1]


def test_results_are_deterministic_and_round_trip(copy_fixture):
    root = copy_fixture("ts-express-prisma")
    first, second = scan(root), scan(root)
    first.stats.elapsed_s = second.stats.elapsed_s = 0.0
    assert first.to_json() == second.to_json()
    assert RepoContext.model_validate_json(first.to_json()) == first
    with pytest.raises(pydantic.ValidationError):
        RepoContext.model_validate({"tabels": []})  # extra="forbid": a typo is an error, not a default


def test_root_must_be_a_directory(tmp_path):
    with pytest.raises(NotADirectoryError):
        scan(tmp_path / "missing")
