"""Every format svcops prints, chosen and written (PRODUCT.md section 4, Output).

`table` is a Rich table on a terminal and plain aligned text otherwise (no colour, no box art,
no wrapping), json/ndjson/csv/tsv/md are for machines and documents, `-q` prints keys only.
Data goes to stdout; messages go to stderr (svcops.cli.messages).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TextIO

from svcops.cli import human, machine
from svcops.cli.capture import collector, forced_format, stdout
from svcops.cli.shapes import Shape, flat
from svcops.domain.formats import FORMATS

_WRITERS: dict[str, Callable[[Shape, TextIO, tzinfo | None], None]] = {
    **human.WRITERS,
    **machine.WRITERS,
}


class ReaderGone(Exception):
    """stdout's reader went away (`| head`): the command's work is done, stop quietly."""


def choose_format(requested: str | None, configured: str | None) -> str:
    fmt = forced_format() or requested or configured or "table"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        from svcops.domain.errors import InvalidInput

        raise InvalidInput(f"unknown format {fmt!r}", hint="formats: " + ", ".join(FORMATS))
    return fmt


def emit(shape: Shape, fmt: str, *, quiet: bool = False, zone: tzinfo | None = None) -> None:
    """Print `shape` to stdout in `fmt` (or only its keys when `quiet`)."""
    out = stdout()
    if quiet:
        _columns, rows = flat(shape)
        try:
            for row in rows:
                value = row.get(shape.key)
                if value is not None:
                    out.write(f"{value}\n")
            out.flush()
        except BrokenPipeError:
            raise ReaderGone from None
        return
    values = collector()
    if values is not None and fmt == "json":
        values.append(machine.json_data(shape))
        return
    try:
        _WRITERS[fmt](shape, out, zone)
        out.flush()
    except BrokenPipeError:
        raise ReaderGone from None
