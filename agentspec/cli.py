"""The `agentspec` command. Errors are mapped to exit codes here and only here:
0 ok · 1 internal error · 2 bad input or configuration · 3 waiting for review ·
4 model endpoint or local model failure (resumable) · 5 spec written with failed parts · 130 interrupted."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.console import Console
from typer._click import exceptions as click_exceptions  # typer 0.29 vendors click (STACK-NOTES)
from typer.exceptions import Abort as TyperAbort

from agentspec import __version__
from agentspec.errors import AgentSpecError, Interrupted, UsageError
from agentspec.spec_document import BUILT_IN_TEMPLATE
from agentspec.redact import redact
from agentspec.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Draft implementation-ready Integration Requirements specs with role-based LLM agents.")
console = Console(stderr=False, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state: dict = {"debug": False, "json": False, "result": None, "runner": None}


def _interactive(no_wait: bool) -> bool:
    return not no_wait and sys.stdin.isatty() and sys.stdout.isatty()


def _runner(out: Console | None = None, settings=None):  # noqa: ANN001
    """The Runner for this command; kept in _state so errors can name its run and --json its result."""
    from agentspec.runner import Runner

    runner = Runner(settings or load_settings(), out or console)
    _state["runner"] = runner
    return runner


def _print_version(value: bool) -> None:
    if value:
        console.print(f"agentspec {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="show tracebacks")] = False,
          version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                                help="print the version and exit")] = False) -> None:
    _state["debug"] = debug
    # instructor logs every exhausted re-ask at ERROR; the pipeline reports failures itself.
    logging.getLogger("instructor").setLevel(logging.DEBUG if debug else logging.CRITICAL)


def _json_mode(on: bool) -> Console:
    """With --json the result is the only thing on stdout; progress goes to stderr."""
    _state["json"] = on
    return err if on else console


@app.command()
def draft(
    description: Annotated[Optional[str], typer.Argument(help="one-line feature description")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="read the description from a UTF-8 file")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output directory (default specs/<slug>)")] = None,
    force: Annotated[bool, typer.Option(help="overwrite a non-empty output directory")] = False,
    review: Annotated[bool, typer.Option(help="approve, edit or revise each section as it is drafted")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --review: stop at the first approvals (exit 3)")] = False,
    concurrency: Annotated[Optional[int], typer.Option(min=1, max=32, help="parallel LLM calls (default 4; 1 on the embedded model, which answers one at a time)")] = None,
    template: Annotated[str, typer.Option(help="spec template: a built-in or project template's name (`agentspec templates`), "
                                                "or any markdown file with [PLACEHOLDER]s")] = BUILT_IN_TEMPLATE,
    estimate: Annotated[bool, typer.Option(help="print expected calls, tokens and cost, spend nothing")] = False,
    max_cost: Annotated[Optional[float], typer.Option(min=0.0, help="USD ceiling: the run stops (resumably) before the call that would cross it")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(min=1, help="token ceiling (input + output), same rules")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="draft even when the estimate exceeds --max-tokens/--max-cost")] = False,
    price_input_per_mtok: Annotated[Optional[float], typer.Option(min=0.0, help="USD per 1M input tokens (models without a known price)")] = None,
    price_output_per_mtok: Annotated[Optional[float], typer.Option(min=0.0, help="USD per 1M output tokens (models without a known price)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout (docs/cli-json.md); progress goes to stderr")] = False,
    archetype: Annotated[Optional[list[str]], typer.Option("--archetype", help="declare an integration archetype (repeatable; "
                                                           "ids in agents/knowledge/archetypes.yaml), on top of those the design shows")] = None,
    repo: Annotated[Optional[Path], typer.Option("--repo", help="the repository the feature is for: its stack, tables, routes "
                                                 "and clients ground the design (scanned, never run)")] = None,
    critic: Annotated[bool, typer.Option("--critic/--no-critic", help="the review pass after assembly: sections with critical or "
                                         "major findings are redrafted once, the rest listed as open questions")] = True,
) -> None:
    """Draft a spec from a one-line feature description."""
    out_console = _json_mode(as_json)
    from agentspec.inputs import check_template, clean_description, read_description_file

    prices = {k: v for k, v in (("price_input_per_mtok", price_input_per_mtok),
                                 ("price_output_per_mtok", price_output_per_mtok)) if v is not None}
    settings = load_settings(**({"concurrency": concurrency} if concurrency else {}), **prices)
    chosen_template = check_template(template, settings.config_dir)
    if description is not None and file is not None:
        raise UsageError("give the description as an argument or with --file, not both")
    text = read_description_file(file) if file is not None else (description or "")
    text = clean_description(text, settings.max_description_tokens)
    chosen = _archetype_ids(archetype or [])
    if repo is not None and not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory", hint="give the root folder of the repository the feature is for")
    if estimate:
        from agentspec.estimate import estimate_run

        _state["result"] = {"estimate": estimate_run(settings, text)}
        if not as_json:
            console.print_json(json.dumps(_state["result"]["estimate"]))
        return
    runner = _runner(out_console, settings)
    code = asyncio.run(runner.draft(text, out=out, force=force, review=review, interactive=review and _interactive(no_wait),
                                    max_cost=max_cost, max_tokens=max_tokens, yes=yes,
                                    confirm=typer.confirm if _interactive(False) else None, archetypes=chosen,
                                    critic=critic, template=chosen_template, repo=repo))
    raise typer.Exit(code)


def _archetype_ids(ids: list[str]) -> list[str]:
    from agentspec.agents.knowledge.briefing import check_archetype_ids

    try:
        return check_archetype_ids([i.strip() for i in ids])
    except ValueError as exc:
        raise UsageError(str(exc), hint="`--archetype` takes an id from agents/knowledge/archetypes.yaml") from None


@app.command()
def resume(thread: Annotated[str, typer.Argument(help="run id from `agentspec runs`")],
           no_wait: Annotated[bool, typer.Option("--no-wait")] = False,
           force: Annotated[bool, typer.Option(help="write into the run's directory even if another run's spec is there")] = False,
           max_cost: Annotated[Optional[float], typer.Option(min=0.0, help="USD ceiling for the run (replaces its budget)")] = None,
           max_tokens: Annotated[Optional[int], typer.Option(min=1, help="token ceiling for the run (replaces its budget)")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout (docs/cli-json.md); progress goes to stderr")] = False) -> None:
    """Continue a run stopped by Ctrl-C, a crash or a dead endpoint; retries only failed parts."""
    runner = _runner(_json_mode(as_json))
    raise typer.Exit(asyncio.run(runner.resume(thread, interactive=_interactive(no_wait) and not as_json, force=force,
                                                 max_tokens=max_tokens, max_cost=max_cost)))


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
    show: Annotated[Optional[str], typer.Option("--show", help="print a section's markdown exactly as it would be approved")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout (docs/cli-json.md); progress goes to stderr")] = False,
) -> None:
    """List pending sections, print one (--show), or approve / revise / edit them and continue the run.
    Failed sections cannot be approved: edit or revise them (--all skips them)."""
    runner = _runner(_json_mode(as_json))
    code = asyncio.run(runner.review(thread, approve=approve or [], approve_all=approve_all, revise=revise,
                                     feedback=feedback, edit=edit, edit_file=file,
                                     interactive=_interactive(no_wait) and not as_json, show=show))
    raise typer.Exit(code)


@app.command()
def show(thread: Annotated[str, typer.Argument(help="run id")],
         out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write a copy here (the run keeps its own directory)")] = None,
         force: Annotated[bool, typer.Option(help="write into a non-empty directory that holds no spec of this run")] = False,
         as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout (docs/cli-json.md); progress goes to stderr")] = False) -> None:
    """Write the current state of a run's spec (pending drafts marked as pending)."""
    runner = _runner(_json_mode(as_json))
    raise typer.Exit(asyncio.run(runner.show(thread, out, force=force)))


