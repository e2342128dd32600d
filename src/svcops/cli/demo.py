"""`svcops demo`: build a realistic sample database and print its metrics report."""

from typing import Annotated

import typer

from svcops.cli import messages, render
from svcops.cli.options import Format
from svcops.cli.progress import progress


def command(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Where to build it (default: svcops-demo.db in the user data "
            "directory, rebuilt each time; never your real database).",
            metavar="PATH",
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="How many days of history.")] = 30,
    seed: Annotated[
        int, typer.Option(help="The random seed (same seed, same day: same data).")
    ] = 7,
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete the --db file first if it exists.")
    ] = False,
    fmt: Format = None,
) -> None:
    """Build a sample service desk (teams, incidents, problems, requests, feedback) and
    print its metrics report for the last 7 days."""
    from svcops.services.demo import build_demo
    from svcops.services.reports import metrics_report

    with progress("building the demo desk") as advance:
        summary = build_demo(db=db, replace=replace, days=days, seed=seed, progress=advance)
    target = summary.location
    messages.message(
        f"svcops: demo database {target}: {summary.incidents} incidents, {summary.requests} "
        f"requests, {summary.problems} problems, {summary.feedback} survey responses over "
        f"{summary.days} days (seed {summary.seed})"
    )
    from svcops.cli.report import document

    render.show(document(metrics_report()), fmt, False)
    messages.message(f"svcops: its SLA calendars: {summary.config}")
    messages.message(
        f"svcops: explore it: export SVCOPS_DB={target} SVCOPS_CONFIG={summary.config}; "
        "svcops incident list --open; svcops report sla"
    )
