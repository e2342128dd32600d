"""The incident lifecycle end to end through the CLI, on every backend."""

from __future__ import annotations

import csv
import io
import json

import pytest

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def open_incident(cli, *extra: str) -> str:
    result = cli("incident", "open", "VPN down for Berlin office", "-q", *extra)
    assert result.code == 0, result.stderr
    return result.stdout.strip()


def test_full_lifecycle_with_times_and_actors(cli, db, monkeypatch):
    key = open_incident(cli, "--impact", "2", "--urgency", "1", "--at", "2026-11-23T08:00:00Z")
    assert key == "INC-1"
    steps = [
        ("advance", "2026-11-23T08:05:00Z", "acknowledged", "alice"),
        ("advance", "2026-11-23T08:10:00Z", "in_progress", "alice"),
        ("hold", "2026-11-23T08:30:00Z", "on_hold", "bob"),
        ("resume", "2026-11-23T09:00:00Z", "in_progress", "bob"),
        ("resolve", "2026-11-23T09:40:00Z", "resolved", "alice"),
        ("close", "2026-11-23T10:00:00Z", "closed", "carol"),
    ]
    for verb, at, stage, actor in steps:
        monkeypatch.setenv("SVCOPS_ACTOR", actor)
        extra = ["--reason", "awaiting_vendor"] if verb == "hold" else []
        result = cli("incident", verb, key, "--at", at, "--format", "json", *extra)
        assert result.code == 0, result.stderr
        assert result.json()["stage"] == stage

    shown = cli("incident", "show", key, "--format", "json").json()
    assert shown["priority"] == "P2"  # impact 2, urgency 1
    assert shown["opened_at"] == "2026-11-23T08:00:00Z"
    assert shown["first_response_at"] == "2026-11-23T08:05:00Z"
    assert shown["resolved_at"] == "2026-11-23T09:40:00Z"
    assert shown["closed_at"] == "2026-11-23T10:00:00Z"
    assert shown["reopen_count"] == 0
    assert shown["hold_reason"] is None

    history = cli("incident", "history", key, "--format", "json").json()
    moves = [(e["action"], e["from"], e["to"], e["actor"], e["at"]) for e in history]
    assert moves == [
        ("open", None, "new", "tester", "2026-11-23T08:00:00Z"),
        ("contact", None, "inbound phone", "tester", "2026-11-23T08:00:00Z"),
        ("advance", "new", "acknowledged", "alice", "2026-11-23T08:05:00Z"),
        ("advance", "acknowledged", "in_progress", "alice", "2026-11-23T08:10:00Z"),
        ("hold", "in_progress", "on_hold", "bob", "2026-11-23T08:30:00Z"),
        ("resume", "on_hold", "in_progress", "bob", "2026-11-23T09:00:00Z"),
        ("resolve", "in_progress", "resolved", "alice", "2026-11-23T09:40:00Z"),
        ("close", "resolved", "closed", "carol", "2026-11-23T10:00:00Z"),
    ]
    assert history[4]["note"] == "awaiting_vendor"

    table = cli("incident", "show", key)
    assert table.code == 0
    assert "Timeline" in table.stdout
    assert "carol" in table.stdout and "awaiting_vendor" in table.stdout


def test_closing_a_new_incident_exits_4_and_changes_nothing(cli, db):
    key = open_incident(cli)
    before = cli("incident", "history", key, "--format", "json").json()
    result = cli("incident", "close", key)
    assert result.code == 4
    assert result.stdout == ""
    assert result.error_lines == [
        "svcops: error: INC-1: cannot close an incident in stage new; allowed: "
        "advance → acknowledged, resolve → resolved, cancel → cancelled"
    ]
    assert cli("incident", "show", key, "--format", "json").json()["stage"] == "new"
    assert cli("incident", "history", key, "--format", "json").json() == before


@pytest.mark.parametrize(
    "args",
    [
        ("incident", "show", "INC-999"),
        ("incident", "advance", "INC-42"),
        ("incident", "history", "nonsense"),
        ("incident", "assign", "INC-7", "--to", "alice"),
    ],
)
def test_unknown_key_exits_3(cli, db, args):
    result = cli(*args)
    assert result.code == 3
    assert len(result.error_lines) == 1
    assert "Traceback" not in result.stderr


