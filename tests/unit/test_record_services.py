"""The record use cases with an in-memory unit of work: no database, no engine, no SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from svcops.domain.clock import clock
from svcops.domain.errors import InvalidInput, NotFound, TransitionNotAllowed
from svcops.services import contacts, moves, opening, records
from svcops.services.base import use_units
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> Iterator[FakeUnitOfWork]:
    fake = FakeUnitOfWork()
    clock.freeze(NOW)
    with use_units(fake.begin):
        yield fake


def actions(uow: FakeUnitOfWork, record_id: int) -> list[str]:
    return [e.action for e in uow.records.events if e.record_id == record_id]


def test_opening_takes_the_matrix_priority_and_logs_the_first_contact(uow) -> None:
    view = opening.open_record("incident", " VPN down ", impact="1", urgency="2",
                               channel="Email", at="2026-11-23T08:00:00Z")  # fmt: skip
    assert view.fields["key"] == "INC-1"
    assert (view.fields["title"], view.fields["priority"], view.fields["stage"]) == (
        "VPN down", "P2", "new"
    )  # fmt: skip
    assert view.priority_overridden is False
    assert actions(uow, 1) == ["open", "contact"]
    assert uow.records.contacts == [(1, "email", "inbound", datetime(2026, 11, 23, 8, tzinfo=UTC),
                                     None, None)]  # fmt: skip
    assert uow.committed == 1


def test_an_override_is_an_event_and_monitoring_is_no_contact(uow) -> None:
    view = opening.open_record("incident", "Disk full", priority="p1", channel="monitoring")
    assert (view.fields["priority"], view.priority_overridden) == ("P1", True)
    assert actions(uow, 1) == ["open", "priority_override"]
    assert uow.records.events[1].note == "matrix: impact 3, urgency 3 -> P4"
    assert uow.records.contacts == []


def test_a_refused_open_leaves_nothing(uow) -> None:
    with pytest.raises(InvalidInput, match="is before the request opens"):
        opening.open_record("request", "Laptop", due="2026-11-20", at="2026-11-22T08:00:00Z")
    with pytest.raises(InvalidInput, match="unknown model 'consulting'"):
        opening.open_record("request", "Laptop", model="consulting")
    with pytest.raises(InvalidInput, match="incidents have no --model"):
        opening.open_record("incident", "x", model="support")
    assert (uow.records.rows, uow.records.events, uow.committed) == ({}, [], 0)
    assert uow.records.counters == {}  # the key taken inside was given back too
    request = opening.open_record("request", "Laptop", due="2026-11-30")
    assert (request.fields["model"], request.fields["due_at"]) == (
        "customer_service", datetime(2026, 11, 30, tzinfo=UTC)
    )  # fmt: skip


def test_moves_follow_the_lifecycle(uow) -> None:
    opening.open_record("incident", "Printer", at="2026-11-23T08:00:00Z")
    moved = moves.move_record("incident", "inc-1", "advance", at="2026-11-23T08:30:00Z")
    assert moved.fields["stage"] == "acknowledged"
    assert moved.fields["first_response_at"] == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="needs --reason"):
        moves.move_record("incident", "INC-1", "hold")
    held = moves.move_record("incident", "INC-1", "hold", reason="Awaiting_Vendor",
                               at="2026-11-23T09:00:00Z")  # fmt: skip
    assert (held.fields["stage"], held.fields["hold_reason"]) == ("on_hold", "awaiting_vendor")
    with pytest.raises(TransitionNotAllowed, match="INC-1: cannot close"):
        moves.move_record("incident", "INC-1", "close")
    moves.move_record("incident", "INC-1", "resume", at="2026-11-23T10:00:00Z")
    moves.move_record("incident", "INC-1", "resolve", at="2026-11-23T11:00:00Z")
    reopened = moves.move_record("incident", "INC-1", "reopen", at="2026-11-23T11:30:00Z")
    assert (reopened.fields["reopen_count"], reopened.fields["resolved_at"]) == (1, None)
    stored = uow.records.rows[1]
    assert stored.paused_s == 3600  # an hour on hold, before the first resolution
    assert stored.version == 6
    assert actions(uow, 1)[2:] == ["advance", "hold", "resume", "resolve", "reopen"]


def test_resolving_a_problem_resolves_its_open_incidents(uow) -> None:
    opening.open_record("problem", "Flaky VPN", service="vpn", at="2026-11-20T08:00:00Z")
    for title in ("A", "B", "C"):
        opening.open_record("incident", title, service="vpn", at="2026-11-21T08:00:00Z")
    for key in ("INC-1", "INC-2", "INC-3"):
        moves.link_record("incident", key, "PRB-1", at="2026-11-21T09:00:00Z")
    moves.move_record("incident", "INC-2", "advance", at="2026-11-21T09:10:00Z")
    moves.move_record("incident", "INC-2", "hold", reason="awaiting_problem",
                        at="2026-11-21T09:20:00Z")  # fmt: skip
    moves.move_record("incident", "INC-3", "resolve", at="2026-11-21T09:30:00Z")
    problem = moves.move_record("problem", "PRB-1", "resolve", resolve_incidents=True,
                                  at="2026-11-22T08:00:00Z")  # fmt: skip
    assert problem.fields["incidents"] == ["INC-1", "INC-2", "INC-3"]
    stages = {r.key: (r.stage, r.resolved_at) for r in uow.records.rows.values()}
    resolved = datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert stages["INC-1"] == ("resolved", resolved)
    assert stages["INC-2"] == ("resolved", resolved)
    assert stages["INC-3"] == ("resolved", datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    assert actions(uow, 3)[-2:] == ["resume", "resolve"]


def test_links_and_the_known_error_register(uow) -> None:
    opening.open_record("problem", "VPN drops", service="vpn", at="2026-11-20T08:00:00Z")
    moves.move_record("problem", "PRB-1", "advance", at="2026-11-20T09:00:00Z")
    moves.move_record("problem", "PRB-1", "advance", root_cause="bug", workaround="reconnect",
                        at="2026-11-20T10:00:00Z")  # fmt: skip
    incident = opening.open_record("incident", "No VPN", service="vpn")
    assert [(k.problem, k.matched_on, k.workaround) for k in incident.known_errors] == [
        ("PRB-1", "service vpn", "reconnect")
    ]
    linked = moves.link_record("incident", "INC-1", "PRB-1")
    assert linked.fields["problem"] == "PRB-1"
    moves.link_record("incident", "INC-1", None)
    with pytest.raises(InvalidInput, match="INC-1 is not linked to a problem"):
        moves.link_record("incident", "INC-1", None)
    problem_events = actions(uow, 1)
    assert problem_events[-2:] == ["link", "unlink"]
    with pytest.raises(InvalidInput, match="problems link to nothing"):
        moves.link_record("problem", "PRB-1", "PRB-1")
    with pytest.raises(NotFound, match="no problem 'PRB-9'"):
        moves.link_record("incident", "INC-1", "PRB-9")


def test_assigning_and_contacts_never_go_before_the_opening(uow) -> None:
    opening.open_record("request", "Access", at="2026-11-23T08:00:00Z")
    with pytest.raises(InvalidInput, match="--at 2026-11-23T07:00:00Z is before REQ-1 was opened"):
        moves.assign_record("request", "REQ-1", "dana", at="2026-11-23T07:00:00Z")
    assigned = moves.assign_record("request", "REQ-1", "dana", team="desk",
                                     at="2026-11-23T09:00:00Z")  # fmt: skip
    assert (assigned.fields["assignee"], assigned.fields["team"]) == ("dana", "desk")
    assert actions(uow, 1)[-2:] == ["assign", "team"]
    contacts.log_contact("REQ-1", channel="chat", direction="outbound", at="2026-11-23T08:15:00Z")
    assert uow.records.rows[1].first_response_at == datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="before REQ-1 was opened"):
        contacts.log_contact("REQ-1", channel="chat", direction="inbound", at="2026-11-22")


def test_listing_filters_and_counts_before_the_limit(uow) -> None:
    for hour, priority in ((8, "P1"), (9, "P3"), (10, "P1")):
        opening.open_record("incident", f"at {hour}", priority=priority,
                            at=f"2026-11-23T{hour:02}:00:00Z")  # fmt: skip
    moves.move_record("incident", "INC-3", "resolve")
    page = records.list_records("incident", priorities=["p1"], limit="1")
    assert ([v.key for v in page.records], page.total) == (["INC-3"], 2)
    still_open = records.list_records("incident", open_only=True, limit=0)
    assert [v.key for v in still_open.records] == ["INC-2", "INC-1"]
    with pytest.raises(InvalidInput, match="--limit must be a whole number"):
        records.list_records("incident", limit="ten")
    with pytest.raises(InvalidInput, match="incidents have no known-error register"):
        records.list_records("incident", known_errors=True)
