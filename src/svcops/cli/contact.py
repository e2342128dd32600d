"""`svcops contact`: the interactions with customers on a record."""

from typing import Annotated

import typer

from svcops.cli import render, shapes
from svcops.cli.options import At, Format, Note, Quiet

app = typer.Typer(no_args_is_help=True)
RecordKey = Annotated[str, typer.Argument(help="The record's key: INC-N, REQ-N or PRB-N.")]


@app.command("log")
def log_(
    key: RecordKey,
    channel: Annotated[
        str, typer.Option(help="phone, email, chat, portal, in_person or monitoring.")
    ],
    direction: Annotated[
        str, typer.Option(help="inbound (from the customer) or outbound (to the customer).")
    ],
    agent: Annotated[
        str | None, typer.Option(help="Who handled it (default: SVCOPS_ACTOR or your user).")
    ] = None,
    at: At = None,
    note: Note = None,
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """Log a contact; an outbound one before any move is the record's first response."""
    from svcops.services.contacts import log_contact

    view = log_contact(key, channel=channel, direction=direction, agent=agent, at=at, note=note)
    render.show(shapes.Item(view.as_dict(), key="record"), fmt, quiet)


@app.command("list")
def list_(key: RecordKey, fmt: Format = None, quiet: Quiet = False) -> None:
    """List the contacts on a record, oldest first."""
    from svcops.services.contacts import list_contacts

    render.show(render.contacts(list_contacts(key)), fmt, quiet)
