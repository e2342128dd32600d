"""Feedback, contacts and customers through the CLI."""

from __future__ import annotations

import pytest

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def opened(cli, kind="incident", *extra) -> str:
    result = cli(kind, "open", "Printer down", "--at", "2026-11-23T08:00:00Z", "-q", *extra)
    assert result.code == 0, result.stderr
    return result.stdout.strip()


def test_feedback_add_show_list(cli, db):
    incident = opened(cli)
    request = opened(cli, "request")
    first = cli("feedback", "add", "--for", incident, "--csat", "4", "--ces", "2", "--courtesy",
                "5", "--reliability", "3", "--comment", "fixed fast", "--at",
                "2026-11-23T10:00:00Z", "-f", "json")  # fmt: skip
    assert first.code == 0, first.stderr
    assert first.json() == {
        "key": "FB-1", "record": incident, "csat": 4, "ces": 2, "courtesy": 5,
        "competence": None, "reliability": 3, "comment": "fixed fast",
        "received_at": "2026-11-23T10:00:00Z",
    }  # fmt: skip
    cli("feedback", "add", "--for", request, "--ces", "6", "--at", "2026-11-23T11:00:00Z")
    assert cli("feedback", "show", "fb-1", "-f", "json").json()["comment"] == "fixed fast"
    assert cli("feedback", "list", "-q").stdout.split() == ["FB-2", "FB-1"]
    assert cli("feedback", "list", "--for", incident, "-q").stdout.split() == ["FB-1"]
    since = cli("feedback", "list", "--since", "2026-11-23T10:30:00Z", "-q").stdout.split()
    assert since == ["FB-2"]
    until = cli("feedback", "list", "--until", "2026-11-23T11:00:00Z", "-q").stdout.split()
    assert until == ["FB-1"]  # half-open: received at 11:00 is not before 11:00
    history = cli("incident", "history", incident, "-f", "json").json()
    assert (history[-1]["action"], history[-1]["to"]) == ("feedback", "FB-1")
    csv_lines = cli("feedback", "list", "-f", "csv").stdout.splitlines()
    assert csv_lines[0] == "key,record,csat,ces,courtesy,competence,reliability,comment,received_at"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--csat", "6"), "csat must be a whole number from 1 to 5"),
        (("--csat", "0"), "csat must be a whole number from 1 to 5"),
        (("--ces", "8"), "ces must be a whole number from 1 to 7"),
        (("--ces", "two"), "ces must be a whole number from 1 to 7"),
        (("--competence", "9"), "competence must be a whole number from 1 to 5"),
        ((), "feedback needs at least one score"),
        (("--csat", "5", "--at", "2026-11-23T07:00:00Z"), "is before INC-1 was opened"),
    ],
)
def test_feedback_out_of_range_exits_2(cli, db, args, message):
    opened(cli)
    result = cli("feedback", "add", "--for", "INC-1", *args)
    assert result.code == 2
    assert len(result.error_lines) == 1
    assert message in result.error_lines[0]
    assert cli("feedback", "list", "-f", "json").json() == []


def test_feedback_only_for_incidents_and_requests(cli, db):
    problem = opened(cli, "problem")
    result = cli("feedback", "add", "--for", problem, "--csat", "3")
    assert result.code == 2
    assert result.error_lines == [
        "svcops: error: feedback is about incidents and requests; PRB-1 is a problem"
    ]
    assert cli("feedback", "add", "--for", "INC-9", "--csat", "3").code == 3
    assert cli("feedback", "add", "--for", "XYZ-1", "--csat", "3").code == 3
    assert cli("feedback", "show", "FB-4").code == 3


