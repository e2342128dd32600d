"""A new record kind is a definition: a throwaway kind (its lifecycle, two fields of its own,
one capability) opens, advances, lists, shows, imports, exports and reports with no other code,
on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from svcops.domain import fields as catalogue
from svcops.domain import kinds
from svcops.domain.fields import Field, Type
from svcops.domain.lifecycle import Lifecycle, Stage, State, Transition

NOW = "2026-11-23T12:00:00Z"

DRILL = Lifecycle(
    kind="drill",
    noun="drill",
    plural="drills",
    prefix="DRL",
    stages=(
        Stage("planned", State.OPEN, "on the calendar"),
        Stage("running", State.OPEN, "under way"),
        Stage("reviewed", State.RESOLVED, "done, lessons written down"),
        Stage("closed", State.FINAL, "finished"),
        Stage("called_off", State.FINAL, "did not happen"),
    ),
    main_path=("planned", "running", "reviewed", "closed"),
    transitions=(
        Transition("advance", ("planned",), "running"),
        Transition("advance", ("running",), "reviewed"),
        Transition("advance", ("reviewed",), "closed"),
        Transition("cancel", ("planned", "running"), "called_off", requires=("reason",)),
    ),
    fields=("scenario", "participants"),
    customer_facing=True,  # the capability: contacts, surveys and SLAs apply
)
SCENARIO = Field(
    "scenario", Type.CHOICE, common=False, column=False, flat=True,
    choices=("outage", "breach", "flood"), default="outage",
    option="What is rehearsed: outage, breach or flood.",
)  # fmt: skip
PARTICIPANTS = Field(
    "participants", Type.WHOLE, common=False, column=False, flat=True, low=1, high=500,
    option="How many people take part.",
)  # fmt: skip


@pytest.fixture(autouse=True)
def drill_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    catalogue.define(SCENARIO)
    catalogue.define(PARTICIPANTS)
    kinds.register(DRILL)
    yield
    kinds.unregister("drill")
    catalogue.forget("scenario", "participants")


def ok(result):
    assert result.code == 0, result.stderr
    return result


def test_a_new_kind_lives_through_every_command(cli, db, tmp_path: Path) -> None:
    opened = ok(cli(
        "drill", "open", "Data centre failover", "--scenario", "Flood", "--participants", "12",
        "--team", "ops", "--at", "2026-11-20T09:00:00Z", "-f", "json",
    )).json()  # fmt: skip
    assert (opened["key"], opened["kind"], opened["stage"]) == ("DRL-1", "drill", "planned")
    assert (opened["scenario"], opened["participants"]) == ("flood", 12)
    default = ok(cli("drill", "open", "Tabletop", "--at", "2026-11-21T09:00:00Z", "-f", "json"))
    assert (default.json()["scenario"], default.json()["participants"]) == ("outage", None)

    bad = cli("drill", "open", "x", "--scenario", "fire")
    assert bad.code == 2
    assert bad.error_lines == ["svcops: error: unknown scenario 'fire'"]
    assert cli("drill", "open", "x", "--participants", "0").code == 2
    assert cli("incident", "open", "x", "--scenario", "flood").code == 2  # not an incident's

    moved = ok(cli("drill", "advance", "DRL-1", "--at", "2026-11-20T10:00:00Z", "-f", "json"))
    assert (moved.json()["stage"], moved.json()["first_response_at"]) == (
        "running", "2026-11-20T10:00:00Z"
    )  # fmt: skip
    ok(cli("drill", "advance", "DRL-1", "--at", "2026-11-20T13:00:00Z"))
    refused = cli("drill", "cancel", "DRL-2")
    assert refused.code == 2 and "needs --reason" in refused.stderr

    listed = ok(cli("drill", "list", "-f", "json")).json()
    assert [(r["key"], r["stage"], r["scenario"]) for r in listed] == [
        ("DRL-2", "planned", "outage"), ("DRL-1", "reviewed", "flood"),
    ]  # fmt: skip
    shown = ok(cli("drill", "show", "DRL-1", "-f", "json")).json()
    assert (shown["resolved_at"], shown["team"]) == ("2026-11-20T13:00:00Z", "ops")
    history = ok(cli("drill", "history", "DRL-1", "-f", "json")).json()
    assert [e["action"] for e in history] == ["open", "contact", "advance", "advance"]

    # reports: a customer-facing kind has the customer metrics; DRL-1 resolved in 4 hours
    report = ok(cli("report", "metrics", "--kind", "drill", "--since", "2026-11-01",
                    "--until", "2026-12-01", "-f", "json")).json()  # fmt: skip
    assert report["kinds"] == ["drill"]
    figures = report["groups"][0]["metrics"]
    assert (figures["opened"], figures["resolved"], figures["backlog"]) == (2, 1, 1)
    assert figures["resolution_s"]["median"] == 4 * 3600

    # export and import: the own fields travel with the record
    dump = ok(cli("export")).stdout.splitlines()
    record = next(json.loads(line) for line in dump if '"DRL-1"' in line and '"record"' in line)
    assert (record["scenario"], record["participants"]) == ("flood", 12)
    (tmp_path / "dump.ndjson").write_text("\n".join(dump) + "\n")
    again = ok(cli("import", str(tmp_path / "dump.ndjson"), "-f", "json")).json()
    by_type = {row["type"]: row for row in again}
    assert (by_type["record"]["added"], by_type["record"]["updated"]) == (0, 2)
    assert ok(cli("export")).stdout.splitlines() == dump

    # a flat import of the new kind on top, its own columns included
    rows = tmp_path / "drills.csv"
    rows.write_text(
        "title,scenario,participants,opened_at,stage,resolved_at\n"
        "Breach rehearsal,breach,30,2026-11-10T08:00:00Z,reviewed,2026-11-10T12:00:00Z\n"
    )
    summary = ok(cli("import", str(rows), "--kind", "drill", "-f", "json")).json()
    assert summary["records"] == 1
    imported = ok(cli("drill", "show", "DRL-3", "-f", "json")).json()
    assert (imported["scenario"], imported["participants"], imported["stage"]) == (
        "breach", 30, "reviewed"
    )  # fmt: skip
    unknown = cli("import", str(_csv(tmp_path, "title,risk\nx,high\n")), "--kind", "drill")
    assert unknown.code == 2 and "unknown column 'risk'" in unknown.stderr


def test_a_new_kind_imports_into_a_fresh_database(cli, db, tmp_path: Path) -> None:
    rows = _csv(tmp_path, "title,participants\nFirst drill,4\n")
    summary = ok(cli("import", str(rows), "--kind", "drill", "-f", "json")).json()
    assert summary["records"] == 1
    first = ok(cli("drill", "show", "DRL-1", "-f", "json")).json()
    assert (first["scenario"], first["participants"]) == ("outage", 4)  # its default, as open's
    opened = ok(cli("drill", "open", "Second", "-f", "json")).json()
    assert opened["key"] == "DRL-2"  # the counter the import made goes on from the import


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"rows{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text)
    return path
