"""Service requests: the seven-stage delivery flow, holds that remember the stage, rework."""

from __future__ import annotations

import pytest

NOW = "2026-11-23T12:00:00Z"
FLOW = ["inquiry", "assessment", "design", "execution", "feedback", "evaluation", "closed"]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def test_a_request_walks_all_seven_stages(cli, db):
    opened = cli(
        "request", "open", "New laptop for Dana", "--model", "product_delivery",
        "--due", "2026-11-30T17:00:00Z", "--at", "2026-11-23T05:00:00Z", "-f", "json",
    )  # fmt: skip
    assert opened.code == 0, opened.stderr
    record = opened.json()
    assert (record["key"], record["stage"], record["model"]) == (
        "REQ-1",
        "inquiry",
        "product_delivery",
    )
    assert record["due_at"] == "2026-11-30T17:00:00Z"
    stages = [record["stage"]]
    for hour in range(6, 12):
        at = f"2026-11-23T{hour:02d}:30:00Z"
        moved = cli("request", "advance", "REQ-1", "--at", at, "-f", "json")
        assert moved.code == 0, moved.stderr
        stages.append(moved.json()["stage"])
    assert stages == FLOW
    final = cli("request", "show", "REQ-1", "-f", "json").json()
    assert final["first_response_at"] == "2026-11-23T06:30:00Z"
    # delivered = entered feedback: the fourth advance, at 09:30
    assert final["resolved_at"] == "2026-11-23T09:30:00Z"
    assert final["closed_at"] == "2026-11-23T11:30:00Z"
    assert cli("request", "advance", "REQ-1").code == 4


def test_request_stages_command(cli, db):
    result = cli("request", "stages", "-f", "json")
    rows = result.json()
    assert [r["stage"] for r in rows] == [
        "inquiry", "assessment", "design", "execution", "on_hold", "feedback", "evaluation",
        "closed", "cancelled",
    ]  # fmt: skip
    assert [r["stage"] for r in rows if r["main_path"]] == FLOW
    plain = cli("request", "stages").stdout
    assert "main path: " + " → ".join(FLOW) in plain


def test_hold_returns_to_the_stage_it_was_held_in(cli, db):
    cli("request", "open", "Access to billing", "--at", "2026-11-23T08:00:00Z")
    cli("request", "advance", "REQ-1", "--at", "2026-11-23T08:10:00Z")
    cli("request", "advance", "REQ-1", "--at", "2026-11-23T08:20:00Z")  # design
    held = cli("request", "hold", "REQ-1", "--reason", "awaiting_customer",
               "--at", "2026-11-23T08:30:00Z", "-f", "json")  # fmt: skip
    assert (held.json()["stage"], held.json()["hold_reason"]) == ("on_hold", "awaiting_customer")
    resumed = cli("request", "resume", "REQ-1", "--at", "2026-11-23T09:00:00Z", "-f", "json")
    assert resumed.json()["stage"] == "design"
    assert resumed.json()["hold_reason"] is None


def test_rework_counts_as_a_reopen(cli, db):
    cli("request", "open", "Install VPN client", "--at", "2026-11-23T08:00:00Z")
    for minute in (10, 20, 30, 40):
        cli("request", "advance", "REQ-1", "--at", f"2026-11-23T08:{minute}:00Z")
    delivered = cli("request", "show", "REQ-1", "-f", "json").json()
    assert (delivered["stage"], delivered["resolved_at"]) == ("feedback", "2026-11-23T08:40:00Z")
    rework = cli("request", "advance", "REQ-1", "--to", "execution",
                 "--at", "2026-11-23T09:00:00Z", "-f", "json")  # fmt: skip
    assert rework.code == 0, rework.stderr
    assert (rework.json()["stage"], rework.json()["reopen_count"]) == ("execution", 1)
    assert rework.json()["resolved_at"] is None
    again = cli("request", "advance", "REQ-1", "--at", "2026-11-23T10:00:00Z", "-f", "json").json()
    assert (again["stage"], again["resolved_at"]) == ("feedback", "2026-11-23T10:00:00Z")
    cli("request", "advance", "REQ-1", "--at", "2026-11-23T10:30:00Z")
    second = cli("request", "reopen", "REQ-1", "--at", "2026-11-23T11:00:00Z", "-f", "json").json()
    assert (second["stage"], second["reopen_count"]) == ("execution", 2)
    history = cli("request", "history", "REQ-1", "-f", "json").json()
    # `advance --to execution` from feedback takes the rework move, recorded as a reopen
    assert [(e["action"], e["from"]) for e in history if e["to"] == "execution"][-2:] == [
        ("reopen", "feedback"),
        ("reopen", "evaluation"),
    ]


def test_request_options_are_validated(cli, db):
    bad_model = cli("request", "open", "x", "--model", "consulting")
    assert bad_model.code == 2
    assert "unknown model 'consulting'" in bad_model.stderr
    early_due = cli("request", "open", "x", "--at", "2026-11-23T08:00:00Z", "--due", "2026-11-20")
    assert early_due.code == 2
    assert "is before the request opens" in early_due.stderr
    default = cli("request", "open", "x", "-f", "json").json()
    assert (default["model"], default["due_at"]) == ("customer_service", None)
    assert cli("incident", "open", "x", "--model", "support").code == 2  # incidents have no model
    assert cli("request", "resolve", "REQ-1").code == 2  # requests are delivered, not resolved
    assert cli("request", "link", "REQ-1", "--problem", "PRB-1").code == 2
