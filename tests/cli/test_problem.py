"""Problems: the known-error register, links to incidents, resolving them together."""

from __future__ import annotations

import pytest

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def keys(result) -> list[str]:
    assert result.code == 0, result.stderr
    return result.stdout.split()


def known_error(cli, title="VPN drops sessions", service="vpn", at="2026-11-23T08:00:00Z"):
    key = keys(cli("problem", "open", title, "--service", service, "--at", at, "-q"))[0]
    cli("problem", "advance", key, "--at", "2026-11-23T08:10:00Z")
    result = cli(
        "problem", "advance", key, "--root-cause", "firmware 4.2 leaks sessions",
        "--workaround", "reconnect the VPN client", "--at", "2026-11-23T09:00:00Z", "-f", "json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return key, result.json()


def test_known_error_needs_a_root_cause_and_a_workaround(cli, db):
    key = keys(cli("problem", "open", "Slow VPN", "-q"))[0]
    cli("problem", "advance", key)
    neither = cli("problem", "advance", key, "--to", "known_error")
    assert neither.code == 2
    assert neither.error_lines == [
        "svcops: error: moving a problem to known_error needs --root-cause and --workaround"
    ]
    half = cli("problem", "advance", key, "--root-cause", "a bug")
    assert half.code == 2
    assert half.error_lines == ["svcops: error: moving a problem to known_error needs --workaround"]
    assert cli("problem", "show", key, "-f", "json").json()["stage"] == "investigating"


def test_known_error_register_records_cause_and_workaround(cli, db):
    key, shown = known_error(cli)
    assert shown["stage"] == "known_error"
    assert shown["root_cause"] == "firmware 4.2 leaks sessions"
    assert shown["workaround"] == "reconnect the VPN client"
    assert shown["incidents"] == []
    keys(cli("problem", "open", "Another", "-q"))
    register = cli("problem", "list", "--known-errors", "-f", "json").json()
    assert [(p["key"], p["workaround"]) for p in register] == [(key, "reconnect the VPN client")]
    table = cli("problem", "list", "--known-errors").stdout.splitlines()
    assert table[0].split() == ["KEY", "TITLE", "SERVICE", "CATEGORY", "ROOT_CAUSE", "WORKAROUND"]
    history = cli("problem", "history", key, "-f", "json").json()
    assert history[-1]["note"] == (
        "root cause: firmware 4.2 leaks sessions; workaround: reconnect the VPN client"
    )
    assert cli("incident", "list", "--known-errors").code == 2


def test_a_new_incident_hears_about_a_matching_known_error(cli, db):
    problem, _ = known_error(cli)
    opened = cli("incident", "open", "VPN keeps dropping", "--service", "vpn", "-q")
    assert opened.code == 0
    assert opened.stdout == "INC-1\n"
    assert opened.stderr == (
        f"svcops: known error {problem} matches service vpn: VPN drops sessions; "
        "workaround: reconnect the VPN client\n"
    )
    shown = cli("incident", "show", "INC-1")
    assert "Known errors" in shown.stdout
    assert "reconnect the VPN client" in shown.stdout
    unrelated = cli("incident", "open", "Printer jam", "--service", "printing", "-q")
    assert unrelated.stderr == ""
    assert "Known errors" not in cli("incident", "show", "INC-2").stdout


def test_link_show_unlink(cli, db):
    problem, _ = known_error(cli)
    for title in ("a", "b", "c"):
        keys(cli("incident", "open", title, "-q"))
    for incident in ("INC-1", "INC-3"):
        linked = cli("incident", "link", incident, "--problem", problem.lower(), "-f", "json")
        assert linked.json()["problem"] == problem
    assert cli("problem", "show", problem, "-f", "json").json()["incidents"] == ["INC-1", "INC-3"]
    listed = cli("problem", "list", "-f", "json").json()
    assert listed[0]["incidents"] == ["INC-1", "INC-3"]
    unlinked = cli("incident", "unlink", "INC-1", "-f", "json").json()
    assert unlinked["problem"] is None
    assert cli("problem", "show", problem, "-f", "json").json()["incidents"] == ["INC-3"]
    assert cli("incident", "unlink", "INC-2").code == 2  # never linked
    events = cli("incident", "history", "INC-1", "-f", "json").json()
    assert [(e["action"], e["from"], e["to"]) for e in events[2:]] == [
        ("link", None, problem),
        ("unlink", problem, None),
    ]
    problem_events = [e["action"] for e in cli("problem", "history", problem, "-f", "json").json()]
    assert problem_events[-3:] == ["link", "link", "unlink"]
    assert cli("incident", "link", "INC-2", "--problem", "PRB-99").code == 3
    assert cli("incident", "link", "INC-99", "--problem", problem).code == 3
    assert cli("problem", "link", problem, "--problem", problem).code == 2  # no such verb


def test_cannot_link_to_a_closed_problem(cli, db):
    key = keys(cli("problem", "open", "old", "-q"))[0]
    cli("problem", "cancel", key, "--reason", "duplicate")
    keys(cli("incident", "open", "x", "-q"))
    result = cli("incident", "link", "INC-1", "--problem", key)
    assert result.code == 4
    assert "PRB-1 is cancelled" in result.stderr


def test_resolve_incidents_with_the_problem(cli, db):
    problem, _ = known_error(cli)
    for title in ("new one", "in progress", "on hold", "already resolved", "unlinked"):
        keys(cli("incident", "open", title, "--at", "2026-11-23T09:00:00Z", "-q"))
    cli("incident", "advance", "INC-2", "--at", "2026-11-23T09:05:00Z")
    cli("incident", "advance", "INC-2", "--at", "2026-11-23T09:06:00Z")
    cli("incident", "advance", "INC-3", "--at", "2026-11-23T09:05:00Z")
    cli("incident", "hold", "INC-3", "--reason", "awaiting_problem", "--at", "2026-11-23T09:07:00Z")
    cli("incident", "resolve", "INC-4", "--at", "2026-11-23T09:30:00Z")
    for incident in ("INC-1", "INC-2", "INC-3", "INC-4"):
        cli("incident", "link", incident, "--problem", problem, "--at", "2026-11-23T10:00:00Z")

    resolved = cli(
        "problem", "resolve", problem, "--resolve-incidents", "--at", "2026-11-23T11:00:00Z",
        "-f", "json",
    )  # fmt: skip
    assert resolved.code == 0, resolved.stderr
    assert resolved.json()["stage"] == "resolved"
    incidents = {i["key"]: i for i in cli("incident", "list", "-f", "json").json()}
    assert {k: i["stage"] for k, i in incidents.items()} == {
        "INC-1": "resolved", "INC-2": "resolved", "INC-3": "resolved",
        "INC-4": "resolved", "INC-5": "new",
    }  # fmt: skip
    for incident in ("INC-1", "INC-2", "INC-3"):
        assert incidents[incident]["resolved_at"] == "2026-11-23T11:00:00Z"
    assert incidents["INC-4"]["resolved_at"] == "2026-11-23T09:30:00Z"  # untouched
    held = cli("incident", "history", "INC-3", "-f", "json").json()
    assert [(e["action"], e["to"], e["note"]) for e in held[-2:]] == [
        ("resume", "in_progress", f"resolved with problem {problem}"),
        ("resolve", "resolved", f"resolved with problem {problem}"),
    ]


def test_resolve_incidents_is_all_or_nothing(cli, db):
    problem, _ = known_error(cli)
    keys(cli("incident", "open", "late one", "--at", "2026-11-23T11:30:00Z", "-q"))
    cli("incident", "link", "INC-1", "--problem", problem)
    # the problem's --at is before the incident even opened: nothing may change
    result = cli(
        "problem", "resolve", problem, "--resolve-incidents", "--at", "2026-11-23T11:00:00Z"
    )
    assert result.code == 2
    assert cli("problem", "show", problem, "-f", "json").json()["stage"] == "known_error"
    assert cli("incident", "show", "INC-1", "-f", "json").json()["stage"] == "new"
    assert cli("incident", "resolve", "INC-1", "--resolve-incidents").code == 2


def test_problem_stages(cli, db):
    stages = cli("problem", "stages", "-f", "json").json()
    assert [s["stage"] for s in stages] == [
        "new", "investigating", "known_error", "resolved", "closed", "cancelled",
    ]  # fmt: skip
    assert stages[1]["moves"] == [
        "advance → known_error", "resolve → resolved", "cancel → cancelled",
    ]  # fmt: skip
