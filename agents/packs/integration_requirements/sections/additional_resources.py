"""### Additional Resources (static: rendered from the drafted sections, no LLM call).

Pattern docs come from the knowledge items of the reusability analysis, then
the patterns named in the AI development notes, then the brief's domains; the
related examples are the files the code examples propose. Every doc and file
named here is proposed by this spec, and the text says so."""

from __future__ import annotations

import posixpath

from agentspec.render.markdown import bullets, join_blocks
from agentspec.section import RenderContext
from agentspec.agents.brief import slugify
from ._context import section_data
from ._headings import headings_of

MODEL = None
HEADINGS = headings_of(__name__)

EXAMPLE_IDS = ("example_api_client", "example_database", "example_events", "example_websocket", "example_cache", "example_integration_test")
_PURPOSES = ("a detailed explanation", "usage guidelines", "best practices")
MAX_PATTERNS = 3


def doc_slug(name: str, limit: int = 40) -> str:
    """A file name from a pattern name, cut at a word boundary."""
    slug = slugify(name, 200)
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0]
    return cut or slug[:limit]


def _pattern_docs(ctx: RenderContext) -> list[tuple[str, str]]:
    """(pattern name, doc path), most specific source first, without duplicates."""
    found: list[tuple[str, str]] = []
    reuse = section_data(ctx, "reusability")
    for k in getattr(reuse, "knowledge", None) or []:
        found.append((k.name, k.documentation_location))
    notes = section_data(ctx, "ai_development_notes")
    for pattern in getattr(notes, "similar_patterns", None) or []:
        found.append((pattern, f"docs/patterns/{doc_slug(pattern)}.md"))
    for domain in getattr(ctx.brief, "domains", None) or []:
        found.append((domain, f"docs/patterns/{doc_slug(domain)}.md"))
    unique: dict[str, tuple[str, str]] = {}
    for name, path in found:
        key = doc_slug(name)
        if key not in unique and path not in {p for _, p in unique.values()}:
            unique[key] = (name.rstrip("."), path)
    return list(unique.values())[:MAX_PATTERNS]


def _title(section_id: str, ctx: RenderContext) -> str:
    for spec in ctx.registry:
        if spec.id == section_id and spec.headings:
            return spec.headings[-1].lstrip("# ").strip()
    return headings_of(section_id)[-1].lstrip("# ").strip()


def render(data: object, ctx: RenderContext) -> str:
    patterns = [
        f"{name}: add `{path}` with {_PURPOSES[i % len(_PURPOSES)]} (new doc proposed by this spec)"
        for i, (name, path) in enumerate(_pattern_docs(ctx))
    ]
    examples = []
    test_dir = "tests/integration"
    for sid in EXAMPLE_IDS:
        example = section_data(ctx, sid)
        if example is None:
            continue
        examples.append(f"{_title(sid, ctx)}: `{example.file_path}` (proposed) - {example.purpose}")
        if sid == "example_integration_test":
            test_dir = posixpath.dirname(example.file_path) or test_dir
    slug = getattr(ctx.brief, "slug", None) or slugify(str(getattr(ctx.brief, "name", "feature")))
    examples.append(f"Collect the examples above as runnable samples under `examples/{slug}/`")
    examples.append(f"Add further integration test patterns next to the tests in `{test_dir}/`")
    (section,) = HEADINGS
    return join_blocks(
        section,
        "**Integration Patterns Documentation**:\n" + bullets(patterns),
        "**Related Integration Examples**:\n" + bullets(examples),
    )