def test_configured_quality_dimensions(cli, db, tmp_path, monkeypatch):
    config = tmp_path / "svcops.toml"
    config.write_text('[feedback]\ndimensions = ["empathy", "speed"]\n')
    monkeypatch.setenv("SVCOPS_CONFIG", str(config))
    opened(cli)
    result = cli(
        "feedback", "add", "--for", "INC-1", "--empathy", "4", "--speed", "2", "-f", "json"
    )
    assert result.code == 0, result.stderr
    assert result.json()["empathy"] == 4
    assert "courtesy" not in result.json()
    assert cli("feedback", "add", "--for", "INC-1", "--courtesy", "4").code == 2


def test_contacts_and_first_response(cli, db):
    incident = opened(cli)
    logged = cli(
        "contact", "log", incident, "--channel", "email", "--direction", "outbound",
        "--note", "asked for the model", "--at", "2026-11-23T08:20:00Z", "-f", "json",
    )  # fmt: skip
    assert logged.code == 0, logged.stderr
    assert logged.json() == {
        "record": incident, "channel": "email", "direction": "outbound",
        "at": "2026-11-23T08:20:00Z", "agent": "tester", "note": "asked for the model",
    }  # fmt: skip
    shown = cli("incident", "show", incident, "-f", "json").json()
    assert shown["first_response_at"] == "2026-11-23T08:20:00Z"
    cli("contact", "log", incident, "--channel", "phone", "--direction", "inbound",
        "--agent", "bob", "--at", "2026-11-23T08:30:00Z")  # fmt: skip
    cli("incident", "advance", incident, "--at", "2026-11-23T09:00:00Z")
    # the move out of `new` came after the outbound contact: the first response stays 08:20
    shown = cli("incident", "show", incident, "-f", "json").json()
    assert shown["first_response_at"] == "2026-11-23T08:20:00Z"
    contacts = cli("contact", "list", incident, "-f", "json").json()
    assert [(c["direction"], c["channel"], c["agent"]) for c in contacts] == [
        ("inbound", "phone", None),  # logged at open
        ("outbound", "email", "tester"),
        ("inbound", "phone", "bob"),
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("INC-1", "--channel", "pigeon", "--direction", "inbound"), 2, "unknown channel 'pigeon'"),
        (("INC-1", "--channel", "email", "--direction", "sideways"), 2, "unknown direction"),
        (("INC-7", "--channel", "email", "--direction", "inbound"), 3, "no incident 'INC-7'"),
        (("INC-1", "--channel", "email"), 2, "Missing option '--direction'"),
    ],
)
def test_contact_errors(cli, db, args, code, message):
    opened(cli)
    result = cli("contact", "log", *args)
    assert result.code == code
    assert message in result.error_lines[0]


def test_customers(cli, db):
    added = cli("customer", "add", "Ada Lovelace", "--email", "ada@example.com",
                "--org", "Analytical Engines", "-f", "json")  # fmt: skip
    assert added.json() == {
        "key": "CUS-1", "name": "Ada Lovelace", "email": "ada@example.com",
        "org": "Analytical Engines",
    }  # fmt: skip
    cli("customer", "add", "Charles Babbage", "--org", "Difference Engines")
    assert cli("customer", "add", "X", "--email", "not-an-address").code == 2
    assert cli("customer", "add", "  ").code == 2
    assert cli("customer", "list", "-q").stdout.split() == ["CUS-1", "CUS-2"]
    assert cli("customer", "list", "--org", "Difference Engines", "-q").stdout.split() == ["CUS-2"]

    incident = opened(cli, "incident", "--customer", "cus-1")
    assert cli("incident", "show", incident, "-f", "json").json()["customer"] == "CUS-1"
    assert cli("incident", "open", "x", "--customer", "CUS-9").code == 3
    cli("feedback", "add", "--for", incident, "--csat", "5")
    shown = cli("customer", "show", "CUS-1", "-f", "json").json()
    assert shown["records"] == [incident]
    assert shown["feedback"] == ["FB-1"]
    table = cli("customer", "show", "CUS-1").stdout
    assert "Records" in table and "Contacts" in table and "Feedback" in table
    assert cli("customer", "show", "CUS-3").code == 3
