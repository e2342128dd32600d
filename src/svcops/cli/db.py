"""`svcops db`: where the database is, and its schema."""

from typing import Annotated

import typer

from svcops.cli import capture, render, shapes
from svcops.cli.options import Force, Format

app = typer.Typer(no_args_is_help=True)


@app.command("path")
def path_(fmt: Format = None) -> None:
    """Print which database is in use and why (flag, environment, config file or default)."""
    from svcops.services.database import database_info

    info = database_info()
    if fmt is None:
        capture.stdout().write(f"{info['location']}\n")
    else:
        render.show(shapes.Item(info, key="location"), fmt, False)


def _migrate(fmt: str | None) -> None:
    from svcops.services.database import migrate

    render.show(shapes.Item(migrate(), key="location"), fmt, False)


@app.command("init")
def init_(fmt: Format = None) -> None:
    """Create the database (or bring it up to date) and print its schema version."""
    _migrate(fmt)


@app.command("migrate")
def migrate_(fmt: Format = None) -> None:
    """Upgrade the schema to this svcops' version (safe to run at any time)."""
    _migrate(fmt)


@app.command("check")
def check_(fmt: Format = None) -> None:
    """Check the database: reachable, schema current, integrity (SQLite) intact."""
    from svcops.services.database import check

    render.show(shapes.Item(check(), key="location"), fmt, False)


@app.command("backup")
def backup_(
    target: Annotated[str, typer.Argument(help="The file to write the copy to.", metavar="PATH")],
    force: Force = False,
    fmt: Format = None,
) -> None:
    """Copy a SQLite database consistently, even while others use it; the copy is checked
    (integrity, row counts) before it takes its name. An existing file is kept unless --force."""
    from svcops.services.database import backup

    render.show(shapes.Item(backup(target, force=force), key="path"), fmt, False)
