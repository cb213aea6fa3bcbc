"""``akua-onboard``: converge (or offboard) every customer in a customers file.

    akua-onboard up --customers customers.yaml --api-url https://api.akua.example --workspace ops
    akua-onboard destroy --customers customers.yaml --only acme

The API token is read from ``AKUA_API_TOKEN`` and handed to each run in its environment (the config
key ``akua:token``); it is never stored in a stack or printed. Without ``PULUMI_CONFIG_PASSPHRASE``
(or ``_FILE``) it refuses to run unless the backend is a local file backend and the API a loopback
akua-local. With ``--engine temporal`` the workers hold every setting (API URL, backend, program
modules, secrets); this command sends only the customers, the command and a program name.
Exit codes: 0 all customers ok, 1 some customer failed, 2 usage or input error, 3 (``drift``) some
customer drifted. ``akua-onboard drift`` changes nothing (see docs/onboarding.md); ``akua-onboard
schedule drift --cron ...`` runs it nightly on Temporal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from akua_pulumi.automation.cli_options import STACK_OPTIONS, add_stack_options, add_temporal_options
from akua_pulumi.automation.customers import Customer, CustomersFileError, read_customers_file
from akua_pulumi.automation.pipeline import CustomerEvent, OnboardingPipeline, PipelineReport, Secret
from akua_pulumi.automation.temporal_exit import exit_now_if_temporal_loaded

__all__ = ["DEFAULT_PROGRAM", "WORKER_ONLY_OPTIONS", "build_parser", "main"]

DEFAULT_PROGRAM = "akua_pulumi.automation.programs:customer_program"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: Options that only a worker sets on ``--engine temporal`` (argparse dest -> flag).
WORKER_ONLY_OPTIONS = STACK_OPTIONS
_LOCAL_ONLY = "local engine; on --engine temporal set it on akua-onboard-worker"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="akua-onboard",
        description="Run one Pulumi stack per customer of a customers file (YAML or JSON).",
        epilog="The API token comes from AKUA_API_TOKEN; PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) "
        "is required unless --secrets-provider is a key URL, or the backend is a local file backend and the API a "
        "loopback akua-local. With --engine "
        "temporal the workers hold the API URL, backend, project, settings, programs and secrets: only the "
        "customers, the command and a program name are sent. "
        "Exit codes: 0 ok, 1 a customer failed, 2 usage/input error, 3 drift found drift.",
    )
    p.add_argument("command", choices=["up", "preview", "refresh", "destroy", "drift"])
    p.add_argument("--customers", required=True, type=Path, metavar="FILE", help="customers file (.yaml/.yml/.json)")
    p.add_argument("--only", metavar="ID,ID", help="only these customer ids (comma-separated)")
    p.add_argument("--parallelism", type=int, default=4, metavar="N", help="stacks at once (default 4)")
    p.add_argument(
        "--program",
        metavar="MODULE:FUNCTION|NAME",
        help=f"program factory (default {DEFAULT_PROGRAM}); on --engine temporal the NAME of a program the "
        "workers allow (default: default, the stock program)",
    )
    # No defaults from the environment here: on --engine temporal a given option is refused (the workers hold them).
    add_stack_options(p, state_dir=Path(".akua/onboarding-state"), note=_LOCAL_ONLY)
    p.add_argument("--no-progress", action="store_true", help="no live progress display")
    p.add_argument("--json", action="store_true", help="drift: the report as JSON (exit 3: drifted)")
    p.add_argument(
        "--force",
        action="store_true",
        help="up: run the engine even for customers whose input is unchanged since their last up (drift)",
    )
    p.add_argument(
        "--engine",
        choices=["local", "temporal"],
        default="local",
        help="local process pool (default) or a Temporal cluster (needs --address and akua-onboard-worker)",
    )
    add_temporal_options(p, address_required=False, task_queue=None)
    return p


def _progress_handler(
    console: Any, live: bool, total: int, ids: Sequence[str] = ()
) -> tuple[Callable[[CustomerEvent], None], Any]:
    """An ``on_event`` callback drawing a rich progress display (or plain lines when not live)."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    # Fixed-width columns: the customer, a bar (determinate once the number of steps is known:
    # from a preview or the customer's last up), done/total, elapsed, then the last step, cut.
    width = max([len("customers"), *(len(c) for c in ids)]) if ids else 12
    progress = Progress(
        SpinnerColumn(),
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        disable=not live,
        transient=True,
    )
    overall = progress.add_task("customers", total=total, last="")
    tasks: dict[str, Any] = {}
    steps: dict[str, int] = {}

    def on_event(ev: CustomerEvent) -> None:
        if ev.kind == "started":
            steps[ev.customer_id] = 0
            tasks[ev.customer_id] = progress.add_task(ev.customer_id, total=None, last=ev.command)
        elif ev.kind == "plan" and ev.customer_id in tasks and ev.message.isdigit():
            progress.update(tasks[ev.customer_id], total=max(int(ev.message), steps.get(ev.customer_id, 0)))
        elif ev.kind == "resource" and ev.customer_id in tasks:
            steps[ev.customer_id] = done = steps.get(ev.customer_id, 0) + 1
            total = next((t.total for t in progress.tasks if t.id == tasks[ev.customer_id]), None)
            progress.update(
                tasks[ev.customer_id],
                completed=done,
                total=max(total, done) if total is not None else None,
                last=ev.message[:60],
            )
        elif ev.kind == "finished" and ev.result is not None:
            task = tasks.pop(ev.customer_id, None)
            if task is not None:
                progress.remove_task(task)
            progress.advance(overall)
            r = ev.result
            mark = "[green]ok[/]" if r.ok else "[bold red]failed[/]"
            detail = "unchanged, no engine run" if r.skipped else f"{r.resources_changed} changed"
            # The error itself is printed once, in the report table below.
            tail = "" if r.ok else ": error in the table below"
            console.print(
                f"{mark} " + escape(f"{r.customer_id} ({detail}, {r.duration_s:.1f}s){tail}"),
                highlight=False,
                markup=True,
            )

    return on_event, progress


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (the ``akua-onboard`` command exits with it at once when
    it used Temporal: :func:`.temporal_exit.exit_now_if_temporal_loaded`)."""
    code = _main(list(sys.argv[1:] if argv is None else argv))
    if argv is None:  # the `akua-onboard` command, not a call from Python
        return exit_now_if_temporal_loaded(code)
    return code


def _main(argv: list[str]) -> int:
    if argv[:1] == ["schedule"]:
        from akua_pulumi.automation.drift_schedule import schedule_main

        return schedule_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 on usage errors, 0 for --help
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE

    try:
        from rich.console import Console
    except ImportError:  # the base install has no display library
        print("akua-onboard needs the 'pipeline' extra: pip install 'akua-pulumi[pipeline]'", file=sys.stderr)
        return EXIT_USAGE

    out = Console()
    err = Console(stderr=True)

    def usage_error(message: str) -> int:
        err.print(f"[bold red]akua-onboard:[/] {message}", highlight=False)
        return EXIT_USAGE

    if args.parallelism < 1:
        return usage_error("--parallelism must be at least 1")
    settings: dict[str, str] = {}
    for item in args.setting:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return usage_error(f"--setting {item!r}: expected KEY=VALUE")
        settings[key] = value
    try:
        parsed = read_customers_file(args.customers)
    except CustomersFileError as exc:
        return usage_error(str(exc))
    entries = parsed.entries
    if not entries:
        return usage_error(f"{args.customers}: no customers")
    # An invalid customer's errors are printed once, when it is reported as failed (below).

    config: dict[str, str | Secret] = {}
    if args.engine == "temporal":
        given = [flag for dest, flag in WORKER_ONLY_OPTIONS.items() if getattr(args, dest)]
        if given:
            return usage_error(
                f"{', '.join(given)}: set on the workers with --engine temporal (akua-onboard-worker "
                f"{' '.join(given)}); a workflow carries only the customer, the command and a program name"
            )
    else:
        api_url = args.api_url or os.environ.get("AKUA_API_URL")
        workspace = args.workspace or os.environ.get("AKUA_WORKSPACE")
        if api_url:
            config["akua:apiUrl"] = api_url
        if workspace:
            config["akua:workspace"] = workspace
        token = os.environ.get("AKUA_API_TOKEN")
        if token:
            config["akua:token"] = Secret(token)
    program = args.program or ("default" if args.engine == "temporal" else DEFAULT_PROGRAM)

    live = not args.no_progress and err.is_terminal
    only = [x.strip() for x in args.only.split(",") if x.strip()] if args.only is not None else None
    if only == []:
        return usage_error("--only needs at least one customer id")
    labels = [e.id if isinstance(e, Customer) else e.label for e in entries]
    on_event, progress = _progress_handler(err, live, len(set(only)) if only else len(entries), labels)
    if args.engine == "temporal" and not args.address:
        return usage_error("--engine temporal needs --address HOST:PORT")
    try:
        pipeline = OnboardingPipeline(
            program,
            project_name=args.project,
            state_dir=args.state_dir,
            backend_url=args.backend,
            parallelism=args.parallelism,
            config=config or None,
            settings=settings or None,
            on_event=on_event,
            force=args.force,
            secrets_provider=args.secrets_provider,
            engine=args.engine,
            address=args.address,
            namespace=args.namespace,
            task_queue=args.task_queue,
        )
        t0 = time.monotonic()
        if args.command == "drift":
            from akua_pulumi.automation.drift_cli import print_drift

            return print_drift(pipeline, entries, only, out, as_json=args.json)
        with progress:
            report: PipelineReport = pipeline.run(args.command, entries, only)
    except (ValueError, TypeError) as exc:
        return usage_error(str(exc))
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]")
        return 130
    except Exception as exc:  # e.g. PulumiNotFoundError: an environment problem, not a customer's
        return usage_error(f"{type(exc).__name__}: {exc}")

    out.print(report.table())
    logs = f"in {pipeline.state_dir / 'logs'}"
    if args.engine == "temporal":  # the engine ran on the workers: their --state-dir/logs
        dirs = sorted({str(Path(r.log_path).parent) for r in report if r.log_path})
        logs = f"on the workers, in {', '.join(dirs)}" if dirs else "on the workers (their --state-dir/logs)"
    out.print(f"{len(report)} customers in {time.monotonic() - t0:.1f}s; logs {logs}", highlight=False)
    return report.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
