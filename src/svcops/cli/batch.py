"""`svcops batch`: many commands in one process, JSON lines in and out.

Each input line is a JSON array of svcops arguments without the leading `svcops`; each output
line is `{"line": N, "exit": 0, "result": ...}` (what `--format json` prints) or
`{"line": N, "exit": CODE, "error": "..."}`. The lines run through the same command tree as the
command line, so parsing and validation are the CLI's own.
"""

import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext, redirect_stdout
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from svcops.cli import capture
from svcops.domain.errors import ExitCode, SvcopsError

if TYPE_CHECKING:
    from svcops.cli.app import Outcome, Runner

# a batch inside a batch; a demo that replaces the database; bulk commands of their own
# (an import from `-` would read the batch's own lines)
NOT_IN_BATCH = {"batch", "demo", "export", "import", "import-log"}
# schema and backup commands take their own locks: they never run inside the lines' transaction
OWN_TRANSACTION = {"db"}


def command(
    source: Annotated[
        str, typer.Argument(help="A file of JSON lines, or - for standard input.", metavar="FILE")
    ] = "-",
    atomic: Annotated[
        bool,
        typer.Option(
            "--atomic",
            help="One transaction for all lines: the first failure rolls everything back and "
            "stops.",
        ),
    ] = False,
) -> None:
    """Run many commands in one process: a JSON array of arguments per line in, one JSON
    result per line out. Exits 0 when every line succeeded, else with the first failure's code."""
    from svcops.cli.app import ALL, Runner, build_app
    from svcops.services.base import all_or_nothing, many_calls

    run = Runner(typer.main.get_command(build_app(ALL)))
    stream = _open(source)
    try:
        with (
            many_calls(grouped=not atomic) as held,
            all_or_nothing() if atomic else nullcontext(),
        ):
            results = _Results(held)
            for number, raw in _lines(stream, results.flush):
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    report = _failure(number, 2, f"not UTF-8 text (byte {exc.start + 1})")
                else:
                    if not line.strip():
                        continue
                    report = _run_line(run, number, line, atomic, results)
                results.add(report)
                if report["exit"] == ExitCode.INTERRUPTED:  # Ctrl-C stops the whole batch;
                    results.flush()  # the lines that ran are kept (in --atomic: not)
                    raise _Stop
                if atomic and report["exit"] != 0:
                    raise _Stop
            results.flush()
    except _Stop:
        pass
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if results.first_failure:
        raise typer.Exit(results.first_failure)


GROUP_LINES = 1000  # at most this many lines ...
GROUP_SECONDS = 0.1  # ... or this long between commits


