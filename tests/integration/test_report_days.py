"""The days a report keeps (services/report_days.py, tables.ReportDay): the next report adds
them up and gives the same figures as one that works every day out of the records; a change
drops the days it can count in (triggers, migration 0008), on every backend; a day reserved
before the report's snapshot and changed after it is not kept; a read-only database keeps
nothing and the report stands."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from svcops.store.report_days import keep_days, reserve_days

NOW = "2026-11-23T12:00:00Z"
SHAPES = [
    (),
    ("--since", "-30d", "--by", "team"),
    ("--since", "-21d", "--by", "day"),
    ("--since", "-60d", "--by", "week", "--kind", "request"),
    ("--since", "2026-10-01", "--until", "2026-11-01", "--by", "priority"),
]


def kept_days(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT COUNT(*) FROM report_day WHERE grp = '' AND done = :yes"), {"yes": True}
        ).scalar_one()
    engine.dispose()
    return int(found)


def forget(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM report_day"))
    engine.dispose()


def metrics(cli, *args: str, report: str = "metrics") -> dict:
    result = cli("report", report, *args, "-f", "json")
    assert result.code == 0, result.stderr
    return result.json()


@pytest.fixture
def demo(cli, db, tmp_path, monkeypatch):
    """The demo's desk over 45 days (two business calendars, holds, customers calling while
    on hold, responses), built on SQLite and imported into `db` (its export, whole)."""
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    path = tmp_path / "demo.db"
    assert cli("demo", "--db", str(path), "--days", "45", "-f", "json").code == 0
    exported = cli("--db", str(path), "export")
    assert exported.code == 0, exported.stderr
    (tmp_path / "demo.ndjson").write_text(exported.stdout)
    imported = cli("import", str(tmp_path / "demo.ndjson"))
    assert imported.code == 0, imported.stderr
    monkeypatch.setenv("SVCOPS_CONFIG", str(tmp_path / "demo.db.toml"))  # its calendars
    return db.url


@pytest.mark.parametrize("report", ["metrics", "sla"])
@pytest.mark.parametrize("args", SHAPES)
def test_the_demo_desk_reports_the_same_from_days_kept(cli, demo, args, report):
    if report == "sla" and "--kind" in args:
        args = args[:-2]
    forget(demo)  # the demo's own report kept some
    afresh = metrics(cli, *args, report=report)
    assert kept_days(demo) >= 12  # the default: two weeks from 12:00, 12 whole days
    assert metrics(cli, *args, report=report) == afresh  # from the days kept
    forget(demo)
    assert metrics(cli, *args, report=report) == afresh  # and worked out again


def test_a_change_drops_the_days_it_counts_in(cli, demo):
    forget(demo)
    shape = ("--since", "-30d", "--by", "team")
    metrics(cli, *shape)
    before = kept_days(demo)
    # a call logged now on an incident opened about three weeks ago: it can count in the
    # days from its opening on (its first contact resolution), which go; the days before stay
    record = cli("incident", "show", "INC-400", "-f", "json").json()
    opened = int(datetime.fromisoformat(record["opened_at"]).timestamp())
    engine = create_engine(demo)
    with engine.connect() as connection:
        staying = connection.execute(
            text("SELECT COUNT(*) FROM report_day WHERE grp = '' AND ends_at <= :at"),
            {"at": opened},
        ).scalar_one()
    engine.dispose()
    assert 0 < staying < before
    logged = cli("contact", "log", "INC-400", "--channel", "phone", "--direction", "inbound")
    assert logged.code == 0, logged.stderr
    assert kept_days(demo) == staying
    changed = metrics(cli, *shape)
    assert kept_days(demo) == before  # worked out again, and kept
    forget(demo)
    assert metrics(cli, *shape) == changed


def test_a_change_to_a_customer_drops_every_day(cli, demo):
    forget(demo)
    metrics(cli, "--since", "-30d", "--by", "customer")
    assert kept_days(demo) > 0
    engine = create_engine(demo)
    with engine.begin() as connection:
        connection.execute(text("UPDATE customer SET key = key || 'x'"))
    engine.dispose()
    assert kept_days(demo) == 0


def test_days_kept_at_a_later_now_are_not_read_at_an_earlier_one(cli, demo, monkeypatch):
    forget(demo)
    metrics(cli, "--since", "-30d")
    monkeypatch.setenv("SVCOPS_NOW", "2026-11-10T12:00:00Z")
    earlier = metrics(cli, "--since", "2026-10-20", "--until", "2026-11-05")
    forget(demo)
    assert metrics(cli, "--since", "2026-10-20", "--until", "2026-11-05") == earlier


def test_every_change_drops_the_days_from_its_earliest_moment(db):
    """Triggers, on each backend: days kept from 2026-11-01 to 11-10 (one row each); a record
    opened on the 5th and first resolved on the 7th, its contact, event, response and scores;
    each change drops the days ending after the earliest moment it can count at."""
    from svcops.store.engine import engine_for
    from svcops.store.schema import ensure_current

    engine = engine_for(db.url)
    ensure_current(engine)
    day = 86400
    first = 1793491200  # 2026-11-01T00:00:00Z

    def keep_ten() -> None:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM report_day"))
            reserve_days(
                connection,
                1,
                [(first + n * day, first + (n + 1) * day) for n in range(10)],
                first + 20 * day,
            )
            keep_days(
                connection,
                1,
                [(first + n * day, first + (n + 1) * day, None, []) for n in range(10)],
                first + 20 * day,
            )

    def left() -> int:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT COUNT(*) FROM report_day WHERE done = :yes"), {"yes": True}
                ).scalar_one()
            )

    def change(sql: str, **params) -> int:
        keep_ten()
        assert left() == 10
        with engine.begin() as connection:
            connection.execute(text(sql), params)
        return left()

    opened, resolved = first + 4 * day + 3600, first + 6 * day + 3600
    record = (
        "INSERT INTO record (id, key, kind, number, title, stage, priority, priority_overridden, "
        "impact, urgency, paused_s, opened_at, stage_entered_at, first_resolved_at, "
        "reopen_count, version) VALUES (1, 'INC-1', 'incident', 1, 't', 'resolved', 'P3', "
        ":no, 2, 2, 0, :opened, :resolved, :resolved, 0, 1)"
    )
    assert change(record, opened=opened, resolved=resolved, no=False) == 4  # the 1st-4th stay
    assert change("UPDATE record SET title = 'u'") == 4
    assert change("UPDATE record SET first_response_at = :at", at=first + 2 * day) == 2
    assert change("UPDATE record SET first_response_at = NULL") == 2  # was on the 3rd
    contact = ("INSERT INTO contact (record_id, channel, direction, at) "
               "VALUES (1, 'phone', 'inbound', :at)")  # fmt: skip
    assert change(contact, at=first + 8 * day) == 4  # the record opened on the 5th
    assert change(contact, at=first + 1 * day) == 1  # before its opening
    event = ("INSERT INTO event (record_id, at, recorded_at, actor, action, to_value) "
             "VALUES (1, :at, :at, 'a', 'hold', 'on_hold')")  # fmt: skip
    assert change(event, at=first + 9 * day) == 4
    feedback = ("INSERT INTO feedback (id, key, record_id, csat, received_at) "
                "VALUES (1, 'FB-1', 1, 5, :at)")  # fmt: skip
    assert change(feedback, at=first + 9 * day) == 4
    assert change("INSERT INTO feedback_score (feedback_id, dimension, score) "
                  "VALUES (1, 'courtesy', 4)") == 4  # fmt: skip
    assert change("DELETE FROM feedback_score") == 4
    assert change("DELETE FROM feedback") == 4
    assert change("DELETE FROM contact") == 1
    assert change("DELETE FROM event") == 4
    assert change("DELETE FROM record") == 4  # opened on the 5th (no response any more)
    customer = "INSERT INTO customer (key, name, created_at) VALUES ('C-1', 'c', 0)"
    assert change(customer) == 10  # in no report yet
    assert change("UPDATE customer SET name = 'd'") == 0


def test_a_day_changed_after_its_reservation_is_not_kept(db):
    from svcops.store.engine import engine_for
    from svcops.store.schema import ensure_current

    engine = engine_for(db.url)
    ensure_current(engine)
    first, day = 1793491200, 86400
    days = [(first + n * day, first + (n + 1) * day) for n in range(3)]
    with engine.begin() as connection:
        reserve_days(connection, 7, days, first + 9 * day)
    with engine.begin() as connection:  # a write between the reservation and the keeping
        connection.execute(text(
            "INSERT INTO record (id, key, kind, number, title, stage, priority, "
            "priority_overridden, impact, urgency, paused_s, opened_at, stage_entered_at, "
            "reopen_count, version) VALUES (1, 'INC-1', 'incident', 1, 't', 'new', 'P3', :no, "
            "2, 2, 0, :opened, :opened, 0, 1)"),
            {"opened": first + day + 60, "no": False})  # fmt: skip
    with engine.begin() as connection:
        kept = keep_days(
            connection, 7, [(s, e, None, [("[]", "{}", b"")]) for s, e in days], first + 9 * day
        )
    assert kept == 1  # the first day only: the others may have missed the new record


def test_days_of_a_shape_nothing_was_kept_of_for_90_days_go(db):
    from svcops.store.engine import engine_for
    from svcops.store.schema import ensure_current

    engine = engine_for(db.url)
    ensure_current(engine)
    first, day = 1793491200, 86400
    old, new = first + 10 * day, first + 101 * day  # 91 days apart
    with engine.begin() as connection:
        reserve_days(connection, 1, [(first, first + day)], old)  # an earlier config's
        keep_days(connection, 1, [(first, first + day, None, [])], old)
        reserve_days(connection, 2, [(first, first + day)], new - 89 * day)  # used since
        keep_days(connection, 2, [(first, first + day, None, [])], new - 89 * day)
        reserve_days(connection, 3, [(first + day, first + 2 * day)], new)
        assert keep_days(connection, 3, [(first + day, first + 2 * day, None, [])], new) == 1
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM report_day ORDER BY key")).scalars()
        assert list(keys) == [2, 3]


@pytest.mark.parametrize("atomic", [False, True])
def test_reports_in_a_batch_keep_days_once_the_lines_before_are_committed(cli, demo, atomic):
    """A report in a batch sees the lines before it; it keeps its days (after committing the
    lines before it) unless the batch is one transaction (--atomic), whose writes a
    transaction of the report's own would wait for: then it keeps nothing."""
    import json

    forget(demo)
    lines = [
        ["contact", "log", "INC-400", "--channel", "phone", "--direction", "inbound", "-q"],
        ["report", "metrics", "--since", "-30d", "-f", "json"],
    ]
    script = "".join(json.dumps(line) + "\n" for line in lines)
    result = cli("batch", *(["--atomic"] if atomic else []), "-", input=script)
    assert result.code == 0, result.stdout + result.stderr
    done = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["exit"] for d in done] == [0, 0]
    assert (kept_days(demo) > 0) is not atomic
    assert done[1]["result"] == metrics(cli, "--since", "-30d")
