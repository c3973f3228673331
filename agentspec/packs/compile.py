"""Compile any markdown template into sections, each with a data model derived from its
placeholders and a renderer that fills the template's own text (issue 15, item 2).

Each H2, with its H3s and H4s, is a section. A placeholder is typed by where it stands:

- a table row that holds placeholders: the table gets a list of row objects, one
  field per placeholder in the row, and renders one row per item;
- a checklist line (`- [ ] [ITEM]`): a list of items, one line each;
- numbered placeholders (`[SERVICE_1]`, `[SERVICE_2]`, …): a list of any length, the
  `_1` line repeated per item and the other numbered lines dropped;
- a placeholder inside a fenced block: the whole block is code in that language (the
  checks parse it with the real parser);
- any other placeholder: a text field, or a choice when it lists its options
  (`[Low/Medium/High]`).

The model fills the fields; the template's prose, order and formatting stay as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, create_model

from agentspec.packs.placeholders import BRACKET_RE, code_tokens, is_checkbox_or_footnote
from agentspec.render.mermaid import quote_flowchart_labels
from agentspec.section import LenientJson

SlotKind = Literal["text", "choice", "table", "checklist", "numbered", "numbered_block", "code"]
_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
_NUMBERED = re.compile(r"^(?P<stem>.+?)_(?P<n>\d+)(?P<rest>_[A-Za-z0-9_]+)?$")  # SERVICE_1, PATTERN_1_FILE
# Literal placeholders a template writes without brackets: made bracketed before compiling.
_LITERALS = {"`file:line`": "`[FILE_LINE]`"}


def prose_tokens(line: str) -> list[re.Match[str]]:
    """In a template's prose every bracket is a placeholder ("[Brief description]"),
    except a checkbox, a footnote and a link's text."""
    return [m for m in BRACKET_RE.finditer(line)
            if not is_checkbox_or_footnote(m.group(1)) and line[m.end():m.end() + 1] != "("]


def _number(inner: str) -> tuple[str, int] | None:
    """("PATTERN_FILE", 1) for "PATTERN_1_FILE"; None when the placeholder is not numbered."""
    found = _NUMBERED.match(inner)
    return (found.group("stem") + (found.group("rest") or ""), int(found.group("n"))) if found else None
_CHECKLIST = re.compile(r"^(\s*[-*]\s+\[[ xX]\]\s+)(.*)$")
_HEADING = re.compile(r"^(#{3,6}) ")


class TemplateError(ValueError):
    """The template cannot be compiled (no H2 sections)."""


@dataclass
class Slot:
    name: str  # the model field
    kind: SlotKind
    tokens: list[str]  # the placeholders it fills, as written ("[FEATURE_NAME]")
    context: str  # the template line it stands on: what the model reads as the instruction
    language: str = ""  # code
    columns: list[str] = field(default_factory=list)  # table: one per placeholder of the row template
    choices: list[str] = field(default_factory=list)  # choice
    column_choices: dict[str, list[str]] = field(default_factory=dict)  # table: a cell like [Positive/Negative]
    start: int = 0  # first and last line (0-based, within the section) the slot renders over
    end: int = 0


@dataclass
class TemplateSection:
    id: str
    heading: str  # the H2 text
    headings: list[str]  # every heading line of the section, in order ("## …", "### …")
    lines: list[str]  # the section's template text
    slots: list[Slot] = field(default_factory=list)

    def model(self) -> type[BaseModel]:
        return section_model(self)

    def fill(self, data: BaseModel | dict[str, Any]) -> str:
        return fill(self, data)


