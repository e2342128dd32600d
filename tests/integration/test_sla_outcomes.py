"""The SLA outcomes a report keeps (tables.SlaOutcome, services/sla_tallies.py): the next
report counts them in SQL, and gives the same figures as one that works every clock out; a
change to a record's facts, to its contacts or to the SLA config makes them count no more.
Hand-worked on every backend; the arithmetic is in the comments.

Calendars: Berlin mon-fri 09:00-17:00 (CET, UTC+1) and Tokyo mon-fri 09:00-18:00 (JST, UTC+9);
P3 (impact 2, urgency 2) responds in 2h and resolves in 8h of open time.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from sqlalchemy import create_engine, text

from tests.integration.test_sla_scenarios import BERLIN, TOKYO, run, sla_report

SINCE, UNTIL = "2026-11-30T00:00:00Z", "2026-12-04T15:00:00Z"  # Mon 00:00Z to Fri 15:00Z
CONFIG = BERLIN + TOKYO + '\n[sla]\ncalendar = "berlin"\n\n[sla.teams]\napj = "tokyo"\n'
P3 = '\n[sla.P3]\nresponse = "2h"\nresolution = "{}"\n'


def kept(db) -> int:
    engine = create_engine(db.url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT COUNT(*) FROM sla_outcome")).scalar_one()
    engine.dispose()
    return int(found)


def two_incidents(cli) -> None:
    steps = [
        # INC-1 Mon 09:00 Berlin (08:00Z): answered 12:00, past its due 11:00 (10:00Z):
        # breached; resolved Tue 12:00, past its due Mon 17:00 (8h): breached. Neither is
        # within the target's calendar time, so the domain works both out
        ["incident", "open", "one", "--impact", "2", "--urgency", "2",
         "--at", "2026-11-30T09:00:00+01:00"],
        ["incident", "advance", "INC-1", "--at", "2026-11-30T12:00:00+01:00"],
        ["incident", "resolve", "INC-1", "--at", "2026-12-01T12:00:00+01:00"],
        # INC-2 Mon 10:00: answered 10:30 (met); on hold awaiting the customer Mon 11:00 to
        # Tue 10:00; resolved Tue 12:00: counted Mon 10-11 (1h) + Tue 10-12 (2h) = 3h of 8h:
        # met (26h of calendar time: worked out by the domain too)
        ["incident", "open", "two", "--impact", "2", "--urgency", "2",
         "--at", "2026-11-30T10:00:00+01:00"],
        ["incident", "advance", "INC-2", "--at", "2026-11-30T10:30:00+01:00"],
        ["incident", "hold", "INC-2", "--reason", "awaiting_customer",
         "--at", "2026-11-30T11:00:00+01:00"],
        ["incident", "resume", "INC-2", "--at", "2026-12-01T10:00:00+01:00"],
        ["incident", "resolve", "INC-2", "--at", "2026-12-01T12:00:00+01:00"],
    ]  # fmt: skip
    for step in steps:
        run(cli, *step)


def clocks_of(figures: dict) -> tuple[int, int, int, int, int]:
    return (
        figures["sla_response_decided"], figures["sla_response_met"],
        figures["sla_resolution_decided"], figures["sla_resolution_met"],
        figures["suspect_pauses"],
    )  # fmt: skip


def test_outcomes_kept_count_until_the_facts_or_the_config_change(cli, db, now, configure):
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    assert kept(db) == 0
    first = sla_report(cli, SINCE, UNTIL)
    # responses: INC-1 breached, INC-2 met; resolutions: INC-1 breached, INC-2 met
    assert clocks_of(first) == (2, 1, 2, 1, 0)
    assert kept(db) == 2  # both records' clocks are decided: kept
    assert sla_report(cli, SINCE, UNTIL) == first  # counted from what was kept
    assert kept(db) == 2

    # the customer called while INC-2 waited on them: a suspect pause. The contact drops
    # the outcome kept (the record's facts are the same), so the report sees it
    run(cli, "contact", "log", "INC-2", "--channel", "phone", "--direction", "inbound",
        "--at", "2026-11-30T15:00:00+01:00")  # fmt: skip
    assert kept(db) == 1
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 1, 2, 1, 1)
    assert kept(db) == 2

    # INC-1 moves to team apj, on the Tokyo calendar: opened Mon 17:00 JST, its response
    # due 2h later in Tokyo's open time, Mon 17-18 and Tue 09-10 JST (Tue 01:00Z): the
    # answer at Mon 11:00Z met it. Its resolution, due Mon 1h + Tue 7h = Tue 16:00 JST
    # (07:00Z), was still breached by the resolution at Tue 11:00Z
    run(cli, "incident", "assign", "INC-1", "--to", "kim", "--team", "apj",
        "--at", "2026-12-02T09:00:00+01:00")  # fmt: skip
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 2, 2, 1, 1)

    # a longer resolution target: 24h of open time. INC-1 (Tokyo: Mon 1h, Tue 9h, Wed 9h,
    # Thu 5h) is now met too; what was kept under the old config no longer counts
    configure(CONFIG + P3.format("24h"))
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 2, 2, 2, 1)
    configure(CONFIG + P3.format("8h"))  # and back: the same figures as before
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 2, 2, 1, 1)


def test_a_busy_database_keeps_nothing_and_the_report_stands(
    cli, sqlite_db, now, configure, monkeypatch: pytest.MonkeyPatch
):
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "30")  # writers wait long; the cache does not
    writer = sqlite3.connect(sqlite_db.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        started = time.monotonic()
        figures = sla_report(cli, SINCE, UNTIL)
        assert time.monotonic() - started < 10  # not the 30 s a writer would wait
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert clocks_of(figures) == (2, 1, 2, 1, 0)
    assert kept(sqlite_db) == 0
    assert sla_report(cli, SINCE, UNTIL) == figures
    assert kept(sqlite_db) == 2


@pytest.mark.parametrize(
    "args",
    [("--since", "-3d"), ("--since", "-10d", "--by", "team"), ("--since", "-12d", "--by", "day")],
)
def test_the_demo_desk_reports_the_same_from_outcomes_kept(cli, tmp_path, monkeypatch, args):
    """The demo's desk (two business calendars, holds, customers calling while on hold):
    every report gives the same figures from what was kept as worked out afresh."""
    monkeypatch.setenv("SVCOPS_NOW", "2026-11-23T12:00:00Z")
    demo = tmp_path / "demo.db"
    assert cli("demo", "--db", str(demo), "--days", "14", "-f", "json").code == 0
    monkeypatch.setenv("SVCOPS_DB", str(demo))
    monkeypatch.setenv("SVCOPS_CONFIG", str(tmp_path / "demo.db.toml"))  # the demo's calendars
    from tests.conftest import Database

    database = Database("sqlite", f"sqlite:///{demo}", demo)

    def reports() -> tuple[dict, dict]:
        sla = cli("report", "sla", *args, "-f", "json")
        metrics = cli("report", "metrics", *args, "-f", "json")
        assert sla.code == metrics.code == 0, sla.stderr + metrics.stderr
        return sla.json(), metrics.json()

    afresh = reports()
    assert kept(database) > 50
    assert reports() == afresh  # from the outcomes kept
    engine = create_engine(database.url)
    with engine.begin() as connection:  # an outcome kept that no longer holds is not used
        connection.execute(text("UPDATE sla_outcome SET resolution_met = NOT resolution_met"))
        connection.execute(text("UPDATE sla_outcome SET paused_s = paused_s + 1"))
    engine.dispose()
    assert reports() == afresh


def test_outcomes_decided_after_now_do_not_count(cli, db, now, configure):
    """Outcomes kept by a report at a later now (another host's clock, SVCOPS_NOW): a report
    at an earlier now counts only what had happened by then, as one worked out afresh."""
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    sla_report(cli, SINCE, UNTIL)
    assert kept(db) == 2
    # Tue 11:30 Berlin: both responses decided; neither record resolved yet, but INC-1's
    # resolution clock breached on Mon 17:00; INC-2 is on hold no more, its clock runs
    now("2026-12-01T10:30:00Z")
    earlier = sla_report(cli, SINCE, UNTIL)
    assert clocks_of(earlier) == (2, 1, 1, 0, 0)
    forget(db)
    assert sla_report(cli, SINCE, UNTIL) == earlier


def test_a_new_event_drops_the_outcome_kept(cli, db, now, configure):
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    sla_report(cli, SINCE, UNTIL)
    assert kept(db) == 2
    run(cli, "incident", "reopen", "INC-1", "--at", "2026-12-02T09:00:00+01:00")
    assert kept(db) == 1  # INC-1's holds may have changed: worked out again next time
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 1, 2, 1, 0)  # the first resolution


@pytest.mark.parametrize("atomic", [False, True])
def test_reports_in_a_batch(cli, db, now, configure, atomic):
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    lines = [
        ["report", "sla", "--since", SINCE, "--until", UNTIL, "-f", "json"],
        ["incident", "open", "three", "--at", "2026-12-03T09:00:00+01:00", "-q"],
        ["report", "sla", "--since", SINCE, "--until", UNTIL, "-f", "json"],
        ["contact", "log", "INC-3", "--channel", "phone", "--direction", "inbound", "-q"],
        ["report", "metrics", "--since", SINCE, "--until", UNTIL, "-f", "json"],
    ]
    script = "".join(json.dumps(line) + "\n" for line in lines)
    result = cli("batch", *(["--atomic"] if atomic else []), "-", input=script)
    assert result.code == 0, result.stdout + result.stderr
    done = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["exit"] for d in done] == [0, 0, 0, 0, 0]
    assert clocks_of(done[2]["result"]["groups"][0]["metrics"]) == (2, 1, 2, 1, 0)
    # a report reads in a snapshot of its own, after the lines before it
    assert done[4]["result"]["groups"][0]["metrics"]["opened"] == 3


def test_a_read_only_database_keeps_nothing_and_the_report_stands(cli, pg_db, now, configure,
                                                                  monkeypatch):  # fmt: skip
    configure(CONFIG + P3.format("8h"))
    now(UNTIL)
    two_incidents(cli)
    read_only = pg_db.url + "%20-cdefault_transaction_read_only%3Don"
    monkeypatch.setenv("SVCOPS_DATABASE_URL", read_only)
    assert clocks_of(sla_report(cli, SINCE, UNTIL)) == (2, 1, 2, 1, 0)
    assert kept(pg_db) == 0


def forget(db) -> None:
    engine = create_engine(db.url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sla_outcome"))
    engine.dispose()
