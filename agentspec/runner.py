"""Runs the draft graph for the CLI: start, resume, review and show. Owns the
thread lock, progress display, exit codes and writing the spec files."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock, Timeout
from langgraph.types import Command
from rich.console import Console

from agentspec import review_ui
from agentspec.assemble import all_files
from agentspec.errors import EndpointError, Interrupted, LocalModelError, PartialResult, ReviewPending, UsageError
from agentspec.gateway.client import Gateway
from agentspec.gateway.endpoint import Endpoint
from agentspec.gateway.memo import CallMemo
from agentspec.gateway.usage import CallRecord, totals
from agentspec.output import check_out_dir, default_out_dir, write_files
from agentspec.progress import Progress
from agentspec.quality import document_problems
from agentspec.runlog import RunLog
from agentspec.runtime import endpoint_session, open_checkpointer
from agentspec.settings import Settings
from agentspec.agents.brief import slugify
from agentspec.agents.registry import by_id, dependents, using
from agentspec.packs.generic import sections_for
from agentspec.agents.state import LOCKED
from agentspec.graphs.draft import compile_graph

RECURSION_LIMIT = 400
# Runs that have not written their final spec yet: their directory is taken.
UNFINISHED = ("running", "awaiting_review", "interrupted", "endpoint_error")


def _mask_url(url: str) -> str:
    return re.sub(r"//[^/@]+@", "//***@", url)


class Runner:
    def __init__(self, settings: Settings, console: Console) -> None:
        self.settings = settings
        self.console = console
        self.runlog = RunLog(settings.data_dir / "threads.sqlite")
        self._memo: CallMemo | None = None
        self.thread_id: str | None = None  # the run this command started or continued
        self.result: dict[str, Any] | None = None  # what the last write produced (--json)

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _locked(self, thread_id: str) -> Iterator[None]:
        """One process per thread: a second `resume` of the same run is refused."""
        locks = self.settings.data_dir / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(locks / f"{thread_id}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise UsageError(f"run {thread_id} is already running in another process",
                             hint="wait for it to finish; `agentspec runs` shows its status") from None
        try:
            yield
        finally:
            lock.release()

    def _config(self, thread_id: str, gateway: Gateway | None) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id, "gateway": gateway, "call_memo": self._call_memo()},
                "recursion_limit": RECURSION_LIMIT}

    def _call_memo(self) -> CallMemo:
        if self._memo is None:
            self._memo = CallMemo(self.settings.data_dir / "llm-calls.sqlite")
        return self._memo

    async def _drive(self, graph: Any, payload: Any, config: dict[str, Any], interactive: bool) -> Any:
        while True:
            with Progress(self.console) as progress:
                async for mode, chunk in graph.astream(payload, config, stream_mode=["updates", "custom"], durability="sync"):
                    if mode == "custom" and isinstance(chunk, dict):
                        progress.update(chunk)
            snapshot = await graph.aget_state(config)
            if snapshot.interrupts and interactive:
                payload = Command(resume=review_ui.ask(self.console, list(snapshot.interrupts)))
                continue
            return snapshot

    def _known(self, thread_id: str) -> dict[str, Any]:
        run = self.runlog.get(thread_id)
        if run is None:
            raise UsageError(f"unknown run {thread_id!r}", hint="`agentspec runs` lists the runs on this machine")
        return run

    # ------------------------------------------------------------------ commands
    async def draft(self, description: str, *, out: Path | None, force: bool, review: bool, interactive: bool,
                    repo_given: bool = False, analyses: bool = True, max_cost: float | None = None,
                    max_tokens: int | None = None, date: str | None = None, yes: bool = False,
                    confirm: Any = None, archetypes: list[str] | None = None, critic: bool = True,
                    template: dict[str, str] | None = None, repo: Path | None = None) -> int:
        # Budgets: `confirm(question) -> bool` asks on a terminal when the estimate exceeds them.
        # `date` (YYYY-MM-DD) is the run's date for the document; a replay passes the recording's.
        # Where the run writes is decided and checked here, before any call is paid for,
        # and kept for the life of the run (resume and review write there too).
        target = out if out is not None else default_out_dir(description)
        target = check_out_dir(target, force=force)
        self._refuse_claimed(target, force)
        thread_id = uuid.uuid4().hex[:12]
        self.thread_id = thread_id
        options = {"review": review, "dataflow": not review and self.settings.scheduler == "dataflow",
                   "repo_given": repo_given, "max_repairs": self.settings.retry_budget()[1],
                   "date": date or time.strftime("%Y-%m-%d"), "analyses_enabled": analyses,
                   "max_cost_usd": max_cost, "max_tokens": max_tokens, "critic": critic}
        if archetypes:
            options["archetypes"] = list(archetypes)  # draft --archetype: declared, on top of what the design shows
        if repo is not None:
            # draft --repo PATH: scanned once, before any call; the summary travels with the run
            # (resume and review need not scan again, and a changed repository cannot change a run)
            from agentspec.agents.repository import scan_repository

            options["repo"] = scan_repository(repo)
            options["repo_given"] = True
            self.console.print(f"repository: {options['repo']['files_scanned']} files, {len(options['repo']['tables'])} tables, "
                               f"{len(options['repo']['routes'])} routes", highlight=False)
        if template:
            # draft --template FILE: {"name", "markdown"}, kept in the run so resume, review and
            # show need no file, and a changed file cannot change a run half-way
            options["template"] = dict(template)
        self._degrade_for_budget(description, max_cost, max_tokens, yes=yes, confirm=confirm)
        self.runlog.record(thread_id, description=description[:500], out_dir=str(target),
                           status="running", options=",".join(o for o, on in (("review", review), ("force", force)) if on))
        self.console.print(f"run [bold]{thread_id}[/] (resume with `agentspec resume {thread_id}`)", highlight=False)
        payload = {"description": description, "options": options}
        try:
            return await self._run(thread_id, payload, interactive=interactive, force=force)
        except PartialResult as partial:
            raise self._budget_stop(thread_id, partial) from None

    def _refuse_claimed(self, target: Path, force: bool) -> None:
        """Another unfinished run will write its spec into `target`: refuse to share it."""
        if force:
            return
        for run in self.runlog.list(limit=1000):
            if run.get("out_dir") and Path(run["out_dir"]).resolve() == target and run["status"] in UNFINISHED:
                raise UsageError(f"run {run['thread_id']} ({run['status']}) writes its spec to {target}",
                                 hint="choose another --out, finish or resume that run, or pass --force")

    def _degrade_for_budget(self, description: str, max_cost: float | None, max_tokens: int | None, *,
                            yes: bool = False, confirm: Any = None) -> None:
        """Budgets are ceilings, enforced before every call (agents/tasks.py Budget).
        Before spending: --max-cost needs a price for every model the run uses, and
        an estimate above the budget stops here unless the user confirms."""
        from agentspec.estimate import estimate_run

        _install_prices(self.settings)
        if max_cost is None and max_tokens is None:
            return
        if max_cost is not None:
            self._require_prices("give the prices: --price-input-per-mtok USD --price-output-per-mtok USD "
                                 "(or AGENTSPEC_PRICE_INPUT_PER_MTOK / AGENTSPEC_PRICE_OUTPUT_PER_MTOK), or use --max-tokens")
        estimate = estimate_run(self.settings, description)
        tokens = estimate["input_tokens"] + estimate["output_tokens"]
        over = []
        if max_tokens is not None and tokens > max_tokens:
            over.append(f"{tokens} tokens > --max-tokens {max_tokens}")
        if max_cost is not None and (estimate["cost_usd"] or 0.0) > max_cost:
            over.append(f"${estimate['cost_usd']:.4f} > --max-cost ${max_cost:.4f}")
        if not over:
            return
        message = f"the estimate for this run exceeds the budget: {'; '.join(over)}"
        if yes:
            self.console.print(f"{message}; going on (--yes): the run stops before the call that would cross it",
                               style="yellow", highlight=False)
            return
        if confirm is not None and confirm(f"{message}. Draft anyway (stops at the budget, resumable)?"):
            return
        raise UsageError(message, hint="raise the budget, or pass --yes to draft until the budget is reached "
                                       "(the run stops resumably there)")

    def _require_prices(self, hint: str) -> None:
        """--max-cost is only a ceiling when every model the run uses has a price."""
        from agentspec.estimate import unpriced_models

        unpriced = unpriced_models(self.settings)
        if unpriced:
            raise UsageError(f"--max-cost cannot be enforced: no price is known for {', '.join(unpriced)}", hint=hint)

    def _budget_stop(self, thread_id: str, partial: PartialResult) -> PartialResult:
        """A run its budget stopped: the spec so far is written; say how to go on."""
        from agentspec.agents.tasks import BUDGET_STOPPED

        reason = BUDGET_STOPPED.pop(thread_id, None)
        if reason is None:
            return partial
        return PartialResult(f"stopped at the budget ({reason}); {partial.message}",
                             hint=f"raise the budget and continue: `agentspec resume {thread_id} --max-tokens N`"
                                  " (or --max-cost USD); finished sections are kept")

    async def resume(self, thread_id: str, *, interactive: bool, force: bool = False,
                     max_tokens: int | None = None, max_cost: float | None = None) -> int:
        """`max_tokens` / `max_cost` replace the run's budget for this resume."""
        from agentspec.agents.tasks import BUDGET_OVERRIDES, BUDGET_STOPPED

        self._known(thread_id)
        _install_prices(self.settings)
        if max_cost is not None:
            self._require_prices("set AGENTSPEC_PRICE_INPUT_PER_MTOK / AGENTSPEC_PRICE_OUTPUT_PER_MTOK, or use --max-tokens")
        override = {k: v for k, v in (("max_tokens", max_tokens), ("max_cost_usd", max_cost)) if v is not None}
        BUDGET_STOPPED.pop(thread_id, None)
        if override:
            BUDGET_OVERRIDES[thread_id] = override
        try:
            return await self._run(thread_id, None, interactive=interactive, force=force, resuming=True)
        except PartialResult as partial:
            raise self._budget_stop(thread_id, partial) from None
        finally:
            BUDGET_OVERRIDES.pop(thread_id, None)

    async def _run(self, thread_id: str, payload: Any, *, interactive: bool, force: bool, resuming: bool = False) -> int:
        started = time.monotonic()
        self.thread_id = thread_id
        with self._locked(thread_id), endpoint_session(self.settings, on_status=self._status) as endpoint:
            gateway = Gateway(self.settings, endpoint)
            async with open_checkpointer(self.settings) as saver:
                graph = compile_graph(saver)
                config = self._config(thread_id, gateway)
                options = payload["options"] if isinstance(payload, dict) else await self._options(graph, config)
                with using(sections_for(options)):
                    if resuming:
                        payload = await self._resume_payload(graph, config)
                    self.runlog.record(thread_id, status="running", endpoint=_mask_url(endpoint.describe()))
                    try:
                        snapshot = await self._drive(graph, payload, config, interactive)
                    except (EndpointError, LocalModelError) as exc:
                        self.runlog.record(thread_id, status="endpoint_error")
                        hint = (exc.hint or "check the endpoint, then resume the run").rstrip(".")
                        raise type(exc)(exc.message, hint=f"{hint}: `agentspec resume {thread_id}`") from exc
                    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
                        self.runlog.record(thread_id, status="interrupted")
                        raise Interrupted(f"run {thread_id} interrupted", hint=f"`agentspec resume {thread_id}` continues it") from exc
                    except BaseException:
                        self.runlog.record(thread_id, status="interrupted")
                        raise
                    return self._finish(thread_id, snapshot.values, snapshot.interrupts, endpoint,
                                        time.monotonic() - started, force)

    @staticmethod
    async def _options(graph: Any, config: dict[str, Any]) -> dict[str, Any]:
        snapshot = await graph.aget_state(config)
        return (snapshot.values or {}).get("options") or {}

    async def _resume_payload(self, graph: Any, config: dict[str, Any]) -> Any:
        snapshot = await graph.aget_state(config)
        if snapshot.interrupts:
            return None  # interactive review picks them up; otherwise _finish reports them
        if snapshot.next:
            return None  # crashed or stopped mid-run: continue the pending tasks
        failed = {sid: e for sid, e in (snapshot.values.get("sections") or {}).items() if e.get("status") == "failed"}
        failed_analyses = {aid: e for aid, e in (snapshot.values.get("analyses") or {}).items() if e.get("status") == "failed"}
        if not failed and not failed_analyses:
            return None
        # Retry only the failed parts, with their last failures as feedback.
        updates = {sid: {**e, "status": "queued", "feedback": e.get("failures", []), "doc_repairs": 0} for sid, e in failed.items()}
        analysis_updates = {aid: {**e, "status": "queued"} for aid, e in failed_analyses.items()}
        await graph.aupdate_state(config, {"sections": updates, "analyses": analysis_updates, "needs_check": True}, as_node="join")
        self.console.print(f"retrying failed parts: {', '.join([*updates, *analysis_updates])}")
        return None

    def _status(self, message: str) -> None:
        self.console.print(message, style="dim", highlight=False)

    def _finish(self, thread_id: str, state: dict[str, Any], interrupts: Any, endpoint: Endpoint,
                wall_s: float, force: bool) -> int:
        if interrupts:
            pending = [i.value["section"] for i in interrupts]
            self.runlog.record(thread_id, status="awaiting_review")
            self.result = {"run_id": thread_id, "status": "awaiting_review", "pending": pending}
            raise ReviewPending(
                f"run {thread_id} is waiting for approval of: {', '.join(pending)}",
                hint=f"agentspec review {thread_id} --approve ID | --all | --revise ID --feedback TEXT | --edit ID --file F",
            )
        return self.write(thread_id, state, endpoint=_mask_url(endpoint.describe()), wall_s=wall_s, force=force)

    def write(self, thread_id: str, state: dict[str, Any], *, endpoint: str, wall_s: float, force: bool,
              out: Path | None = None, final: bool = True) -> int:
        """Write the run's spec into its own directory, or a copy into `out` (`show --out`),
        never over another run's spec or a user's files unless the run was given --force."""
        run = self._known(thread_id)
        own = Path(run["out_dir"]) if run.get("out_dir") else Path("specs") / slugify((state.get("brief") or {}).get("name", "feature"))
        target = out if out is not None else own
        allowed = force or _written_by(target, thread_id) or ("force" in (run.get("options") or "").split(",") and out is None)
        try:
            target = check_out_dir(target, force=allowed)
        except UsageError as refused:
            if final:
                # Paid for, but the directory was taken meanwhile: keep the run, say how to get the spec.
                self.runlog.record(thread_id, status="not_written")
                raise UsageError(f"run {thread_id} is finished but not written: {refused.message}",
                                 hint=f"`agentspec show {thread_id} --out DIR` writes it elsewhere; nothing was overwritten") from None
            raise
        files = all_files(state, thread_id=thread_id, endpoint=endpoint, timings={"wall_s": round(wall_s, 2)})
        write_files(target, files)
        failed = [sid for sid, e in (state.get("sections") or {}).items() if e.get("status") == "failed"]
        failed += [f"analysis:{aid}" for aid, e in (state.get("analyses") or {}).items() if e.get("status") == "failed"]
        # A document that fails its own heading or placeholder check is not a success,
        # whatever the sections say (model text or an edit can break the whole).
        problems = document_problems(state)
        if problems:
            failed.append("document")
            self.console.print("[red]the document fails its own checks:[/] " + "; ".join(problems[:5]), highlight=False)
        summary = totals([CallRecord.model_validate(c) for c in state.get("calls") or []])
        self.result = {"run_id": thread_id, "status": "partial" if failed else "done", "out_dir": str(target),
                       "files": sorted(files), "failed": failed, "usage": summary}
        if final:
            self.runlog.record(thread_id, status="partial" if failed else "done")
        self.console.print(
            f"wrote {target} · {summary['calls']} calls · {summary['input_tokens']}+{summary['output_tokens']} tokens"
            f" · ${summary['cost_usd']:.4f} · {wall_s:.0f}s", highlight=False)
        if final and (state.get("brief") or {}).get("complexity") == "Low" and not (state.get("options") or {}).get("template"):
            # intake's recommendation: the full template is long for a small feature
            self.console.print("a Low-complexity feature: `--template integration-lean` drafts eight sections over the "
                               "same design", style="dim", highlight=False)
        if failed:
            raise PartialResult(f"spec written, but these parts failed: {', '.join(failed)}",
                                hint=f"`agentspec resume {thread_id}` retries only the failed parts")
        return 0

    # ------------------------------------------------------------------ review / show
    async def review(self, thread_id: str, *, approve: list[str], approve_all: bool, revise: str | None,
                     feedback: str | None, edit: str | None, edit_file: Path | None, interactive: bool,
                     show: str | None = None) -> int:
        self._known(thread_id)
        self.thread_id = thread_id
        _install_prices(self.settings)
        if show is not None or not (approve or approve_all or revise or edit):
            # Reading needs no endpoint: list the sections, or print one exactly as it would be approved.
            async with open_checkpointer(self.settings) as saver:
                snapshot = await compile_graph(saver).aget_state(self._config(thread_id, None))
            if not snapshot.values:
                raise UsageError(f"run {thread_id} has no saved state yet")
            pending = {i.value["section"]: i for i in snapshot.interrupts}
            sections = snapshot.values.get("sections") or {}
            with using(sections_for(snapshot.values.get("options"))):
                if show is not None:
                    self._show_section(show, snapshot.values, pending)
                else:
                    self._list(sections, pending)
            return 3 if pending else 0
        # Approving continues the run, which drafts the next wave: always open the endpoint.
        with self._locked(thread_id), endpoint_session(self.settings, on_status=self._status) as endpoint:
            gateway = Gateway(self.settings, endpoint)
            async with open_checkpointer(self.settings) as saver:
                graph = compile_graph(saver)
                config = self._config(thread_id, gateway)
                snapshot = await graph.aget_state(config)
                if not snapshot.values:
                    raise UsageError(f"run {thread_id} has no saved state yet")
                with using(sections_for(snapshot.values.get("options"))):
                    return await self._approve(thread_id, graph, config, snapshot, endpoint, interactive, approve,
                                               approve_all, revise, feedback, edit, edit_file)

    async def _approve(self, thread_id: str, graph: Any, config: dict[str, Any], snapshot: Any, endpoint: Endpoint,
                       interactive: bool, approve: list[str], approve_all: bool, revise: str | None,
                       feedback: str | None, edit: str | None, edit_file: Path | None) -> int:
        pending = {i.value["section"]: i for i in snapshot.interrupts}
        sections = snapshot.values.get("sections") or {}
        decisions, updates, notes = self._decide(sections, pending, approve, approve_all, revise, feedback, edit, edit_file)
        for note in notes:
            self.console.print(note, highlight=False)
        if not decisions and not updates:
            self._list(sections, pending)
            return 3 if pending else 0
        if updates:
            await graph.aupdate_state(config, {"sections": updates, "needs_check": True}, as_node="join")
        payload = Command(resume=decisions) if decisions else None
        started = time.monotonic()
        snapshot = await self._drive(graph, payload, config, interactive)
        try:
            return self._finish(thread_id, snapshot.values, snapshot.interrupts, endpoint,
                                time.monotonic() - started, force=False)
        except PartialResult as partial:
            raise self._budget_stop(thread_id, partial) from None

    def _show_section(self, section_id: str, values: dict[str, Any], pending: dict[str, Any]) -> None:
        """The exact markdown that approving `section_id` would lock in (stdout, verbatim)."""
        from agentspec.assemble import render_context, render_section

        specs = by_id()
        if section_id not in specs:
            raise UsageError(f"unknown section {section_id!r}", hint="`agentspec review RUN` lists the sections")
        if section_id in pending:
            markdown = pending[section_id].value["markdown"]
        else:
            entry = (values.get("sections") or {}).get(section_id)
            markdown = render_section(specs[section_id], entry, render_context(values))
        self.console.print(markdown, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def _list(self, sections: dict[str, Any], pending: dict[str, Any]) -> None:
        self.result = {"run_id": self.thread_id, "status": "awaiting_review" if pending else "reviewed",
                       "pending": list(pending),
                       "sections": {sid: "pending_review" if sid in pending else e.get("status") for sid, e in sections.items()}}
        for sid, entry in sections.items():
            if sid in pending:
                mark = "pending review" + (" (checks failing: edit or revise)" if _failing(pending[sid]) else "")
            elif entry.get("status") == "failed":
                mark = "failed (edit or revise only)"
            else:
                mark = entry.get("status")
            self.console.print(f"{sid:28} {mark}", highlight=False)
        if pending:
            self.console.print("`agentspec review RUN --show ID` prints a section as it would be approved",
                               style="dim", highlight=False)

    def _decide(self, sections: dict[str, Any], pending: dict[str, Any], approve: list[str], approve_all: bool,
                revise: str | None, feedback: str | None, edit: str | None, edit_file: Path | None
                ) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        specs = by_id()
        for sid in [*approve, *(x for x in (revise, edit) if x)]:
            if sid not in specs or sid not in sections:
                raise UsageError(f"unknown section {sid!r}", hint="`agentspec review THREAD` lists the sections")
        decisions: dict[str, Any] = {}
        updates: dict[str, Any] = {}
        notes: list[str] = []
        # A failed section has nothing a reviewer could accept: it can only be edited or revised.
        failed = {sid for sid in sections if (sid in pending and _failing(pending[sid]))
                  or (sid not in pending and sections[sid].get("status") == "failed")}
        refused = [sid for sid in approve if sid in failed]
        if refused:
            raise UsageError(f"cannot approve {', '.join(refused)}: the section failed its checks",
                             hint="fix it with --edit ID --file F, or redraft it with --revise ID --feedback TEXT")
        targets = [sid for sid in pending if sid not in failed] if approve_all else approve
        if approve_all:
            notes += [f"skipped {sid}: it failed its checks; --edit or --revise it" for sid in pending if sid in failed]
        for sid in targets:
            if sid in pending:
                decisions[pending[sid].id] = {"action": "approve"}
            else:
                updates[sid] = {**sections[sid], "status": "approved"}
        if revise:
            if not feedback:
                raise UsageError("--revise needs --feedback TEXT")
            if revise in pending:
                decisions[pending[revise].id] = {"action": "revise", "feedback": feedback}
            else:
                updates[revise] = {**sections[revise], "status": "stale", "feedback": [f"Reviewer feedback: {feedback}"],
                                   "stale_because": "revision requested"}
                notes += self._invalidate(revise, sections, updates, "revised")
        if edit:
            if edit_file is None:
                raise UsageError("--edit needs --file F")
            try:
                text = edit_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {edit_file}: {exc}") from exc
            if edit in pending:
                # Its dependents are in later waves: they will be drafted from the edit.
                decisions[pending[edit].id] = {"action": "edit", "markdown": text}
            else:
                updates[edit] = {**sections[edit], "status": "edited", "edited_markdown": text}
                notes += self._invalidate(edit, sections, updates, "edited")
        if decisions and updates:
            raise UsageError("answer the pending sections first, then revise or edit finished ones",
                             hint="`agentspec review THREAD` lists what is pending")
        return decisions, updates, notes

    @staticmethod
    def _invalidate(section_id: str, sections: dict[str, Any], updates: dict[str, Any], verb: str) -> list[str]:
        """Mark every dependent stale (locked ones are kept, and said so)."""
        notes = []
        for dep in dependents(section_id):
            entry = sections.get(dep)
            if entry is None:
                continue
            if entry.get("status") in LOCKED:
                notes.append(f"kept {dep}: it is {entry['status']} (locked) although {section_id} was {verb}")
                continue
            updates[dep] = {**entry, "status": "stale", "stale_because": f"{section_id} was {verb}", "feedback": []}
            notes.append(f"invalidated {dep}: depends on {section_id}, which was {verb}")
        return notes

    async def show(self, thread_id: str, out: Path | None, force: bool = False) -> int:
        run = self._known(thread_id)
        async with open_checkpointer(self.settings) as saver:
            graph = compile_graph(saver)
            snapshot = await graph.aget_state(self._config(thread_id, None))
        if not snapshot.values or not snapshot.values.get("brief"):
            raise UsageError(f"run {thread_id} has no draft yet")
        values = _with_pending_drafts(snapshot.values, snapshot.interrupts)
        try:
            with using(sections_for(values.get("options"))):
                return self.write(thread_id, values, endpoint=run.get("endpoint") or "", wall_s=0.0, force=force,
                                  out=out, final=False)
        except PartialResult as partial:
            self.console.print(f"[yellow]{partial.message}[/]")
            return 0

    def runs(self) -> list[dict[str, Any]]:
        return self.runlog.list(locks=self.settings.data_dir / "locks")


def _failing(interrupt: Any) -> bool:
    """A pending section whose draft fails its checks (or has none)."""
    value = interrupt.value
    return bool(value.get("failures")) or value.get("status") == "failed"


def _install_prices(settings: Settings) -> None:
    from agentspec.gateway.pricing import set_given_prices

    set_given_prices(settings.price_input_per_mtok, settings.price_output_per_mtok)


def _with_pending_drafts(values: dict[str, Any], interrupts: Any) -> dict[str, Any]:
    """The state with each draft that waits for approval in place, marked pending
    (assemble.render_section shows it as such), so `show` renders what a reviewer reads."""
    sections = dict(values.get("sections") or {})
    for pending in interrupts or ():
        sid, markdown = pending.value.get("section"), pending.value.get("markdown")
        if sid in sections and markdown:
            sections[sid] = {**sections[sid], "status": "pending_review", "pending_markdown": markdown}
    return {**values, "sections": sections}


def _written_by(target: Path, thread_id: str) -> bool:
    """True when `target` holds this very run's earlier output (its run.json names the thread)."""
    run_json = target / "run.json"
    try:
        return f'"thread_id": "{thread_id}"' in run_json.read_text(encoding="utf-8")
    except OSError:
        return False

