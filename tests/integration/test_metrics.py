"""report metrics against scenarios worked out by hand (the working is in the comments).

Period [2026-11-16T00:00Z, 2026-11-23T00:00Z), now 2026-11-23T12:00Z, default SLA targets:
P1 15m/4h, P2 1h/8h, P3 4h/3d, P4 1d/5d.
"""

from __future__ import annotations

import pytest

NOW = "2026-11-23T12:00:00Z"
PERIOD = ("--since", "2026-11-16T00:00:00Z", "--until", "2026-11-23T00:00:00Z")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def run(cli, *args: str) -> str:
    result = cli(*args, "-q")
    assert result.code == 0, (args, result.stderr)
    return result.stdout.strip()


def report(cli, *args: str) -> dict:
    result = cli("report", "metrics", *PERIOD, "--format", "json", *args)
    assert result.code == 0, result.stderr
    return result.json()


@pytest.fixture
def scenario(cli, db):
    """The desk's week, built through the CLI as staff would have typed it."""
    # INC-1: P2 by phone; acknowledged after 10 min, resolved after 1 h: every SLA met, FCR.
    run(cli, "incident", "open", "VPN down", "--impact", "2", "--urgency", "1", "--team",
        "network", "--at", "2026-11-17T09:00:00Z")  # fmt: skip
    run(cli, "incident", "advance", "INC-1", "--at", "2026-11-17T09:10:00Z")
    run(cli, "incident", "advance", "INC-1", "--at", "2026-11-17T09:20:00Z")
    run(cli, "incident", "resolve", "INC-1", "--at", "2026-11-17T10:00:00Z")
    # INC-2: P4 by email; an outbound reply at 08:30 is the first response; the customer
    # writes again at 09:00 (a second inbound contact: not FCR); resolved after 4 h.
    run(cli, "incident", "open", "Printer jams", "--channel", "email", "--team", "desk",
        "--at", "2026-11-18T08:00:00Z")  # fmt: skip
    run(cli, "contact", "log", "INC-2", "--channel", "email", "--direction", "outbound",
        "--at", "2026-11-18T08:30:00Z")  # fmt: skip
    run(cli, "contact", "log", "INC-2", "--channel", "phone", "--direction", "inbound",
        "--at", "2026-11-18T09:00:00Z")  # fmt: skip
    run(cli, "incident", "resolve", "INC-2", "--at", "2026-11-18T12:00:00Z")
    # INC-3: P1 raised by monitoring (no customer contact); acknowledged after 30 min (response
    # SLA breached at 10:15); on hold 11:00-13:00; resolved 15:00: 5 h of calendar time, 3 h on
    # the clock, so the 4 h resolution SLA is met. Reopened on the 20th and resolved again.
    run(cli, "incident", "open", "Core switch down", "--impact", "1", "--urgency", "1",
        "--channel", "monitoring", "--team", "network", "--at", "2026-11-19T10:00:00Z")  # fmt: skip
    run(cli, "incident", "advance", "INC-3", "--at", "2026-11-19T10:30:00Z")
    run(cli, "incident", "advance", "INC-3", "--at", "2026-11-19T10:40:00Z")
    run(cli, "incident", "hold", "INC-3", "--reason", "awaiting_vendor",
        "--at", "2026-11-19T11:00:00Z")  # fmt: skip
    run(cli, "incident", "resume", "INC-3", "--at", "2026-11-19T13:00:00Z")
    run(cli, "incident", "resolve", "INC-3", "--at", "2026-11-19T15:00:00Z")
    run(cli, "incident", "reopen", "INC-3", "--at", "2026-11-20T09:00:00Z")
    run(cli, "incident", "resolve", "INC-3", "--at", "2026-11-20T10:00:00Z")
    # INC-4: P3 by chat, never touched: response SLA breached at 13:00; still new (backlog).
    run(cli, "incident", "open", "Laptop slow", "--impact", "2", "--urgency", "2",
        "--channel", "chat", "--team", "desk", "--at", "2026-11-21T09:00:00Z")  # fmt: skip
    # INC-5: P4 opened before the period, responded at once, never resolved: its 5-day
    # resolution SLA breaches on the 17th at 09:00, inside the period; backlog.
    run(cli, "incident", "open", "Old ticket", "--at", "2026-11-12T09:00:00Z")
    run(cli, "incident", "advance", "INC-5", "--at", "2026-11-12T10:00:00Z")
    # INC-6: opened 30 minutes before the period ends, resolved after it: backlog at the end.
    run(cli, "incident", "open", "Late call", "--team", "desk", "--at", "2026-11-22T23:30:00Z")
    run(cli, "incident", "resolve", "INC-6", "--at", "2026-11-23T00:30:00Z")
    # REQ-1: P4 request due on the 20th, delivered (entered feedback) on the 19th at 12:00.
    run(cli, "request", "open", "New laptop", "--due", "2026-11-20T00:00:00Z", "--team", "desk",
        "--at", "2026-11-17T08:00:00Z")  # fmt: skip
    for at in ("2026-11-17T09:00:00Z", "2026-11-18T09:00:00Z", "2026-11-19T09:00:00Z",
               "2026-11-19T12:00:00Z"):  # fmt: skip
        run(cli, "request", "advance", "REQ-1", "--at", at)
    # Feedback in the period: FB-1 (sqs (100 + 75) / 2 = 87.5), FB-2, FB-3 (sqs 25).
    run(cli, "feedback", "add", "--for", "INC-1", "--csat", "5", "--ces", "2", "--courtesy", "5",
        "--competence", "4", "--at", "2026-11-17T11:00:00Z")  # fmt: skip
    run(cli, "feedback", "add", "--for", "INC-2", "--csat", "3", "--ces", "5",
        "--at", "2026-11-18T13:00:00Z")  # fmt: skip
    run(cli, "feedback", "add", "--for", "REQ-1", "--csat", "4", "--reliability", "2",
        "--at", "2026-11-20T10:00:00Z")  # fmt: skip
    # ...and outside it: after the end, and before the start (the previous period's).
    run(cli, "feedback", "add", "--for", "INC-1", "--csat", "1", "--at", "2026-11-23T01:00:00Z")
    run(cli, "feedback", "add", "--for", "INC-5", "--csat", "2", "--at", "2026-11-15T10:00:00Z")


