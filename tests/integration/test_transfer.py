"""export / import round trips, flat imports and event-log imports, on every backend."""

from __future__ import annotations

import csv
import json
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import make_database

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"
# ../shared/datasets beside the project (developers' machines and CI), or SVCOPS_DATASETS
DATASETS = Path(
    os.environ.get("SVCOPS_DATASETS", Path(__file__).resolve().parents[3] / "shared" / "datasets")
)
NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def build_desk(cli) -> None:
    """A small desk with every kind of object: customers, links, holds, feedback, contacts."""
    steps = [
        ["customer", "add", "Ada", "--email", "ada@example.com", "--org", "AE"],
        ["problem", "open", "Root cause", "--service", "vpn", "--at", "2026-11-20T08:00:00Z"],
        ["problem", "advance", "PRB-1", "--at", "2026-11-20T09:00:00Z"],
        ["problem", "advance", "PRB-1", "--root-cause", "bug", "--workaround", "restart",
         "--at", "2026-11-20T10:00:00Z"],
        ["incident", "open", "VPN down", "--service", "vpn", "--customer", "CUS-1",
         "--impact", "1", "--urgency", "2", "--priority", "P1", "--at", "2026-11-21T08:00:00Z"],
        ["incident", "link", "INC-1", "--problem", "PRB-1"],
        ["incident", "advance", "INC-1", "--at", "2026-11-21T08:05:00Z"],
        ["incident", "hold", "INC-1", "--reason", "awaiting_vendor", "--note", "ticket 7",
         "--at", "2026-11-21T08:10:00Z"],
        ["request", "open", "Laptop", "--model", "support", "--due", "2026-11-30",
         "--at", "2026-11-21T09:00:00Z"],
        ["contact", "log", "REQ-1", "--channel", "email", "--direction", "outbound",
         "--at", "2026-11-21T09:30:00Z", "--note", "ordered"],
        ["feedback", "add", "--for", "REQ-1", "--csat", "4", "--courtesy", "5",
         "--comment", "ok", "--at", "2026-11-22T09:00:00Z"],
    ]  # fmt: skip
    for step in steps:
        result = cli(*step, "-q") if step[0] != "incident" or step[1] != "link" else cli(*step)
        assert result.code == 0, (step, result.stderr)


def export(cli) -> list[str]:
    result = cli("export")
    assert result.code == 0, result.stderr
    return result.stdout.splitlines()


def test_export_import_export_is_identical(cli, db, tmp_path, monkeypatch, request):
    build_desk(cli)
    first = export(cli)
    kinds = [json.loads(line)["type"] for line in first]
    assert kinds == sorted(kinds, key=["counter", "customer", "record", "event", "contact",
                                       "feedback"].index)  # fmt: skip
    record = next(json.loads(line) for line in first if '"key":"INC-1"' in line)
    assert (record["problem"], record["customer"], record["hold_reason"]) == (
        "PRB-1", "CUS-1", "awaiting_vendor",
    )  # fmt: skip
    dump = tmp_path / "dump.ndjson"
    dump.write_text("\n".join(first) + "\n")
    # into a fresh database of the same backend
    fresh = (
        make_database(db.backend, tmp_path / "fresh", request) if db.backend != "sqlite" else None
    )
    target = tmp_path / "fresh.db"
    if fresh is None:
        monkeypatch.setenv("SVCOPS_DB", str(target))
    else:
        monkeypatch.setenv("SVCOPS_DATABASE_URL", fresh.url)
    loaded = cli("import", str(dump), "-f", "json")
    assert loaded.code == 0, loaded.stderr
    by_type = {row["type"]: row for row in loaded.json()}
    # PRB-1: open, 2 moves, a link; INC-1: open, contact, priority override, link, advance,
    # hold; REQ-1: open, 2 contacts, feedback
    assert (by_type["record"]["added"], by_type["event"]["added"]) == (3, 14)
    assert export(cli) == first
    # importing again changes nothing and duplicates nothing
    again = cli("import", str(dump), "-f", "json").json()
    assert [row["added"] for row in again] == [0] * 6
    assert export(cli) == first
    assert cli("incident", "open", "next", "-q").stdout.strip() == "INC-2"  # counters kept


