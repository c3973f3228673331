"""The layers point one way: the product (agentspec, agents, graphs, prompts) never imports
the eval harness (agentspec.evals, from the evals/ folder) or the tests, not even inside a
function. `agentspec eval` reaches the harness through the `agentspec.commands` entry point
(pyproject.toml)."""

from __future__ import annotations

import ast
import re
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


# The product's layers, lowest first: a module imports from its own layer and the ones before
# it, never from a later one. The domain is the design spine, the knowledge library, the
# registry and the packs' sections; the checks read the domain; drafting runs the checks as
# its gate; the graph wires drafting; the app runs the graph; the eval harness uses it all.
LAYERS = [
    ("base", r"agentspec(\.(section|render|spec_document|errors|settings|redact|prompting|gateway|local|repo|runlog"
             r"|progress)\b|\.packs(\.(compile|placeholders|builtin|lookup)\b|$)|$)"),
    ("domain", r"agentspec\.agents(\.(spine|spine_gate|spine_section|knowledge|registry|packs|brief|http_api|roles"
               r"|repository|analyses|readiness|state)\b|$)|agentspec\.packs\.generic\b"),
    ("checks", r"agentspec\.(checks|sections_map|verify)\b"),
    ("drafting", r"agentspec\.agents\.(nodes|tasks|dataflow|drafting)\b|agentspec\.(quality|review_pass|assemble|output"
                 r"|inputs|estimate)\b"),
    ("graphs", r"agentspec\.graphs\b"),
    ("app", r"agentspec\.(runner|runtime|cli|check_cmd|verify_cmd|review_ui|doctor)\b"),
    ("evals", r"agentspec\.evals\b"),
]
FOLDER_PACKAGE = {"agentspec": "agentspec", "agents": "agentspec.agents", "graphs": "agentspec.graphs",
                  "evals": "agentspec.evals"}


def _layer(module: str) -> int | None:
    return next((i for i, (_, pattern) in enumerate(LAYERS) if re.match(pattern, module)), None)


def _module_of(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = rest[:-1] if rest and rest[-1] == "__init__" else rest
    return ".".join([FOLDER_PACKAGE[folder], *parts])


def test_every_import_points_down_the_layers():
    upward, unplaced = [], []
    for folder in FOLDER_PACKAGE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            source = _module_of(path)
            if _layer(source) is None:
                unplaced.append(source)
                continue
            for name in _imports(path):
                target = _layer(name) if name.startswith("agentspec") else None
                if target is not None and target > _layer(source):
                    upward.append(f"{source} ({LAYERS[_layer(source)][0]}) imports {name} ({LAYERS[target][0]})")
    assert unplaced == [], "place each new module in a layer of LAYERS"
    assert upward == []