def test_every_metric_matches_the_hand_worked_week(cli, scenario):
    data = report(cli)
    assert data["period"] == {"since": "2026-11-16T00:00:00Z", "until": "2026-11-23T00:00:00Z"}
    assert [g["group"] for g in data["groups"]] == [{}]
    assert data["groups"][0]["metrics"] == {
        # INC-1, 2, 3, 4, 6 and REQ-1 (INC-5 opened before the period)
        "opened": 6,
        # INC-1, INC-2, INC-3 (first resolution on the 19th), REQ-1
        "resolved": 4,
        # INC-4 (new), INC-5 (in progress), INC-6 (resolved only after the end)
        "backlog": 3,
        # opened in the period with a response: 600, 1800, 1800, 3600 (INC-6), 3600 (REQ-1)
        # median 1800; mean 11400 / 5 = 2280; p90 at rank 3.6 between 3600 and 3600
        "first_response_s": {"median": 1800.0, "mean": 2280.0, "p90": 3600.0},
        # 3600, 14400, 18000, 187200: median 14400 + 0.5 * 3600 = 16200; mean 223200 / 4;
        # p90 at rank 2.7: 18000 + 0.7 * (187200 - 18000) = 136440
        "resolution_s": {"median": 16200.0, "mean": 55800.0, "p90": 136440.0},
        # population INC-1, INC-2, REQ-1 (INC-3 had no customer contact): 2 of 3
        "fcr_pct": 66.67,
        # INC-3 of 4
        "reopen_pct": 25.0,
        # FB-1 5, FB-2 3, FB-3 4
        "csat_pct": 66.67,
        "csat_mean": 4.0,
        # FB-1 2, FB-2 5
        "ces_mean": 3.5,
        "ces_low_effort_pct": 50.0,
        # (87.5 + 25) / 2
        "sqs": 56.25,
        "responses": 3,
        # INC-1, INC-2, REQ-1 have feedback; INC-3 has none
        "response_rate_pct": 75.0,
        # decided in the period: INC-1 met, INC-2 met, INC-3 breached, INC-4 breached,
        # REQ-1 met (INC-6 was answered after the end; INC-5's was decided on the 12th)
        "sla_response_pct": 60.0,
        # INC-1, INC-2, INC-3 (the hold stopped the clock), REQ-1 met; INC-5 breached on the 17th
        "sla_resolution_pct": 80.0,
        # REQ-1 delivered half a day early
        "on_time_pct": 100.0,
    }
    previous = data["groups"][0]["previous"]
    assert (previous["opened"], previous["responses"], previous["csat_pct"]) == (1, 1, 0.0)
    assert previous["resolution_s"] == {"median": None, "mean": None, "p90": None}


def test_open_records_that_breached(cli, scenario):
    # INC-4 (P3) was never answered: its 4 h response SLA breached on the 21st at 13:00;
    # INC-5 (P4) is unresolved 11 days after opening: its 5 d resolution SLA breached
    assert run(cli, "incident", "list", "--breached").split() == ["INC-4", "INC-5"]
    assert run(cli, "request", "list", "--breached") == ""
    assert cli("problem", "list", "--breached").code == 2


