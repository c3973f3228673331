"""Installing agentspec puts one package into site-packages: `agentspec`. The user's
top-level folders (agents/, graphs/, evals/, prompts/) install as agentspec.agents,
agentspec.graphs, agentspec.evals and agentspec.prompts, so they never collide with
openai-agents' `agents` or openai/evals' `evals`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _packages_on_disk(config: dict) -> set[str]:
    found = set()
    for name, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "node_modules" in init.parts:
                continue
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join((name, *rel.parts)))
    return found


def test_every_folder_with_modules_is_a_listed_package_under_the_namespace():
    config = _setuptools_config()
    assert set(config["packages"]) == _packages_on_disk(config)
    assert {name.split(".")[0] for name in config["packages"]} == {"agentspec"}


def test_the_wheel_holds_only_the_agentspec_package(tmp_path):
    # Built from a copy: setuptools packs whatever a stale build/ folder holds.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "build", "*.egg-info", "__pycache__", ".pytest_cache", "specs", "examples"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("agentspec-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"agentspec"}
    pack = "agentspec/agents/packs/integration_requirements"
    for data in (f"{pack}/pack.yaml", f"{pack}/template.md", f"{pack}/sections.yaml", f"{pack}/sections/overview.py",
                 f"{pack}/prompts/data-specialist/database_schema.md.j2", f"{pack}/rubrics/data.yaml",
                 "agentspec/agents/packs/integration_lean/pack.yaml", "agentspec/agents/packs/integration_lean/template.md",
                 "agentspec/prompts/_shared/system.md.j2", "agentspec/prompts/integration-specialist/design_spine.md.j2",
                 "agentspec/checks/node/ts_check.mjs", "agentspec/checks/node/package.json",
                 "agentspec/evals/rubrics/template.yaml"):
        assert data in names, data
    assert not [n for n in names if "node_modules" in n]