@app.command()
def runs(as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout (docs/cli-json.md); progress goes to stderr")] = False) -> None:
    """List runs with their status."""
    from datetime import datetime

    from agentspec.runlog import RunLog

    _json_mode(as_json)
    settings = load_settings()  # the index alone: no graph, no gateway to import
    listed = RunLog(settings.data_dir / "threads.sqlite").list(locks=settings.data_dir / "locks")
    if as_json:
        keys = ("thread_id", "status", "description", "out_dir", "endpoint", "created_at", "updated_at")
        _state["result"] = {"runs": [{k: run.get(k) for k in keys} for run in listed]}
        return
    for run in listed:
        when = datetime.fromtimestamp(run["updated_at"]).strftime("%Y-%m-%d %H:%M")
        console.print(f"{run['thread_id']}  {when}  {run['status']:15} {run['description'][:60]}", highlight=False)


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json", help="the report as JSON on stdout")] = False) -> None:
    """Show what a draft would use, probe the endpoint (10 s at most), and say whether it is usable."""
    from agentspec.doctor import run_doctor

    raise typer.Exit(run_doctor(load_settings(), console, as_json=as_json))


@app.command()
def check(spec_dir: Annotated[Path, typer.Argument(help="a spec directory written by `agentspec draft`")],
          as_json: Annotated[bool, typer.Option("--json")] = False,
          execution_required: Annotated[bool, typer.Option(
              "--require-execution", help="fail when the SQL could not be executed on PostgreSQL (AGENTSPEC_PG_URL)")] = False) -> None:
    """Run the deterministic checks on an existing spec."""
    from agentspec.check_cmd import run_check

    _json_mode(as_json)
    code, _state["result"] = run_check(spec_dir, console, as_json=as_json, execution_required=execution_required)
    raise typer.Exit(code)


@app.command()
def verify(spec_dir: Annotated[Path, typer.Argument(help="a spec directory written by `agentspec draft`")],
           repo: Annotated[Path, typer.Option("--repo", help="the repository's root folder")] = Path("."),
           as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False) -> None:
    """Report drift: each table, column, route, event, setting and file the spec names, present, missing or
    different in the repository, and what is left to implement. Exit 1 when a required element is not present."""
    from agentspec.verify_cmd import run_verify

    _json_mode(as_json)
    code, _state["result"] = run_verify(spec_dir, repo, console, as_json=as_json)
    raise typer.Exit(code)


templates_app = typer.Typer(help="List the templates, or show how one compiles into sections and fields.",
                            no_args_is_help=False, invoke_without_command=True)
app.add_typer(templates_app, name="templates")


@templates_app.callback(invoke_without_command=True)
def templates(ctx: typer.Context) -> None:
    """Templates by name: the project's (.agentspec/templates/), the user's, then the built-in ones."""
    if ctx.invoked_subcommand is not None:
        return
    from agentspec.packs.lookup import BUILT_IN, list_templates

    for template in list_templates(load_settings().config_dir):
        shadows = " (used instead of the built-in)" if template.path and template.name in BUILT_IN else ""
        about = f": {template.description}" if template.description else ""
        console.print(f"{escape(template.name)}  [dim]{template.where}{f' {escape(str(template.path))}' if template.path else ''}"
                      f"{shadows}{escape(about)}[/]", highlight=False)


@templates_app.command("show")
def templates_show(template: Annotated[str, typer.Argument(help="a template name or a markdown file")]) -> None:
    """Each section of the template with the fields its placeholders become."""
    from agentspec.packs.lookup import find_template

    found = find_template(template, load_settings().config_dir)
    for section in found.sections():
        console.print(f"[bold]## {escape(section.heading)}[/]  ({section.id})", highlight=False)
        for slot in section.slots:
            shape = {"table": f"rows of ({', '.join(slot.columns)})", "numbered": f"list of ({', '.join(slot.columns)})",
                     "numbered_block": f"list of ({', '.join(slot.columns)})", "checklist": "list of items",
                     "code": f"{slot.language} code", "choice": " | ".join(slot.choices), "text": "text"}[slot.kind]
            console.print(f"  {slot.name}: {escape(shape)}", highlight=False)


@templates_app.command("init")
def templates_init(name: Annotated[str, typer.Argument(help="a built-in template (`agentspec templates`)")],
                   as_name: Annotated[Optional[str], typer.Option("--as", help="the copy's name (default: the same)")] = None) -> None:
    """Copy a built-in template into .agentspec/templates/ to edit; drafts then use the copy."""
    from agentspec.packs.lookup import init_template

    path = init_template(name, load_settings().config_dir, as_name)
    console.print(f"wrote {path}: edit it, then `agentspec draft \"…\" --template {path.stem}`", highlight=False)


def _plugin(name: str):  # noqa: ANN202 - the command's implementation, whatever its signature
    """A command the product does not implement itself: the eval harness (evals/) plugs in
    through the `agentspec.commands` entry point (pyproject.toml), so nothing in the product
    imports evals and a product-only install still says what is missing."""
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="agentspec.commands") if ep.name == name]
    if not found:
        raise UsageError(f"`agentspec {name}` needs the eval harness, which is not installed",
                         hint="install agentspec from its repository (pip install -e .), which includes evals/")
    return found[0].load()


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
    run_eval_command = _plugin("eval")
    raise typer.Exit(run_eval_command(dataset, replay, live, record, baseline, report, concurrency, judge,
                                      threshold, update_baseline, console, upstream=upstream))


