"""The `agentspec` command. Errors are mapped to exit codes here and only here:
0 ok · 1 internal error · 2 bad input or configuration · 3 waiting for review ·
4 model endpoint or local model failure (resumable) · 5 spec written with failed parts · 130 interrupted."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from agentspec import __version__
from agentspec.errors import AgentSpecError, UsageError
from agentspec.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Draft implementation-ready Integration Requirements specs with role-based LLM agents.")
console = Console(stderr=False, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state = {"debug": False}


def _interactive(no_wait: bool) -> bool:
    return not no_wait and sys.stdin.isatty() and sys.stdout.isatty()


def _runner():
    from agentspec.runner import Runner

    return Runner(load_settings(), console)


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="show tracebacks")] = False,
          version: Annotated[bool, typer.Option("--version", help="print the version")] = False) -> None:
    _state["debug"] = debug
    # instructor logs every exhausted re-ask at ERROR; the pipeline reports failures itself.
    logging.getLogger("instructor").setLevel(logging.DEBUG if debug else logging.CRITICAL)
    if version:
        console.print(f"agentspec {__version__}")
        raise typer.Exit(0)


@app.command()
def draft(
    description: Annotated[Optional[str], typer.Argument(help="one-line feature description")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="read the description from a UTF-8 file")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output directory (default specs/<slug>)")] = None,
    force: Annotated[bool, typer.Option(help="overwrite a non-empty output directory")] = False,
    review: Annotated[bool, typer.Option(help="approve, edit or revise each section as it is drafted")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --review: stop at the first approvals (exit 3)")] = False,
    concurrency: Annotated[Optional[int], typer.Option(min=1, max=32, help="parallel LLM calls (default 4; 1 on the embedded model, which answers one at a time)")] = None,
    template: Annotated[str, typer.Option(help="spec template")] = "integration-requirements",
    estimate: Annotated[bool, typer.Option(help="print expected calls, tokens and cost, spend nothing")] = False,
    max_cost: Annotated[Optional[float], typer.Option(min=0.0, help="USD budget: degrade analyses, then stop between waves")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(min=1, help="token budget (input + output), same rules")] = None,
) -> None:
    """Draft a spec from a one-line feature description."""
    from agentspec.inputs import check_template, clean_description, read_description_file

    settings = load_settings(**({"concurrency": concurrency} if concurrency else {}))
    check_template(template)
    if description is not None and file is not None:
        raise UsageError("give the description as an argument or with --file, not both")
    text = read_description_file(file) if file is not None else (description or "")
    text = clean_description(text, settings.max_description_tokens)
    if estimate:
        from agentspec.estimate import estimate_run

        console.print_json(json.dumps(estimate_run(settings, text)))
        return
    from agentspec.runner import Runner

    runner = Runner(settings, console)
    code = asyncio.run(runner.draft(text, out=out, force=force, review=review, interactive=review and _interactive(no_wait),
                                    max_cost=max_cost, max_tokens=max_tokens))
    raise typer.Exit(code)


@app.command()
def resume(thread: Annotated[str, typer.Argument(help="run id from `agentspec runs`")],
           no_wait: Annotated[bool, typer.Option("--no-wait")] = False) -> None:
    """Continue a run stopped by Ctrl-C, a crash or a dead endpoint; retries only failed parts."""
    raise typer.Exit(asyncio.run(_runner().resume(thread, interactive=_interactive(no_wait))))


@app.command("review")
def review_cmd(
    thread: Annotated[str, typer.Argument(help="run id")],
    approve: Annotated[Optional[list[str]], typer.Option("--approve", help="approve a section (repeatable)")] = None,
    approve_all: Annotated[bool, typer.Option("--all", help="approve every pending section")] = False,
    revise: Annotated[Optional[str], typer.Option(help="redraft a section with --feedback")] = None,
    feedback: Annotated[Optional[str], typer.Option(help="what the redraft must change")] = None,
    edit: Annotated[Optional[str], typer.Option(help="replace a section with --file")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="edited markdown for --edit")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait")] = False,
) -> None:
    """List pending sections, or approve / revise / edit them and continue the run."""
    code = asyncio.run(_runner().review(thread, approve=approve or [], approve_all=approve_all, revise=revise,
                                        feedback=feedback, edit=edit, edit_file=file, interactive=_interactive(no_wait)))
    raise typer.Exit(code)


@app.command()
def show(thread: Annotated[str, typer.Argument(help="run id")],
         out: Annotated[Optional[Path], typer.Option("--out", "-o")] = None) -> None:
    """Write the current state of a run's spec."""
    raise typer.Exit(asyncio.run(_runner().show(thread, out)))


@app.command()
def runs() -> None:
    """List runs with their status."""
    from datetime import datetime

    for run in _runner().runs():
        when = datetime.fromtimestamp(run["updated_at"]).strftime("%Y-%m-%d %H:%M")
        console.print(f"{run['thread_id']}  {when}  {run['status']:15} {run['description'][:60]}", highlight=False)


@app.command()
def doctor() -> None:
    """Show which provider and model would be used, and whether the local model is ready."""
    from agentspec.doctor import table

    console.print(table(load_settings()))


@app.command()
def check(spec_dir: Annotated[Path, typer.Argument(help="a spec directory written by `agentspec draft`")],
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Run the deterministic checks on an existing spec."""
    from agentspec.check_cmd import run_check

    raise typer.Exit(run_check(spec_dir, console, as_json=as_json))


@app.command("eval")
def eval_(
    dataset: Annotated[Optional[Path], typer.Option("--dataset", "-d", help="JSONL cases (default evals/datasets/replay.jsonl)")] = None,
    replay: Annotated[bool, typer.Option("--replay", help="answer model calls from evals/cassettes (default mode)")] = False,
    live: Annotated[bool, typer.Option("--live", help="draft against the configured endpoint, no cassettes")] = False,
    record: Annotated[bool, typer.Option("--record", help="run the embedded model and (re)write the cassettes")] = False,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="baseline.json or an earlier report dir (default evals/baseline.json)")] = None,
    report: Annotated[Path, typer.Option("--report", "-o", help="report directory")] = Path("eval-report"),
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="parallel cases (live only)")] = 1,
    judge: Annotated[bool, typer.Option("--judge/--no-judge", help="LLM rubric judge")] = True,
    threshold: Annotated[float, typer.Option(min=0.0, help="allowed drop of the judge mean vs the baseline")] = 0.3,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="write the baseline from this run")] = False,
    upstream: Annotated[Optional[str], typer.Option(help="with --record: an OpenAI-compatible base URL instead of starting the embedded model")] = None,
) -> None:
    """Score drafts on a dataset and compare against a baseline (exit 1 on a regression)."""
    from agentspec.eval_cmd import run_eval_command

    raise typer.Exit(run_eval_command(dataset, replay, live, record, baseline, report, concurrency, judge,
                                      threshold, update_baseline, console, upstream=upstream))


def main() -> None:
    # A plain SIGTERM skips `finally`/`__exit__`: turn it into SystemExit so the local
    # model server is stopped and the run index says "interrupted".
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except AgentSpecError as exc:
        if _state["debug"]:
            traceback.print_exc()
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err.print(f"[dim]hint:[/] {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; `agentspec runs` shows the run, `agentspec resume ID` continues it")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks for users
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            err.print("aborted")
            sys.exit(130)
        if _state["debug"]:
            traceback.print_exc()
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err.print("[dim]hint:[/] rerun with --debug for the traceback; your run can be resumed with `agentspec resume ID`")
        sys.exit(1)


if __name__ == "__main__":
    main()
