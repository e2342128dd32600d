"""Opening a record of any kind: its fields checked by the catalogue, its priority from the
matrix, its first contact logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from svcops.domain import lifecycle as lc
from svcops.domain.errors import InvalidInput
from svcops.domain.fields import Type, open_options
from svcops.domain.kinds import lifecycle
from svcops.domain.lifecycle import Lifecycle
from svcops.domain.priority import check_level, check_priority, priority_for
from svcops.domain.timeparse import format_instant
from svcops.domain.vocabulary import CHANNELS, UNATTENDED_CHANNELS, choice
from svcops.services.base import (
    Call,
    clean_text,
    record_event,
    required_text,
    transaction,
)
from svcops.services.views import (
    RecordView,
    view_of,
)
from svcops.store.records import RecordRow


def open_record(
    kind: str,
    title: str,
    *,
    impact: int | str | None = None,
    urgency: int | str | None = None,
    priority: str | None = None,
    service: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    customer: str | None = None,
    assignee: str | None = None,
    team: str | None = None,
    at: str | None = None,
    note: str | None = None,
    **own: str | None,
) -> RecordView:
    """Open a record at its lifecycle's first stage and log the customer's first contact.

    `own` sets the kind's own fields that have an `open` option, by the option's name
    (`model=`, `due=` for requests)."""
    life = lifecycle(kind)
    clean_title = required_text(title, "the title")
    impact_level = check_level(impact if impact is not None else 3, "impact")
    urgency_level = check_level(urgency if urgency is not None else 3, "urgency")
    with transaction(write=True) as (uow, call):
        opened_at = call.when(at)
        matrix_priority = priority_for(impact_level, urgency_level, call.settings.matrix)
        chosen = check_priority(priority) if priority else matrix_priority
        channel_name = choice(channel or call.settings.default_channel, CHANNELS, "channel")
        values, attributes = _own_values(life, own, call, opened_at)
        customer_row = uow.records.get_customer(customer) if customer else None
        key, number = uow.records.next_key(life.prefix)
        progress = lc.start(life, opened_at)
        record = uow.records.insert_record(
            {
                "key": key,
                "kind": life.kind,
                "number": number,
                "title": clean_title,
                "priority": chosen,
                "priority_overridden": chosen != matrix_priority,
                "impact": impact_level,
                "urgency": urgency_level,
                "service": clean_text(service, "--service"),
                "category": clean_text(category, "--category"),
                "channel": channel_name,
                "customer_id": customer_row.id if customer_row else None,
                "assignee": clean_text(assignee, "--assignee"),
                "team": clean_text(team, "--team"),
                **values,
                "attributes": attributes,
                **lc.progress_values(progress),
            },
        )
        record_event(
            uow,
            call,
            record,
            "open",
            opened_at,
            to_value=record.stage,
            note=clean_text(note, "--note"),
        )
        if record.priority_overridden:
            record_event(uow, call, record, "priority_override", opened_at,
                from_value=matrix_priority, to_value=chosen,
                note=f"matrix: impact {impact_level}, urgency {urgency_level} -> {matrix_priority}",
            )  # fmt: skip
        if channel_name not in UNATTENDED_CHANNELS and life.customer_facing:
            uow.records.add_contact(record, channel_name, "inbound", opened_at)
            record_event(
                uow, call, record, "contact", opened_at, to_value=f"inbound {channel_name}"
            )
        customer_key = customer_row.key if customer_row else None
        return view_of(uow, call, life, RecordRow(record, customer_key, None))


def _own_values(
    life: Lifecycle, given: dict[str, str | None], call: Call, opened_at: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The kind's own fields `open` sets: (values of columns, values kept in attributes)."""
    options = open_options(life.fields)
    unknown = {name for name, value in given.items() if value is not None}
    unknown -= {f.param for f in options}
    if unknown:
        raise InvalidInput(f"{life.plural} have no --{sorted(unknown)[0].replace('_', '-')}")
    columns: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for f in options:
        text = clean_text(given.get(f.param), f.option_name) or f.default
        value: Any = None
        if f.type is Type.TIME:
            value = call.optional_when(text, f.option_name)
            if value is not None and f.after_opening and value < opened_at:
                what = f"{f.option_name} {format_instant(value)}"
                raise InvalidInput(f"{what} is before the {life.noun} opens")
        elif text is not None:
            value = f.read(text)
        if f.column:
            columns[f.name] = value
        elif value is not None:
            attributes[f.name] = format_instant(value) if f.type is Type.TIME else value
    return columns, attributes or None