def snake(text: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return ("f_" + name if name[:1].isdigit() else name)[:50] or "value"


def compile_template(markdown: str) -> list[TemplateSection]:
    """The template's H2 sections with their slots. Text before the first H2 (the title)
    is not a section."""
    sections: list[TemplateSection] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            heading = line[3:].strip()
            sections.append(TemplateSection(id=_unique(snake(heading), {s.id for s in sections}), heading=heading,
                                            headings=[line], lines=[line]))
        elif sections:
            if not fenced:
                for literal, bracketed in _LITERALS.items():
                    line = line.replace(literal, bracketed)
            sections[-1].lines.append(line)
            if not fenced and re.match(r"^#{3,6} ", line):
                sections[-1].headings.append(line)
    if not sections:
        raise TemplateError("the template has no H2 (`## `) headings: each H2 is a section")
    for section in sections:
        section.slots = _slots(section.lines)
    return sections


def front_matter(markdown: str) -> TemplateSection | None:
    """The lines between the H1 title and the first H2 ("- **Status**: [Proposed/Accepted]")
    as a section without a heading of its own, when they hold placeholders; None otherwise."""
    lines = markdown.split("\n## ", 1)[0].splitlines() if not markdown.startswith("## ") else []
    body = [line for line in lines if not line.startswith("# ")]
    section = TemplateSection(id="front_matter", heading="", headings=[], lines=body)
    section.slots = _slots(body)
    return section if section.slots else None


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _slots(lines: list[str]) -> list[Slot]:
    slots: list[Slot] = []
    names: set[str] = set()

    def add(slot: Slot) -> None:
        slot.name = _unique(slot.name, names)
        names.add(slot.name)
        slots.append(slot)

    i = 0
    numbered_seen: set[str] = set()
    while i < len(lines):
        line = lines[i]
        block = _numbered_block(lines, i)
        if block is not None:
            if block.name:  # the _1 block; later numbered blocks are rendered from it
                add(block)
            i = block.end + 1
            continue
        fence = _FENCE.match(line)
        if fence:
            end = next((j for j in range(i + 1, len(lines)) if _FENCE.match(lines[j])), len(lines) - 1)
            body = "\n".join(lines[i + 1:end])
            found = code_tokens(body)
            if found:
                language = fence.group(2) or "text"
                add(Slot(name=f"{snake(language)}_code", kind="code", tokens=[m.group(0) for m in found],
                         context=" ".join(body.split()), language=language, start=i, end=end))
            i = end + 1
            continue
        if line.lstrip().startswith("|"):
            end = i
            while end + 1 < len(lines) and lines[end + 1].lstrip().startswith("|"):
                end += 1
            table = _table_slot(lines, i, end)
            if table is not None:
                add(table)
            i = end + 1
            continue
        found = prose_tokens(line)
        checklist = _CHECKLIST.match(line)
        if found and checklist:
            end = i
            while end + 1 < len(lines) and _CHECKLIST.match(lines[end + 1]) and prose_tokens(lines[end + 1]):
                end += 1
            add(Slot(name=snake(found[0].group(1)) + "_items", kind="checklist", context=checklist.group(2),
                     tokens=[m.group(0) for j in range(i, end + 1) for m in prose_tokens(lines[j])], start=i, end=end))
            i = end + 1
            continue
        numbered = [m for m in found if _number(m.group(1))]
        if numbered:
            stems = [_number(m.group(1))[0] for m in numbered]  # type: ignore[index]
            key = "|".join(stems)
            if key not in numbered_seen and _number(numbered[0].group(1))[1] == 1:  # type: ignore[index]
                numbered_seen.add(key)
                # every placeholder of the _1 line is a field of the item ("[SCENARIO_1]: [DESCRIPTION]")
                columns: list[str] = []
                for m in found:
                    number = _number(m.group(1))
                    columns.append(_unique(snake(number[0]) if number else _field_name(line, m), set(columns)))
                add(Slot(name=snake(stems[0]) + "_list", kind="numbered", tokens=[m.group(0) for m in found],
                         columns=columns, context=line.strip(), start=i, end=i))
            i += 1
            continue
        for m in found:
            inner = m.group(1)
            choices = _choices(inner)
            add(Slot(name=_field_name(line, m), kind="choice" if choices else "text", tokens=[m.group(0)], choices=choices,
                     context=line.strip(), start=i, end=i))
        i += 1
    return slots


def _numbered_block(lines: list[str], i: int) -> Slot | None:
    """A heading with a numbered placeholder (`#### [SERVICE_1]`) and its body, up to the
    next heading of its level or above: one item of a list. The `_1` block becomes the
    slot (its placeholders are the item's fields); `_2`, `_3` … come back with no name,
    to be skipped."""
    heading = _HEADING.match(lines[i])
    found = [m for m in prose_tokens(lines[i]) if _number(m.group(1))] if heading else []
    if not found:
        return None
    level = len(heading.group(1))  # type: ignore[union-attr]
    end, fenced = i, False
    for j in range(i + 1, len(lines)):
        if _FENCE.match(lines[j]):
            fenced = not fenced
        other = _HEADING.match(lines[j]) or (lines[j].startswith("## ") and not fenced)
        if not fenced and other and (lines[j].startswith("## ") or len(other.group(1)) <= level):
            break
        end = j
    if _number(found[0].group(1))[1] != 1:  # type: ignore[index]
        return Slot(name="", kind="numbered_block", tokens=[], context="", start=i, end=end)
    tokens, columns, fenced = [], [], False
    for j in range(i, end + 1):
        if _FENCE.match(lines[j]):
            fenced = not fenced
            continue
        for m in (code_tokens(lines[j]) if fenced else prose_tokens(lines[j])):
            if m.group(0) in tokens:
                continue
            tokens.append(m.group(0))
            number = _number(m.group(1))
            base = number[0] if number else m.group(1)
            name = _field_name(lines[j], m) if not fenced and j != i else snake(base)
            columns.append(_unique(name, set(columns)))
    return Slot(name=snake(_number(found[0].group(1))[0]) + "_list", kind="numbered_block",  # type: ignore[index]
                tokens=tokens, columns=columns, context=lines[i].strip(), start=i, end=end)


def _field_name(line: str, token: re.Match[str]) -> str:
    """The bold label the placeholder fills ("- **Complexity**: [Low/Medium/High]" ->
    complexity), else the placeholder's own words, cut at an example ("e.g.")."""
    label = re.search(r"\*\*([^*]{2,60})\*\*[^\[*]*$", line[: token.start()])
    if label:
        return snake(label.group(1))
    words = re.split(r"\s+-\s+e\.g\.|\be\.g\.|[,(:]", token.group(1))[0]
    return snake(words)[:40].rstrip("_") or "value"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_slot(lines: list[str], start: int, end: int) -> Slot | None:
    """A table whose body rows hold placeholders: the first such row is the row template."""
    if end - start < 2 or not re.fullmatch(r"[\s|:-]+", lines[start + 1]):
        return None
    header = _cells(lines[start])
    rows = [j for j in range(start + 2, end + 1) if prose_tokens(lines[j])]
    if not rows:
        return None
    template = _cells(lines[rows[0]])
    tokens, columns, choices = [], [], {}
    for n, cell in enumerate(template):
        base = snake(header[n] if n < len(header) and header[n] else f"column_{n + 1}")
        for k, m in enumerate(prose_tokens(cell)):
            tokens.append(m.group(0))
            columns.append(_unique(base if k == 0 else f"{base}_{k + 1}", set(columns)))
            if _choices(m.group(1)):
                choices[columns[-1]] = _choices(m.group(1))
    return Slot(name=snake(header[0] or "table") + "_rows", kind="table", tokens=tokens, columns=columns,
                context=lines[start].strip() + " / " + lines[rows[0]].strip(), start=rows[0], end=rows[-1],
                column_choices=choices)


def _choices(inner: str) -> list[str]:
    """["Low", "Medium", "High"] for "Low/Medium/High"; [] for any other placeholder."""
    return [c.strip() for c in inner.split("/")] if re.fullmatch(r"[A-Za-z][\w ]*(/[A-Za-z][\w ]*)+", inner) else []


# ----------------------------------------------------------------------------- models
TEXT_LENGTH = 1500  # characters of one text placeholder's answer
def section_model(section: TemplateSection) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for slot in section.slots:
        about = f"fills {', '.join(slot.tokens[:4])} in: {slot.context[:160]}"
        if slot.kind == "choice":
            fields[slot.name] = (Literal[tuple(slot.choices)], Field(description=about))  # type: ignore[misc]
        elif slot.kind in ("text",):
            # A text placeholder is often a whole section's prose ("how to verify the purge").
            # Above the grammar's code length its bound is validated, not sampled: a 400-character
            # bound was capped at the grammar's 300 and the embedded model's answer cut mid-word.
            fields[slot.name] = (str, Field(min_length=1, max_length=TEXT_LENGTH, description=about))
        elif slot.kind == "code":
            # A flowchart's labels are quoted by code where the model left syntax in them.
            kind = Annotated[str, AfterValidator(quote_flowchart_labels)] if slot.language == "mermaid" else str
            fields[slot.name] = (kind, Field(min_length=1, description=(
                f"the {slot.language} code inside the block, without the ``` lines, written for this feature in "
                f"place of the template's: {slot.context[:200]}")))
        elif slot.kind == "checklist":
            fields[slot.name] = (list[str], Field(min_length=1, max_length=12, description=about))
        else:  # table and numbered: a list of row objects
            row = create_model(f"{_pascal(section.id)}{_pascal(slot.name)}Item",
                               **{c: (Literal[tuple(slot.column_choices[c])], Field()) if c in slot.column_choices  # type: ignore[misc]
                                  else (str, Field(min_length=1, max_length=300)) for c in slot.columns})
            fields[slot.name] = (list[row], Field(min_length=1, max_length=12, description=about))  # type: ignore[valid-type]
    # Read leniently, like a built-in section: a small model writes a code block's newlines raw.
    return create_model(f"{_pascal(section.id)}Section", __base__=LenientJson, **fields)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


# ----------------------------------------------------------------------------- rendering
def fill(section: TemplateSection, data: BaseModel | dict[str, Any]) -> str:
    """The section's template text with every slot filled from `data`."""
    values = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    lines = list(section.lines)
    out: list[str] = []
    by_start = {slot.start: slot for slot in section.slots
                if slot.kind in ("table", "checklist", "numbered", "numbered_block", "code")}
    inline = [slot for slot in section.slots if slot.kind in ("text", "choice")]
    numbered_stems = {c for slot in section.slots if slot.kind == "numbered" for c in slot.columns}
    i = 0
    while i < len(lines):
        slot = by_start.get(i)
        if slot is not None:
            out += _expand(slot, lines, values.get(slot.name))
            i = slot.end + 1
            continue
        later = _numbered_block(lines, i)
        if later is not None and not later.name:
            i = later.end + 1  # a later numbered block ([SERVICE_2]): the list renders every item from the _1 block
            continue
        line = lines[i]
        numbers = [_number(m.group(1)) for m in prose_tokens(line)]
        if any(n is not None and n[1] != 1 and snake(n[0]) in numbered_stems for n in numbers):
            i += 1  # a later numbered line ([SERVICE_2]): the list renders every item from the _1 line
            continue
        for s in inline:
            if s.start == i:
                line = line.replace(s.tokens[0], str(values.get(s.name, "")), 1)
        out.append(line)
        i += 1
    return "\n".join(out)


def _unfenced(code: str) -> list[str]:
    """The code's lines without a fence the answer wrapped them in: the template's own fence
    is kept, and a second one would close it."""
    found = code.strip("\n").splitlines()
    if found and _FENCE.match(found[0]):
        found = found[1:]
        if found and _FENCE.match(found[-1]):
            found = found[:-1]
    return found


def _expand(slot: Slot, lines: list[str], value: Any) -> list[str]:
    if slot.kind == "code":
        # A fence inside a list item is indented; its lines must be too, or the item (and the
        # fence) ends at the first of them and the closing fence opens a new block.
        indent = lines[slot.start][: len(lines[slot.start]) - len(lines[slot.start].lstrip())]
        return [lines[slot.start], *(indent + line if line else line for line in _unfenced(str(value or ""))),
                lines[slot.end]]
    items = list(value or [])
    if slot.kind == "numbered_block":
        block = "\n".join(lines[slot.start:slot.end + 1])
        out: list[str] = []
        for item in items:
            text = block
            for token, column in zip(slot.tokens, slot.columns, strict=False):
                text = text.replace(token, str(item.get(column, "")))
            out += text.splitlines()
        return out
    if slot.kind == "checklist":
        prefix = _CHECKLIST.match(lines[slot.start]).group(1)  # type: ignore[union-attr]
        return [f"{prefix}{item}" for item in items]
    template = lines[slot.start]
    out = []
    for number, item in enumerate(items, start=1):
        line = template
        for token, column in zip(slot.tokens, slot.columns, strict=False):
            line = line.replace(token, str(item.get(column, "")).replace("|", "\\|"), 1)
        if slot.kind == "numbered":  # an ordered list counts on ("1.", "2." ...), as the template's own lines did
            line = re.sub(r"^(\s*)\d+([.)])(?=\s)", lambda m: f"{m.group(1)}{number}{m.group(2)}", line, count=1)
        out.append(line)
    return out
