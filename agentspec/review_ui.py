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
    """One decision per pending section, keyed by interrupt id (LangGraph resume map).

    Markdown is wrapped at the console width (the CLI console soft-wraps, which a
    terminal would cut). A failed section offers edit / revise / skip, never approve.
    A skipped section comes back after the others, for as long as the reviewer
    wants to see it again; only what is still skipped then is answered `skip`."""
    decisions: dict[str, dict[str, Any]] = {}
    queue = list(interrupts)
    while queue:
        skipped: list[Any] = []
        for pending in queue:
            decision = _ask_one(console, pending)
            if decision is None:
                skipped.append(pending)
            else:
                decisions[pending.id] = decision
        if not skipped:
            break
        names = ", ".join(p.value["section"] for p in skipped)
        again = Prompt.ask(f"skipped: {names}. Review them again now? (y)es / (n)o, leave them for later",
                           choices=["y", "n"], default="n", console=console)
        if again != "y":
            for pending in skipped:
                decisions[pending.id] = {"action": "skip"}
            break
        queue = skipped
    return decisions


def _ask_one(console: Console, pending: Any) -> dict[str, Any] | None:
    """The reviewer's decision for one section; None when it was skipped."""
    value = pending.value
    failed = bool(value.get("failures")) or value.get("status") == "failed"
    console.rule(f"[bold]section: {value['section']}")
    console.print(Markdown(value["markdown"]), soft_wrap=False)
    if value.get("failures"):
        console.print("[red]checks failing:[/] " + "; ".join(value["failures"]), soft_wrap=False)
    choices = {k: v for k, v in CHOICES.items() if not (failed and v == "approve")}
    question = ("(e)dit / (r)evise with feedback / (s)kip for now (a failed section cannot be approved)" if failed
                else "(a)pprove / (e)dit / (r)evise with feedback / (s)kip for now")
    key = Prompt.ask(question, choices=list(choices), default="e" if failed else "a", console=console)
    action = choices[key]
    if action == "edit":
        return {"action": "edit", "markdown": edit_in_editor(value["markdown"])}
    if action == "revise":
        feedback = Prompt.ask("feedback for the agent", console=console)
        return {"action": "revise", "feedback": feedback}
    if action == "skip":
        return None
    return {"action": action}
