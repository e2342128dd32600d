"""Properties of the report arithmetic on random data: the percentiles equal the reference
definition (linear interpolation between closest ranks, as statistics.quantiles 'inclusive'
and numpy's default), and every percentage stays within 0-100."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from svcops.services.base import transaction
from svcops.services.report_days import DayBook, metrics_figures
from svcops.store.report_scope import Scope
from svcops.store.tables import Contact, Event, Feedback, FeedbackScore, Record

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)
NOW = datetime(2026, 11, 20, tzinfo=UTC)
BASE = int(SINCE.timestamp())

durations = st.lists(st.integers(min_value=0, max_value=30 * 86400), min_size=1, max_size=40)
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def reference(values: list[int], p: float) -> float:
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return float(cuts[round(p * 100) - 1])


def scope(groups: tuple[str, ...] = ()) -> Scope:
    return Scope(
        since=SINCE, until=UNTIL, now=NOW, kinds=("incident", "request"), groups=groups,
        open_stages=("new", "acknowledged", "in_progress", "on_hold"),
        dimensions=("courtesy", "competence", "reliability"),
    )  # fmt: skip


def figures_of(groups: tuple[str, ...] = ()) -> dict:
    """The figures per group of `scope(groups)`, added up from days as `report metrics` does
    (none kept: every day worked out from the records)."""
    with transaction(write=False) as (uow, call):
        book = DayBook(
            call.settings.database_url, [scope(groups)], UTC, call.settings.sla, metrics_figures
        )
        return book.figures(uow, [])[0]


def load(rows: list[dict]) -> None:
    """Replace every record with `rows` (store level: fast enough for many examples)."""
    with transaction(write=True) as (uow, _call):
        for model in (FeedbackScore, Feedback, Contact, Event, Record):
            uow.session.exec(delete(model))
        if rows:
            uow.session.connection().execute(insert(Record.metadata.tables["record"]), rows)


def record(number: int, opened: int, resolved: int | None, **extra) -> dict:
    row = {
        "id": number, "key": f"INC-{number}", "kind": "incident", "number": number,
        "title": "x", "stage": "resolved" if resolved is not None else "new", "priority": "P3",
        "priority_overridden": False, "impact": 2, "urgency": 2, "paused_s": 0,
        "opened_at": opened, "stage_entered_at": resolved or opened,
        "first_response_at": resolved, "resolved_at": resolved, "first_resolved_at": resolved,
        "reopen_count": 0, "version": 1, "team": "a",
    }  # fmt: skip
    row.update(extra)
    return row


@given(values=durations)
@SETTINGS
def test_percentiles_equal_the_reference(db, values):
    rows = [record(i + 1, BASE + i * 60, BASE + i * 60 + value) for i, value in enumerate(values)]
    # resolved in the period iff first_resolved_at < UNTIL: keep only those in the expectation
    expected = [v for i, v in enumerate(values) if BASE + i * 60 + v < int(UNTIL.timestamp())]
    load(rows)
    figures = figures_of()
    assert (figures[()]["resolved"] if figures else 0) == len(expected)
    resolution = figures[()]["resolution_s"] if figures else None
    if not expected:
        assert resolution is None or resolution["median"] is None
        return
    assert resolution["median"] == pytest.approx(round(reference(expected, 0.5), 2))
    assert resolution["p90"] == pytest.approx(round(reference(expected, 0.9), 2))
    assert resolution["mean"] == pytest.approx(round(statistics.fmean(expected), 2))


case = st.tuples(
    st.integers(min_value=-3 * 86400, max_value=10 * 86400),  # opened, from SINCE
    st.one_of(st.none(), st.integers(min_value=0, max_value=12 * 86400)),  # resolution after
    st.integers(min_value=0, max_value=2),  # reopens
    st.sampled_from(["P1", "P2", "P3", "P4"]),
    st.integers(min_value=0, max_value=3 * 86400),  # paused
)


@given(cases=st.lists(case, min_size=1, max_size=30))
@SETTINGS
def test_percentages_stay_within_0_and_100(db, cases):
    rows = []
    for i, (opened, after, reopens, priority, paused) in enumerate(cases, start=1):
        at = BASE + opened
        resolved = None if after is None else at + after
        rows.append(record(i, at, resolved, reopen_count=reopens if resolved else 0,
                           priority=priority, paused_s=paused))  # fmt: skip
    load(rows)
    figures = figures_of(("team",))
    for group in figures.values():
        for key, value in group.items():
            if key.endswith("_pct") and value is not None:
                assert 0 <= value <= 100, (key, value)
        assert group["resolved"] <= len(rows)
        assert group["backlog"] <= len(rows)


def test_reference_helper_matches_hand_worked_values():
    # 3600, 14400, 18000, 187200: median 16200, p90 136440 (see test_metrics.py)
    values = [3600, 14400, 18000, 187200]
    assert reference(values, 0.5) == 16200
    assert reference(values, 0.9) == pytest.approx(136440)
    assert timedelta(seconds=reference([5], 0.9)) == timedelta(seconds=5)