@pytest.mark.postgres
def test_sqlite_export_imports_into_postgresql(cli, sqlite_db, pg_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCOPS_DB", str(sqlite_db.path))
    monkeypatch.delenv("SVCOPS_DATABASE_URL")
    build_desk(cli)
    first = export(cli)
    dump = tmp_path / "dump.ndjson"
    dump.write_text("\n".join(first) + "\n")
    monkeypatch.setenv("SVCOPS_DATABASE_URL", pg_db.url)
    assert cli("import", str(dump)).code == 0
    assert export(cli) == first
    assert cli("incident", "show", "INC-1", "-f", "json").json()["problem"] == "PRB-1"


RECORD = (
    '{"type": "record", "key": "INC-1", "kind": "incident", "number": 1, "title": "x",'
    ' "stage": "new", "impact": 2, "problem": null, "opened_at": "2026-11-20T08:00:00Z",'
    ' "stage_entered_at": "2026-11-20T08:00:00Z"}'
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: malformed JSON"),
        ('{"type": "ticket"}', "line 2: unknown type 'ticket'"),
        ('{"type": "event", "record": "INC-77", "at": "2026-11-20T08:00:00Z", "actor": "a",'
         ' "action": "open"}', "line 2: unknown record 'INC-77'"),
        ('{"type": "customer", "key": "CUS-9", "name": "X", "created_at": "yesterday"}',
         "line 2: created_at 'yesterday' is not an ISO 8601 time"),
        (RECORD.replace('"impact": 2', '"impact": "high"'),
         'line 2: impact must be a whole number from 1 to 3, not "high"'),
        (RECORD.replace('"number": 1', '"number": 2'),
         "line 2: number 2 does not match key INC-1"),
        (RECORD.replace('"title": "x"', '"title": {"nested": 1}'),
         'line 2: title must be text, not {"nested": 1}'),
        (RECORD.replace('"problem": null', '"problem": "INC-1"'),
         "line 2: problem 'INC-1' is not a PRB key"),
        (RECORD + "\n" + RECORD, "line 3: record INC-1 appears again (first on line 2)"),
        (RECORD + '\n{"type": "feedback", "key": "FB-1", "record": "INC-1", "csat": 9,'
         ' "received_at": "2026-11-20T08:00:00Z"}',
         "line 3: csat must be a whole number from 1 to 5"),
    ],
)  # fmt: skip
def test_a_bad_dump_line_is_named_and_nothing_is_kept(cli, db, tmp_path, line, message):
    good = (
        '{"type": "customer", "key": "CUS-1", "name": "Ada", "created_at": "2026-11-20T08:00:00Z"}'
    )
    dump = tmp_path / "bad.ndjson"
    dump.write_text(good + "\n" + line + "\n")
    result = cli("import", str(dump))
    assert result.code == 2
    assert message in result.error_lines[0]
    assert cli("customer", "list", "-f", "json").json() == []
    assert cli("incident", "list", "-f", "json").json() == []


def test_a_link_removed_in_the_dump_is_removed_on_import(cli, db, tmp_path):
    build_desk(cli)
    lines = export(cli)
    unlinked = [line.replace('"problem":"PRB-1"', '"problem":null') for line in lines]
    dump = tmp_path / "unlinked.ndjson"
    dump.write_text("\n".join(unlinked) + "\n")
    assert cli("import", str(dump)).code == 0
    assert cli("incident", "show", "INC-1", "-f", "json").json()["problem"] is None
    assert export(cli) == unlinked


