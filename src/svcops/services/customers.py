"""Customers: who the records are for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.services.base import clean_text, required_text, transaction
from svcops.services.feedback import FeedbackView, feedback_views
from svcops.services.views import ContactView, RecordView, contact_views, record_view
from svcops.store.feedback import FeedbackFilter
from svcops.store.tables import Customer

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class CustomerView:
    key: str
    name: str
    email: str | None
    org: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "email": self.email, "org": self.org}


@dataclass(frozen=True)
class CustomerDetail:
    customer: CustomerView
    records: list[RecordView]
    contacts: list[ContactView]
    feedback: list[FeedbackView]
    dimensions: tuple[str, ...]


def _view(customer: Customer) -> CustomerView:
    return CustomerView(customer.key, customer.name, customer.email, customer.org)


def add_customer(name: str, *, email: str | None = None, org: str | None = None) -> CustomerView:
    """Register a customer (CUS-N)."""
    clean_name = required_text(name, "the name")
    clean_email = clean_text(email, "--email")
    if clean_email is not None and not _EMAIL.match(clean_email):
        raise InvalidInput(f"--email {clean_email!r} is not an email address")
    with transaction(write=True) as (uow, call):
        key, _number = uow.records.next_key("CUS")
        view = CustomerView(key, clean_name, clean_email, clean_text(org, "--org"))
        uow.records.insert_row("customer", {**view.as_dict(), "created_at": call.now})
        return view


def list_customers(*, org: str | None = None) -> list[CustomerView]:
    """Customers in key order, optionally of one organisation."""
    with transaction(write=False) as (uow, _call):
        return [_view(c) for c in uow.customers.find(org=org)]


def show_customer(key: str) -> CustomerDetail:
    """A customer with their records, contacts and feedback."""
    from svcops.domain.kinds import LIFECYCLES
    from svcops.services.sla import record_clocks

    with transaction(write=False) as (uow, call):
        customer = uow.records.get_customer(key)
        assert customer.id is not None
        rows = uow.records.records_of_customer(customer.id)
        clocks = record_clocks(uow, call.settings.sla, [r.record for r in rows], call.now)
        records = [
            record_view(LIFECYCLES[r.record.kind], r, clocks=clocks.get(r.record.id or 0))
            for r in rows
        ]
        keys = {r.record.id: r.record.key for r in rows if r.record.id is not None}
        return CustomerDetail(
            _view(customer),
            records,
            contact_views(keys, uow.records.contacts_of(list(keys))),
            feedback_views(uow.feedback, FeedbackFilter(record_ids=list(keys))),
            call.settings.dimensions,
        )
