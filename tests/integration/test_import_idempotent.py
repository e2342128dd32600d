"""Importing the same rows again changes nothing and says so (PRODUCT.md sections 11 and 12):
rows with a key are matched by it, rows with an external id by that, other rows by the
fingerprint of their values; a log's cases by their case id. A user who does not know whether
a killed import committed runs it again, safely."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import svcops_executable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"
NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def imported(cli, *args: str) -> dict:
    result = cli("import", *args, "-f", "json")
    assert result.code == 0, result.stderr
    return result.json()


def everything(cli) -> list[str]:
    result = cli("export")
    assert result.code == 0, result.stderr
    return result.stdout.splitlines()


ROWS = [
    ["Printer down", "2026-11-02T09:00:00Z", "new", ""],
    ["VPN slow", "2026-11-02T10:00:00Z", "resolved", "2026-11-02T11:00:00Z"],
    ["Printer down", "2026-11-02T09:00:00Z", "new", ""],  # the same values: a second record
]


def test_rows_without_keys_are_imported_once(cli, db, tmp_path):
    header = ["title", "opened_at", "stage", "resolved_at"]
    source = write_csv(tmp_path / "rows.csv", header, ROWS)
    first = imported(cli, str(source), "--kind", "incident")
    assert (first["records"], first["unchanged"]) == (3, 0)
    after_first = everything(cli)
    again = imported(cli, str(source), "--kind", "incident")
    assert (again["records"], again["unchanged"], again["events"], again["contacts"]) == (
        0,
        3,
        0,
        0,
    )
    assert everything(cli) == after_first  # records, events, contacts and the counter
    assert cli("incident", "open", "Next one", "-q").stdout == "INC-4\n"


def test_a_longer_file_adds_only_its_new_rows_and_numbers_them_on(cli, db, tmp_path):
    header = ["title", "opened_at"]
    rows = [[f"case {n}", f"2026-11-0{1 + n % 5}T09:00:00Z"] for n in range(6)]
    imported(cli, str(write_csv(tmp_path / "start.csv", header, rows[:4])), "--kind", "incident")
    assert cli("incident", "open", "Opened by hand meanwhile", "-q").stdout == "INC-5\n"
    longer = write_csv(tmp_path / "longer.csv", header, [rows[4], *rows[:4], rows[5]])
    summary = imported(cli, str(longer), "--kind", "incident")
    assert (summary["records"], summary["unchanged"]) == (2, 4)
    # each new record: its open event, and the inbound call it came in with
    assert (summary["events"], summary["contacts"]) == (2, 2)
    listed = cli("incident", "list", "--limit", "0", "-f", "json").json()
    assert {r["key"]: r["title"] for r in listed} == {
        "INC-1": "case 0", "INC-2": "case 1", "INC-3": "case 2", "INC-4": "case 3",
        "INC-5": "Opened by hand meanwhile", "INC-6": "case 4", "INC-7": "case 5",
    }  # fmt: skip
    assert cli("incident", "open", "After", "-q").stdout == "INC-8\n"


def test_rows_with_an_external_id_are_matched_by_it(cli, db, tmp_path):
    header = ["external_id", "title", "opened_at"]
    rows = [["SN-100", "Printer down", "2026-11-02T09:00:00Z"],
            ["SN-101", "Printer down", "2026-11-02T09:00:00Z"]]  # fmt: skip
    source = write_csv(tmp_path / "sn.csv", header, rows)
    assert imported(cli, str(source), "--kind", "incident")["records"] == 2
    after_first = everything(cli)
    assert imported(cli, str(source), "--kind", "incident")["unchanged"] == 2
    changed = write_csv(tmp_path / "changed.csv", header, [
        ["SN-102", "Mail bounces", "2026-11-03T09:00:00Z"],
        ["SN-101", "Printer down on floor 2", "2026-11-02T09:00:00Z"],
    ])  # fmt: skip
    refused = cli("import", str(changed), "--kind", "incident")
    assert refused.code == 5
    assert refused.error_lines == [
        "svcops: error: external id 'SN-101' was imported before as INC-2, from other values; "
        "an import adds records and changes none"
    ]
    assert everything(cli) == after_first  # not even SN-102 was kept
    twice = write_csv(tmp_path / "twice.csv", header, [rows[0], rows[0]])
    refused = cli("import", str(twice), "--kind", "problem")
    assert (refused.code, refused.error_lines) == (
        2, ["svcops: error: line 3: external id 'SN-100' appears more than once"]
    )  # fmt: skip


def test_rows_with_keys_are_unchanged_when_they_are_the_rows_imported(cli, db, tmp_path):
    header = ["key", "title", "opened_at"]
    rows = [["INC-7", "Printer down", "2026-11-02T09:00:00Z"], ["", "VPN slow", ""]]
    source = write_csv(tmp_path / "keyed.csv", header, rows)
    assert imported(cli, str(source), "--kind", "incident")["records"] == 2
    after_first = everything(cli)
    summary = imported(cli, str(source), "--kind", "incident")
    assert (summary["records"], summary["unchanged"]) == (0, 2)
    assert everything(cli) == after_first
    other = write_csv(tmp_path / "other.csv", header, [["INC-7", "Printer on fire", ""]])
    refused = cli("import", str(other), "--kind", "incident")
    assert (refused.code, refused.error_lines) == (
        5, ["svcops: error: INC-7 already exists; import adds new records"]
    )  # fmt: skip
    assert cli("incident", "open", "By hand", "-q").stdout == "INC-9\n"
    by_hand = write_csv(tmp_path / "by_hand.csv", header, [["INC-9", "By hand", ""]])
    assert cli("import", str(by_hand), "--kind", "incident").code == 5  # not imported: not ours


def test_ndjson_rows_are_matched_too(cli, db, tmp_path):
    source = tmp_path / "rows.ndjson"
    lines = [{"title": "Printer down", "impact": 2}, {"title": "Printer down", "impact": "2"}]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = (str(source), "--kind", "request", "--input-format", "ndjson")
    assert imported(cli, *args)["records"] == 2  # 2 and "2" are different values
    summary = imported(cli, *args)
    assert (summary["records"], summary["unchanged"]) == (0, 2)


@pytest.mark.parametrize(
    ("log", "mapping"),
    [("helpdesk_slice.csv", "helpdesk.toml"), ("bpi2013_slice.csv", "bpi2013.toml")],
)
def test_an_event_log_imported_again_changes_nothing(cli, db, log, mapping):
    args = ("import-log", str(FIXTURES / log), "--mapping", str(MAPPINGS / mapping), "-f", "json")
    first = cli(*args)
    assert first.code == 0, first.stderr
    cases = first.json()["records"]
    assert cases > 10
    after_first = everything(cli)
    again = cli(*args)
    assert again.code == 0, again.stderr
    summary = again.json()
    assert (summary["records"], summary["unchanged"], summary["events"]) == (0, cases, 0)
    assert (summary["anomalies"], summary["anomaly_examples"]) == (0, [])  # none were added
    assert everything(cli) == after_first


def test_the_origin_travels_with_an_export(cli, db, tmp_path, sqlite_db):
    """Moved to another database by export and import, the records still match their rows."""
    source = write_csv(tmp_path / "rows.csv", ["external_id", "title"], [["A-1", "one"]])
    source2 = write_csv(tmp_path / "plain.csv", ["title"], [["two"]])
    imported(cli, str(source), "--kind", "incident")
    imported(cli, str(source2), "--kind", "incident")
    dump = tmp_path / "dump.ndjson"
    assert cli("export", "--out", str(dump)).code == 0
    records = [json.loads(line) for line in dump.read_text().splitlines()]
    origin = [(r["external_id"], len(r["source_hash"])) for r in records if r["type"] == "record"]
    assert origin == [("A-1", 32), (None, 32)]
    assert cli("--db", str(tmp_path / "moved.db"), "import", str(dump)).code == 0
    moved = cli("--db", str(tmp_path / "moved.db"), "import", str(source2), "--kind", "incident",
                "-f", "json")  # fmt: skip
    assert moved.json()["unchanged"] == 1


titles = st.lists(st.sampled_from(["Printer down", "VPN slow", "=1+1", "Mail"]), max_size=12)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(titles, st.integers(0, 12))
def test_a_prefix_then_the_whole_file_is_the_whole_file_once(cli, tmp_path, monkeypatch, rows, cut):
    """Whatever committed of a file before, importing the file gives the same database as
    importing it once into an empty one."""
    case = tmp_path / f"case-{time.monotonic_ns()}"
    case.mkdir()
    whole = write_csv(case / "whole.csv", ["title"], [[t] for t in rows])
    prefix = write_csv(case / "prefix.csv", ["title"], [[t] for t in rows[:cut]])

    def database(name: str, *files: Path) -> list[str]:
        monkeypatch.setenv("SVCOPS_DB", str(case / name))
        for source in files:
            assert cli("import", str(source), "--kind", "incident").code == 0
        return everything(cli)

    once = database("once.db", whole)
    assert database("twice.db", whole, whole) == once
    assert database("prefix.db", prefix, whole) == once


def test_an_import_killed_half_way_is_run_again_safely(sh, sqlite_db, tmp_path):
    source = write_csv(
        tmp_path / "big.csv", ["title", "opened_at"],
        [[f"case {n}", "2026-11-01T09:00:00Z"] for n in range(60_000)],
    )  # fmt: skip
    # the schema first: creating it takes about as long as the wait below, and the kill is
    # meant for the import
    assert sh("db", "init").code == 0
    process = subprocess.Popen(
        [svcops_executable(), "import", str(source), "--kind", "incident"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ,
    )  # fmt: skip
    time.sleep(0.8)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    counted = sh("db", "check", "-f", "json")
    assert counted.code == 0, counted.stderr
    assert counted.json()["records"] in (0, 60_000)  # one transaction: all or nothing
    for expected in ({"records": 60_000 - counted.json()["records"]}, {"records": 0}):
        run = sh("import", str(source), "--kind", "incident", "-f", "json")
        assert run.code == 0, run.stderr
        assert run.json()["records"] == expected["records"]
        assert run.json()["records"] + run.json()["unchanged"] == 60_000
    assert sh("db", "check", "-f", "json").json()["records"] == 60_000


def test_an_import_makes_the_key_counter_of_a_kind_that_has_none(cli, db, tmp_path):
    """A kind whose first records come from an import has no key counter yet (`open` makes
    one on its first record): the import makes it, and `open` numbers on from it."""
    from sqlalchemy import text

    from svcops.store.engine import engine_for

    assert cli("db", "init").code == 0
    with engine_for(db.url).begin() as connection:
        connection.execute(text("DELETE FROM key_counter"))
    source = write_csv(tmp_path / "problems.csv", ["title"], [["Disk fills up"], ["Slow VPN"]])
    assert imported(cli, str(source), "--kind", "problem")["records"] == 2
    assert cli("problem", "open", "Third", "-q").stdout == "PRB-3\n"


def test_a_key_handed_out_earlier_in_the_same_import_is_named_so(cli, db, tmp_path, monkeypatch):
    """Rows without a key take the next numbers; a key given later that one of them took is
    refused as such (not as a record that existed before), and nothing is kept."""
    from svcops.services import rebuild

    monkeypatch.setattr(rebuild, "BATCH", 2)  # the keyed row comes in a later batch
    monkeypatch.setenv("SVCOPS_WORKERS", "0")
    rows = [["", "one"], ["", "two"], ["INC-1", "three"]]
    source = write_csv(tmp_path / "mixed.csv", ["key", "title"], rows)
    refused = cli("import", str(source), "--kind", "incident")
    assert (refused.code, refused.error_lines) == (
        5, ["svcops: error: INC-1 was handed out by this import to an earlier row without a key"]
    )  # fmt: skip
    assert cli("incident", "list", "-f", "json").json() == []
