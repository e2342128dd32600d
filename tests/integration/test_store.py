"""The store against real databases: pragmas, permissions, transactions, migrations."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from svcops.domain.errors import Conflict, NotFound
from svcops.services import opening, records
from svcops.store import schema, uow
from svcops.store.engine import engine_for
from tests.conftest import PG_URL


def test_sqlite_file_is_private_and_in_wal_mode(sqlite_db):
    db = sqlite_db
    opening.open_record("incident", "Printer down")
    assert stat.S_IMODE(os.stat(db.path).st_mode) == 0o600
    engine = engine_for(db.url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_sqlite_parent_directories_are_created(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "er" / "svcops.db"
    monkeypatch.setenv("SVCOPS_DB", str(target))
    opening.open_record("incident", "Printer down")
    assert target.exists()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_foreign_keys_are_enforced(db):
    engine = engine_for(db.url)
    opening.open_record("incident", "x")
    with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO event (record_id, at, recorded_at, actor, action) "
                "VALUES (999, 0, 0, 'x', 'open')"
            )
        )


def test_a_failed_command_leaves_nothing_behind(db):
    with pytest.raises(NotFound):
        opening.open_record("incident", "Printer down", customer="CUS-404")
    engine = engine_for(db.url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM record")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM event")).scalar() == 0
        counter = "SELECT last FROM key_counter WHERE prefix = 'INC'"
        assert connection.execute(text(counter)).scalar() == 0
    assert opening.open_record("incident", "next").key == "INC-1"


def test_keys_count_per_kind(db):
    assert opening.open_record("incident", "a").key == "INC-1"
    assert opening.open_record("problem", "b").key == "PRB-1"
    assert opening.open_record("incident", "c").key == "INC-2"
    assert opening.open_record("request", "d").key == "REQ-1"


def test_busy_sqlite_database_is_a_conflict(sqlite_db, monkeypatch):
    db = sqlite_db
    opening.open_record("incident", "first")
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "0.2")
    from svcops.store.engine import dispose_all

    dispose_all()
    holder = sqlite3.connect(db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Conflict, match="database stayed busy"):
            opening.open_record("incident", "second")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [v.key for v in records.list_records("incident").records] == ["INC-1"]


def test_a_busy_database_exits_5_through_the_cli(sqlite_db, cli, monkeypatch):
    db = sqlite_db
    cli("incident", "open", "first")
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "0.1")
    from svcops.store.engine import dispose_all

    dispose_all()
    holder = sqlite3.connect(db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = cli("incident", "open", "second")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 5
    assert result.error_lines == [
        "svcops: error: the database stayed busy: another svcops is writing"
    ]


def test_empty_database_is_created_at_head(db):
    engine = engine_for(db.url)
    with engine.connect() as connection:
        assert schema.revision(connection) is None
    records.list_records("incident")
    with engine.connect() as connection:
        assert schema.revision(connection) == schema.HEAD


def test_an_older_database_is_upgraded_without_losing_rows(db):
    engine = engine_for(db.url)
    schema.upgrade(engine, "0001_initial")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO record (key, kind, number, title, stage, priority, "
                "priority_overridden, impact, urgency, paused_s, opened_at, stage_entered_at, "
                "reopen_count, version) VALUES ('INC-1', 'incident', 1, 'kept', 'new', 'P4', "
                "false, 3, 3, 0, 1700000000, 1700000000, 0, 1)"
            )
        )
        connection.execute(text("UPDATE key_counter SET last = 1 WHERE prefix = 'INC'"))
    schema.forget(engine)
    view = records.show_record("incident", "INC-1").record
    assert view.fields["title"] == "kept"
    assert view.fields["opened_at"].isoformat() == "2023-11-14T22:13:20+00:00"
    with engine.connect() as connection:
        assert schema.revision(connection) == schema.HEAD
    assert opening.open_record("incident", "new one").key == "INC-2"


def test_a_newer_database_is_refused(db, cli):
    engine = engine_for(db.url)
    records.list_records("incident")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    schema.forget(engine)
    result = cli("incident", "list")
    assert result.code == 2
    assert "has schema 9999_future, newer than this svcops knows" in result.error_lines[0]
    assert "upgrade svcops" in result.stderr


def test_revisions_match_the_alembic_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from svcops.store import schema as schema_module

    config = Config()
    location = os.path.join(os.path.dirname(schema_module.__file__), "migrations")
    config.set_main_option("script_location", location)
    scripts = ScriptDirectory.from_config(config)
    chain = [rev.revision for rev in reversed(list(scripts.walk_revisions()))]
    assert tuple(chain) == schema.REVISIONS
    assert scripts.get_heads() == [schema.HEAD]


def test_migrations_build_exactly_the_tables_the_models_describe(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from svcops.store.tables import SQLModel

    records.list_records("incident")
    engine = engine_for(db.url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_two_processes_creating_the_database_at_once(db, tmp_path):
    """Both first starts succeed; the schema is created once."""
    script = (
        "import sys; from svcops.cli.app import main; "
        "sys.exit(main(['incident', 'open', sys.argv[1], '-q']))"
    )
    env = {**os.environ, **db.env}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"racer {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert sorted(out.strip() for out, _err in outputs) == ["INC-1", "INC-2", "INC-3", "INC-4"]
    engine = create_engine(db.url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_locked_postgresql_row_is_a_conflict(pg_db, pg_admin, cli, monkeypatch):
    key = opening.open_record("incident", "contended").key
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "0.2")
    from svcops.store.engine import dispose_all

    dispose_all()
    schema_name = pg_db.url.rsplit("%3D", 1)[1]
    with pg_admin.transaction():
        pg_admin.execute(f"SELECT 1 FROM {schema_name}.record WHERE key = %s FOR UPDATE", (key,))
        result = cli("incident", "advance", key)
    assert result.code == 5
    assert len(result.error_lines) == 1
    assert cli("incident", "show", key, "-f", "json").json()["stage"] == "new"


def test_an_update_of_a_record_changed_meanwhile_is_a_conflict(db):
    from svcops.domain.kinds import lifecycle
    from svcops.services.base import transaction

    opening.open_record("incident", "Printer down")
    with transaction(write=True) as (uow, _call):
        stale = uow.records.get_record(lifecycle("incident"), "INC-1").record
        uow.records.update_record(stale, {"title": "first change"})
        assert stale.version == 2
        stale.version = 1  # as if read before the change above
        with pytest.raises(Conflict, match="INC-1 changed under you"):
            uow.records.update_record(stale, {"title": "second change"})
    assert records.show_record("incident", "INC-1").record.fields["title"] == "first change"


def _lose_transaction(db, held, pg_admin_factory):
    """End the group's transaction behind its back, as a crashed server or a full disk would."""
    from svcops.store.engine import engine_for

    # (a unit of work that reads would have the writes before it committed first)
    connection = held.connection_for(engine_for(db.url), write=True)
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() if (
        db.backend == "postgresql"
    ) else None  # fmt: skip
    driver = connection.connection.driver_connection
    if db.backend == "sqlite":
        driver.execute("ROLLBACK")
        assert not held.sound()
    else:
        pg_admin_factory().execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_group_that_loses_its_transaction_keeps_nothing_and_says_so(
    db, request, capsys, monkeypatch
):
    from svcops.cli import batch
    from svcops.cli.batch import _Results
    from svcops.domain.errors import SvcopsError
    from svcops.services.base import many_calls

    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)  # only the loss ends this group
    with many_calls(grouped=True) as held:
        results = _Results(held)
        opening.open_record("incident", "first")
        results.add({"line": 1, "exit": 0, "result": "first"})
        opening.open_record("incident", "second")
        results.add({"line": 2, "exit": 0, "result": "second"})
        results.add({"line": 3, "exit": 4, "error": "its own reason"})  # failed on its own
        assert held.uncommitted and capsys.readouterr().out == ""  # waiting for the commit
        _lose_transaction(db, held, lambda: request.getfixturevalue("pg_admin"))
        results.flush()
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    lost = (reports[0]["exit"], reports[0]["error"])  # SQLite: ended; PostgreSQL: connection gone
    assert lost[0] != 0 and lost[1] in (uow._LOST, lost[1])
    assert [(r["line"], r["exit"], r["error"]) for r in reports] == [
        (1, *lost), (2, *lost), (3, 4, "its own reason"),
    ]  # fmt: skip
    assert results.first_failure == lost[0]
    assert records.list_records("incident").total == 0
    with many_calls(grouped=True) as held:  # and a group after it works
        opening.open_record("incident", "third")
        held.commit()
    kept = records.list_records("incident").records
    assert [(v.key, v.fields["title"]) for v in kept] == [("INC-1", "third")]  # not even a key
    with many_calls(grouped=True) as held:
        opening.open_record("incident", "fourth")
        _lose_transaction(db, held, lambda: request.getfixturevalue("pg_admin"))
        for title in ("fifth", "sixth"):  # refused, not run outside the lost transaction
            with pytest.raises(SvcopsError):
                opening.open_record("incident", title)
        with pytest.raises(SvcopsError, match="not kept"):  # the loss is still known
            held.commit()
    kept = records.list_records("incident").records
    assert [v.fields["title"] for v in kept] == ["third"]


