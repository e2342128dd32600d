"""Every format svcops prints, in one place (PRODUCT.md section 4, Output).

`table` is a Rich table on a terminal and plain aligned text otherwise (no colour, no box art,
no wrapping), json/ndjson/csv/tsv/md are for machines and documents, `-q` prints keys only.
Data goes to stdout; messages go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, TextIO

FORMATS = ("table", "json", "ndjson", "csv", "tsv", "md")

_stdout: ContextVar[TextIO | None] = ContextVar("svcops_stdout", default=None)
_forced_format: ContextVar[str | None] = ContextVar("svcops_format", default=None)
_collector: ContextVar[list[Any] | None] = ContextVar("svcops_collector", default=None)


@contextmanager
def collected(stream: TextIO) -> Iterator[list[Any]]:
    """Results as values, for a caller that embeds them in its own output (batch mode): what
    `--format json` would print is appended to the list instead, as the same JSON values;
    anything else a command prints (the keys of -q) goes to `stream`."""
    values: list[Any] = []
    tokens = (_stdout.set(stream), _forced_format.set("json"), _collector.set(values))
    try:
        yield values
    finally:
        _stdout.reset(tokens[0])
        _forced_format.reset(tokens[1])
        _collector.reset(tokens[2])


def stdout() -> TextIO:
    return _stdout.get() or sys.stdout


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Rows:
    """A list of objects: `columns` for machines, `table_columns` (a subset) for people."""

    columns: Sequence[str]
    rows: Sequence[dict[str, Any]]
    table_columns: Sequence[str] | None = None
    title: str | None = None
    key: str = "key"


@dataclass
class Item:
    """One object: printed as an object (json) or a field/value list (table)."""

    fields: dict[str, Any]
    title: str | None = None
    key: str = "key"
    sections: list[Rows] = field(default_factory=list)  # shown only in table format


@dataclass
class Document:
    """A nested result (a report): `data` for json, `flat` rows for ndjson/csv/tsv, and
    `sections` of rows for people (table, md)."""

    data: dict[str, Any]
    flat: Rows
    sections: list[Rows]
    key: str = "key"


Shape = Rows | Item | Document


def _flat(shape: Shape) -> tuple[list[str], Sequence[dict[str, Any]]]:
    """The columns and rows of a shape for the one-row-per-object formats."""
    if isinstance(shape, Rows):
        return list(shape.columns), shape.rows
    if isinstance(shape, Document):
        return list(shape.flat.columns), shape.flat.rows
    return list(shape.fields), [shape.fields]


def choose_format(requested: str | None, configured: str | None) -> str:
    fmt = _forced_format.get() or requested or configured or "table"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        from svcops.domain.errors import InvalidInput

        raise InvalidInput(f"unknown format {fmt!r}", hint="formats: " + ", ".join(FORMATS))
    return fmt


def emit(shape: Shape, fmt: str, *, quiet: bool = False, zone: tzinfo | None = None) -> None:
    """Print `shape` to stdout in `fmt` (or only its keys when `quiet`)."""
    out = stdout()
    if quiet:
        _columns, rows = _flat(shape)
        try:
            for row in rows:
                value = row.get(shape.key)
                if value is not None:
                    out.write(f"{value}\n")
            out.flush()
        except BrokenPipeError:
            raise ReaderGone from None
        return
    values = _collector.get()
    if values is not None and fmt == "json":
        values.append(json_data(shape))
        return
    writer: Callable[[Shape, TextIO, tzinfo | None], None] = _WRITERS[fmt]
    try:
        writer(shape, out, zone)
        out.flush()
    except BrokenPipeError:
        raise ReaderGone from None


class ReaderGone(Exception):
    """stdout's reader went away (`| head`): the command's work is done, stop quietly."""


# ---- machine formats ------------------------------------------------------------------------


def machine_value(value: Any) -> Any:
    from svcops.domain.timeparse import format_instant

    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, (list, tuple)):
        return [machine_value(v) for v in value]
    if isinstance(value, dict):
        return {k: machine_value(v) for k, v in value.items()}
    return value


def json_data(shape: Shape) -> Any:
    """A shape as the JSON format's values: lists, objects, text, numbers."""
    if isinstance(shape, Rows):
        return [machine_value({c: r.get(c) for c in shape.columns}) for r in shape.rows]
    if isinstance(shape, Document):
        return machine_value(shape.data)
    return machine_value(shape.fields)


def _json(shape: Shape, out: TextIO, _zone: tzinfo | None) -> None:
    json.dump(json_data(shape), out, ensure_ascii=False, indent=2)
    out.write("\n")


def _ndjson(shape: Shape, out: TextIO, _zone: tzinfo | None) -> None:
    columns, rows = _flat(shape)
    for row in rows:
        out.write(json.dumps(machine_value({c: row.get(c) for c in columns}), ensure_ascii=False))
        out.write("\n")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs such a text cell
TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value: Any) -> str:
    """A value as one CSV or TSV cell: text that a spreadsheet would read as a formula gets a
    leading `'` (OWASP's advice against CSV injection); numbers stay numbers."""
    value = machine_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    # text already quoted that way gets one more quote, so dropping one always gives it back
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def _csv(shape: Shape, out: TextIO, _zone: tzinfo | None) -> None:
    """RFC 4180 with `\\n` line ends: a field holding a comma, a quote, a newline or a carriage
    return is quoted (Python's csv module leaves a lone carriage return unquoted)."""
    columns, rows = _flat(shape)
    lines = [",".join(_csv_field(c) for c in columns)]
    for row in rows:
        lines.append(",".join(_csv_field(_cell(row.get(c))) for c in columns))
    if len(columns) == 1:  # one empty field would be an empty line, which readers skip
        lines = [line or '""' for line in lines]
    out.write("\n".join(lines) + "\n")


