"""Progress display: each section as it is queued, drafted, checked, done or failed.
A live table on a terminal; one line per change otherwise (CI logs, pipes)."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

_STYLE = {"queued": "dim", "drafting": "cyan", "checking": "yellow", "drafted": "green", "approved": "bold green",
          "edited": "bold green", "failed": "bold red", "pending_review": "magenta", "done": "green",
          "retrying": "bold yellow", "not_applicable": "dim italic"}


class Progress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.status: dict[str, str] = {}
        self.started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> "Progress":
        if self.console.is_terminal:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(*exc)

    def update(self, event: dict[str, Any]) -> None:
        section, status = str(event.get("section")), str(event.get("status"))
        if status == "retrying":
            # Every retry gets its own line (gateway/transport.py), so a stalled or
            # failing endpoint is never silent, also on the live table.
            self.status[section] = status
            line = str(event.get("detail") or f"{section}: retrying")
            elapsed = time.monotonic() - self.started
            if self._live is not None:
                self._live.console.print(line, markup=False, highlight=False)
                self._live.update(self._table())
            else:
                self.console.file.write(f"[{elapsed:6.1f}s] {line}\n")
            return
        if self.status.get(section) == status:
            return
        self.status[section] = status
        if self._live is not None:
            self._live.update(self._table())
        elif status not in ("queued",):
            elapsed = time.monotonic() - self.started
            # A plain line straight to the console's file: rich's print/out measure the
            # terminal and build renderables each time, and this runs several times per
            # LLM call (it was the largest per-call cost outside the gateway; py-spy,
            # docs/benchmarks.md).
            self.console.file.write(f"[{elapsed:6.1f}s] {section}: {status}\n")

    def _table(self) -> Table:
        table = Table(title=f"agentspec · {time.monotonic() - self.started:.0f}s", expand=False)
        table.add_column("section")
        table.add_column("status")
        for section, status in self.status.items():
            table.add_row(section, f"[{_STYLE.get(status, '')}]{status}[/]")
        return table
