"""Interactive, per-section review in a terminal: approve, edit in $EDITOR,
revise with feedback, or skip for now."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.prompt import Prompt

CHOICES = {"a": "approve", "e": "edit", "r": "revise", "s": "skip"}


def edit_in_editor(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        subprocess.run([*shlex.split(editor), path], check=True)
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    finally:
        os.unlink(path)


def ask(console: Console, interrupts: list[Any]) -> dict[str, dict[str, Any]]:
    """One decision per pending section, keyed by interrupt id (LangGraph resume map)."""
    decisions: dict[str, dict[str, Any]] = {}
    for pending in interrupts:
        value = pending.value
        console.rule(f"[bold]section: {value['section']}")
        console.print(Markdown(value["markdown"]))
        if value.get("failures"):
            console.print("[red]checks failing:[/] " + "; ".join(value["failures"]))
        key = Prompt.ask("(a)pprove / (e)dit / (r)evise with feedback / (s)kip for now", choices=list(CHOICES), default="a", console=console)
        action = CHOICES[key]
        if action == "edit":
            decisions[pending.id] = {"action": "edit", "markdown": edit_in_editor(value["markdown"])}
        elif action == "revise":
            feedback = Prompt.ask("feedback for the agent", console=console)
            decisions[pending.id] = {"action": "revise", "feedback": feedback}
        else:
            decisions[pending.id] = {"action": action}
    return decisions