def test_a_key_of_another_kind_names_the_right_noun(cli, db):
    assert cli("problem", "open", "Recurring VPN drops", "-q").stdout.strip() == "PRB-1"
    result = cli("incident", "show", "PRB-1")
    assert result.code == 3
    assert result.error_lines == ["svcops: error: PRB-1 is not an incident but a problem"]
    assert "svcops problem show PRB-1" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--impact", "4"), "impact must be 1, 2 or 3, not 4"),
        (("--urgency", "0"), "urgency must be 1, 2 or 3, not 0"),
        (("--impact", "high"), "impact must be 1, 2 or 3, not 'high'"),
        (("--priority", "P9"), "priority must be one of P1, P2, P3, P4, not 'P9'"),
        (("--channel", "pigeon"), "unknown channel 'pigeon'"),
        (("--at", "03/04/2026"), "ambiguous date '03/04/2026'"),
        (("--at", "the day after"), "cannot read date 'the day after'"),
        (("--at", "2026-12-25T00:00:00Z"), "--at 2026-12-25T00:00:00Z is in the future"),
        (("--customer", "CUS-9"), "no customer 'CUS-9'"),
        (("--bogus",), "No such option: --bogus"),
    ],
)
def test_bad_values_exit_2_with_one_error_line(cli, db, args, message):
    exit_code = 3 if args[0] == "--customer" else 2
    result = cli("incident", "open", "Printer down", *args)
    assert result.code == exit_code
    assert len(result.error_lines) == 1
    assert message in result.error_lines[0]
    assert "Traceback" not in result.stderr
    listed = cli("incident", "list", "--format", "json")
    assert listed.json() == []  # nothing half-written


def test_empty_title_is_refused(cli, db):
    result = cli("incident", "open", "   ")
    assert result.code == 2
    assert result.error_lines == ["svcops: error: the title must not be empty"]


def test_priority_comes_from_the_matrix_and_an_override_is_recorded(cli, db):
    matrix = {
        (1, 1): "P1", (1, 2): "P2", (1, 3): "P3",
        (2, 1): "P2", (2, 2): "P3", (2, 3): "P4",
        (3, 1): "P3", (3, 2): "P4", (3, 3): "P4",
    }  # fmt: skip
    for (impact, urgency), expected in matrix.items():
        opened = cli(
            "incident",
            "open",
            "x",
            "--impact",
            str(impact),
            "--urgency",
            str(urgency),
            "-f",
            "json",
        ).json()
        assert opened["priority"] == expected, (impact, urgency)
    default = cli("incident", "open", "no impact given", "-f", "json").json()
    assert (default["impact"], default["urgency"], default["priority"]) == (3, 3, "P4")

    override = cli("incident", "open", "CEO laptop", "--priority", "p1", "-f", "json").json()
    assert override["priority"] == "P1"
    events = cli("incident", "history", override["key"], "-f", "json").json()
    recorded = [e for e in events if e["action"] == "priority_override"]
    assert [(e["from"], e["to"]) for e in recorded] == [("P4", "P1")]


def test_open_logs_the_first_inbound_contact_except_for_monitoring(cli, db):
    phone = open_incident(cli, "--channel", "email")
    monitored = open_incident(cli, "--channel", "monitoring")
    assert cli("incident", "show", phone, "-f", "json").json()["channel"] == "email"
    history = cli("incident", "history", phone, "-f", "json").json()
    assert [e["to"] for e in history if e["action"] == "contact"] == ["inbound email"]
    history = cli("incident", "history", monitored, "-f", "json").json()
    assert [e for e in history if e["action"] == "contact"] == []


def test_reopen_counts_and_clears_the_resolution(cli, db):
    key = open_incident(cli, "--at", "2026-11-23T08:00:00Z")
    cli("incident", "resolve", key, "--at", "2026-11-23T08:03:00Z")
    reopened = cli("incident", "reopen", key, "--at", "2026-11-23T09:00:00Z", "-f", "json")
    assert reopened.code == 0
    assert reopened.json()["stage"] == "in_progress"
    assert reopened.json()["reopen_count"] == 1
    assert reopened.json()["resolved_at"] is None
    # solved on the first call: the first response is the move out of `new`
    assert reopened.json()["first_response_at"] == "2026-11-23T08:03:00Z"
    again = cli("incident", "resolve", key, "--at", "2026-11-23T09:30:00Z", "-f", "json").json()
    assert again["resolved_at"] == "2026-11-23T09:30:00Z"