class _Results:
    """The lines' results, written as their work is committed.

    Lines run one after another, each in a savepoint of a transaction they share, committed
    every GROUP_LINES lines or GROUP_SECONDS, before a line that only reads, before reading
    input that has not arrived yet (a script that waits for each result gets it at once), and
    at the end. A line's result is printed only once what it did is committed: a result on
    stdout is a change kept. Should the commit fail, every line waiting on it is reported
    failed with the reason (none of it was kept), just as a line that fails on its own is.
    """

    def __init__(self, held: Any) -> None:
        self.held = held
        self.pending: list[dict[str, Any]] = []
        self.first_failure = 0
        self.lines = 0  # lines run since the last commit
        self.since = time.monotonic()
        self.out = sys.stdout  # not a line's own output, which a commit may come in the middle of
        held.settle = self.flush  # a line that only reads: the writes before it are committed

    def add(self, report: dict[str, Any]) -> None:
        self.pending.append(report)
        self.lines += 1
        if (
            not self.held.sound()
            or self.lines >= GROUP_LINES
            or time.monotonic() - self.since > GROUP_SECONDS
        ):
            self.flush()
        elif not self.held.uncommitted:  # nothing it may depend on waits to be committed
            self._write()

    def flush(self) -> None:
        try:
            self.held.commit()
        except BaseException as exc:  # a line that failed on its own keeps its own reason
            code, message = _commit_failure(exc)
            self.pending = [_failure(r["line"], code, message) if r["exit"] == 0 else r
                            for r in self.pending]  # fmt: skip
            if not isinstance(exc, Exception):  # Ctrl-C: told, then on its way out
                self._write()
                raise
        self._write()
        self.lines, self.since = 0, time.monotonic()

    def _write(self) -> None:
        pending, self.pending = self.pending, []
        for report in pending:
            report = self._emit(report)
            self.first_failure = self.first_failure or report["exit"]

    def _emit(self, report: dict[str, Any]) -> dict[str, Any]:
        try:
            text = json.dumps(report, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            report = _failure(
                report["line"], 1, f"internal error: a result that is not JSON: {exc}"
            )
            text = json.dumps(report)
        try:
            self.out.write(text + "\n")
        except UnicodeEncodeError:  # text stdout's encoding cannot hold: JSON's \u escapes can
            self.out.write(json.dumps(report) + "\n")
        self.out.flush()
        return report


def _commit_failure(exc: BaseException) -> tuple[int, str]:
    """The exit code and the reason for each line a failed commit did not keep."""
    if isinstance(exc, SvcopsError):
        return int(exc.exit_code), exc.message
    if isinstance(exc, KeyboardInterrupt):
        return int(ExitCode.INTERRUPTED), "interrupted while committing: may not have been kept"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    message = f"internal error: the commit failed: {type(exc).__name__}: {first}"
    return int(ExitCode.INTERNAL), message


class _Stop(Exception):
    """The first failure of an atomic batch: leave the transaction, rolling it back."""


def _lines(stream: BinaryIO, before_waiting: Callable[[], None]) -> Iterator[tuple[int, bytes]]:
    """The input's numbered lines; `before_waiting` runs before each read that may have to
    wait for input (all lines that have arrived are run first)."""
    buffer, start, number = b"", 0, 0
    while True:
        end = buffer.find(b"\n", start)
        if end >= 0:
            number += 1
            yield number, buffer[start : end + 1]
            start = end + 1
            continue
        before_waiting()
        chunk = stream.read1(1 << 16) if hasattr(stream, "read1") else stream.read(1 << 16)
        if not chunk:
            if start < len(buffer):
                yield number + 1, buffer[start:]
            return
        buffer, start = buffer[start:] + chunk, 0


def _open(source: str) -> BinaryIO:
    """Bytes, so that one line that is not UTF-8 is that line's error, not the batch's."""
    from svcops.domain.errors import InvalidInput

    if source == "-":
        return sys.stdin.buffer
    try:
        return open(source, "rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror}") from None


def _run_line(
    run: "Runner", number: int, line: str, atomic: bool, results: _Results
) -> dict[str, Any]:
    from svcops.cli.app import ROOT_OPTIONS_WITH_VALUES, unreadable
    from svcops.domain.documents import json_value

    try:
        args = json_value(line)
    except json.JSONDecodeError as exc:
        return _failure(number, 2, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args) or not args:
        return _failure(number, 2, "a line must be a JSON array of strings (svcops arguments)")
    if args[0] in NOT_IN_BATCH:
        return _failure(number, 2, f"svcops {args[0]} cannot run inside a batch")
    if args[0] in OWN_TRANSACTION:
        if atomic:
            return _failure(number, 2, f"svcops {args[0]} cannot run inside an --atomic batch")
        results.flush()  # it must not wait for the lock the lines before it hold
    problem = next(filter(None, map(unreadable, args)), None)
    if problem:  # a lone surrogate (JSON's \udc80), a NUL (\u0000)
        return _failure(number, 2, f"an argument {problem}")
    if args[0] in ROOT_OPTIONS_WITH_VALUES or args[0].startswith("-"):
        return _failure(number, 2, "root options go before `batch` (svcops --db X batch)")
    waiting = results.held.uncommitted
    outcome, result = _execute(run, args)
    if outcome.busy and waiting:
        # it may have waited for a lock that another batch holds while that one waits for a
        # lock the lines before this one hold (a deadlock, which PostgreSQL ends by failing
        # one of the two): those lines are committed, their locks let go, and it runs again
        results.flush()
        outcome, result = _execute(run, args)
    if outcome.code != 0:
        return _failure(number, outcome.code, outcome.message or "failed")
    return {"line": number, "exit": 0, "result": result}


def _execute(run: "Runner", args: list[str]) -> tuple["Outcome", Any]:
    """Run one line's command; its result is what `--format json` prints."""
    buffer = io.StringIO()
    # everything a line prints goes into its result, even Click's own --help text
    with capture.collected(buffer) as values, redirect_stdout(buffer):
        outcome = run(args)
    printed = buffer.getvalue().splitlines()  # -q: the keys; --help: its text
    return outcome, (values[0] if len(values) == 1 and not printed else [*values, *printed] or None)


def _failure(number: int, code: int, message: str) -> dict[str, Any]:
    return {"line": number, "exit": code, "error": message}
