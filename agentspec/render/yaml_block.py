"""YAML documents rendered from Python data with PyYAML's safe dumper (always
parseable, strings quoted where YAML needs it)."""

from __future__ import annotations

import yaml


class _IndentedSafeDumper(yaml.SafeDumper):
    """SafeDumper that indents list items under their key, as the template does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: ARG002
        super().increase_indent(flow, False)


def yaml_text(data: object) -> str:
    return yaml.dump(
        data,
        Dumper=_IndentedSafeDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
        indent=2,
    ).rstrip("\n")


def yaml_block(data: object, comment: str | None = None) -> str:
    """YAML text for a fenced block, optionally headed by a `# comment` line."""
    head = f"# {' '.join(comment.split())}\n" if comment else ""
    return head + yaml_text(data)
