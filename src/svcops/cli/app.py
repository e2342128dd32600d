"""The `svcops` command: the root Typer app, and the one place errors become exit codes."""

import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from svcops import __version__
from svcops.cli import db, output
from svcops.cli.records import kind_app
from svcops.domain.errors import ExitCode, SvcopsError
from svcops.domain.kinds import LIFECYCLES

app = typer.Typer(
    name="svcops",
    help="Service operations from the command line: incidents, problems, service requests, "
    "feedback, and the metrics of how well the service is delivered.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        output.stdout().write(f"svcops {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    db_path: Annotated[
        str | None,
        typer.Option(
            "--db", help="SQLite database file (else SVCOPS_DB / SVCOPS_DATABASE_URL / config).",
            metavar="PATH", show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Service operations from the command line."""
    from svcops.config import set_overrides

    set_overrides(db=db_path)


for _life in LIFECYCLES.values():
    app.add_typer(kind_app(_life), name=_life.kind)
app.add_typer(db.app, name="db")


def _debug() -> bool:
    return os.environ.get("SVCOPS_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    """Run svcops with `argv`; returns the exit code and never lets a traceback out."""
    from typer._click.exceptions import ClickException

    command = typer.main.get_command(app)
    try:
        result = command.main(args=list(argv) if argv is not None else None, prog_name="svcops", standalone_mode=False)
    except SvcopsError as exc:
        if _debug():
            import traceback

            traceback.print_exc()
        output.error(exc.message, exc.hint)
        return int(exc.exit_code)
    except ClickException as exc:
        output.error(_click_message(exc), _click_hint(exc))
        return int(ExitCode.USAGE)
    except (KeyboardInterrupt, typer.Abort):
        output.error("interrupted")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        return int(ExitCode.OK)
    except Exception as exc:  # the last line of defence: one line, unless debugging
        if _debug():
            import traceback

            traceback.print_exc()
        output.error(f"internal error: {type(exc).__name__}: {exc}", "set SVCOPS_DEBUG=1 for the traceback")
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else int(ExitCode.OK)


def _click_message(exc: Exception) -> str:
    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    return " ".join(text.split()).rstrip(".").replace("'", "'") or "invalid usage"


def _click_hint(exc: Exception) -> str | None:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return None
    return f"see '{ctx.command_path} --help'"


def _silence_stdout() -> None:
    # stdout's reader went away (| head): nothing more to say, and nothing to say it to
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())