def test_hold_needs_a_known_reason_and_cancel_needs_a_reason(cli, db):
    key = open_incident(cli)
    cli("incident", "advance", key)
    missing = cli("incident", "hold", key)
    assert missing.code == 2
    assert missing.error_lines == ["svcops: error: moving an incident to on_hold needs --reason"]
    unknown = cli("incident", "hold", key, "--reason", "lunch")
    assert unknown.code == 2
    assert "unknown hold reason 'lunch'" in unknown.stderr
    assert "awaiting_customer" in unknown.stderr
    held = cli("incident", "hold", key, "--reason", "awaiting_customer", "-f", "json").json()
    assert (held["stage"], held["hold_reason"]) == ("on_hold", "awaiting_customer")
    assert cli("incident", "cancel", key).code == 2
    cancelled = cli("incident", "cancel", key, "--reason", "duplicate of INC-0", "-f", "json")
    assert cancelled.json()["stage"] == "cancelled"
    assert cancelled.json()["closed_at"] == NOW
    assert cli("incident", "reopen", key).code == 4


def test_at_before_the_current_stage_is_refused(cli, db):
    key = open_incident(cli, "--at", "2026-11-23T08:00:00Z")
    result = cli("incident", "advance", key, "--at", "2026-11-23T07:59:00Z")
    assert result.code == 2
    assert "is before the incident entered new" in result.stderr


def test_advance_to_a_stage(cli, db):
    key = open_incident(cli)
    result = cli("incident", "advance", key, "--to", "resolved", "-f", "json")
    assert result.json()["stage"] == "resolved"
    refused = cli("incident", "advance", key, "--to", "new")
    assert refused.code == 4
    unknown = cli("incident", "advance", key, "--to", "done")
    assert unknown.code == 2
    assert "unknown incident stage 'done'" in unknown.stderr


def test_assign_records_agent_and_team_changes(cli, db):
    key = open_incident(cli, "--team", "desk")
    assigned = cli("incident", "assign", key, "--to", "alice", "--team", "network", "-f", "json")
    assert (assigned.json()["assignee"], assigned.json()["team"]) == ("alice", "network")
    events = cli("incident", "history", key, "-f", "json").json()
    changes = [(e["action"], e["from"], e["to"]) for e in events[2:]]
    assert changes == [("assign", None, "alice"), ("team", "desk", "network")]
    cli("incident", "resolve", key)
    cli("incident", "close", key)
    assert cli("incident", "assign", key, "--to", "bob").code == 4


def test_list_filters_and_order(cli, db):
    keys = []
    for i, (impact, team, assignee) in enumerate(
        [(1, "network", "alice"), (3, "desk", "bob"), (2, "network", "bob"), (3, "desk", None)]
    ):
        extra = ["--assignee", assignee] if assignee else []
        keys.append(
            open_incident(
                cli,
                "--impact",
                str(impact),
                "--urgency",
                "1",
                "--team",
                team,
                "--at",
                f"2026-11-2{i}T10:00:00Z",
                *extra,
            )
        )
    cli("incident", "resolve", keys[0])

    def listed(*args: str) -> list[str]:
        result = cli("incident", "list", "-q", *args)
        assert result.code == 0, result.stderr
        return result.stdout.split()

    assert listed() == ["INC-4", "INC-3", "INC-2", "INC-1"]  # newest first
    assert listed("--team", "network") == ["INC-3", "INC-1"]
    assert listed("--assignee", "bob") == ["INC-3", "INC-2"]
    assert listed("--open") == ["INC-4", "INC-3", "INC-2"]
    assert listed("--stage", "resolved") == ["INC-1"]
    assert listed("--stage", "new,resolved") == ["INC-4", "INC-3", "INC-2", "INC-1"]
    assert listed("--priority", "P1") == ["INC-1"]
    assert listed("--priority", "P2", "--priority", "P3") == ["INC-4", "INC-3", "INC-2"]
    assert listed("--since", "2026-11-21T10:00:00Z", "--until", "2026-11-23T10:00:00Z") == [
        "INC-3",
        "INC-2",
    ]  # half-open
    assert listed("--limit", "2") == ["INC-4", "INC-3"]
    assert listed("--limit", "0") == ["INC-4", "INC-3", "INC-2", "INC-1"]
    assert cli("incident", "list", "--stage", "bogus").code == 2
    assert cli("incident", "list", "--limit", "-1").code == 2
    assert cli("incident", "list", "--team", "nobody", "-f", "json").json() == []


