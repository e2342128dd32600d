"""The `svcops` command: the root Typer app, and the one place errors become exit codes."""

import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from copy import copy
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from svcops import __version__
from svcops.cli import capture, messages, output
from svcops.domain.errors import Busy, ExitCode, SvcopsError
from svcops.domain.kinds import LIFECYCLES

HELP = (
    "Service operations from the command line: incidents, problems, service requests, "
    "feedback, and the metrics of how well the service is delivered."
)
ROOT_OPTIONS_WITH_VALUES = {"--db"}

# Commands that stand alone (svcops demo): name -> "module:function" in svcops.cli.
COMMANDS: dict[str, str] = {
    "demo": "demo:command",
    "batch": "batch:command",
    "export": "transfer:export_command",
    "import": "transfer:import_command",
    "import-log": "transfer:import_log_command",
}
# Command groups beyond the record kinds: name -> (help line, module holding its Typer `app`).
# Modules are imported only when their group is used, so start-up stays light.
GROUPS: dict[str, tuple[str, str]] = {
    "feedback": ("Customer feedback: CSAT, effort (CES) and service-quality scores.", "feedback"),
    "contact": ("Contacts with customers on a record: calls, emails, chats.", "contact"),
    "customer": ("Customers: who the records are for.", "customer"),
    "report": ("Reports: the metrics of service delivery for a period.", "report"),
    "db": ("The database: where it is, create it, upgrade it, check it, back it up.", "db"),
}


def _version(value: bool) -> None:
    if value:
        capture.stdout().write(f"svcops {__version__}\n")
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
    if db_path is not None:  # a batch's lines run without it: keep the batch's database
        from svcops.config import set_overrides

        set_overrides(db=db_path)


def build_app(noun: str | None = None, verb: str | None = None) -> typer.Typer:
    """The root app. Only the group `noun` gets its commands built; the others stay empty
    shells with their help line, which keeps start-up fast (building a command costs
    introspection and imports) while `svcops --help` still lists every group."""
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
    helps = {life.kind: kind_help(life.plural) for life in LIFECYCLES.values()}
    helps.update({name: help_text for name, (help_text, _module) in GROUPS.items()})
    for name, help_text in helps.items():
        group = _load_group(name, verb) if noun in (name, ALL) else typer.Typer()
        app.add_typer(group, name=name, help=help_text)
    from importlib import import_module

    for name, where in COMMANDS.items():
        module, function = where.split(":")
        app.command(name)(getattr(import_module(f"svcops.cli.{module}"), function))
    return app


def kind_help(plural: str) -> str:
    return f"Work with {plural}: open, list, show and move them through their stages."


def _load_group(name: str, verb: str | None) -> typer.Typer:
    """The Typer app of one command group, built on demand; when `verb` is one of its
    commands, only that command is kept (the rest would only cost introspection)."""
    from importlib import import_module

    if name in LIFECYCLES:
        from svcops.cli.records import kind_app

        group = kind_app(LIFECYCLES[name], kind_help(LIFECYCLES[name].plural))
    else:
        module = import_module(f"svcops.cli.{GROUPS[name][1]}")
        # a group whose options depend on the configuration is built afresh each time
        group = module.build() if hasattr(module, "build") else module.app
    chosen = [c for c in group.registered_commands if c.name == verb]
    if chosen:
        group = copy(group)  # never trim the module's own app: batch runs reuse it
        group.registered_commands = chosen
    return group


