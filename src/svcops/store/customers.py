"""Customers as stored: who the records are for."""

from __future__ import annotations

from sqlmodel import Session, col, select

from svcops.store.tables import Customer


class CustomerStore:
    """Customers in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, org: str | None = None) -> list[Customer]:
        """Customers in key order; with `org`, of that organisation only."""
        statement = select(Customer).order_by(col(Customer.id))
        if org:
            statement = statement.where(col(Customer.org) == org)
        return list(self.session.exec(statement).all())
