"""The layers point one way: the product (agentspec, agents, graphs, prompts) never imports
the eval harness (agentspec.evals, from the evals/ folder) or the tests, not even inside a
function. `agentspec eval` reaches the harness through the `agentspec.commands` entry point
(pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("agentspec", "agents", "graphs", "prompts")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _is_harness_or_test(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in ("evals", "tests") or parts[:2] == ["agentspec", "evals"]


def test_the_product_never_imports_the_eval_harness_or_the_tests():
    offending = [f"{path.relative_to(ROOT)}: {name}"
                 for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))
                 for name in _imports(path) if _is_harness_or_test(name)]
    assert offending == []


def test_eval_is_plugged_in_through_the_entry_point():
    from importlib.metadata import entry_points

    (command,) = [ep for ep in entry_points(group="agentspec.commands") if ep.name == "eval"]
    assert command.value == "agentspec.evals.command:run_eval_command"
