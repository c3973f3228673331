"""A drafted spec, parsed once so every check reads the same structure.

Parsing goes through markdown-it-py (CommonMark + tables) rather than regexes
so that, for example, a ``# comment`` line inside a fenced YAML block is not
mistaken for a heading, and ``[text](url)`` links are told apart from
leftover ``[PLACEHOLDER]`` tokens.

Line numbers are 1-based and refer to the markdown file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from agentspec.packs.builtin import DEFAULT_PACK, builtin_pack

# The default pack's name, and the spec file drafted over it (its pack.yaml says which).
BUILT_IN_TEMPLATE = DEFAULT_PACK
SPEC_FILENAME = builtin_pack(DEFAULT_PACK).output


def spec_markdown_path(directory: Path) -> Path:
    """The spec's markdown in a directory `agentspec draft` wrote: the built-in template's
    file, or the one named after the user's template that spec.json records."""
    built_in = directory / SPEC_FILENAME
    if built_in.is_file():
        return built_in
    try:
        template = (json.loads((directory / "spec.json").read_text(encoding="utf-8")).get("template") or {})
    except (OSError, ValueError, AttributeError):
        return built_in
    name = template.get("name") if isinstance(template, dict) else None
    return directory / f"{name}.md" if isinstance(name, str) and name and "/" not in name else built_in


class SpecFileError(ValueError):
    """A file of the spec cannot be read as text (not UTF-8, not JSON, unreadable).
    The message names the file and, where known, the line."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecFileError(path, f"line {line}: not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})") from exc


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # plain text: emphasis and code markup stripped
    line: int
    # Texts of the enclosing headings, outermost first, ending with this one.
    path: tuple[str, ...]

    @property
    def key(self) -> str:
        return normalize_heading(self.text)


@dataclass(frozen=True)
class CodeBlock:
    language: str  # first word of the fence info, lower-cased ("" if none)
    info: str
    content: str
    line: int  # line of the opening fence
    heading_path: tuple[str, ...]  # headings the block sits under, outermost first

    @property
    def content_line(self) -> int:
        """Line of the block's first content line."""
        return self.line + 1


@dataclass(frozen=True)
class Table:
    line: int
    end_line: int  # exclusive
    text: str  # the table's markdown source
    heading_path: tuple[str, ...]


@dataclass(frozen=True)
class InlineText:
    """A run of inline text outside fenced/indented code blocks.

    kind is "text" for prose (links already resolved away, so ``[x](y)`` never
    shows up here) or "code" for an inline code span.
    """

    kind: str
    text: str
    line: int
    heading_path: tuple[str, ...]


