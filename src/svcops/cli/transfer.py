"""`svcops export`, `svcops import` and `svcops import-log`: moving data in and out."""

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, TextIO

import typer

from svcops.cli import capture, output, render, shapes
from svcops.cli.options import Force, Format
from svcops.cli.progress import progress


def _source(path: str) -> TextIO:
    """The input as UTF-8 text (a byte-order mark is dropped), from a file or stdin."""
    from svcops.domain.errors import InvalidInput

    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


@contextmanager
def _reading(path: str) -> Iterator[TextIO]:
    """The opened input; text that is not UTF-8 is bad input (exit 2), not a crash."""
    from svcops.domain.errors import InvalidInput

    stream = _source(path)
    try:
        yield stream
    except UnicodeDecodeError as exc:
        where = "standard input" if path == "-" else path
        raise InvalidInput(
            f"{where} is not UTF-8 text (a byte {exc.object[exc.start]:#x} near there)",
            hint="convert it first, e.g. iconv -f latin1 -t utf-8",
        ) from None
    finally:
        if path == "-":
            stream.detach()  # type: ignore[attr-defined]
        else:
            stream.close()


def export_command(
    out: Annotated[
        str | None,
        typer.Option("--out", help="Write to this new file (default: stdout).", metavar="FILE"),
    ] = None,
    force: Force = False,
) -> None:
    """Write the whole database as NDJSON: one object per line with a `type` field, keys
    preserved. `svcops import` reads it back, into this backend or another."""
    from svcops.services.transfer import export_lines, export_to

    if out is not None:
        export_to(out, force=force)
        return
    try:
        for line in export_lines():
            capture.stdout().write(line + "\n")
    except BrokenPipeError:
        raise output.ReaderGone from None


def import_command(
    source: Annotated[
        str, typer.Argument(help="The file to read, or - for standard input.", metavar="FILE")
    ],
    kind: Annotated[
        str | None,
        typer.Option(help="Import flat records of this kind (one per row) instead of an export."),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            help="With --kind: csv or ndjson (default: ndjson for a .ndjson or .jsonl file).",
            metavar="csv|ndjson",
            show_default=False,
        ),
    ] = None,
    fmt: Format = None,
) -> None:
    """Load an export (`svcops export`) or, with --kind, records from another tool, in one
    transaction: a bad line stops it and nothing is kept."""
    from svcops.services.flat_import import import_records
    from svcops.services.transfer import import_dump

    with _reading(source) as stream:
        if kind is None:
            summary = import_dump(stream).as_dict()
        else:
            with progress(f"importing {kind}s") as advance:
                imported = import_records(
                    stream, kind=kind, fmt=_input_format(source, input_format), progress=advance
                )
            summary = imported.as_dict()
    if kind is None:  # an export's summary: what happened to each type of object
        rows = [
            {
                "type": name,
                **{what: summary[what][name] for what in ("added", "updated", "unchanged")},
            }
            for name in summary["added"]
        ]
        shape: shapes.Shape = shapes.Rows(
            ("type", "added", "updated", "unchanged"), rows, key="type"
        )
    else:
        shape = shapes.Item(summary, key="records")
    render.show(shape, fmt, False)


def _input_format(source: str, given: str | None) -> str:
    """The flat input's format: as given, else by the file's name (CSV unless it says JSON)."""
    if given is not None:
        return given.lower()
    return "ndjson" if source.lower().endswith((".ndjson", ".jsonl")) else "csv"


def import_log_command(
    source: Annotated[
        str, typer.Argument(help="The event log (CSV), or - for standard input.", metavar="FILE")
    ],
    mapping: Annotated[
        str,
        typer.Option(
            "--mapping",
            help="The TOML file mapping the log's columns and values.",
            metavar="MAPPING.toml",
        ),
    ],
    fmt: Format = None,
) -> None:
    """Import an event log (one row per state change of a case: ServiceNow, Jira, process
    mining exports) and rebuild each case as a record with its stage history."""
    from svcops.services.log_import import import_log
    from svcops.services.mapping import read_mapping

    rules = read_mapping(mapping)
    with _reading(source) as stream, progress("importing the log") as advance:
        summary = import_log(stream, rules, progress=advance)
    render.show(shapes.Item(summary.as_dict(), key="records"), fmt, False)