def test_a_read_in_a_group_comes_after_the_writes_before_it_are_committed(db, capsys, monkeypatch):
    """A line that only reads neither holds the locks of the writes before it (however long it
    runs) nor, failing in the database (which ends a whole transaction on PostgreSQL), takes
    them with it."""
    from sqlalchemy.exc import DBAPIError

    from svcops.cli import batch
    from svcops.cli.batch import _Results
    from svcops.services.base import many_calls, transaction

    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)
    with many_calls(grouped=True) as held:
        results = _Results(held)
        opening.open_record("incident", "first")
        results.add({"line": 1, "exit": 0, "result": "first"})
        assert capsys.readouterr().out == ""  # waiting for the commit
        with transaction(write=False) as (uow, _call):
            assert capsys.readouterr().out == '{"line": 1, "exit": 0, "result": "first"}\n'
            _write_elsewhere(db, "INC-1")  # no lock of line 1 is held any more
            with pytest.raises(DBAPIError):
                uow.session.info["connection"].exec_driver_sql("SELECT * FROM no_such_table")
        _open_as_line(results, 3, "second")
    assert capsys.readouterr().out == '{"line": 3, "exit": 0, "result": "second"}\n'
    assert _kept() == [("INC-1", "changed elsewhere"), ("INC-2", "second")]


