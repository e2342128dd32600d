"""Contacts: the interactions with the customer on a record."""

from __future__ import annotations

from svcops.domain.lifecycle import check_after_opening
from svcops.domain.vocabulary import CHANNELS, DIRECTIONS, choice
from svcops.services.base import clean_text, record_event, transaction
from svcops.services.views import ContactView, contact_views


def log_contact(
    key: str,
    *,
    channel: str,
    direction: str,
    agent: str | None = None,
    at: str | None = None,
    note: str | None = None,
) -> ContactView:
    """Log one contact on any record; an outbound one can be the record's first response."""
    channel_name = choice(channel, CHANNELS, "channel")
    direction_name = choice(direction, DIRECTIONS, "direction")
    text = clean_text(note, "--note")
    with transaction(write=True) as (uow, call):
        moment = call.when(at)
        record = uow.records.get_any_record(key, lock=True).record
        check_after_opening(moment, record.opened_at, record.key, "--at")
        who = clean_text(agent, "--agent") or call.settings.actor
        uow.records.add_contact(record, channel_name, direction_name, moment, agent=who, note=text)
        if direction_name == "outbound" and (
            record.first_response_at is None or moment < record.first_response_at
        ):
            uow.records.update_record(record, {"first_response_at": moment})
        record_event(uow, call, record, "contact", moment,
            to_value=f"{direction_name} {channel_name}", note=text,
        )  # fmt: skip
        return ContactView(record.key, channel_name, direction_name, moment, who, text)


def list_contacts(key: str) -> list[ContactView]:
    """Every contact on one record, oldest first."""
    with transaction(write=False) as (uow, _call):
        record = uow.records.get_any_record(key).record
        assert record.id is not None
        return contact_views({record.id: record.key}, uow.records.contacts_of([record.id]))