def test_formats_carry_the_same_fields(cli, db):
    open_incident(cli, "--service", "vpn", "--category", "network", "--assignee", "alice")
    as_json = cli("incident", "list", "--format", "json").json()
    fields = [
        "key", "kind", "title", "stage", "priority", "impact", "urgency", "service", "category",
        "channel", "customer", "assignee", "team", "opened_at", "first_response_at",
        "resolved_at", "closed_at", "reopen_count", "hold_reason", "problem",
        "response_due_at", "resolution_due_at", "sla_response", "sla_resolution",
    ]  # fmt: skip
    assert list(as_json[0]) == fields
    assert as_json[0]["service"] == "vpn"

    ndjson = cli("incident", "list", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in ndjson] == as_json

    rows = list(csv.DictReader(io.StringIO(cli("incident", "list", "--format", "csv").stdout)))
    assert rows[0]["key"] == "INC-1" and rows[0]["opened_at"] == NOW and rows[0]["customer"] == ""
    tsv = cli("incident", "list", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t") == fields

    markdown = cli("incident", "list", "--format", "md").stdout.splitlines()
    assert markdown[0] == "| key | stage | priority | title | assignee | team | opened_at |"
    assert markdown[2].startswith("| INC-1 | new | P4 | VPN down for Berlin office | alice |")

    plain = cli("incident", "list").stdout.splitlines()
    assert plain[0].split() == [
        "KEY",
        "STAGE",
        "PRIORITY",
        "TITLE",
        "ASSIGNEE",
        "TEAM",
        "OPENED_AT",
    ]
    assert "\x1b[" not in cli("incident", "list").stdout  # no colour codes in a pipe
    assert cli("incident", "list", "--format", "yaml").code == 2


def test_format_from_the_environment(cli, db, monkeypatch):
    open_incident(cli)
    monkeypatch.setenv("SVCOPS_FORMAT", "json")
    assert cli("incident", "list").json()[0]["key"] == "INC-1"
    assert cli("incident", "list", "--format", "csv").stdout.startswith("key,")


def test_stages_prints_the_lifecycle(cli, db):
    result = cli("incident", "stages", "--format", "json")
    stages = {row["stage"]: row for row in result.json()}
    assert list(stages) == [
        "new", "acknowledged", "in_progress", "on_hold", "resolved", "closed", "cancelled",
    ]  # fmt: skip
    assert stages["on_hold"]["moves"] == ["resume → in_progress", "cancel → cancelled"]
    assert stages["closed"]["moves"] == []
    assert stages["cancelled"]["main_path"] is False
    plain = cli("incident", "stages").stdout
    assert "main path: new → acknowledged → in_progress → resolved → closed" in plain


def test_no_arguments_shows_help_and_unknown_command_is_a_usage_error(cli, db):
    bare = cli()
    assert bare.code == 2
    assert bare.stderr.startswith("Usage: svcops [OPTIONS] COMMAND [ARGS]...")
    assert "incident" in bare.stderr and "svcops: error" not in bare.stderr
    assert cli("incident").stderr.startswith("Usage: svcops incident [OPTIONS] COMMAND")
    result = cli("incident", "frobnicate")
    assert result.code == 2
    assert result.error_lines[0].startswith("svcops: error: No such command")


def test_a_bad_format_or_zone_is_refused_before_anything_is_written(cli, db, monkeypatch):
    result = cli("incident", "open", "x", "--format", "yaml")
    assert result.code == 2
    assert result.error_lines == ["svcops: error: unknown format 'yaml'"]
    monkeypatch.setenv("SVCOPS_TZ", "Mars/Olympus")
    assert cli("incident", "open", "y", "-q").code == 2
    monkeypatch.setenv("SVCOPS_TZ", "UTC")
    assert cli("incident", "list", "-f", "json").json() == []


def test_environment_format_is_case_insensitive_and_the_flag_wins(cli, db, monkeypatch):
    open_incident(cli)
    monkeypatch.setenv("SVCOPS_FORMAT", "JSON")
    assert cli("incident", "list").json()[0]["key"] == "INC-1"
    monkeypatch.setenv("SVCOPS_FORMAT", "yaml")
    assert cli("incident", "list", "-f", "csv").stdout.startswith("key,")
    assert cli("incident", "list").code == 2


def test_odd_inputs(cli, db):
    assert cli("incident", "list", "--limit", "99999999999999999999").code == 2
    year_first = cli("incident", "open", "x", "--at", "2026/11/02 10:00", "-f", "json")
    assert year_first.json()["opened_at"] == "2026-11-02T10:00:00Z"
    key = year_first.json()["key"]
    cli("incident", "advance", key)
    held = cli("incident", "hold", key, "--reason", "Awaiting_Vendor", "-f", "json")
    assert held.json()["hold_reason"] == "awaiting_vendor"
    problem = cli("problem", "open", "root cause hunt", "-q").stdout.strip()
    history = cli("problem", "history", problem, "-f", "json").json()
    assert [e["action"] for e in history] == ["open"]  # problems log no customer contact
