"""`svcops customer`: who the records are for."""

from typing import Annotated

import typer

from svcops.cli import render, shapes
from svcops.cli.options import Format, Quiet

app = typer.Typer(no_args_is_help=True)
CUSTOMER_FIELDS = ("key", "name", "email", "org")


@app.command("add")
def add_(
    name: Annotated[str, typer.Argument(help="The customer's name.")],
    email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
    org: Annotated[str | None, typer.Option(help="Their organisation.")] = None,
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """Register a customer; prints their key (CUS-N) for --customer on open."""
    from svcops.services.customers import add_customer

    view = add_customer(name, email=email, org=org)
    render.show(shapes.Item(view.as_dict()), fmt, quiet)


@app.command("list")
def list_(
    org: Annotated[str | None, typer.Option(help="Only this organisation's.")] = None,
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """List customers."""
    from svcops.services.customers import list_customers

    rows = [c.as_dict() for c in list_customers(org=org)]
    render.show(shapes.Rows(CUSTOMER_FIELDS, rows), fmt, quiet)


@app.command("show")
def show_(
    key: Annotated[str, typer.Argument(help="The customer's key, e.g. CUS-3.")],
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """Show a customer with their records, contacts and feedback."""
    from svcops.services.customers import show_customer

    detail = show_customer(key)
    fields = detail.customer.as_dict()
    fields["records"] = [r.key for r in detail.records]
    fields["feedback"] = [f.key for f in detail.feedback]
    sections = [
        render.records(detail.records, title="Records"),
        shapes.Rows(
            render.CONTACT_FIELDS,
            [c.as_dict() for c in detail.contacts],
            table_columns=("record", *render.CONTACT_COLUMNS),
            title="Contacts",
        ),
        render.feedback_rows(detail.feedback, detail.dimensions, title="Feedback"),
    ]
    render.show(
        shapes.Item(fields, title=f"{fields['key']}: {fields['name']}", sections=sections),
        fmt,
        quiet,
    )