def _emit_json(code: int, error: AgentSpecError | None = None) -> None:
    """The one JSON document a --json command prints (schema: docs/cli-json.md)."""
    runner = _state["runner"]
    result = _state["result"] or (runner.result if runner is not None else None) or {}
    if not result and _started_run():
        result = {"run_id": _started_run()}
    payload = {**result, "exit_code": code}
    if error is not None:
        payload["error"] = {"message": redact(error.message, *_secrets()), "hint": error.hint and redact(error.hint, *_secrets()), "kind": type(error).__name__}
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _started_run() -> str | None:
    runner = _state["runner"]
    return getattr(runner, "thread_id", None) if runner is not None else None


def _secrets() -> list[str]:
    """The keys this command may know, masked in whatever it prints."""
    keys = [os.environ.get("OPENAI_API_KEY")]
    runner = _state["runner"]
    if runner is not None:
        try:
            keys.append(runner.settings.api_key)
        except AgentSpecError:  # an unreadable key file: nothing more to mask
            pass
    return [k for k in keys if k]


def _fail(exc: AgentSpecError) -> int:
    if _state["debug"]:
        traceback.print_exc()
    err.print(f"[bold red]error:[/] {redact(exc.message, *_secrets())}", highlight=False)
    if exc.hint:
        err.print(f"[dim]hint:[/] {redact(exc.hint, *_secrets())}", highlight=False)
    if _state["json"]:
        _emit_json(exc.exit_code, exc)
    return exc.exit_code


