"""The formats for machines: json, ndjson, csv and tsv (PRODUCT.md section 4, Output)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TextIO

from svcops.cli.shapes import Document, Rows, Shape, flat


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
    columns, rows = flat(shape)
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
    columns, rows = flat(shape)
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
    columns, rows = flat(shape)
    lines = ["\t".join(c.translate(TSV_ESCAPES) for c in columns)]
    for row in rows:
        lines.append("\t".join(_cell(row.get(c)).translate(TSV_ESCAPES) for c in columns))
    out.write("\n".join(lines) + "\n")


WRITERS: dict[str, Callable[[Shape, TextIO, tzinfo | None], None]] = {
    "json": _json,
    "ndjson": _ndjson,
    "csv": _csv,
    "tsv": _tsv,
}
