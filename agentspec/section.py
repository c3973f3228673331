"""The shape of a section: its registry entry, render context, and the field
types every section model shares (they reject what would render badly)."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from agentspec.render.markdown import inline

# Template placeholders such as [FEATURE_NAME] or [RATE_LIMIT_1] must never survive.
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_/ -]{2,}\]")
_FILLER = re.compile(r"^(tbd|todo|n/?a|none|placeholder|lorem ipsum|\.\.\.|xxx)\.?$", re.I)


def is_filler(value: str) -> bool:
    """"TBD", "none", "n/a" and the like: a word standing in for an answer."""
    return bool(_FILLER.match(value.strip()))


_NONE = {"none", "n/a", "na", "no", "-", "nothing"}


def means_none(value: object) -> bool:
    """Blank, or a word that answers "there is none" ("none", "n/a", "no", "-"). Where
    a field may truthfully be empty, this is an answer and not filler; each field
    decides what it then means (no authentication, stored as received, derive it)."""
    return isinstance(value, str) and (not value.strip() or value.strip().rstrip(".").lower() in _NONE)


def _no_placeholder(value: str) -> str:
    if _PLACEHOLDER.search(value):
        raise ValueError(f"contains a template placeholder ({_PLACEHOLDER.search(value).group(0)}); write the real value")
    if is_filler(value):
        raise ValueError(f"{value!r} is filler; write a concrete, feature-specific value")
    return value


def _markdown_safe(value: str) -> str:
    """Model text never shapes the document: one line, and no fence, heading,
    setext underline, block quote or raw HTML can start from it (see
    agentspec.render.markdown.inline). Ordinary prose is unchanged."""
    return inline(value)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=700), AfterValidator(_no_placeholder),
                 AfterValidator(_markdown_safe)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160), AfterValidator(_no_placeholder),
                      AfterValidator(_markdown_safe)]
def snake_case(value: Any) -> Any:
    """`third-party_processor`, `Sync Status`, `invoiceLines` -> snake_case: the same
    identifier in another spelling, so fixed by code rather than re-asked."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.strip())
    return re.sub(r"[-\s]+", "_", text).lower()


Ident = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,62}$"), BeforeValidator(snake_case)]
Code = Annotated[str, StringConstraints(min_length=20, max_length=6000)]


def _without_filler_items(value: Any) -> Any:
    """A list entry that is a word standing in for an answer ("None", "n/a", "TBD") says
    the list has nothing more: it is dropped, and the bounds then judge what is left (the
    sixth-pass gdpr review put "None" among its improvements and lost the analysis).
    A text listed twice says nothing the first did, and goes too (the seventh-pass
    Stripe draft lost a call to "a validation criterion is listed twice")."""
    if not isinstance(value, list):
        return value
    seen: set[str] = set()
    kept = []
    for item in value:
        if isinstance(item, str):
            key = item.strip().lower().rstrip(".")
            if not key or is_filler(item) or key in seen:
                continue
            seen.add(key)
        kept.append(item)
    return kept


def items(kind: Any, lo: int = 1, hi: int = 5) -> Any:
    """A bounded list: bounds keep local-model grammars small and output focused."""
    return Annotated[list[kind], Field(min_length=lo, max_length=hi), BeforeValidator(_without_filler_items)]


def _without_annotations(schema: Any) -> Any:
    """Drop `title` and `description` keywords; a property *named* title or
    description has a schema (a dict) as its value and is kept."""
    if isinstance(schema, dict):
        return {key: _without_annotations(value) for key, value in schema.items()
                if not (key in {"title", "description"} and not isinstance(value, dict))}
    if isinstance(schema, list):
        return [_without_annotations(item) for item in schema]
    return schema


@functools.cache
def _optional_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields that default to None (may be absent)."""
    return frozenset(name for name, info in model.model_fields.items() if not info.is_required() and info.default is None)


def _wire(documented: dict[str, Any]) -> dict[str, Any]:
    lean = _without_annotations(documented)
    lean["title"] = documented["title"]  # instructor names the tool after it
    return lean


@functools.cache
def _schemas(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(documented, wire) schemas of a model class."""
    documented = BaseModel.model_json_schema.__func__(model)  # type: ignore[attr-defined]
    return documented, _wire(documented)


class LenientJson(BaseModel):
    """A model that reads the JSON a small model writes: the base of every section's
    model, the built-in ones (SectionModel) and those compiled from a template."""

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Any:  # type: ignore[override]
        """Strict JSON first; then JSON whose strings hold raw newlines or tabs.

        Small local models often write a code sample's newlines literally
        inside a JSON string. The content is what was meant, so it is accepted
        (Python's non-strict JSON) rather than paid for again with a re-ask.
        instructor parses every answer through this method."""
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as exc:
            if not any(error["type"] == "json_invalid" for error in exc.errors()):
                raise
            try:
                data = json.loads(json_data, strict=False)
            except ValueError:
                raise exc from None
            return cls.model_validate(data, **kwargs)


