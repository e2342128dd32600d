"""The field catalogue: every field a record can have, defined once.

Each field says what it holds (its type, its choices or range), whether every kind has it or
only the kinds that list it, whether outputs show it, whether imports take it as a column and
the `open` command as an option, and where it is kept. The record table, the `open` options,
validation, flat import, dump import and export, and every output read the order and the rules
from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.numbers import whole_number
from svcops.domain.priority import PRIORITIES, check_level, check_priority
from svcops.domain.vocabulary import CHANNELS, DELIVERY_MODELS, choice


class Type(StrEnum):
    TEXT = "text"  # free text
    CHOICE = "choice"  # one of `choices`
    WHOLE = "whole"  # a whole number within low..high
    FLAG = "flag"  # true or false
    TIME = "time"  # an instant (UTC)
    KEY = "key"  # the key of another row: a customer, a problem


@dataclass(frozen=True)
class Field:
    """One field of a record."""

    name: str
    type: Type
    common: bool = True  # every kind has it; else only the kinds that list it in `fields`
    shown: bool = True  # part of the record every output shows (else: dumps only)
    choices: tuple[str, ...] = ()
    default: str | None = None  # a choice taken when none is given
    initial: Any = None  # what a new record holds when nothing is given (0 reopens)
    required: bool = False  # every stored record has it
    low: int = 0
    high: int = 10**12
    column: bool = True  # a column of the record table; else kept in the record's attributes
    flat: bool = False  # a column of a flat import
    option: str = ""  # help of the `open` option that sets it ("": open does not set it)
    flag: str = ""  # that option's name, when it is not --<name> (due_at is --due)
    refers_to: str = ""  # KEY fields: the prefix kind of what it names ("customer", "problem")
    after_opening: bool = False  # TIME fields the user gives: never before the record opened
    parse: Callable[[str, str], Any] | None = None  # the domain's own reading (text, name)

    @property
    def option_name(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def param(self) -> str:
        """The option's name as a Python parameter (`--due` is `due`)."""
        return self.option_name[2:].replace("-", "_")

    def read(self, text: str) -> Any:
        """A CHOICE, WHOLE, FLAG or TEXT field's value from text; InvalidInput naming it.
        (TIME and KEY values need a clock or a lookup: their callers read them.)"""
        if self.parse is not None:
            return self.parse(text, self.name)
        if self.type is Type.CHOICE:
            return choice(text, self.choices, self.name)
        if self.type is Type.WHOLE:
            number = whole_number(text)
            if number is None:
                raise InvalidInput(f"{self.name} must be a whole number, not {text!r}")
            if not self.low <= number <= self.high:
                raise InvalidInput(
                    f"{self.name} must be a whole number from {self.low} to {self.high}, "
                    f"not {text!r}"
                )
            return number
        if self.type is Type.FLAG:
            cleaned = text.strip().lower()
            if cleaned not in _FLAGS:
                raise InvalidInput(f"{self.name} must be true or false, not {text!r}")
            return _FLAGS[cleaned]
        return text


T = Type
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

# in the order of the record table and of every dump
RECORD_FIELDS: tuple[Field, ...] = (
    Field("key", T.TEXT, flat=True, required=True),
    Field("kind", T.TEXT, required=True),
    Field("number", T.WHOLE, shown=False, low=1, required=True),
    Field("title", T.TEXT, flat=True, required=True),
    Field("stage", T.TEXT, flat=True, required=True),
    Field(
        "priority",
        T.CHOICE,
        choices=PRIORITIES,
        flat=True,
        parse=lambda text, _: check_priority(text),
    ),
    Field("priority_overridden", T.FLAG, shown=False, initial=False),
    Field("impact", T.WHOLE, flat=True, low=1, high=3, parse=check_level),
    Field("urgency", T.WHOLE, flat=True, low=1, high=3, parse=check_level),
    Field("service", T.TEXT, flat=True),
    Field("category", T.TEXT, flat=True),
    Field("channel", T.CHOICE, choices=CHANNELS, flat=True),
    Field("customer", T.KEY, refers_to="customer"),
    Field("assignee", T.TEXT, flat=True),
    Field("team", T.TEXT, flat=True),
    Field("problem", T.KEY, common=False, refers_to="problem"),
    Field("root_cause", T.TEXT, common=False, flat=True),
    Field("workaround", T.TEXT, common=False, flat=True),
    Field(
        "model",
        T.CHOICE,
        common=False,
        choices=DELIVERY_MODELS,
        default=DELIVERY_MODELS[0],
        flat=True,
        option="Delivery model: customer_service, support or product_delivery.",
    ),
    Field(
        "due_at",
        T.TIME,
        common=False,
        flat=True,
        option="When it is due (a date).",
        flag="--due",
        after_opening=True,
    ),
    Field("hold_reason", T.TEXT, common=False),
    Field("held_from", T.TEXT, shown=False),
    Field("held_since", T.TIME, shown=False),
    Field("paused_s", T.WHOLE, shown=False, initial=0),
    Field("opened_at", T.TIME, flat=True, required=True),
    Field("stage_entered_at", T.TIME, shown=False, required=True),
    Field("first_response_at", T.TIME, flat=True),
    Field("resolved_at", T.TIME, flat=True),
    Field("first_resolved_at", T.TIME, shown=False),
    Field("closed_at", T.TIME, flat=True),
    Field("reopen_count", T.WHOLE, flat=True, high=10**9, initial=0),
    Field("version", T.WHOLE, shown=False, low=1, initial=1),
    Field("external_id", T.TEXT, shown=False, flat=True),
    Field("source_hash", T.TEXT, shown=False),
)
# derived for a record as it is shown: the keys of the incidents linked to a problem
LINKED = Field("incidents", T.KEY, common=False, column=False, refers_to="incident")

