"""What a use case works with: the store's repositories over one transaction.

Services get a `UnitOfWork` from `services.base.transaction` and call its repositories; none of
them sees a session or a statement. Tests hand the services an in-memory one instead
(tests/unit/fakes.py), as cosmicpython's FakeUnitOfWork does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from svcops.store.records import Records
from svcops.store.uow import unit_of_work

if TYPE_CHECKING:
    from svcops.store.customers import CustomerStore
    from svcops.store.demo_mark import DemoDatabase
    from svcops.store.dump import DumpReader, DumpWriter
    from svcops.store.feedback import FeedbackStore
    from svcops.store.imports import Writer
    from svcops.store.reports import ReportQueries
    from svcops.store.sla import SlaFacts


class UnitOfWork:
    """The repositories of one transaction, each made when first used."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def records(self) -> Records:
        return Records(self.session)

    @cached_property
    def feedback(self) -> FeedbackStore:
        from svcops.store.feedback import FeedbackStore

        return FeedbackStore(self.session)

    @cached_property
    def customers(self) -> CustomerStore:
        from svcops.store.customers import CustomerStore

        return CustomerStore(self.session)

    @cached_property
    def dump_reader(self) -> DumpReader:
        from svcops.store.dump import DumpReader

        return DumpReader(self.session)

    @cached_property
    def dump_writer(self) -> DumpWriter:
        from svcops.store.dump import DumpWriter

        return DumpWriter(self.session)

    @cached_property
    def demo(self) -> DemoDatabase:
        from svcops.store.demo_mark import DemoDatabase

        return DemoDatabase(self.session)

    @cached_property
    def reports(self) -> ReportQueries:
        from svcops.store.reports import ReportQueries

        return ReportQueries(self.session)

    @cached_property
    def sla(self) -> SlaFacts:
        from svcops.store.sla import SlaFacts

        return SlaFacts(self.session)

    def import_writer(self, **options: Any) -> Writer:
        """The writer of one import's records (store/imports.py)."""
        from svcops.store.imports import Writer

        return Writer(self.session, **options)


@contextmanager
def begin(url: str, *, write: bool, snapshot: bool = False) -> Iterator[UnitOfWork]:
    """One unit of work on the database at `url` (see store/uow.py unit_of_work)."""
    with unit_of_work(url, write=write, snapshot=snapshot) as session:
        yield UnitOfWork(session)