def test_grouped_by_team(cli, scenario):
    groups = {g["group"]["team"]: g["metrics"] for g in report(cli, "--by", "team")["groups"]}
    assert list(groups) == ["desk", "network", None]
    network = groups["network"]
    # INC-1 and INC-3
    assert (network["opened"], network["resolved"], network["backlog"]) == (2, 2, 0)
    assert network["resolution_s"] == {"median": 10800.0, "mean": 10800.0, "p90": 16560.0}
    assert (network["csat_pct"], network["sqs"], network["fcr_pct"]) == (100.0, 87.5, 100.0)
    assert (network["sla_response_pct"], network["sla_resolution_pct"]) == (50.0, 100.0)
    desk = groups["desk"]
    # INC-2, INC-4, INC-6, REQ-1
    assert (desk["opened"], desk["resolved"], desk["backlog"]) == (4, 2, 2)
    assert (desk["csat_pct"], desk["csat_mean"], desk["fcr_pct"]) == (50.0, 3.5, 50.0)
    # INC-5 has no team: opened before the period, in the backlog, breached its resolution SLA
    nobody = groups[None]
    assert (nobody["opened"], nobody["backlog"], nobody["sla_resolution_pct"]) == (0, 1, 0.0)


def test_kind_restricts_the_population(cli, scenario):
    metrics = report(cli, "--kind", "request")["groups"][0]["metrics"]
    assert (metrics["opened"], metrics["resolved"], metrics["responses"]) == (1, 1, 1)
    assert metrics["resolution_s"]["median"] == 187200.0
    assert metrics["first_response_s"]["median"] == 3600.0


def test_grouped_by_day_cuts_the_period(cli, scenario):
    days = {g["group"]["day"]: g["metrics"] for g in report(cli, "--by", "day")["groups"]}
    assert list(days) == [f"2026-11-{d}" for d in range(16, 23)]
    assert [days[d]["opened"] for d in days] == [0, 2, 1, 1, 0, 1, 1]
    # the backlog at the end of each day: INC-5 throughout; REQ-1 from the 17th until its
    # delivery on the 19th; INC-4 from the 21st; INC-6 from the 22nd
    assert [days[d]["backlog"] for d in days] == [1, 2, 2, 1, 1, 2, 3]
    # INC-3 (18000 s) and REQ-1 (187200 s) were first resolved on the 19th
    assert days["2026-11-19"]["resolution_s"]["median"] == (18000 + 187200) / 2


def test_empty_period_gives_nulls_not_zeros(cli, scenario):
    data = cli("report", "metrics", "--since", "2020-01-01", "--until", "2020-02-01",
               "-f", "json").json()  # fmt: skip
    metrics = data["groups"][0]["metrics"]
    assert (metrics["opened"], metrics["resolved"], metrics["responses"]) == (0, 0, 0)
    ratios = (
        "fcr_pct", "reopen_pct", "csat_pct", "csat_mean", "ces_mean", "sqs",
        "response_rate_pct", "sla_response_pct", "sla_resolution_pct", "on_time_pct",
    )  # fmt: skip
    for key in ratios:
        assert metrics[key] is None, key
    assert metrics["first_response_s"] == {"median": None, "mean": None, "p90": None}


def test_the_period_is_half_open(cli, db):
    run(cli, "incident", "open", "at the start", "--at", "2026-11-16T00:00:00Z")
    run(cli, "incident", "open", "at the end", "--at", "2026-11-23T00:00:00Z")
    run(cli, "feedback", "add", "--for", "INC-1", "--csat", "5", "--at", "2026-11-23T00:00:00Z")
    metrics = report(cli)["groups"][0]["metrics"]
    assert (metrics["opened"], metrics["backlog"], metrics["responses"]) == (1, 1, 0)


def test_a_reopened_record_is_backlog_again(cli, db):
    run(cli, "incident", "open", "flaky", "--at", "2026-11-17T09:00:00Z")
    run(cli, "incident", "resolve", "INC-1", "--at", "2026-11-17T10:00:00Z")
    run(cli, "incident", "reopen", "INC-1", "--at", "2026-11-20T10:00:00Z")
    days = {g["group"]["day"]: g["metrics"] for g in report(cli, "--by", "day")["groups"]}
    assert [days[d]["backlog"] for d in days] == [0, 0, 0, 0, 1, 1, 1]
    whole = report(cli)["groups"][0]["metrics"]
    assert (whole["backlog"], whole["resolved"], whole["reopen_pct"]) == (1, 1, 100.0)