def normalize_heading(text: str) -> str:
    """Canonical form used to compare headings.

    Tolerates what drafting models vary without changing meaning: case,
    "&" vs "and", punctuation and emoji, and a leading "1." / "2.3" number.
    """
    text = unicodedata.normalize("NFKC", text).lower().replace("&", " and ")
    text = re.sub(r"^\s*\d+(?:\.\d+)*[.)]?\s+", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _inline_plain_text(inline: Token) -> str:
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


@dataclass
class SpecDocument:
    markdown: str
    headings: list[Heading] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    inline_texts: list[InlineText] = field(default_factory=list)
    path: Path | None = None
    spec_json: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    # analysis-<name>.md files keyed by <name>, e.g. "scenarios".
    analyses: dict[str, str] = field(default_factory=dict)

    # ---------------------------------------------------------------- loading
    @classmethod
    def from_markdown(cls, text: str, **extra: Any) -> SpecDocument:
        doc = cls(markdown=text, **extra)
        doc._parse()
        return doc

    @classmethod
    def load(cls, location: str | Path) -> SpecDocument:
        """Load a spec directory (or the markdown file inside one)."""
        location = Path(location)
        directory = location.parent if location.is_file() else location
        md_path = location if location.is_file() else spec_markdown_path(directory)
        analyses = {
            p.stem.removeprefix("analysis-"): _read_text(p)
            for p in sorted(directory.glob("analysis-*.md"))
        }
        return cls.from_markdown(
            _read_text(md_path),
            path=directory,
            spec_json=_read_json(directory / "spec.json"),
            run=_read_json(directory / "run.json"),
            analyses=analyses,
        )

    # ---------------------------------------------------------------- parsing
    def _parse(self) -> None:
        tokens = _parser().parse(self.markdown)
        stack: list[tuple[int, str]] = []  # (level, text) of open headings

        def path() -> tuple[str, ...]:
            return tuple(text for _, text in stack)

        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and tok.map:
                level = int(tok.tag[1:])
                text = _inline_plain_text(tokens[i + 1])
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
                self.headings.append(Heading(level, text, tok.map[0] + 1, path()))
            elif tok.type in ("fence", "code_block") and tok.map:
                info = tok.info.strip() if tok.type == "fence" else ""
                language = info.split()[0].lower() if info else ""
                self.code_blocks.append(CodeBlock(language, info, tok.content, tok.map[0] + 1, path()))
            elif tok.type == "table_open" and tok.map:
                start, end = tok.map
                source = "\n".join(self.lines[start:end])
                self.tables.append(Table(start + 1, end + 1, source, path()))
            elif tok.type == "inline" and tok.map:
                self._collect_inline(tok, path())

    def _collect_inline(self, inline: Token, heading_path: tuple[str, ...]) -> None:
        # Children carry no line map; count line breaks from the block's start.
        line = inline.map[0] + 1 if inline.map else 0
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                self.inline_texts.append(InlineText("text", "".join(buffer), line, heading_path))
                buffer.clear()

        for child in inline.children or []:
            if child.type == "text":
                buffer.append(child.content)
            elif child.type == "code_inline":
                flush()
                self.inline_texts.append(InlineText("code", child.content, line, heading_path))
            elif child.type in ("softbreak", "hardbreak"):
                flush()
                line += 1
            else:
                # Link/emphasis boundaries split text runs so a link's
                # brackets never join neighbouring text into a fake token.
                flush()
        flush()

    # ---------------------------------------------------------------- queries
    @cached_property
    def lines(self) -> list[str]:
        return self.markdown.splitlines()

    def find_heading(self, heading: str, level: int | None = None) -> Heading | None:
        key = normalize_heading(heading)
        for h in self.headings:
            if h.key == key and (level is None or h.level == level):
                return h
        return None

    def section_range(self, heading: Heading) -> tuple[int, int]:
        """Lines [start, end) of a heading's body, subsections included."""
        end = len(self.lines) + 1
        for h in self.headings:
            if h.line > heading.line and h.level <= heading.level:
                end = h.line
                break
        return heading.line + 1, end

    def section_text(self, heading: str | Heading, level: int | None = None) -> str | None:
        """Markdown under a heading (excluding the heading line), or None if absent."""
        found = heading if isinstance(heading, Heading) else self.find_heading(heading, level)
        if found is None:
            return None
        start, end = self.section_range(found)
        return "\n".join(self.lines[start - 1 : end - 1])

    def h2_sections(self) -> list[tuple[Heading, str]]:
        return [(h, self.section_text(h) or "") for h in self.headings if h.level == 2]

    def h2_at(self, line: int) -> str | None:
        """Text of the H2 heading a line sits under (None before the first H2)."""
        current: str | None = None
        for h in self.headings:
            if h.line > line:
                break
            if h.level == 2:
                current = h.text
            elif h.level < 2:
                current = None
        return current

    def blocks(self, *languages: str) -> list[CodeBlock]:
        wanted = {lang.lower() for lang in languages}
        return [b for b in self.code_blocks if b.language in wanted]


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise SpecFileError(path, f"line {exc.lineno}: not valid JSON: {exc.msg}") from exc
    return data if isinstance(data, dict) else {"value": data}
