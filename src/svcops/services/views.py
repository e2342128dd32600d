"""The plain data services hand back, with field names as PRODUCT.md section 4 fixes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svcops.domain.fields import shown_fields
from svcops.domain.lifecycle import Lifecycle
from svcops.store.records import RecordRow

EVENT_FIELDS = ("at", "actor", "action", "from", "to", "note")
CONTACT_FIELDS = ("record", "channel", "direction", "at", "agent", "note")


@dataclass(frozen=True)
class KnownErrorView:
    """A known error that may explain an incident: its problem and the workaround."""

    problem: str
    title: str
    matched_on: str  # "service vpn", "category network"
    workaround: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "title": self.title,
            "matched_on": self.matched_on,
            "workaround": self.workaround,
        }


@dataclass(frozen=True)
class RecordView:
    """A record as every output format shows it: `fields` in contract order."""

    fields: dict[str, Any]
    priority_overridden: bool = False
    stage_entered_at: datetime | None = None
    known_errors: tuple[KnownErrorView, ...] = ()

    @property
    def key(self) -> str:
        return str(self.fields["key"])


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_value: str | None
    to_value: str | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "from": self.from_value,
            "to": self.to_value,
            "note": self.note,
        }


@dataclass(frozen=True)
class ContactView:
    record: str
    channel: str
    direction: str
    at: datetime
    agent: str | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


@dataclass(frozen=True)
class RecordDetail:
    """`show`: the record, its contacts and its timeline."""

    record: RecordView
    contacts: list[ContactView]
    events: list[EventView]


@dataclass(frozen=True)
class RecordPage:
    """`list`: the records shown and how many matched before the limit."""

    records: list[RecordView]
    total: int


def record_view(
    lifecycle: Lifecycle, row: RecordRow, incidents: list[str] | None = None
) -> RecordView:
    r = row.record
    derived = {"customer": row.customer, "problem": row.problem, "incidents": incidents or [],
               **(r.attributes or {})}  # fmt: skip
    fields = {
        name: derived[name] if name in derived else getattr(r, name, None)
        for name in shown_fields(lifecycle.fields)
    }
    return RecordView(fields, r.priority_overridden, r.stage_entered_at)


def event_view(row: Sequence[Any]) -> EventView:
    """From an event row of the repository: (at, actor, action, from, to, note)."""
    return EventView(*row)


def contact_views(keys: dict[int, str], rows: Sequence[Sequence[Any]]) -> list[ContactView]:
    """From contact rows of the repository: (record id, channel, direction, at, agent, note)."""
    return [ContactView(keys[row[0]], *row[1:]) for row in rows]
