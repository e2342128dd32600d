"""An export's lines as an import reads them: NDJSON objects by line number, and the checks
each field gets, with errors that name the line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from svcops.domain.documents import json_value
from svcops.domain.errors import InvalidInput
from svcops.domain.fields import COLUMN_NAMES, TIME_NAMES
from svcops.domain.keys import canonical_key
from svcops.domain.timeparse import check_range

TYPES = ("counter", "customer", "record", "event", "contact", "feedback")  # in export order
# a record's fields in an export: every column of the catalogue, then the kind's own
RECORD_FIELDS = COLUMN_NAMES
TIME_FIELDS = TIME_NAMES | {"at", "recorded_at", "received_at", "created_at"}


@dataclass
class ImportSummary:
    """What an import did, by type: how many objects were added and how many updated."""

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


class Line:
    """One input object, for errors that name where they are."""

    def __init__(self, number: int, obj: dict[str, Any]) -> None:
        self.number, self.obj = number, obj

    def fail(self, message: str) -> InvalidInput:
        return InvalidInput(f"line {self.number}: {message}")

    def get(self, name: str, *, required: bool = False) -> Any:
        value = self.obj.get(name)
        if required and (value is None or value == ""):
            raise self.fail(f"{self.obj.get('type')} needs {name!r}")
        return value

    def text(self, name: str, *, required: bool = False, choices: Sequence[str] = ()) -> str | None:
        """A string field (or null); with `choices`, one of them."""
        value = self.get(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{name} must be text, not {json.dumps(value)}")
        if "\x00" in value:
            raise self.fail(f"{name} contains a NUL character (PostgreSQL cannot store it)")
        if choices and value not in choices:
            raise self.fail(f"{name} {value!r} is not one of {', '.join(choices)}")
        return value

    def whole(
        self, name: str, low: int, high: int, *, required: bool = False, default: int | None = None
    ) -> int | None:
        """A whole-number field within [low, high] (or null, or `default`)."""
        value = self.get(name, required=required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(
                f"{name} must be a whole number from {low} to {high}, not {json.dumps(value)}"
            )
        return value

    def key(self, name: str, prefixes: Sequence[str], *, required: bool = True) -> str | None:
        """A key field (INC-4): upper-cased, of one of `prefixes`."""
        value = self.text(name, required=required)
        if value is None:
            return None
        canonical = canonical_key(value, prefixes)
        if canonical is None:
            raise self.fail(f"{name} {value!r} is not a {' or '.join(prefixes)} key")
        return canonical

    def time(self, name: str, *, required: bool = False) -> int | None:
        value = self.get(name, required=required)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{name} {value!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise self.fail(f"{name} {value!r} has no time zone (exports use ...Z)")
        try:
            check_range(moment, str(value))
        except InvalidInput as exc:
            raise self.fail(f"{name}: {exc.message}") from None
        return int(moment.timestamp())


def json_objects(lines: Iterable[str], what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank NDJSON line; InvalidInput naming a bad line."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json_value(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"line {number}: malformed JSON: {exc.msg} at column {exc.colno}"
            ) from None
        if not isinstance(obj, dict):
            raise InvalidInput(f"line {number}: expected a JSON object of {what}")
        yield number, obj


def parse_lines(lines: Iterable[str]) -> Iterator[Line]:
    """The objects of an export, each of a known type."""
    for number, obj in json_objects(lines, "an export (svcops export)"):
        if obj.get("type") not in TYPES:
            raise InvalidInput(
                f"line {number}: unknown type {obj.get('type')!r}",
                hint="types: " + ", ".join(TYPES),
            )
        yield Line(number, obj)
