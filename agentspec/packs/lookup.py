"""Where a template comes from: a path, or a name looked up in the project
(`.agentspec/templates/NAME.md`), then the user's config folder, then the built-in ones.
Every problem is a UsageError (exit 2) naming the file, before any model call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agentspec.errors import UsageError
from agentspec.packs.compile import TemplateError, TemplateSection, compile_template
from agentspec.packs.builtin import builtin_pack, builtin_packs

# Templates that ship with agentspec: one pack folder each (agentspec/packs/builtin.py). A
# pack with its own sections is drafted by them; the others, like any user's template, by
# the sections compiled from their template (agentspec/packs/generic.py).
BUILT_IN = tuple(builtin_packs())
PROJECT_DIR = Path(".agentspec") / "templates"
MAX_TEMPLATE_BYTES = 512 * 1024


@dataclass(frozen=True)
class Template:
    name: str
    where: str  # "built-in", "project", "user" or "file"
    path: Path | None  # None for a built-in one (a package resource)
    markdown: str
    description: str = ""  # a built-in pack's, from its pack.yaml

    def sections(self) -> list[TemplateSection]:
        try:
            return compile_template(self.markdown)
        except TemplateError as exc:
            raise UsageError(f"{self.path or self.name}: {exc}", hint="a template is markdown with `## ` sections") from exc


def _read(path: Path) -> str:
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a template file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read template {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise UsageError(f"template {path} is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"template {path}: line {line}: not valid UTF-8", hint="save the template as UTF-8") from exc
    return text


def _search(user_dir: Path) -> list[tuple[str, Path]]:
    return [("project", PROJECT_DIR), ("user", user_dir / "templates")]


def find_template(name_or_path: str, user_dir: Path) -> Template:
    """The template a user named: a file path (anything ending in .md or holding a slash),
    else a name in the project, user and built-in folders, in that order."""
    if name_or_path.endswith(".md") or "/" in name_or_path:
        path = Path(name_or_path).expanduser()
        if not path.exists():
            raise UsageError(f"template file {path} does not exist", hint="give a markdown file, or a name from `agentspec templates`")
        template = Template(path.stem, "file", path, _read(path))
        template.sections()  # compiles, or says why not
        return template
    for where, folder in _search(user_dir):
        path = folder / f"{name_or_path}.md"
        if path.is_file():
            return Template(name_or_path, where, path, _read(path))
    if name_or_path in BUILT_IN:
        return Template(name_or_path, "built-in", None, builtin_markdown(name_or_path))
    known = ", ".join(t.name for t in list_templates(user_dir))
    raise UsageError(f"unknown template {name_or_path!r}", hint=f"known templates: {known}; or give a path to a markdown file")


def builtin_markdown(name: str) -> str:
    return builtin_pack(name).template_markdown()


def init_template(name: str, user_dir: Path, as_name: str | None = None) -> Path:
    """Copy a built-in template into the project's .agentspec/templates/ to edit; never
    over a file that is there. An unedited copy drafts exactly as the built-in one."""
    if name not in BUILT_IN:
        raise UsageError(f"no built-in template {name!r}", hint=f"built-in templates: {', '.join(BUILT_IN)}")
    target_name = as_name or name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}", target_name):
        raise UsageError(f"{target_name!r} is not a template name", hint="letters, digits, '.', '_' and '-'")
    target = PROJECT_DIR / f"{target_name}.md"
    if target.exists():
        raise UsageError(f"{target} already exists; nothing was overwritten", hint="edit it, or give --as NEW_NAME")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(builtin_markdown(name), encoding="utf-8")
    return target


def list_templates(user_dir: Path) -> list[Template]:
    """Every template by name, the first found winning (project, user, built-in)."""
    found: dict[str, Template] = {}
    for where, folder in _search(user_dir):
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            found.setdefault(path.stem, Template(path.stem, where, path, ""))
    for name in BUILT_IN:
        found.setdefault(name, Template(name, "built-in", None, "", builtin_pack(name).description))
    return list(found.values())
