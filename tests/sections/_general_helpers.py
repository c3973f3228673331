"""Shared helpers for the general section tests (AI notes, compatibility,
security, performance, monitoring, deployment, reusability, code examples,
testing, static sections): a realistic brief and context, parse checks for the
rendered TypeScript / YAML / Python, heading order and placeholders."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_typescript as tst
import yaml
from pydantic import BaseModel, ValidationError
from tree_sitter import Language, Parser

from agentspec.section import RenderContext, SectionModel, SectionSpec
from agentspec.agents.brief import FeatureBrief

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]{2,}\]")
FENCE = re.compile(r"^(?P<indent> *)(?P<ticks>`{3,})(?P<lang>[a-z]*)\n(?P<body>.*?)\n(?P=indent)(?P=ticks)$", re.M | re.S)
FILE_LINE_REF = re.compile(r"(?<![\w/.:@-])(?:[\w.@-]+/)*[\w@-][\w.@-]*\.(?:ts|tsx|js|py|rb|go|java|cs|php|kt):\d+")


def brief(**overrides: Any) -> FeatureBrief:
    data = {
        "name": "Stripe Subscription Billing",
        "summary": "Lets workspace owners subscribe to paid plans through Stripe Checkout. Stripe webhooks keep "
        "subscription status in sync so features unlock within seconds of payment.",
        "complexity": "High",
        "domains": ["Payment Processing", "Webhook Systems", "Event-Driven Architecture"],
        "stack": ["TypeScript", "Node.js", "PostgreSQL", "Redis", "React"],
        "code_language": "typescript",
        "actors": ["Workspace owner", "Stripe"],
        "external_systems": ["Stripe"],
        "assumptions": ["One subscription per workspace", "Stripe Checkout hosts the payment page"],
        "out_of_scope": ["Invoicing for enterprise contracts"],
    }
    data.update(overrides)
    return FeatureBrief.model_validate(data)


@lru_cache(maxsize=1)
def entries() -> tuple[dict[str, Any], ...]:
    return tuple(yaml.safe_load((ROOT / "agents" / "packs" / "integration_requirements" / "sections.yaml").read_text(encoding="utf-8")))


def headings(section_id: str) -> list[str]:
    return next(list(e.get("headings", [])) for e in entries() if e["id"] == section_id)


def yaml_specs() -> tuple[SectionSpec, ...]:
    """Registry-shaped specs straight from sections.yaml, without importing every
    section module (agents.registry.registry() needs all of them to exist)."""
    return tuple(
        SectionSpec(
            id=e["id"],
            headings=tuple(e.get("headings", [])),
            role=e["role"],
            model=None if e.get("stage") == "static" else SectionModel,
            render=lambda data, ctx: "",
            depends_on=tuple(e.get("depends_on", [])),
            stage=e.get("stage", "draft"),
        )
        for e in entries()
    )


def context(**overrides: Any) -> RenderContext:
    values: dict[str, Any] = {"brief": brief(), "date": "2025-03-14"}
    values.update(overrides)
    return RenderContext(**values)


# --- checks --------------------------------------------------------------------------------


def assert_headings(markdown: str, section_id: str) -> None:
    lines = markdown.splitlines()
    positions = []
    for heading in headings(section_id):
        assert heading in lines, f"missing heading {heading!r}"
        positions.append(lines.index(heading))
    assert positions == sorted(positions), f"headings out of order: {headings(section_id)}"
    if positions:
        assert markdown.startswith(headings(section_id)[0]), "a section starts with its first heading"


def assert_no_placeholders(markdown: str) -> None:
    found = PLACEHOLDER.findall(markdown)
    assert not found, f"template placeholders left: {found}"
    assert "file:line" not in markdown
    refs = FILE_LINE_REF.findall(markdown)
    assert not refs, f"invented file:line references: {refs}"


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    return [(m.group("lang"), m.group("body")) for m in FENCE.finditer(markdown)]


@lru_cache(maxsize=1)
def _ts() -> Parser:
    return Parser(Language(tst.language_typescript()))


def ts_parses(code: str) -> bool:
    return not _ts().parse(code.encode("utf-8")).root_node.has_error


def assert_blocks_parse(markdown: str, expect: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """Every typescript / yaml / python block parses; `expect` = {lang: count}."""
    blocks = code_blocks(markdown)
    for lang, body in blocks:
        if lang == "typescript":
            assert ts_parses(body), f"TypeScript block does not parse:\n{body}"
        elif lang == "yaml":
            yaml.safe_load(body)
        elif lang == "python":
            ast.parse(body)
    if expect:
        counts = {lang: sum(1 for b_lang, _ in blocks if b_lang == lang) for lang in expect}
        assert counts == expect, f"code blocks {counts}, expected {expect}"
    return blocks


def assert_rejects(model: type[BaseModel], data: dict[str, Any], *fragments: str) -> str:
    """Validation fails and the message (which goes back to the model) names the
    problem: it contains every fragment (case-insensitive)."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    message = str(info.value)
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in:\n{message}"
    return message


def check_rendered(module: Any, data: BaseModel, ctx: RenderContext | None = None, section_id: str | None = None) -> str:
    """Render and run the checks every section must pass."""
    ctx = ctx or context()
    markdown = module.render(data, ctx)
    sid = section_id or module.__name__.rsplit(".", 1)[-1]
    assert_headings(markdown, sid)
    assert_no_placeholders(markdown)
    assert_blocks_parse(markdown)
    return markdown


def schema_bounds(model: type[BaseModel]) -> list[tuple[str, str, int]]:
    """(path, keyword, value) of every maxLength / maxItems in the model's JSON schema."""
    found: list[tuple[str, str, int]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key in ("maxLength", "maxItems"):
                if key in node:
                    found.append((path, key, node[key]))
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(model.model_json_schema(), "")
    return found


# llama.cpp refuses a grammar whose repetition bound exceeds 2000 ("number of rules
# that are going to be repeated ... exceeds sane defaults") and the local server dies.
LLAMA_MAX_REPETITION = 2000


def assert_grammar_friendly(model: type[BaseModel]) -> None:
    too_big = [b for b in schema_bounds(model) if b[2] > LLAMA_MAX_REPETITION]
    assert not too_big, f"bounds too large for a llama.cpp grammar: {too_big}"