# derived for a record as it is shown: its SLA clocks (domain/sla.py), None where none applies
CLOCKS = (
    Field("response_due_at", T.TIME, column=False),
    Field("resolution_due_at", T.TIME, column=False),
    Field("sla_response", T.TEXT, column=False),
    Field("sla_resolution", T.TEXT, column=False),
)
CLOCK_NAMES = tuple(f.name for f in CLOCKS)

_BY_NAME: dict[str, Field] = {f.name: f for f in (*RECORD_FIELDS, LINKED, *CLOCKS)}
_OWN: dict[str, Field] = {}  # fields kinds define for themselves (kept in attributes)


# names a kind's own field cannot take: an export's record keys, the table's other columns, and
# the parameters `open` has already
RESERVED = frozenset(
    {"type", "id", "customer_id", "problem_id", "attributes", "at", "note", *CLOCK_NAMES}
)


def define(field: Field) -> Field:
    """Add a kind's own field to the catalogue (kept in the record's attributes)."""
    if field.name in RESERVED or any(f.name == field.name for f in RECORD_FIELDS):
        raise ValueError(f"field {field.name!r}: the name is taken by a record's own keys")
    if field.name in _BY_NAME and _BY_NAME[field.name] != field:
        raise ValueError(f"field {field.name!r} is already defined otherwise")
    if field.common or field.column:
        raise ValueError(f"field {field.name!r}: a kind's own field is not common, no column")
    if field.type is Type.KEY:  # what a record points at is a capability (links_to)
        raise ValueError(f"field {field.name!r}: a kind's own field cannot be a key")
    _BY_NAME[field.name] = _OWN[field.name] = field
    return field


def field_named(name: str) -> Field:
    return _BY_NAME[name]


def own_fields(names: tuple[str, ...]) -> tuple[Field, ...]:
    """Of a kind's fields, those kept in the record's attributes rather than a column."""
    return tuple(_OWN[name] for name in names if name in _OWN)


COLUMN_NAMES = tuple(f.name for f in RECORD_FIELDS)
COMMON_SHOWN = tuple(f.name for f in RECORD_FIELDS if f.common and f.shown)
TIME_NAMES = frozenset(f.name for f in RECORD_FIELDS if f.type is T.TIME)
# a flat import's columns: the fields it takes, in the catalogue's order
FLAT_NAMES = tuple(f.name for f in RECORD_FIELDS if f.flat)
# what a record's identity and history are rebuilt from, rather than read as they are
REBUILT = frozenset({"key", "stage", "external_id", *TIME_NAMES})
# the fields every import reads as they are: text, and values checked against their rules
IMPORTED = tuple(name for name in FLAT_NAMES if name not in REBUILT)
IMPORTED_TEXT = tuple(name for name in IMPORTED if field_named(name).type is T.TEXT)


def shown_fields(kind_fields: tuple[str, ...]) -> tuple[str, ...]:
    """The fields a record of a kind with `kind_fields` shows, in output order."""
    return (*COMMON_SHOWN, *kind_fields, *CLOCK_NAMES)


def open_options(kind_fields: tuple[str, ...]) -> tuple[Field, ...]:
    """A kind's fields that `open` sets, each with an option of its own."""
    return tuple(f for f in map(field_named, kind_fields) if f.option)


def forget(*names: str) -> None:
    """Take kinds' own fields out of the catalogue again (tests define throwaway kinds)."""
    for name in names:
        del _OWN[name], _BY_NAME[name]
