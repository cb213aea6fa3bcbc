"""Onboard (or offboard) every customer of ``customers.yaml``: one Pulumi stack per customer.

    export AKUA_API_URL=http://127.0.0.1:8765/v1 AKUA_API_TOKEN=...   # where and as whom
    export PRODUCT_ID=prd_... ADMIN_USER_ID=usr_... DEV_USER_ID=usr_... # used by customers.yaml
    python onboard.py                      # preview + up every customer, print the summary table
    python onboard.py --only acme,globex   # just these customers
    python onboard.py --preview            # show what would change; change nothing
    python onboard.py --destroy            # offboard: delete every customer's resources and stack
    python onboard.py --render > customers.rendered.yaml   # expanded file, for `akua-onboard`

``${NAME}`` in the customers file is replaced with the environment variable ``NAME`` before the
file is parsed (an unset variable is an error, exit code 2). Exit codes: 0 every customer ok,
1 some customer failed (the others still ran), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import yaml
from rich.console import Console

from akua_pulumi.automation import (
    CustomerEvent,
    CustomersFileError,
    OnboardingPipeline,
    PulumiNotFoundError,
    Secret,
    parse_customers_file,
)
from akua_pulumi.automation.programs import customer_program

HERE = Path(__file__).resolve().parent
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(text: str) -> str:
    """Replace ``${NAME}`` with ``$NAME`` from the environment; raise listing every unset one."""
    missing = sorted({m for m in VARIABLE.findall(text) if m not in os.environ})
    if missing:
        raise CustomersFileError([f"environment variable {name} is not set" for name in missing])
    return VARIABLE.sub(lambda m: os.environ[m.group(1)], text)


def progress(event: CustomerEvent) -> None:
    """Called in this process as workers pick customers up and finish them."""
    if event.kind == "started":
        print(f"{event.command} {event.customer_id}...", file=sys.stderr, flush=True)
    elif event.kind == "finished" and event.result is not None:
        outcome = "ok" if event.result.ok else "FAILED"
        print(f"{event.command} {event.customer_id}: {outcome}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=Path, default=HERE / "customers.yaml", help="customers file")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--destroy", action="store_true", help="offboard: destroy each customer's stack")
    mode.add_argument("--preview", action="store_true", help="preview only")
    mode.add_argument("--render", action="store_true", help="print the customers file with ${VARS} expanded")
    parser.add_argument("--only", metavar="ID,ID", help="only these customer ids")
    parser.add_argument("--parallelism", type=int, default=4, help="stacks at once (default 4)")
    parser.add_argument("--state-dir", type=Path, default=Path(".akua/onboarding-state"), help="state and logs")
    args = parser.parse_args(argv)
    err = Console(stderr=True)

    try:
        text = expand(args.customers.read_text(encoding="utf-8"))
        if args.render:
            print(text, end="")
            return 0
        parsed = parse_customers_file(yaml.safe_load(text), source=str(args.customers))
    except (OSError, yaml.YAMLError, CustomersFileError) as exc:
        err.print(f"[bold red]onboard:[/] {exc}", highlight=False)
        return 2
    for invalid in parsed.invalid:  # reported as failed customers; the valid ones still run
        for line in invalid.errors:
            err.print(f"[yellow]invalid:[/] {line}", highlight=False)

    token = os.environ.get("AKUA_API_TOKEN")
    if not token:
        err.print("[bold red]onboard:[/] set AKUA_API_TOKEN (and AKUA_API_URL for anything but the default API)")
        return 2
    config: dict[str, str | Secret] = {"akua:token": Secret(token)}
    if os.environ.get("AKUA_API_URL"):
        config["akua:apiUrl"] = os.environ["AKUA_API_URL"]

    pipeline = OnboardingPipeline(
        customer_program,  # a top-level function: each worker process imports it by reference
        project_name="akua-onboarding",
        state_dir=args.state_dir,
        parallelism=args.parallelism,
        config=config,
        on_event=progress,
    )
    command = "destroy" if args.destroy else "preview" if args.preview else "up"
    only = [x for x in args.only.split(",") if x.strip()] if args.only else None
    try:
        report = pipeline.run(command, parsed.entries, only)
    except (ValueError, TypeError, PulumiNotFoundError) as exc:
        err.print(f"[bold red]onboard:[/] {exc}", highlight=False)
        return 2

    Console().print(report.table())
    for result in report.failed:  # the whole error (the table folds it), and where the engine output is
        where = f" (engine output: {result.log_path})" if result.log_path else ""
        print(f"failed {result.customer_id}: {result.error}{where}", file=sys.stderr)
    if command == "up":
        for result in report.succeeded:
            print(f"{result.customer_id}: workspace {result.outputs.get('workspace_id')}")
    return report.exit_code


if __name__ == "__main__":  # required: the pipeline's worker processes re-import this module
    sys.exit(main())
