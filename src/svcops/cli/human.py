"""The formats for people: table (Rich on a terminal, plain aligned text otherwise) and md."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from typing import Any, TextIO

from svcops.cli.capture import is_terminal
from svcops.cli.shapes import Document, Rows, Shape

Block = tuple[str | None, list[str], list[dict[str, Any]]]  # (title, columns, rows)


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


def _table_parts(shape: Shape) -> list[Block]:
    """(title, columns, rows) blocks: an Item becomes a field/value block plus its sections."""
    if isinstance(shape, Rows):
        return [(shape.title, list(shape.table_columns or shape.columns), list(shape.rows))]
    if isinstance(shape, Document):
        return [part for section in shape.sections for part in _table_parts(section)]
    pairs = [{"field": k, "value": v} for k, v in shape.fields.items()]
    blocks: list[Block] = [(shape.title, ["field", "value"], pairs)]
    for section in shape.sections:
        blocks.extend(_table_parts(section))
    return blocks


def _blocks(shape: Shape, out: TextIO) -> Iterator[Block]:
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

WRITERS: dict[str, Callable[[Shape, TextIO, tzinfo | None], None]] = {
    "table": _table,
    "md": _markdown,
}
