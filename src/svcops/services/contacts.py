"""Contacts: the interactions with the customer on a record."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import CHANNELS, DIRECTIONS, choice
from svcops.domain.timeparse import format_instant
from svcops.services.base import clean_text, record_event, transaction
from svcops.services.views import ContactView, contact_view
from svcops.store import repository as repo
from svcops.store.tables import Contact


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
    with transaction(write=True) as (session, call):
        moment = call.when(at)
        record = repo.get_any_record(session, key, lock=True)
        if moment < record.opened_at:
            raise InvalidInput(f"--at {format_instant(moment)} is before {record.key} was opened")
        who = clean_text(agent, "--agent") or call.settings.actor
        assert record.id is not None
        contact = Contact(
            record_id=record.id, channel=channel_name, direction=direction_name,
            at=moment, agent=who, note=text,
        )  # fmt: skip
        session.add(contact)
        if direction_name == "outbound" and (
            record.first_response_at is None or moment < record.first_response_at
        ):
            record.first_response_at = moment
            record.version += 1
        record_event(
            session, call, record, "contact", moment,
            to_value=f"{direction_name} {channel_name}", note=text,
        )  # fmt: skip
        return contact_view(record.key, contact)


def list_contacts(key: str) -> list[ContactView]:
    """Every contact on one record, oldest first."""
    with transaction(write=False) as (session, _call):
        record = repo.get_any_record(session, key)
        return [contact_view(record.key, c) for c in repo.contacts_of(session, record)]