def _interrupted() -> int:
    """130 for Ctrl-C, 143 for SIGTERM (a service manager or `kill`): the run stopped where
    it was either way, and resume continues it."""
    code, word = (143, "terminated") if _state.get("terminated") else (130, "interrupted")
    run = _started_run()
    err.print(f"{word}; `agentspec resume {run}` continues the run" if run else word, highlight=False)
    if _state["json"]:
        _emit_json(code, Interrupted(word))
    return code


def _dispatch(argv: list[str] | None = None) -> int:
    """Run the app and return the exit code of the README's table."""
    try:
        code = app(args=argv, standalone_mode=False, prog_name="agentspec")
    except Interrupted:
        return _interrupted()
    except AgentSpecError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        return _interrupted()
    except click_exceptions.UsageError as exc:  # typer's vendored click: bad arguments are bad input
        exc.show()
        return 2
    except click_exceptions.ClickException as exc:
        exc.show()
        return 2
    except TyperAbort:
        return _interrupted()
    except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks for users
        if _state["debug"]:
            traceback.print_exc()
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {redact(str(exc), *_secrets())}", highlight=False)
        run = _started_run()
        err.print("[dim]hint:[/] rerun with --debug for the traceback"
                  + (f"; `agentspec resume {run}` continues the run" if run else ""), highlight=False)
        return 1
    # typer turns a KeyboardInterrupt outside a run into Exit(130) and returns it.
    code = 0 if code is None else int(code)
    if code == 130:
        return _interrupted()
    if _state["json"]:
        _emit_json(code)
    return code


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM stops a run the way Ctrl-C does. A plain SIGTERM skips `finally`; a bare
    SystemExit raised in the event loop cancelled the current case of `eval`, which then
    went on to the next one. asyncio's own Ctrl-C handler (when installed) cancels the main
    task, so the run is marked interrupted and the local model server stops."""
    _state["terminated"] = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler) and handler is not signal.default_int_handler:
        handler(signal.SIGINT, frame)
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise KeyboardInterrupt from None
    # In a loop without asyncio's Ctrl-C handler (a process started with SIGINT ignored, as
    # `nohup cmd &` and CI runners do): a KeyboardInterrupt raised here would leave the main
    # task to be cancelled at shutdown, and asyncio would print its traceback. Cancelling the
    # tasks instead lets the run stop as it does on Ctrl-C.
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.call_soon_threadsafe(lambda: None)


def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(_dispatch())


if __name__ == "__main__":
    main()