def requested_command(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """The group and command `argv` asks for: its first two words that are not root options."""
    words = iter(argv)
    found: list[str] = []
    for word in words:
        if word in ROOT_OPTIONS_WITH_VALUES and not found:
            next(words, None)
        elif word.startswith("-"):
            break
        else:
            found.append(word)
            if len(found) == 2:
                break
    padded = [*found, None, None]
    return padded[0], padded[1]


@dataclass(frozen=True)
class Outcome:
    """How one command ended: its exit code and, when it failed, the message and hint."""

    code: int
    message: str | None = None
    hint: str | None = None
    told: bool = False  # the person has been told already (the group's help was printed)
    busy: bool = False  # the database was busy: the same command may succeed when run again


ALL = "*"  # build_app(ALL): every group built, for running many commands in one process


def execute(
    command: Any, args: Sequence[str], prog_name: str = "svcops", parent: Any = None
) -> Outcome:
    """Run one command line through the Click tree `command` (a sub-command of `parent`'s
    command when a parent context is given); never raises."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    extra = {} if parent is None else {"parent": parent}
    try:
        result = command.main(args=list(args), prog_name=prog_name, standalone_mode=False, **extra)
    except SvcopsError as exc:
        _traceback_when_debugging()
        return Outcome(int(exc.exit_code), exc.message, exc.hint, busy=isinstance(exc, Busy))
    except NoArgsIsHelpError as exc:
        sys.stderr.write(exc.ctx.get_help() + "\n")
        return Outcome(int(ExitCode.USAGE), "a command is needed", _click_hint(exc), told=True)
    except ClickException as exc:
        return Outcome(int(ExitCode.USAGE), _click_message(exc), _click_hint(exc))
    except (KeyboardInterrupt, typer.Abort):
        return Outcome(int(ExitCode.INTERRUPTED), "interrupted; nothing of it was kept")
    except SystemExit as exc:  # raised inside Typer (e.g. its own broken-pipe handling)
        return Outcome(exc.code if isinstance(exc.code, int) else int(ExitCode.INTERNAL))
    except (BrokenPipeError, output.ReaderGone):
        raise
    except Exception as exc:  # the last line of defence: one line, unless debugging
        _traceback_when_debugging()
        return Outcome(
            int(ExitCode.INTERNAL),
            f"internal error: {type(exc).__name__}: {exc}",
            "set SVCOPS_DEBUG=1 for the traceback",
        )
    code = result if isinstance(result, int) else int(ExitCode.OK)
    # Typer's answer to Ctrl-C (and to SIGTERM while svcops writes a file)
    if code == ExitCode.INTERRUPTED:
        return Outcome(code, "interrupted; nothing of it was kept")
    return Outcome(code)


class Runner:
    """Runs command lines one after another through one command tree (batch mode).

    `svcops incident open ...` is parsed by the `open` command itself, under contexts for
    `svcops` and `svcops incident` made once: the root and the groups take no options in a
    batch line and have no callbacks to run (the root's --db is refused in a batch), so parsing
    them again for every line would only cost time. Anything else (a group alone, --help of a
    group, an unknown command) goes through the whole tree, exactly as on the command line.
    """

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        self._parents: dict[str, Any] = {}

    def __call__(self, args: Sequence[str]) -> Outcome:
        if len(args) >= 2 and not args[1].startswith("-"):
            group = getattr(self.tree, "commands", {}).get(args[0])
            leaf = getattr(group, "commands", {}).get(args[1])
            if leaf is not None and getattr(group, "callback", None) is None:
                return execute(leaf, args[2:], args[1], self._parent(args[0], group))
        return execute(self.tree, args)

    def _parent(self, name: str, group: Any) -> Any:
        parent = self._parents.get(name)
        if parent is None:
            root = self.tree.context_class(
                self.tree, info_name="svcops", **self.tree.context_settings
            )
            parent = group.context_class(
                group, info_name=name, parent=root, **group.context_settings
            )
            self._parents[name] = parent
        return parent


def main(argv: Sequence[str] | None = None) -> int:
    """Run svcops with `argv`; returns the exit code and never lets a traceback out."""
    from svcops.config import set_overrides

    args = list(sys.argv[1:] if argv is None else argv)
    set_overrides(db=None, config=None)
    for arg in args:
        problem = unreadable(arg)
        if problem:
            messages.error(f"argument {arg!r} {problem}")
            return int(ExitCode.USAGE)
    try:
        command = typer.main.get_command(build_app(*requested_command(args)))
        outcome = execute(command, args)
    except SvcopsError as exc:  # building the app can read the configuration
        outcome = Outcome(int(exc.exit_code), exc.message, exc.hint)
    except (BrokenPipeError, output.ReaderGone):
        _silence_stdout()
        return int(ExitCode.OK)
    if outcome.message is not None and not outcome.told:
        messages.error(outcome.message, outcome.hint)
    return outcome.code


def unreadable(arg: str) -> str | None:
    """What makes `arg` no command-line argument, or None: bytes that are not UTF-8 (the
    terminal's encoding could not read them), or a NUL, which no real command line holds (a
    batch line can) and no file name or stored text may."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 text"
    return "contains a NUL character" if "\x00" in arg else None


def _traceback_when_debugging() -> None:
    from svcops.config import debugging

    if debugging():
        import traceback

        traceback.print_exc()


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
    # no pydantic plugins: not scanning every package's entry points for them saves start-up
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main()
    # Leave without Python's teardown of every loaded module, which costs about 0.1 s of CPU
    # with the database stack loaded. Nothing is lost: each command has committed or rolled
    # back by now; the engines are closed (SQLite checkpoints its WAL) and the streams flushed.
    if "svcops.store.engine" in sys.modules:
        sys.modules["svcops.store.engine"].dispose_all()
    for stream in (sys.stdout, sys.stderr):
        with suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)
