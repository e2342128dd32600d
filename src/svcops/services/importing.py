"""What flat and log imports share: the pipeline from cases to written records (rows built in
a worker process while this one writes, in the caller's transaction), and the checks every
input's text gets."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.lifecycle import Lifecycle
from svcops.services.base import Call
from svcops.services.rebuild import Case, HistorySummary, _Made, _RowMaker
from svcops.services.worker import in_worker, paused_gc
from svcops.store.imports import Rows
from svcops.store.work import UnitOfWork

csv.field_size_limit(16 * 1024 * 1024)  # long notes and descriptions are data, not errors
NOTE = "imported"  # every imported event's note
TEXT_FIELDS = ("title", "service", "category", "team", "assignee", "root_cause", "workaround")


def load_cases(
    uow: UnitOfWork, call: Call, life: Lifecycle,
    cases: Callable[[HistorySummary], Iterable[Case]],
    progress: Callable[[int, int | None], None] | None,
) -> HistorySummary:  # fmt: skip
    """Write the cases `cases(summary)` yields as records, in the caller's transaction.

    Reading and building rows (Python) run in a worker process while this one writes
    (the database), so an import keeps two cores busy; see services/worker.py.
    """
    recorded = {"recorded_at": int(call.now.timestamp()), "actor": call.settings.actor,
                "note": NOTE}  # fmt: skip
    writer = uow.import_writer(kind=life.kind, prefix=life.prefix, recorded=recorded)
    maker = _RowMaker(call.settings, life, writer.next_id, writer.last_number)

    def produce() -> Iterator[Rows | _Made]:
        return maker.make(cases(maker.summary))

    made, done = None, 0
    with paused_gc(), closing(in_worker(produce)) as items:
        for item in items:
            if isinstance(item, _Made):
                made = item
                continue
            writer.write(item)
            done += len(item.records)
            if progress is not None:
                progress(done, None)
    assert made is not None
    unchanged, summary = writer.finish(), made.summary
    summary.unchanged = unchanged.records
    summary.records -= unchanged.records
    summary.events -= unchanged.events
    summary.contacts -= unchanged.contacts
    summary.anomalies -= unchanged.anomalies
    if not summary.anomalies:  # the examples were all of records left as they were
        summary.anomaly_examples = []
    return summary


@contextmanager
def csv_errors(reader: Any) -> Iterator[None]:
    """A CSV the csv module cannot read (an unclosed quote...) is bad input at its line."""
    try:
        yield
    except csv.Error as exc:
        raise InvalidInput(f"after line {reader.line_num}: {exc} (an unclosed quote?)") from None


def no_nul(fields: dict[str, Any], where: str) -> None:
    """Text with a NUL character is refused, as everywhere (PostgreSQL cannot store it)."""
    for name, value in fields.items():
        if type(value) is str and "\x00" in value:
            raise InvalidInput(f"{where}, {name}: contains a NUL character")
