"""Check 2: no template placeholders left in the draft.

Prose: any bracket token that the template uses, or that has a placeholder
shape ([FEATURE_NAME], [Low/Medium/High], [Name]). Links never reach this
check: markdown-it resolves them, and checkboxes/footnotes are skipped.

Code (fenced blocks and inline spans): only tokens that literally occur as
placeholders in the template, because brackets are real syntax there - a TS
array literal [MAX_RETRIES] or a mermaid label B[Routing] is legitimate.
"""

from __future__ import annotations

from typing import Any

from agentspec.checks.score import Finding, Score
from agentspec.checks.template import (
    BRACKET_RE,
    LITERAL_PLACEHOLDERS,
    is_checkbox_or_footnote,
    looks_like_placeholder,
    strong_placeholder_shape,
    template_of,
    template_placeholders,
)
from agentspec.packs.placeholders import placeholders_in_code
from agentspec.spec_document import SpecDocument

NAME = "placeholders"


def prose_placeholders(text: str, template: str | None = None) -> list[str]:
    found = []
    for m in BRACKET_RE.finditer(text):
        inner = m.group(1)
        if is_checkbox_or_footnote(inner):
            continue
        if m.group(0) in template_placeholders(template) or looks_like_placeholder(inner):
            found.append(m.group(0))
    found += [p for p in LITERAL_PLACEHOLDERS if p in text]
    return found


def code_placeholders(code: str, template_markdown: str | None = None, language: str = "") -> list[tuple[str, int]]:
    """(token, 0-based line within `code`) for template placeholders in code."""
    template = template_placeholders(template_markdown)
    # A diagram's node label a user's template left for the answer to write (the embedded
    # model handed `A[TRIGGER_EVENT]` back unchanged) is a placeholder, not indexing.
    labels = template_markdown is not None and language == "mermaid"
    return placeholders_in_code(code, lambda token: token in template and strong_placeholder_shape(token[1:-1]),
                                diagram=labels)


def check_placeholders(spec: SpecDocument, run: dict[str, Any] | None = None) -> Score:
    findings: list[Finding] = []
    template = template_of(spec, run)  # a user's template's own tokens, or the built-in one's
    for run_ in spec.inline_texts:
        if run_.kind == "text":
            tokens = prose_placeholders(run_.text, template)
        else:
            # A code span that is nothing but a placeholder (`[API_CLIENT_FILE_PATH]`)
            # is a hole even if the template never used that exact token.
            whole = run_.text.strip()
            m = BRACKET_RE.fullmatch(whole)
            tokens = [tok for tok, _ in code_placeholders(run_.text, template)]
            if m and strong_placeholder_shape(m.group(1)) and whole not in tokens:
                tokens.append(whole)
            tokens += [p for p in LITERAL_PLACEHOLDERS if p == whole]
        for token in tokens:
            findings.append(Finding(spec.h2_at(run_.line), f"template placeholder {token} left in text", run_.line))
    for block in spec.code_blocks:
        for token, offset in code_placeholders(block.content, template, block.language):
            line = block.content_line + offset
            findings.append(
                Finding(
                    spec.h2_at(line),
                    f"template placeholder {token} left in {block.language or 'code'} block",
                    line,
                )
            )
    sections = [h for h in spec.headings if h.level == 2]
    failed_sections = {f.heading for f in findings}
    return Score.from_findings(NAME, findings, checked=max(len(sections), 1), failed=len(failed_sections))
