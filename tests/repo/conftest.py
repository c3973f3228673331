"""Shared fixtures for the repository scanner tests.

The three fixture repositories are scanned once per session (a scan is
read-only); tests that need to add files (decoys, broken files) work on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentspec.repo import RepoContext, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


@pytest.fixture(scope="session")
def fastapi_ctx() -> RepoContext:
    return scan(FIXTURES / "python-fastapi-alembic", time_budget_s=60)


@pytest.fixture(scope="session")
def express_ctx() -> RepoContext:
    return scan(FIXTURES / "ts-express-prisma", time_budget_s=60)


@pytest.fixture(scope="session")
def sql_ctx() -> RepoContext:
    return scan(FIXTURES / "sql-migrations", time_budget_s=60)


@pytest.fixture
def copy_fixture(tmp_path: Path):
    def _copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return _copy


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def write_file():
    return write