def test_flat_csv_import_builds_history_that_reports_read(cli, db, tmp_path):
    source = tmp_path / "old-tool.csv"
    source.write_text(
        "key,title,impact,urgency,channel,team,opened_at,first_response_at,stage,resolved_at,closed_at\n"
        "INC-40,Printer down,2,1,phone,desk,2026-11-17T09:00:00Z,2026-11-17T09:20:00Z,closed,"
        "2026-11-17T11:00:00Z,2026-11-18T09:00:00Z\n"
        ",VPN slow,3,2,email,network,2026-11-18T09:00:00Z,,in_progress,,\n"
        ",Duplicate,3,3,portal,desk,2026-11-19T09:00:00Z,,cancelled,,2026-11-19T10:00:00Z\n"
    )
    result = cli("import", str(source), "--kind", "incident", "-f", "json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert (summary["records"], summary["anomalies"]) == (3, 0)
    listed = {r["key"]: r for r in cli("incident", "list", "-f", "json").json()}
    # a given key is kept; the others take numbers after it
    assert sorted(listed) == ["INC-40", "INC-41", "INC-42"]
    assert listed["INC-40"]["priority"] == "P2"
    assert (listed["INC-40"]["first_response_at"], listed["INC-40"]["resolved_at"]) == (
        "2026-11-17T09:20:00Z", "2026-11-17T11:00:00Z",
    )  # fmt: skip
    assert listed["INC-41"]["stage"] == "in_progress"
    assert listed["INC-41"]["first_response_at"] is None  # not claimed without a time
    assert listed["INC-42"]["stage"] == "cancelled"
    history = cli("incident", "history", "INC-40", "-f", "json").json()
    assert [(e["action"], e["to"]) for e in history] == [
        ("open", "new"), ("advance", "acknowledged"), ("resolve", "resolved"),
        ("advance", "closed"),
    ]  # fmt: skip
    report = cli("report", "metrics", "--since", "2026-11-16T00:00:00Z", "--until",
                 "2026-11-23T00:00:00Z", "-f", "json").json()["groups"][0]["metrics"]  # fmt: skip
    assert (report["opened"], report["resolved"], report["backlog"]) == (3, 1, 1)
    assert report["resolution_s"]["median"] == 7200.0
    assert cli("incident", "open", "new one", "-q").stdout.strip() == "INC-43"


def test_flat_ndjson_import_and_its_errors(cli, db, tmp_path):
    source = tmp_path / "requests.ndjson"
    source.write_text(
        json.dumps({"title": "Laptop", "model": "product_delivery", "opened_at":
                    "2026-11-17T09:00:00Z", "due_at": "2026-11-25T00:00:00Z",
                    "stage": "feedback", "resolved_at": "2026-11-20T09:00:00Z"}) + "\n"
    )  # fmt: skip
    result = cli(
        "import", str(source), "--kind", "request", "--input-format", "ndjson", "-f", "json"
    )
    assert result.code == 0, result.stderr
    shown = cli("request", "show", "REQ-1", "-f", "json").json()
    assert (shown["stage"], shown["model"], shown["due_at"]) == (
        "feedback", "product_delivery", "2026-11-25T00:00:00Z",
    )  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "title,impact,opened_at\nfine,1,2026-11-17T09:00:00Z\nbroken,7,2026-11-17T09:00:00Z\n"
    )
    failed = cli("import", str(bad), "--kind", "incident")
    assert failed.code == 2
    assert failed.error_lines == ["svcops: error: line 3: impact must be 1, 2 or 3, not 7"]
    assert cli("incident", "list", "-f", "json").json() == []  # the good row went too
    when = tmp_path / "when.csv"
    when.write_text("title,opened_at\nx,03/04/2026\n")
    dated = cli("import", str(when), "--kind", "incident")
    assert dated.code == 2
    assert "line 2, column opened_at: ambiguous date" in dated.stderr
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("title,severity\nx,high\n")
    assert "unknown column 'severity'" in cli("import", str(unknown), "--kind", "incident").stderr


def raw_helpdesk(path: Path) -> dict[str, list[tuple[datetime, str]]]:
    """The log as the raw file says it, independently of svcops' code."""
    cases: dict[str, list[tuple[datetime, str]]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["time:timestamp"]).astimezone(UTC)
            cases.setdefault(row["case:concept:name"], []).append((moment, row["concept:name"]))
    return cases


