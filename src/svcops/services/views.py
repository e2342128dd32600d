"""The plain data services hand back, with field names as PRODUCT.md section 4 fixes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from svcops.domain.fields import shown_fields
from svcops.domain.kinds import lifecycle
from svcops.domain.lifecycle import Lifecycle
from svcops.domain.sla import Clocks
from svcops.services.sla import clock_fields, record_clocks
from svcops.store.records import RecordRow
from svcops.store.tables import StoredRecord
from svcops.store.work import UnitOfWork

if TYPE_CHECKING:
    from svcops.services.base import Call

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
    lifecycle: Lifecycle,
    row: RecordRow,
    incidents: list[str] | None = None,
    clocks: Clocks | None = None,
) -> RecordView:
    r = row.record
    derived = {"customer": row.customer, "problem": row.problem, "incidents": incidents or [],
               **(r.attributes or {}), **clock_fields(clocks)}  # fmt: skip
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


def view_of(uow: UnitOfWork, call: Call, life: Lifecycle, row: RecordRow) -> RecordView:
    """A record as the services hand it back: with its linked records, its SLA clocks and,
    when it points at a kind with a known-error register, the known errors that may explain
    it."""
    record = row.record
    linked = None
    assert record.id is not None
    if life.linked_from:
        linked = uow.records.linked_incidents([record.id]).get(record.id, [])
    clocks = record_clocks(uow, call.settings.sla, [record], call.now).get(record.id)
    view = record_view(life, row, linked, clocks)
    target = lifecycle(life.links_to) if life.links_to else None
    if target is not None and target.known_error_stage:  # what its register says about it
        view = replace(view, known_errors=_known_errors(uow, target, record))
    return view


def _known_errors(
    uow: UnitOfWork, register: Lifecycle, record: StoredRecord
) -> tuple[KnownErrorView, ...]:
    found = []
    matching = uow.records.known_errors_matching(
        register.kind, register.known_error_stage, record.service, record.category
    )
    for problem in matching:
        on = "service" if record.service and problem.service == record.service else "category"
        found.append(
            KnownErrorView(
                problem.key, problem.title, f"{on} {getattr(record, on)}", problem.workaround
            )
        )
    return tuple(found)
