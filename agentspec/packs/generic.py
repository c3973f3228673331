"""A pack compiled from any markdown template: each H2 section of the template becomes a
registry entry (agentspec.section.SectionSpec) that the draft graph runs like a built-in
one. Its model comes from its placeholders (compile.py), its text from filling the
template, its role from the template's own hint or its headings, and its inputs from the
brief and the design-spine slices its headings call for.

The design spine is drafted only when some heading calls for one of its slices (a data
pipeline's "Schema", a service's "API"): a postmortem or a launch plan has no tables to
decide, and is not made to pay for a step that decides them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from agentspec.packs.compile import TemplateSection, compile_template, fill, front_matter
from agentspec.packs.placeholders import BRACKET_RE, looks_like_placeholder
from agentspec.section import RenderContext, SectionSpec

PROMPT = "_shared/template_section.md.j2"
FRONT_MATTER = "front_matter"  # the placeholders between a template's title and its first H2
DEFAULT_ROLE = "product-analyst"

# Heading words -> the role that drafts such a section. First match wins, so the more
# specific words come first; anything else is the product analyst's.
_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    (r"secur|auth|access|permission|privacy|complian|threat", "security-specialist"),
    (r"schema|database|table|storage|data model|migration|sql|query", "data-specialist"),
    (r"test|qa|validat|acceptance|verif", "qa-specialist"),
    (r"deploy|monitor|alert|observab|rollout|rollback|infra|on-?call|incident|sla|performance|capacity|timeline|detect", "devops-specialist"),
    (r"ui|ux|frontend|screen|page|dashboard|design", "frontend-specialist"),
    (r"api|integration|interface|webhook|event|contract|pipeline|source|sink|dependenc", "integration-specialist"),
    (r"architecture|component|system|failure|error|retr|resilien|recover|fallback", "integration-specialist"),
    (r"implement|code|example|root cause|technical|follow-?up|action", "implementation-specialist"),
    (r"risk|stakeholder|impact", "stakeholder-analyst"),
)

# Heading words -> the spine slices (agents/spine.py SLICES) the section reads.
_SLICE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"architecture|component|system|landscape|overview|pipeline", ("components", "external_systems")),
    (r"schema|database|table|storage|data model|entit|migration|sql", ("entities",)),
    (r"api|endpoint|interface|contract", ("endpoints",)),
    (r"event|message|queue|stream|webhook", ("events", "external_systems")),
    (r"secur|auth|access|permission|role", ("roles", "settings")),
    (r"deploy|config|environment|secret", ("settings",)),
    (r"failure|error|retry|resilien|recover|rollback", ("policy",)),
    (r"\bui\b|frontend|screen|page|dashboard", ("surfaces", "endpoints")),
    (r"integration|external|third.party|provider|source|sink", ("external_systems",)),
)


@dataclass(frozen=True)
class TemplatePack:
    """A compiled template: its title line, its sections and the registry they make."""
    name: str
    markdown: str
    preamble: list[str]  # the lines before the first H2 (the H1 title and any intro)
    sections: list[TemplateSection]
    specs: tuple[SectionSpec, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.md"

    def title(self, ctx: RenderContext) -> list[str]:
        """The template's H1, every placeholder in it naming the feature; without front matter
        to draft, the other lines before the first H2 as written."""
        drafted = any(s.id == FRONT_MATTER for s in self.sections)
        lines = [BRACKET_RE.sub(lambda m: ctx.brief.name if looks_like_placeholder(m.group(1)) else m.group(0), line)
                 for line in self.preamble if line.startswith("# ") or not drafted]
        while lines and not lines[-1].strip():
            lines.pop()
        return lines


def document_kind(preamble: list[str], name: str) -> str:
    """"an Incident Postmortem document", from the template's H1 (its words before a
    placeholder or a colon), else from its file name."""
    h1 = next((line[2:] for line in preamble if line.startswith("# ")), "")
    words = re.split(r"[:\[(]", h1)[0].strip() or name.replace("-", " ").replace("_", " ").title()
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words} document"


def compile_pack(name: str, markdown: str) -> TemplatePack:
    from agentspec.agents.registry import builtin_registry
    from agentspec.agents.spine import SPINE_ID

    front = front_matter(markdown)
    sections = ([front] if front else []) + compile_template(markdown)
    preamble = markdown.split("\n## ", 1)[0].splitlines() if not markdown.startswith("## ") else []
    taken = {SPINE_ID}
    specs: list[SectionSpec] = []
    wants_spine = False
    for section in sections:
        sid = section.id if section.id not in taken else f"{section.id}_section"
        taken.add(sid)
        parts = spine_parts(section)
        wants_spine = wants_spine or bool(parts)
        specs.append(_spec(section, sid, parts, document_kind(preamble, name)))
    if wants_spine:
        spine = next(s for s in builtin_registry() if s.id == SPINE_ID)
        specs.insert(0, dataclasses.replace(spine, shown_by=None))
        specs = [dataclasses.replace(s, depends_on=(SPINE_ID,)) if s.spine_parts else s for s in specs]
    return TemplatePack(name=name, markdown=markdown, preamble=preamble, sections=sections, specs=tuple(specs))


def _spec(section: TemplateSection, sid: str, parts: tuple[str, ...], document: str) -> SectionSpec:
    drafted = bool(section.slots)

    def render(data: Any, ctx: RenderContext) -> str:
        return fill(section, data) if data is not None else "\n".join(section.lines)

    return SectionSpec(
        id=sid, headings=tuple(section.headings), role=role_for(section), model=section.model() if drafted else None,
        render=render, stage="draft" if drafted else "static",
        # about 120 tokens a short field, a paragraph of prose, a table or list of rows more:
        # enough for the embedded model's answers
        max_tokens=min(1600, 300 + sum(320 if s.kind in ("table", "numbered", "numbered_block", "code", "text") else 120
                                       for s in section.slots)),
        spine_parts=parts or None, prompt_file=PROMPT,
        prompt_vars=(("template_text", "\n".join(section.lines).strip()),
                     ("heading", section.heading or "front matter under the title"),
                     ("document", document)),
    )


def role_for(section: TemplateSection) -> str:
    """The role a template names in the section (one known role id, said once or more),
    else the one its headings call for."""
    from agentspec.agents.roles import roles

    text = "\n".join(section.lines)
    named = {r for r in roles() if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text)}
    if len(named) == 1:
        return named.pop()
    heads = " ".join(h.lstrip("# ") for h in section.headings).lower()
    return next((role for words, role in _ROLE_WORDS if re.search(words, heads)), DEFAULT_ROLE)


def spine_parts(section: TemplateSection) -> tuple[str, ...]:
    heads = " ".join(h.lstrip("# ") for h in section.headings).lower()
    parts = [p for words, slices in _SLICE_WORDS if re.search(words, heads) for p in slices]
    return tuple(dict.fromkeys(parts))


def pack_of(options: dict[str, Any] | None) -> TemplatePack | None:
    """The run's compiled pack from its options (None: the built-in template)."""
    template = (options or {}).get("template")
    if not template:
        return None
    return _cached(template["name"], template["markdown"])


_CACHE: dict[tuple[str, str], TemplatePack] = {}


def _cached(name: str, markdown: str) -> TemplatePack:
    key = (name, markdown)
    if key not in _CACHE:
        _CACHE[key] = compile_pack(name, markdown)
    return _CACHE[key]


def sections_for(options: dict[str, Any] | None) -> tuple[SectionSpec, ...] | None:
    """The registry a run drafts with (agents.registry.using): its template's sections, or
    None for the built-in ones."""
    pack = pack_of(options)
    return pack.specs if pack is not None else None