def check_helpdesk(cli, log: Path) -> None:
    result = cli("import-log", str(log), "--mapping", str(MAPPINGS / "helpdesk.toml"), "-f", "json")
    assert result.code == 0, result.stderr
    summary = result.json()
    cases = raw_helpdesk(log)
    assert summary["records"] == len(cases)
    assert summary["skipped_rows"] == 0
    # first resolution per case: the first "Resolve ticket", "RESOLVED" or "VERIFIED" row
    resolving = {"Resolve ticket", "RESOLVED", "VERIFIED"}
    firsts = {}
    for case, rows in cases.items():
        rows.sort()
        resolved = [at for at, activity in rows if activity in resolving]
        if resolved:
            firsts[case] = (rows[0][0], resolved[0])
    since, until = datetime(2010, 1, 1, tzinfo=UTC), datetime(2011, 1, 1, tzinfo=UTC)
    in_period = [(opened, done) for opened, done in firsts.values() if since <= done < until]
    durations = [(done - opened).total_seconds() for opened, done in in_period]
    opened = [rows for rows in cases.values() if since <= min(rows)[0] < until]
    report = cli("report", "metrics", "--kind", "incident", "--since", "2010-01-01T00:00:00Z",
                 "--until", "2011-01-01T00:00:00Z", "-f", "json").json()  # fmt: skip
    metrics = report["groups"][0]["metrics"]
    assert metrics["opened"] == len(opened)
    assert metrics["resolved"] == len(in_period)
    assert metrics["resolution_s"]["median"] == pytest.approx(
        statistics.median(durations), abs=0.01
    )
    assert metrics["resolution_s"]["mean"] == pytest.approx(statistics.fmean(durations), abs=0.01)


def test_helpdesk_log_slice_matches_the_raw_log(cli, db):
    check_helpdesk(cli, FIXTURES / "helpdesk_slice.csv")


def test_whole_helpdesk_log_matches_the_raw_log(cli, db):
    log = DATASETS / "helpdesk_eventlog.csv"
    if not log.exists():
        pytest.skip(f"the shared dataset {log} is not on this machine (the slice test still runs)")
    check_helpdesk(cli, log)


def test_bpi2013_slice_imports_with_anomalies_counted(cli, db):
    result = cli("import-log", str(FIXTURES / "bpi2013_slice.csv"), "--mapping",
                 str(MAPPINGS / "bpi2013.toml"), "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["records"] == 200
    assert summary["anomalies"] > 0
    assert summary["anomaly_examples"][0].startswith("case 1-")
    listed = cli("incident", "list", "--limit", "0", "-f", "json").json()
    assert len(listed) == 200
    assert {r["stage"] for r in listed} <= {"closed", "resolved", "in_progress", "on_hold",
                                            "acknowledged", "new", "cancelled"}  # fmt: skip


def test_unmapped_values_error_or_skip(cli, db, tmp_path):
    mapping = tmp_path / "partial.toml"
    text = (MAPPINGS / "helpdesk.toml").read_text().replace('"Wait" = "on_hold"\n', "")
    mapping.write_text(text)
    log = FIXTURES / "helpdesk_slice.csv"
    failed = cli("import-log", str(log), "--mapping", str(mapping))
    assert failed.code == 2
    assert "column concept:name: 'Wait' has no svcops stage" in failed.error_lines[0]
    assert cli("incident", "list", "-f", "json").json() == []
    mapping.write_text(text.replace('unmapped = "error"', 'unmapped = "skip"'))
    skipped = cli("import-log", str(log), "--mapping", str(mapping), "-f", "json")
    assert skipped.code == 0, skipped.stderr
    waits = sum(1 for rows in raw_helpdesk(log).values() for _at, a in rows if a == "Wait")
    assert skipped.json()["skipped_values"] == {"Wait": waits}
    assert skipped.json()["skipped_rows"] == waits


def test_mapping_errors(cli, db, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'kind = "incident"\ncase = "c"\ntime = "t"\nstage = "s"\n[stages]\nx = "done"\n'
    )
    result = cli("import-log", str(FIXTURES / "helpdesk_slice.csv"), "--mapping", str(mapping))
    assert result.code == 2
    assert "[stages] 'x': unknown incident stage 'done'" in result.stderr
    mapping.write_text(
        'kind = "incident"\ncase = "c"\ntime = "t"\nstage = "s"\n[stages]\nx = "new"\n'
    )
    result = cli("import-log", str(FIXTURES / "helpdesk_slice.csv"), "--mapping", str(mapping))
    assert result.code == 2
    assert "the log has no column 'c'" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title,service\n"abc,x\nB,y\n', "unexpected end of data"),
        ("title,title\nA,B\n", "column 'title' appears more than once"),
        ("title,service\nA\n", "line 2: fewer values than columns"),
        ("title,service\nA,b,c\n", "line 2: more values than columns"),
        ("title,reopen_count\nA,99999999999999999999\n", "reopen_count must be a whole number"),
        ("title,stage,opened_at\nA,closed,2026-11-01T10:00:00Z\n", "needs closed_at"),
    ],
)
def test_csv_that_cannot_be_read_faithfully_is_refused(cli, db, tmp_path, text, message):
    source = tmp_path / "odd.csv"
    source.write_text(text)
    result = cli("import", str(source), "--kind", "incident")
    assert result.code == 2, result.stderr
    assert message in result.error_lines[0]
    assert cli("incident", "list", "-f", "json").json() == []


