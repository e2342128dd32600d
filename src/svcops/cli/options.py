"""The options every command shares, declared once."""

from __future__ import annotations

from typing import Annotated

import typer


def _check_output(value: str | None) -> str | None:
    """Refuse a bad format or time zone while parsing, before any command changes anything."""
    from svcops.cli.render import check_output

    check_output(value)
    return value


Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, ndjson, csv, tsv or md (default: table; SVCOPS_FORMAT).",
        metavar="FORMAT",
        show_default=False,
        callback=_check_output,
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only keys, one per line.")]
At = Annotated[
    str | None,
    typer.Option(
        "--at", help="When it happened: ISO 8601, now, yesterday, -30m, -2h ... (default: now).",
        metavar="WHEN", show_default=False,
    ),
]  # fmt: skip
Note = Annotated[
    str | None, typer.Option("--note", help="A note kept with the event.", metavar="TEXT")
]
Since = Annotated[
    str | None,
    typer.Option("--since", help="Opened at or after WHEN.", metavar="WHEN", show_default=False),
]
Until = Annotated[
    str | None,
    typer.Option("--until", help="Opened before WHEN.", metavar="WHEN", show_default=False),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace the file if it exists (never the database in use).",
        show_default=False,
    ),
]  # fmt: skip