def _open_as_line(results, number, title):
    """A batch line that opens an incident, the last before the batch's end."""
    opening.open_record("incident", title)
    results.add({"line": number, "exit": 0, "result": title})
    results.flush()


def _kept():
    return sorted((v.key, v.fields["title"]) for v in records.list_records("incident").records)


def _write_elsewhere(db, key):
    """Change a record from another connection that will not wait for a lock."""
    if db.backend == "sqlite":
        other = sqlite3.connect(db.path, timeout=0)
        other.execute("UPDATE record SET title = 'changed elsewhere' WHERE key = ?", (key,))
        other.commit()
        other.close()
        return
    import psycopg

    schema = db.url.rsplit("%3D", 1)[1]
    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as other:
        other.execute("SET lock_timeout = 1")
        other.execute(f"UPDATE {schema}.record SET title = 'changed elsewhere' WHERE key = %s",
                      (key,))  # fmt: skip


def test_a_write_that_finds_the_database_busy_fails_alone(sqlite_db, capsys, monkeypatch):
    """Turning a read-only group into a write one needs the write lock; another process holds
    it: that line fails as busy, and the lines after it run (not "transaction lost")."""
    from svcops.cli import batch
    from svcops.cli.batch import _Results
    from svcops.domain.errors import Busy
    from svcops.services.base import many_calls
    from svcops.store.engine import dispose_all

    opening.open_record("incident", "first")
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "0.2")
    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)
    dispose_all()
    with many_calls(grouped=True) as held:
        results = _Results(held)
        assert records.show_record("incident", "INC-1").record.fields["title"] == "first"
        other = sqlite3.connect(sqlite_db.path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Busy, match="database stayed busy"):
            opening.open_record("incident", "second")
        other.execute("ROLLBACK")
        other.close()
        _open_as_line(results, 3, "third")
    assert capsys.readouterr().out == '{"line": 3, "exit": 0, "result": "third"}\n'
    assert _kept() == [("INC-1", "first"), ("INC-2", "third")]


@pytest.mark.postgres
def test_a_commit_the_database_refuses_fails_only_the_lines_waiting_on_it(
    pg_db, pg_admin, cli, monkeypatch
):
    """A deferred check fails at COMMIT, here the commit before a read: the lines waiting on
    it are reported failed (not printed as kept), and the lines after it run on a new
    transaction."""
    from svcops.cli import batch

    opening.open_record("incident", "one")
    schema_name = pg_db.url.rsplit("%3D", 1)[1]
    pg_admin.execute(f"""
        CREATE FUNCTION {schema_name}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.title = 'refused' THEN RAISE EXCEPTION 'refused at commit'; END IF;
            RETURN NEW;
        END $$;
        CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON {schema_name}.record
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {schema_name}.refuse();
    """)  # fmt: skip
    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)
    script = "".join(
        json.dumps(line) + "\n"
        for line in (
            ["incident", "open", "kept before"],
            ["incident", "open", "refused"],
            ["incident", "show", "INC-1"],
            ["incident", "open", "after"],
        )
    )
    done = cli("batch", "-", input=script)
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["line"], r["exit"]) for r in reports] == [(1, 1), (2, 1), (3, 0), (4, 0)]
    assert reports[0]["error"] == reports[1]["error"]
    assert "refused at commit" in reports[0]["error"]
    assert reports[3]["result"]["key"] == "INC-2"
    assert done.code == 1
    assert _kept() == [("INC-1", "one"), ("INC-2", "after")]
