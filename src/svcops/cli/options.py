"""The options every command shares, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, ndjson, csv, tsv or md (default: table; SVCOPS_FORMAT).",
        metavar="FORMAT",
        show_default=False,
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