class SectionModel(LenientJson):
    """Base of every section's structured output."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_absent(cls, data: Any) -> Any:
        """An optional field answered with "" is absent (None).

        The local grammar makes every key required, so a small model writes ""
        where it means "none" (`references: ""` on a column with no foreign
        key); validating "" against the field's pattern would re-ask for nothing."""
        if not isinstance(data, dict):
            return data
        optional = _optional_fields(cls)
        return {key: None if key in optional and isinstance(value, str) and not value.strip() else value
                for key, value in data.items()}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """The bare schema (instructor's, response_format, llama.cpp's grammar): no
        titles or descriptions. In those modes the prompt's field guide (from
        documented_schema) tells the model what each field means; sending it twice
        would bill every call for ~7k tokens per draft again (measured over the 27
        models). Tools mode sends prompting.tool_parameters instead and no guide."""
        if args or kwargs:
            return _wire(super().model_json_schema(*args, **kwargs))
        # Generating a schema costs ~15 ms and happens on every call (instructor,
        # the field guide): cached per class, handed out as copies.
        return copy.deepcopy(_schemas(cls)[1])

    @classmethod
    def documented_schema(cls) -> dict[str, Any]:
        """The full JSON schema, descriptions included, for the prompt's field guide."""
        return copy.deepcopy(_schemas(cls)[0])


def validate_stored(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """`model.model_validate(data)` for section data kept in the run state, remembered
    by content. A draft asks for the same sections again and again (every section
    check renders against all sections drafted so far; every dependent digests its
    dependencies), and validation re-runs the models' SQL/TypeScript parsing
    validators. Callers only read the instance. Errors are not remembered."""
    return _validate_json(model, json.dumps(data, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=512)
def _validate_json(model: type[BaseModel], data_json: str) -> BaseModel:
    return model.model_validate(json.loads(data_json))


def unique_names(values: list[Any], attr: str, what: str) -> None:
    seen: set[str] = set()
    for value in values:
        name = getattr(value, attr).lower()
        if name in seen:
            raise ValueError(f"duplicate {what} {name!r}; names must be unique")
        seen.add(name)


@dataclass
class RenderContext:
    """What a renderer may read besides its own section's data."""

    brief: Any  # FeatureBrief
    description: str = ""  # the user's own words
    sections: dict[str, Any] = field(default_factory=dict)
    analyses: dict[str, Any] = field(default_factory=dict)
    registry: tuple["SectionSpec", ...] = ()
    repo_given: bool = False
    repo: dict[str, Any] | None = None  # what `draft --repo` found (agents/repository.py summarise)
    date: str = ""
    statuses: dict[str, str] = field(default_factory=dict)  # section id -> status (readiness is computed from it)
    checks: list[dict[str, Any]] = field(default_factory=list)  # the last document checks (Score.to_dict)
    archetypes: tuple[str, ...] = ()  # integration archetypes the user chose (draft --archetype)
    review: list[dict[str, Any]] = field(default_factory=list)  # open review-pass findings (agentspec/review_pass.py)


Stage = Literal["draft", "foldin", "static", "analysis"]


@dataclass(frozen=True)
class SectionSpec:
    """One registry entry. Everything about a section shares its `id`:
    model, role, prompt file (<role>/<id>.md.j2 in its pack's prompts/), renderer and checks."""

    id: str
    headings: tuple[str, ...]  # the template headings this section renders, in order
    role: str
    model: type[BaseModel] | None
    render: Callable[[Any, RenderContext], str]
    depends_on: tuple[str, ...] = ()
    stage: Stage = "draft"
    digest: Callable[[Any], str] | None = None  # compact view handed to dependents
    max_tokens: int = 1400
    # (data, {dependency id: validated data}) -> problems with names the
    # dependencies define; part of the draft gate, so they come back as feedback.
    cross_checks: Callable[[Any, dict[str, Any]], list[str]] | None = None
    # (data, spine) -> what the section states that the design spine contradicts or lacks.
    spine_checks: Callable[[Any, Any], list[str]] | None = None
    # (data, spine) -> data with what the spine fixes put back: applied to every answer
    # before the gate, so a re-decided value never reaches the document.
    align: Callable[[Any, Any], Any] | None = None
    # (RenderContext) -> data written by code from the design, or None: the model drafts it.
    # What the design decides whole (a code example of the spine's own tables) needs no call.
    derive: Callable[[RenderContext], Any] | None = None
    spine_parts: tuple[str, ...] | None = None  # the design spine slices its prompt receives (None: all)
    applies_when: str | None = None  # a spine capability; None: always applies
    shown_by: str | None = None  # a heading-less section reviewed as the section that renders it
    # A section compiled from a user's template (agentspec/packs) has no prompt file of its
    # own: it shares one and hands it the template's text.
    prompt_file: str | None = None
    prompt_vars: tuple[tuple[str, Any], ...] = ()

    @property
    def prompt(self) -> str:
        return self.prompt_file or f"{self.role}/{self.id}.md.j2"

    @property
    def needs_llm(self) -> bool:
        return self.stage != "static" and self.model is not None
