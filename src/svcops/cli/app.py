"""The `svcops` command: the root Typer app, and the one place errors become exit codes."""

import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated

import typer

from svcops import __version__
from svcops.cli import db, output
from svcops.cli.records import kind_app, kind_help
from svcops.domain.errors import ExitCode, SvcopsError
from svcops.domain.kinds import LIFECYCLES

HELP = (
    "Service operations from the command line: incidents, problems, service requests, "
    "feedback, and the metrics of how well the service is delivered."
)
ROOT_OPTIONS_WITH_VALUES = {"--db"}


def _version(value: bool) -> None:
    if value:
        output.stdout().write(f"svcops {__version__}\n")
        raise typer.Exit(0)


def root(
    db_path: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="SQLite database file (else SVCOPS_DB / SVCOPS_DATABASE_URL / config).",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Service operations from the command line."""
    from svcops.config import set_overrides

    set_overrides(db=db_path)


def build_app(noun: str | None = None) -> typer.Typer:
    """The root app. With `noun`, only that group's commands are built; the others stay
    empty shells with their help line, which keeps start-up fast (each command costs
    introspection) while `svcops --help` still lists every group."""
    app = typer.Typer(
        name="svcops",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    groups: dict[str, tuple[str, Callable[[], typer.Typer]]] = {
        life.kind: (kind_help(life), partial(kind_app, life)) for life in LIFECYCLES.values()
    }
    groups["db"] = (db.HELP, lambda: db.app)
    for name, (help_text, make) in groups.items():
        if noun is None or noun == name:
            app.add_typer(make(), name=name, help=help_text)
        else:
            app.add_typer(typer.Typer(), name=name, help=help_text)
    return app


def requested_noun(argv: Sequence[str]) -> str | None:
    """The command group `argv` asks for (the first word that is not a root option)."""
    words = iter(argv)
    for word in words:
        if word in ROOT_OPTIONS_WITH_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _debug() -> bool:
    return os.environ.get("SVCOPS_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    """Run svcops with `argv`; returns the exit code and never lets a traceback out."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command = typer.main.get_command(build_app(requested_noun(args)))
        result = command.main(args=args, prog_name="svcops", standalone_mode=False)
    except SvcopsError as exc:
        if _debug():
            import traceback

            traceback.print_exc()
        output.error(exc.message, exc.hint)
        return int(exc.exit_code)
    except NoArgsIsHelpError as exc:
        sys.stderr.write(exc.ctx.get_help() + "\n")
        return int(ExitCode.USAGE)
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
        output.error(
            f"internal error: {type(exc).__name__}: {exc}", "set SVCOPS_DEBUG=1 for the traceback"
        )
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
    # svcops uses no pydantic plugins; skipping their discovery (a scan of every installed
    # package's entry points) saves start-up time on every command
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    sys.exit(main())
