"""## Compatibility Requirements (frontend-specialist): browser minimums as
integers, polyfills tied to the feature they support, platform checklists and
the technology compatibility matrix as a TypeScript object."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from agentspec.render.markdown import checklist, fence, join_blocks
from agentspec.render.typescript import ts_const
from agentspec.section import RenderContext, SectionModel, ShortText, items

from ._headings import headings_of

# npm ranges (^1.2, >=1 <2) and PEP 440 specifiers (>=3.8,<4, !=3.9.0), as manifests write them.
VersionRange = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[\^~<>=v0-9 .x*|+,!-]*[0-9][\^~<>=v0-9 .x*|+,!-]*$"),
]
# Lower-cased before the pattern is checked: pydantic checks `pattern` before `to_lower`, so
# "Python" (the grounded full-stack-fastapi-template draft) failed the section instead.
PackageKey = Annotated[str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
                       StringConstraints(strip_whitespace=True, pattern=r"^[a-z@][a-z0-9_./@-]{0,39}$")]
Layer = Literal["framework", "database", "runtime", "library", "tooling"]


class Polyfill(SectionModel):
    package: ShortText = Field(description="npm package or module path that supplies the feature")
    feature: ShortText = Field(description="the browser API it supplies, by its standard name")


class StackEntry(SectionModel):
    layer: Layer
    name: PackageKey = Field(description="lowercase package or product name from the brief's stack")
    versions: VersionRange = Field(description="supported version range in semver notation (>=, <, ^, ~, .x), currently supported releases")


class Compatibility(SectionModel):
    chrome: int = Field(ge=60, le=200, description="minimum Chrome major version")
    firefox: int = Field(ge=60, le=200, description="minimum Firefox major version")
    safari: int = Field(ge=12, le=30, description="minimum Safari major version")
    edge: int = Field(ge=79, le=200, description="minimum Edge (Chromium) major version")
    polyfills: items(Polyfill, 0, 3) = Field(description="only polyfills this feature needs at those minimums; may be empty")
    no_polyfills_reason: ShortText | None = Field(default=None, description="when polyfills is empty: why none are needed")
    windows: ShortText = Field(description="supported version numbers only (the renderer prints the OS name), or not supported and why")
    macos: ShortText = Field(description="supported version numbers only, or not supported and why")
    linux: ShortText = Field(description="distributions with version numbers, or not supported and why")
    ios: ShortText = Field(description="supported version numbers and the browser engines that run the UI, or not supported and why when the feature has no mobile use")
    android: ShortText = Field(description="supported version numbers and browser, or not supported and why when the feature has no mobile use")
    stack: items(StackEntry, 3, 8) = Field(description="framework, database and runtime versions the feature is tested against")

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: list[StackEntry]) -> list[StackEntry]:
        seen: set[tuple[str, str]] = set()
        for entry in value:
            key = (entry.layer, entry.name)
            if key in seen:
                raise ValueError(f"{entry.layer}.{entry.name} is listed twice; one range per package")
            seen.add(key)
        if "runtime" not in {e.layer for e in value}:
            raise ValueError("add at least one runtime entry (the language runtime the feature runs on) with its version range")
        return value

    @field_validator("windows", "macos", "linux", "ios", "android")
    @classmethod
    def _versioned(cls, value: str) -> str:
        if not re.search(r"\d", value) and not re.search(r"(?i)not supported|unsupported|^any version", value):
            raise ValueError(f"{value!r}: name version numbers, or say 'not supported' and why")
        return value

    @model_validator(mode="after")
    def _polyfill_reason(self) -> "Compatibility":
        names = [p.package.lower() for p in self.polyfills]
        if len(set(names)) != len(names):
            raise ValueError("a polyfill is listed twice")
        return self


MODEL = Compatibility
HEADINGS = headings_of(__name__)
MAX_TOKENS = 900


def align(data: Compatibility, spine) -> Compatibility:  # noqa: ANN001 - agents.spine.DesignSpine
    """"Not supported when the feature has no mobile use" repeats the instruction, not the
    reason: when the answer says not supported and the spine has no mobile client, the
    reason is that, stated from the spine."""
    from agentspec.agents.spine import has

    update: dict[str, str] = {}
    if not has(spine, "mobile_clients"):
        update = {os_: "not supported: the design has no mobile client" for os_ in ("ios", "android")
                  if re.search(r"(?i)not supported|unsupported", getattr(data, os_))
                  and ("mobile use" in getattr(data, os_) or _NO_REASON.search(getattr(data, os_)))}
    # A desktop OS "not supported and why" is the instruction again (tenth-pass Stripe draft, all
    # three). A web page runs wherever the browsers above do; a design without a UI has no desktop client.
    web = bool(spine.surfaces) or any(c.kind == "web_ui" for c in spine.components)
    for os_ in ("windows", "macos", "linux"):
        if _NO_REASON.search(getattr(data, os_)):
            update[os_] = ("any version that runs the browsers above: the UI is a web page" if web
                           else "not supported: the feature has no user interface; it runs on the server")
    return data.model_copy(update=update) if update else data


# "not supported", "not supported and why": a refusal with no reason, or the field's own instruction.
_NO_REASON = re.compile(r"(?i)^\s*(not supported|unsupported)\s*(and why)?\s*[.]?\s*$|\band why\b")

_LAYER_ORDER = ("framework", "library", "database", "runtime", "tooling")
_OS_PREFIX = {"Windows": "windows", "macOS": "macos", "Linux": "linux", "iOS": "ios", "Android": "android"}


def _platform(label: str, value: str) -> str:
    text = " ".join(value.split())
    if text.lower().startswith(label.lower()):
        text = text[len(label):].lstrip(" :-")
    return f"{label} {text}"


def render(data: Compatibility, ctx: RenderContext) -> str:
    browsers = "\n".join([
        "- **Minimum Supported Versions**:",
        f"  - Chrome: {data.chrome}+",
        f"  - Firefox: {data.firefox}+",
        f"  - Safari: {data.safari}+",
        f"  - Edge: {data.edge}+",
    ])
    if data.polyfills:
        polyfills = "- **Polyfills Required**:\n" + checklist((f"{p.package}: For {p.feature} support" for p in data.polyfills), indent=2)
    else:
        # No reason given: the minimums above are the reason, stated from the data.
        reason = " ".join(str(data.no_polyfills_reason or "").split()) or (
            f"every browser API the feature uses is native from Chrome {data.chrome}, Firefox {data.firefox}, "
            f"Safari {data.safari} and Edge {data.edge}")
        polyfills = f"- **Polyfills Required**: None - {reason}"
    platforms = "\n\n".join([
        "- **Operating Systems**:\n" + checklist([_platform(n, getattr(data, _OS_PREFIX[n])) for n in ("Windows", "macOS", "Linux")], indent=2),
        "- **Mobile Platforms**:\n" + checklist([_platform(n, getattr(data, _OS_PREFIX[n])) for n in ("iOS", "Android")], indent=2),
    ])
    # A package the repository's manifest constrains is supported as the manifest says (`draft --repo`):
    # the grounded draft of full-stack-fastapi-template said sqlmodel ^0.7.12, a release that does not exist.
    pinned = (getattr(ctx, "repo", None) or {}).get("versions") or {}
    matrix: dict[str, dict[str, str]] = {}
    for layer in _LAYER_ORDER:
        entries = {e.name: pinned.get(e.name, e.versions) for e in data.stack if e.layer == layer}
        if entries:
            matrix[layer] = entries
    section, browser_heading, platform_heading, stack_heading = HEADINGS
    return join_blocks(
        section,
        browser_heading,
        browsers + "\n\n" + polyfills,
        platform_heading,
        platforms,
        stack_heading,
        fence("typescript", ts_const("compatibilityMatrix", matrix, "Technology compatibility matrix")),
    )


def digest(data: Compatibility) -> str:
    stack = ", ".join(f"{e.name} {e.versions}" for e in data.stack)
    return f"- browsers: Chrome {data.chrome}+, Firefox {data.firefox}+, Safari {data.safari}+, Edge {data.edge}+\n- stack: {stack}"