def test_a_history_that_leaves_a_closed_stage_reopens(cli, db, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "case,time,state\n"
        "C1,2026-01-01T10:00:00Z,Open\nC1,2026-01-01T11:00:00Z,Done\n"
        "C1,2026-01-02T11:00:00Z,Closed\nC1,2026-01-03T09:00:00Z,In Progress\n"
    )
    mapping = tmp_path / "jira.toml"
    mapping.write_text(
        'kind = "incident"\ncase = "case"\ntime = "time"\nstage = "state"\n[stages]\n'
        '"Open" = "new"\n"Done" = "resolved"\n"Closed" = "closed"\n"In Progress" = "in_progress"\n'
    )
    result = cli("import-log", str(log), "--mapping", str(mapping), "-f", "json")
    assert result.code == 0, result.stderr
    assert result.json()["anomalies"] == 1  # closed -> in_progress is no move svcops allows
    shown = cli("incident", "show", "INC-1", "-f", "json").json()
    assert (shown["stage"], shown["closed_at"], shown["resolved_at"]) == ("in_progress", None, None)
    assert shown["reopen_count"] == 1
    metrics = cli("report", "metrics", "--since", "2026-01-01T00:00:00Z", "--until",
                  "2026-01-04T00:00:00Z", "-f", "json").json()["groups"][0]["metrics"]  # fmt: skip
    assert (metrics["backlog"], metrics["reopen_pct"], metrics["resolved"]) == (1, 100.0, 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('dayfirst = "false"\n', "dayfirst must be bool, not 'false'"),
        ('delimiter = ";;"\n', "delimiter must be one character"),
        ('hold_reason = "lunch"\n', "hold_reason 'lunch' is not one of"),
        ("time_format = 5\n", "time_format must be str, not 5"),
    ],
)
def test_mapping_values_are_checked(cli, db, tmp_path, extra, message):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'kind = "incident"\ncase = "c"\ntime = "t"\nstage = "s"\n' + extra + '[stages]\nx = "new"\n'
    )
    result = cli("import-log", str(FIXTURES / "helpdesk_slice.csv"), "--mapping", str(mapping))
    assert result.code == 2
    assert message in result.error_lines[0]


def test_import_prints_with_format_and_reads_by_its_input_format(cli, db, tmp_path):
    """`-f` formats the summary, as everywhere; the input's format is `--input-format`, by
    default NDJSON for a .ndjson or .jsonl file and CSV otherwise."""
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps({"title": "Printer down"}) + "\n")
    printed = cli("import", str(lines), "--kind", "incident", "-f", "csv")
    assert printed.code == 0, printed.stderr
    assert printed.stdout.splitlines()[0].startswith("records,unchanged,events")
    assert printed.stdout.splitlines()[1].startswith("1,0,1")
    as_csv = tmp_path / "cases.txt"
    as_csv.write_text(json.dumps({"title": "Printer down"}) + "\n")
    misread = cli("import", str(as_csv), "--kind", "incident")
    assert (misread.code, misread.error_lines) == (
        2, ['svcops: error: line 1: unknown column \'{"title": "Printer down"}\'']
    )  # fmt: skip
    read = cli("import", str(as_csv), "--kind", "request", "--input-format", "NDJSON", "-q")
    assert read.code == 2  # import prints a summary, not keys: -q is not one of its options
    read = cli("import", str(as_csv), "--kind", "request", "--input-format", "NDJSON")
    assert read.code == 0, read.stderr
    wrong = cli("import", str(as_csv), "--kind", "request", "--input-format", "xml")
    assert wrong.error_lines == ["svcops: error: --input-format 'xml': import reads csv or ndjson"]
    assert cli("import", str(lines), "--kind", "incident", "-f", "yaml").code == 2