def _csv_field(text: str) -> str:
    if any(char in text for char in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv(shape: Shape, out: TextIO, _zone: tzinfo | None) -> None:
    """One record a line, as line-based tools expect: tab, newline, carriage return and
    backslash inside a field are written `\\t`, `\\n`, `\\r`, `\\\\`; nothing is quoted."""
    columns, rows = _flat(shape)
    lines = ["\t".join(c.translate(TSV_ESCAPES) for c in columns)]
    for row in rows:
        lines.append("\t".join(_cell(row.get(c)).translate(TSV_ESCAPES) for c in columns))
    out.write("\n".join(lines) + "\n")


# ---- formats for people ---------------------------------------------------------------------


def human_value(value: Any, zone: tzinfo | None, empty: str = "-") -> str:
    if value is None or value == []:
        return empty
    if isinstance(value, datetime):
        local = value.astimezone(zone) if zone is not None else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _table_parts(shape: Shape) -> list[tuple[str | None, list[str], list[dict[str, Any]]]]:
    """(title, columns, rows) blocks: an Item becomes a field/value block plus its sections."""
    if isinstance(shape, Rows):
        return [(shape.title, list(shape.table_columns or shape.columns), list(shape.rows))]
    if isinstance(shape, Document):
        return [part for section in shape.sections for part in _table_parts(section)]
    pairs = [{"field": k, "value": v} for k, v in shape.fields.items()]
    blocks: list[tuple[str | None, list[str], list[dict[str, Any]]]] = [
        (shape.title, ["field", "value"], pairs)
    ]
    for section in shape.sections:
        blocks.extend(_table_parts(section))
    return blocks


def _blocks(
    shape: Shape, out: TextIO
) -> Iterator[tuple[str | None, list[str], list[dict[str, Any]]]]:
    """The table blocks of a shape, with a blank line written between them."""
    for index, block in enumerate(_table_parts(shape)):
        if index:
            out.write("\n")
        yield block


def _markdown(shape: Shape, out: TextIO, zone: tzinfo | None) -> None:
    for title, columns, rows in _blocks(shape, out):
        if title:
            out.write(f"### {title}\n\n")
        out.write("| " + " | ".join(columns) + " |\n")
        out.write("|" + "|".join("---" for _ in columns) + "|\n")
        for row in rows:
            cells = [human_value(row.get(c), zone, "").replace("|", "\\|") for c in columns]
            out.write("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |\n")


def _table(shape: Shape, out: TextIO, zone: tzinfo | None) -> None:
    if is_terminal(out) and out is sys.stdout:
        _rich_table(shape, zone)
    else:
        _plain_table(shape, out, zone)


def _plain_table(shape: Shape, out: TextIO, zone: tzinfo | None) -> None:
    for title, columns, rows in _blocks(shape, out):
        if title:
            out.write(f"{title}\n")
        if not rows:
            out.write("(none)\n")
            continue
        header = [c.upper() for c in columns] if columns != ["field", "value"] else None
        cells = [[human_value(r.get(c), zone).replace("\n", " ") for c in columns] for r in rows]
        grid = ([header] if header else []) + cells
        widths = [max(len(line[i]) for line in grid) for i in range(len(columns))]
        for line in grid:
            padded = [text.ljust(widths[i]) for i, text in enumerate(line[:-1])] + [line[-1]]
            out.write("  ".join(padded).rstrip() + "\n")


def _rich_table(shape: Shape, zone: tzinfo | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")))
    for title, columns, rows in _table_parts(shape):
        if columns == ["field", "value"]:
            table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
            table.add_column(style="bold")
            table.add_column(overflow="fold")
        else:
            table = Table(
                title=title,
                box=box.SIMPLE_HEAD,
                title_justify="left",
                pad_edge=False,
                collapse_padding=True,
            )
            for column in columns:
                free_text = column in WRAPPING
                table.add_column(
                    column,
                    overflow="fold" if free_text else "ellipsis",
                    no_wrap=not free_text,
                    ratio=1 if free_text else None,
                    min_width=8 if free_text else None,
                )
        for row in rows:
            table.add_row(*[Text(human_value(row.get(c), zone, "–")) for c in columns])
        if not rows:
            console.print(Text(f"{title or ''} (none)".strip(), style="dim"))
        else:
            console.print(table)


# columns of free text: they take the width the others leave, and wrap
WRAPPING = {"title", "note", "description", "comment", "root_cause", "workaround", "moves",
            "value", "matched_on", "name"}  # fmt: skip

_WRITERS: dict[str, Callable[[Shape, TextIO, tzinfo | None], None]] = {
    "table": _table,
    "json": _json,
    "ndjson": _ndjson,
    "csv": _csv,
    "tsv": _tsv,
    "md": _markdown,
}


# ---- messages -------------------------------------------------------------------------------


def message(text: str) -> None:
    """A note for the person at the terminal (stderr), never part of the data."""
    sys.stderr.write(text + "\n")


def error(text: str, hint: str | None = None) -> None:
    sys.stderr.write(f"svcops: error: {text}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on stderr while a person watches (stderr is a terminal); nothing for
    scripts and cron. Yields `advance(done, total)`; total None shows a count."""
    if not is_terminal(sys.stderr):

        def ignore(done: int, total: int | None = None) -> None:
            return None

        yield ignore
        return
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)

    def advance(done: int, total: int | None = None) -> None:
        bar.update(task, completed=done, total=total)

    bar.start()
    try:
        yield advance
    finally:
        bar.stop()