def test_targets_and_check(cli, scenario, tmp_path, monkeypatch):
    config = tmp_path / "svcops.toml"
    config.write_text(
        '[targets]\ncsat_pct = ">= 60"\nfcr_pct = ">= 70"\nces_mean = "<= 3"\n'
        '"first_response_s.p90" = "<= 14400"\n'
    )
    monkeypatch.setenv("SVCOPS_CONFIG", str(config))
    data = report(cli)
    judged = {
        t["metric"]: (t["target"], t["value"], t["met"]) for t in data["groups"][0]["targets"]
    }
    assert judged == {
        "csat_pct": (">= 60", 66.67, True),
        "fcr_pct": (">= 70", 66.67, False),
        "ces_mean": ("<= 3", 3.5, False),
        "first_response_s.p90": ("<= 14400", 3600.0, True),
    }
    checked = cli("report", "metrics", *PERIOD, "--format", "md", "--check")
    assert checked.code == 6
    assert checked.stdout.startswith("### 2026-11-16T00:00:00Z to 2026-11-23T00:00:00Z")
    assert "\x1b[" not in checked.stdout
    assert checked.error_lines == [
        "svcops: error: 2 target(s) missed: fcr_pct >= 70 (is 66.67); ces_mean <= 3 (is 3.5)"
    ]
    config.write_text('[targets]\ncsat_pct = ">= 60"\n')
    assert cli("report", "metrics", *PERIOD, "--check", "-f", "json").code == 0


def test_report_errors(cli, db):
    assert cli("report", "metrics", "--by", "planet").code == 2
    assert cli("report", "metrics", "--by", "day,week").code == 2
    assert cli("report", "metrics", "--since", "2026-11-20", "--until", "2026-11-10").code == 2
    assert cli("report", "metrics", "--kind", "change").code == 2


def test_problem_figures(cli, db):
    steps = [
        # PRB-1: a known error since the 17th, 7 days after it was opened; still one at the end
        ["problem", "open", "VPN drops", "--at", "2026-11-10T10:00:00Z"],
        ["problem", "advance", "PRB-1", "--at", "2026-11-10T11:00:00Z"],
        ["problem", "advance", "PRB-1", "--root-cause", "fw", "--workaround", "reconnect",
         "--at", "2026-11-17T10:00:00Z"],
        # PRB-2: opened on the 18th, a known error a day later, resolved on the 20th
        ["problem", "open", "Mail relay", "--at", "2026-11-18T09:00:00Z"],
        ["problem", "advance", "PRB-2", "--at", "2026-11-18T10:00:00Z"],
        ["problem", "advance", "PRB-2", "--root-cause", "limit", "--workaround", "share",
         "--at", "2026-11-19T09:00:00Z"],
        ["problem", "resolve", "PRB-2", "--at", "2026-11-20T09:00:00Z"],
        # PRB-3: opened on the 21st, untouched
        ["problem", "open", "Printers", "--at", "2026-11-21T09:00:00Z"],
        # incidents opened in the period and linked: INC-1 (PRB-1), INC-3 (PRB-2); INC-2 is older
        ["incident", "open", "a", "--at", "2026-11-17T12:00:00Z"],
        ["incident", "open", "b", "--at", "2026-11-12T12:00:00Z"],
        ["incident", "open", "c", "--at", "2026-11-19T12:00:00Z"],
        ["incident", "link", "INC-1", "--problem", "PRB-1"],
        ["incident", "link", "INC-2", "--problem", "PRB-1"],
        ["incident", "link", "INC-3", "--problem", "PRB-2"],
    ]  # fmt: skip
    for step in steps:
        run(cli, *step)
    metrics = report(cli, "--kind", "problem")["groups"][0]["metrics"]
    assert metrics == {
        "opened": 2,  # PRB-2, PRB-3
        "resolved": 1,  # PRB-2
        "backlog": 2,  # PRB-1 (a known error is still open), PRB-3
        "known_errors": 1,  # PRB-1
        "incidents_linked": 2,  # INC-1, INC-3
        # 604800 (PRB-1) and 86400 (PRB-2): median and mean 345600; p90 86400 + 0.9 * 518400
        "time_to_known_error_s": {"median": 345600.0, "mean": 345600.0, "p90": 552960.0},
    }
    assert cli("report", "metrics", "--kind", "problem,incident").code == 2


def test_each_report_names_its_own_figures(cli, db):
    customer = cli("report", "metrics", "--format", "md").stdout
    problems = cli("report", "metrics", "--kind", "problem", "--format", "md").stdout
    assert "| Backlog at end |" in customer and "Open at end" not in customer
    assert "| Open at end |" in problems and "CSAT" not in problems
