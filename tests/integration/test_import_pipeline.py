"""The bulk import's machinery, each part checked against the plain way of doing the same:
rows built in a worker process (against building them here), histories from templates
(against applying every observed change with lifecycle.enter), indexes built after the rows
(against the schema), and a failure after some batches were written (nothing kept)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcops.config import get_settings
from svcops.domain import lifecycle as lc
from svcops.domain.kinds import lifecycle
from svcops.services import rebuild
from tests.conftest import make_database

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"
NOW = "2026-11-23T12:00:00Z"
INCIDENT = lifecycle("incident")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def flat_csv(path: Path, rows: int, *, bad_line: int | None = None) -> Path:
    """`rows` incidents in the flat format; line `bad_line` (counting the header as line 1)
    has an opened_at no parser reads."""
    with path.open("w") as out:
        out.write("title,impact,urgency,channel,team,opened_at,first_response_at,stage,"
                  "resolved_at,closed_at\n")  # fmt: skip
        for i in range(rows):
            day, minute = 1 + i % 28, i % 60
            opened = f"2026-10-{day:02d}T08:{minute:02d}:00Z"
            if i + 2 == bad_line:
                opened = "the day before yesterday-ish"
            done = i % 4 != 0
            resolved = f"2026-10-{day:02d}T10:{minute:02d}:00Z" if done else ""
            closed = f"2026-10-{day:02d}T12:{minute:02d}:00Z" if done else ""
            stage = "closed" if done else "in_progress"
            responded = f"2026-10-{day:02d}T08:{minute:02d}:30Z"
            out.write(f"Case {i},{1 + i % 3},{1 + i % 2},phone,desk,{opened},{responded},"
                      f"{stage},{resolved},{closed}\n")  # fmt: skip
    return path


def load_everything(cli, tmp_path: Path) -> list[str]:
    """A flat import and two event logs (holds, reopens, anomalies), then the export."""
    runs = [
        ("import", str(flat_csv(tmp_path / "flat.csv", 300)), "--kind", "incident",
         "-f", "json"),
        ("import-log", str(FIXTURES / "helpdesk_slice.csv"), "--mapping",
         str(MAPPINGS / "helpdesk.toml"), "-f", "json"),
        ("import-log", str(FIXTURES / "bpi2013_slice.csv"), "--mapping",
         str(MAPPINGS / "bpi2013.toml"), "-f", "json"),
    ]  # fmt: skip
    summaries = []
    for run in runs:
        result = cli(*run)
        assert result.code == 0, result.stderr
        summaries.append(json.dumps(result.json(), sort_keys=True))
    exported = cli("export")
    assert exported.code == 0, exported.stderr
    return summaries + exported.stdout.splitlines()


def test_rows_built_in_a_worker_are_the_rows_built_here(cli, db, tmp_path, monkeypatch, request):
    with_worker = load_everything(cli, tmp_path)
    assert json.loads(with_worker[0])["records"] == 300
    assert json.loads(with_worker[2])["anomalies"] > 0
    fresh = make_database(db.backend, tmp_path / "fresh", request)
    if fresh.path is not None:
        fresh.path.parent.mkdir(exist_ok=True)
    for name, value in fresh.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SVCOPS_WORKERS", "0")
    assert load_everything(cli, tmp_path) == with_worker


def test_a_bad_row_after_written_batches_leaves_nothing(cli, db, tmp_path):
    bad = rebuild.BATCH + 800  # the first batch is written when the reader meets it
    source = flat_csv(tmp_path / "bad.csv", rebuild.BATCH + 1_000, bad_line=bad)
    result = cli("import", str(source), "--kind", "incident")
    assert result.code == 2
    assert result.stderr.startswith(f"svcops: error: line {bad}, column opened_at: ")
    assert result.stderr.count("\n") <= 2  # the error and its hint, never a traceback
    assert cli("incident", "list", "--limit", "0", "-f", "json").json() == []
    # nothing was taken either: the next incident is the first
    assert cli("incident", "open", "After", "-q").stdout.strip() == "INC-1"


def test_indexes_deferred_on_an_empty_database_are_all_there(cli, sqlite_db, tmp_path):
    from sqlmodel import SQLModel

    import svcops.store.tables  # noqa: F401  (the models register their tables)

    result = cli("import", str(flat_csv(tmp_path / "flat.csv", 50)), "--kind", "incident")
    assert result.code == 0, result.stderr
    with sqlite3.connect(sqlite_db.path) as connection:
        stored = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM record WHERE kind = 'incident' AND opened_at > 0"
        ).fetchall()
    declared = {index.name for table in SQLModel.metadata.tables.values()
                for index in table.indexes}  # fmt: skip
    assert declared <= stored
    assert "ix_record_kind_opened" in str(plan)


# ---- templates against the plain application of every change ------------------------------

STAGES = [stage.name for stage in INCIDENT.stages]
OPENED = datetime(2026, 10, 1, 8, tzinfo=UTC)


def plain(changes: list[tuple[datetime, str]], reason: str) -> tuple[dict[str, Any], list[Any]]:
    """What a record with these observed changes becomes, one lifecycle.enter at a time."""
    progress = lc.start(INCIDENT, OPENED)
    events = [(OPENED, "open", None, progress.stage)]
    for at, target in sorted(changes, key=lambda change: change[0]):
        if target == progress.stage:
            continue
        allowed = [verb for verb, t in INCIDENT.moves_from(progress.stage)
                   if (progress.held_from if t == lc.RETURN_TO_HELD else t) == target]  # fmt: skip
        held = reason if INCIDENT.state_of(target) is lc.State.PAUSED else None
        old = progress.stage
        progress = lc.enter(INCIDENT, progress, target, at, reason=held)
        events.append((at, allowed[0] if allowed else "observed", old, target))
    values = {
        name: (int(value.timestamp()) if isinstance(value, datetime) else value)
        for name, value in lc.progress_values(progress).items()
    }
    return values, [(int(at.timestamp()), *rest) for at, *rest in events]


changes_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10 * 86_400), st.sampled_from(STAGES)),
    max_size=7,
)


@settings(max_examples=300, deadline=None)
@given(first=changes_strategy, second_offsets=st.lists(st.integers(0, 86_400), max_size=7))
def test_a_history_template_gives_what_each_change_applied_gives(first, second_offsets):
    """Two cases with the same stages and different times: the second one's history comes
    from the template the first one left (when it has no hold)."""
    maker = rebuild._RowMaker(get_settings(), INCIDENT, next_id=1, last_number=0)
    cases = [[(OPENED + timedelta(seconds=s), stage) for s, stage in sorted(first)]]
    offsets = sorted(second_offsets + [0] * (len(first) - len(second_offsets)))[: len(first)]
    cases.append([(OPENED + timedelta(seconds=o), stage)
                  for o, (_s, stage) in zip(offsets, sorted(first), strict=True)])  # fmt: skip
    for number, changes in enumerate(cases, start=1):
        case = rebuild.Case(f"case {number}", OPENED, {"title": "t",
                            "hold_reason": "awaiting_vendor"}, list(changes))  # fmt: skip
        events: list[Any] = []
        row = maker._rows(case, number, f"INC-{number}", number, events)
        expected, expected_events = plain(changes, "awaiting_vendor")
        assert {name: row[name] for name in expected} == expected
        assert [event[1:] for event in events] == expected_events
        assert {event[0] for event in events} == {number}


def test_text_with_a_nul_character_is_refused_on_every_backend(cli, db, tmp_path):
    rows = tmp_path / "nul.ndjson"
    rows.write_text('{"title": "fine"}\n{"title": "a\\u0000b"}\n')
    result = cli("import", str(rows), "--kind", "incident", "--input-format", "ndjson")
    assert (result.code, result.stderr.splitlines()[0]) == (
        2, "svcops: error: line 2, title: contains a NUL character",
    )  # fmt: skip
    log = tmp_path / "log.csv"
    log.write_text("case,time,stage,team\nC1,2026-11-01T08:00:00Z,new,desk\x00x\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text('kind = "incident"\ncase = "case"\ntime = "time"\nstage = "stage"\n'
                       '[stages]\nnew = "new"\n[fields]\nteam = "team"\n')  # fmt: skip
    result = cli("import-log", str(log), "--mapping", str(mapping))
    assert (result.code, result.stderr.splitlines()[0]) == (
        2, "svcops: error: line 2, team: contains a NUL character",
    )  # fmt: skip
    assert cli("incident", "list", "--limit", "0", "-f", "json").json() == []


@pytest.mark.subprocess
def test_an_import_from_standard_input_is_read_by_the_worker(sh, db, tmp_path):
    source = flat_csv(tmp_path / "flat.csv", rebuild.BATCH + 10).read_text()
    result = sh("import", "-", "--kind", "incident", "-f", "json", input=source)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["records"] == rebuild.BATCH + 10


def test_text_that_is_not_utf8_deep_in_the_file_is_bad_input(cli, db, tmp_path):
    good = flat_csv(tmp_path / "flat.csv", 2_000).read_bytes()  # past the first read buffer
    source = tmp_path / "latin1.csv"
    source.write_bytes(good + b"caf\xe9,1,1,phone,desk,2026-10-01T08:00:00Z,,new,,\n")
    result = cli("import", str(source), "--kind", "incident")
    assert result.code == 2
    assert "is not UTF-8 text" in result.stderr.splitlines()[0]
    assert cli("incident", "list", "--limit", "0", "-f", "json").json() == []
