"""The SLA part of the config file (PRODUCT.md section 7): `[calendars.NAME]` and `[sla]` read
into the SlaPolicy the clocks run on, and every mistake refused naming its key."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from svcops.config import get_settings
from svcops.config_file import read_file
from svcops.domain.calendar import TWENTY_FOUR_SEVEN
from svcops.domain.errors import ExitCode, InvalidInput
from svcops.domain.sla import DEFAULT_TARGETS, Facts, SlaPolicy, SlaTarget, clocks

H, M, D = 3600, 60, 86400
BERLIN_TZ = ZoneInfo("Europe/Berlin")

BERLIN = """
[calendars.berlin]
time_zone = "Europe/Berlin"
hours = { mon = "09:00-17:00", tue = "09:00-17:00", wed = "09:00-17:00", thu = "09:00-17:00", fri = "09:00-17:00" }
holidays = ["2026-12-24", 2026-12-25, "2027-01-01"]
"""  # noqa: E501

VALID = (
    BERLIN
    + """
[calendars.tokyo]
time_zone = "Asia/Tokyo"
hours = { mon = "08:00-12:00,13:00-18:00", tue = "09:00-12:00,12:00-18:00", sat = "10:00-14:00" }

[sla]
calendar = "berlin"

[sla.teams]
APAC = "tokyo"
" Service Desk " = "24x7"

[sla.P1]
response = "10m"
resolution = "2h"
calendar = "24x7"

[sla.P2]
response = "30m"

[sla.P3]
resolution = "2d"
calendar = "tokyo"
"""
)


def write(tmp_path: Path, text: str, name: str = "svcops.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Write a config file and name it in SVCOPS_CONFIG; returns its path."""

    def use(text: str) -> Path:
        path = write(tmp_path, text)
        monkeypatch.setenv("SVCOPS_CONFIG", str(path))
        return path

    return use


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=BERLIN_TZ).timestamp())


# --- a valid config -----------------------------------------------------------------------


def test_a_valid_config_gives_the_policy(use_config: Any) -> None:
    use_config(VALID)
    sla = get_settings().sla
    assert sla.targets == {
        "P1": SlaTarget(10 * M, 2 * H, "24x7"),
        "P2": SlaTarget(30 * M, 8 * H),  # only the response given: the default resolution
        "P3": SlaTarget(4 * H, 2 * D, "tokyo"),  # only the resolution given
        "P4": SlaTarget(D, 5 * D),  # not given at all
    }
    assert sla.calendar == "berlin"
    assert sla.teams == {"apac": "tokyo", "service desk": "24x7"}  # trimmed and casefolded
    assert set(sla.calendars) == {"24x7", "berlin", "tokyo"}
    assert sla.calendars["24x7"] is TWENTY_FOUR_SEVEN


def test_the_calendars_read(use_config: Any) -> None:
    use_config(VALID)
    calendars = get_settings().sla.calendars
    berlin_cal, tokyo = calendars["berlin"], calendars["tokyo"]
    assert (berlin_cal.name, berlin_cal.zone) == ("berlin", "Europe/Berlin")
    assert berlin_cal.week == (((540, 1020),),) * 5 + ((), ())
    # a quoted date and a TOML date both read
    assert berlin_cal.holidays == (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1))
    assert (tokyo.name, tokyo.zone, tokyo.holidays) == ("tokyo", "Asia/Tokyo", ())
    assert tokyo.week == (
        ((480, 720), (780, 1080)),  # two ranges
        ((540, 1080),),  # touching ranges merged
        (),
        (),
        (),
        ((600, 840),),
        (),
    )
    assert berlin_cal.describe() == "Europe/Berlin, mon-fri 09:00-17:00, 3 holidays"


@pytest.mark.parametrize(
    ("priority", "team", "expected"),
    [
        ("P1", "apac", "24x7"),  # the priority's calendar beats the team's
        ("P3", "Service Desk", "tokyo"),  # and the team's (24x7) again
        ("P2", "Apac", "tokyo"),  # the team's beats the default, whatever its case
        ("P2", "SERVICE DESK", "24x7"),
        ("P4", "network", "berlin"),  # the default
        ("P4", None, "berlin"),
    ],
)
def test_the_calendar_a_record_runs_on(
    use_config: Any, priority: str, team: str | None, expected: str
) -> None:
    use_config(VALID)
    assert get_settings().sla.calendar_for(priority, team).name == expected


def test_the_clocks_run_on_the_config(use_config: Any) -> None:
    use_config(VALID)
    sla = get_settings().sla
    # P2, 30 min: Wed 2026-12-23 16:45 Berlin has 15 min left; the 24th and 25th are holidays,
    # then the weekend: due Mon 2026-12-28 09:15
    opened = berlin(2026, 12, 23, 16, 45)
    got = clocks(sla, Facts("P2", "network", opened), opened)
    assert (got.calendar, got.response.due_at) == ("berlin", berlin(2026, 12, 28, 9, 15))
    # P1 on 24x7 whatever the team: 10 min of calendar time
    urgent = clocks(sla, Facts("P1", "APAC", opened), opened)
    assert (urgent.calendar, urgent.response.due_at) == ("24x7", opened + 10 * M)
    assert urgent.resolution.due_at == opened + 2 * H


def test_an_old_style_config_still_reads(tmp_path: Path) -> None:
    path = write(tmp_path, '[sla.P1]\nresponse = "10m"\nresolution = "2h"\n')
    sla = read_file(path, named=True).sla
    assert sla.targets == {**DEFAULT_TARGETS, "P1": SlaTarget(10 * M, 2 * H)}
    assert sla.calendar == "24x7"
    assert sla.teams == {}
    assert dict(sla.calendars) == {"24x7": TWENTY_FOUR_SEVEN}
    assert sla.calendar_for("P1", "network") is TWENTY_FOUR_SEVEN
    opened = berlin(2026, 11, 23, 16, 30)
    got = clocks(sla, Facts("P1", "network", opened), opened)
    assert (got.response.due_at, got.resolution.due_at) == (opened + 10 * M, opened + 2 * H)


def test_no_config_and_an_empty_one_give_the_default_policy(tmp_path: Path) -> None:
    assert read_file(tmp_path / "absent.toml", named=False).sla == SlaPolicy()
    empty = read_file(write(tmp_path, ""), named=True).sla
    assert empty == SlaPolicy()
    assert empty.targets == DEFAULT_TARGETS
    assert empty.calendar == "24x7"


def test_a_changed_config_is_read_by_the_next_call(use_config: Any) -> None:
    path = use_config('[sla.P1]\nresponse = "10m"\n')
    assert get_settings().sla.targets["P1"].response == 10 * M
    path.write_text(BERLIN + '[sla]\ncalendar = "berlin"\n[sla.P1]\nresponse = "20m"\n')
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    sla = get_settings().sla
    assert sla.targets["P1"].response == 20 * M
    assert sla.calendar == "berlin"


# --- mistakes, each refused naming its key ------------------------------------------------

TWO_DAYS = 'time_zone = "Europe/Berlin"\nhours = { mon = "09:00-17:00" }\n'

ERRORS = [
    pytest.param(
        '[sla]\ncalendar = "tokyo"\n',
        "sla.calendar: unknown calendar 'tokyo'",
        "calendars: 24x7",
        id="sla.calendar",
    ),
    pytest.param(
        BERLIN + '[sla.teams]\napac = "tokyo"\n',
        "sla.teams.apac: unknown calendar 'tokyo'",
        "calendars: 24x7, berlin",
        id="sla.teams",
    ),
    pytest.param(
        BERLIN + '[sla.P2]\nresponse = "30m"\ncalendar = "tokyo"\n',
        "sla.P2.calendar: unknown calendar 'tokyo'",
        "calendars: 24x7, berlin",
        id="sla.P2.calendar",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "Mars/Olympus"\nhours = { mon = "09:00-17:00" }\n',
        "calendars.x.time_zone: unknown time zone 'Mars/Olympus'",
        "Europe/Berlin",
        id="bad zone",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { tue = "08:00-12:00,11:00-17:00" }\n',
        'calendars.x.hours.tue: "08:00-12:00,11:00-17:00": ranges overlap'
        " (08:00-12:00 and 11:00-17:00)",
        "earliest first",
        id="overlapping ranges",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { wed = "13:00-17:00,08:00-12:00" }\n',
        'calendars.x.hours.wed: "13:00-17:00,08:00-12:00": ranges are out of order',
        "earliest first",
        id="ranges out of order",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { fri = "24:00-02:00" }\n',
        'calendars.x.hours.fri: "24:00-02:00": a range cannot start at 24:00',
        "00:00",
        id="starts at 24:00",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { fri = "22:00-06:00" }\n',
        'calendars.x.hours.fri: "22:00-06:00": 22:00-06:00: a range ends after it starts',
        None,
        id="crosses midnight",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { mon = "09:00-25:00" }\n',
        'calendars.x.hours.mon: "09:00-25:00": no time of day is 25:00',
        None,
        id="25:00",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { monday = "09:00-17:00" }\n',
        "calendars.x.hours: unknown day 'monday'",
        "mon tue wed thu fri sat sun",
        id="bad day name",
    ),
    pytest.param(
        '[calendars.x]\ntimezone = "UTC"\nhours = { mon = "09:00-17:00" }\n',
        "calendars.x: unknown key 'timezone'",
        "time_zone, hours and holidays",
        id="unknown key in a calendar",
    ),
    pytest.param(
        '[calendars.x]\nhours = { mon = "09:00-17:00" }\n',
        "calendars.x: time_zone is required",
        None,
        id="no zone",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { mon = "09:00-17:00" }\n'
        'holidays = ["2026-02-30"]\n',
        "calendars.x.holidays: '2026-02-30' is not a date",
        None,
        id="bad holiday",
    ),
    pytest.param(
        '[calendars.24x7]\ntime_zone = "UTC"\nhours = { mon = "00:00-24:00" }\n',
        "calendars.24x7:",
        None,
        id="24x7 refused",
    ),
    pytest.param('[sla.P9]\nresponse = "1h"\n', "sla.P9:", None, id="P9 refused"),
    pytest.param(
        '[sla.P1]\nresponse = "0m"\n',
        "sla.P1.response: Value error, a target must be longer than 0 seconds",
        None,
        id="zero target",
    ),
    pytest.param(
        '[sla.P3]\nresolution = "0"\n',
        "sla.P3.resolution: Value error, a target must be longer than 0 seconds",
        None,
        id="zero seconds",
    ),
    pytest.param(
        '[sla.P1]\nresolution = "-1h"\n',
        "sla.P1.resolution: Value error, cannot read duration '-1h'",
        None,
        id="negative target",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\nhours = { mon = "", sat = "" }\n',
        "calendars.x has no open hours",
        None,
        id="no open hours",
    ),
    pytest.param(
        '[calendars.x]\ntime_zone = "UTC"\n',
        "calendars.x has no open hours",
        None,
        id="no hours at all",
    ),
    pytest.param(
        BERLIN + '[sla.teams]\n" " = "berlin"\n',
        "sla.teams: a team name is empty",
        None,
        id="blank team",
    ),
]


@pytest.mark.parametrize(("text", "message", "hint"), ERRORS)
def test_a_mistake_is_refused_naming_its_key(
    tmp_path: Path, text: str, message: str, hint: str | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput) as caught:
        read_file(path, named=True)
    assert caught.value.message.startswith(f"config file {path}: ")
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    if hint is not None:
        assert caught.value.hint is not None
        assert hint in caught.value.hint
    assert caught.value.exit_code == ExitCode.USAGE == 2


def test_24x7_and_P9_say_why(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="built-in always-open calendar"):
        read_file(write(tmp_path, '[calendars.24x7]\ntime_zone = "UTC"\n', "a.toml"), named=True)
    with pytest.raises(InvalidInput, match=r"sla\.P9: Extra inputs are not permitted"):
        read_file(write(tmp_path, '[sla.P9]\nresponse = "1h"\n', "b.toml"), named=True)


def test_get_settings_refuses_a_bad_config(use_config: Any) -> None:
    path = use_config(BERLIN + '[sla]\ncalendar = "tokyo"\n')
    with pytest.raises(InvalidInput) as caught:
        get_settings()
    assert caught.value.message == f"config file {path}: sla.calendar: unknown calendar 'tokyo'"


@pytest.mark.subprocess
def test_the_cli_says_it_in_one_line_and_exits_2(tmp_path: Path, sh: Any) -> None:
    path = write(tmp_path, BERLIN + '[sla.teams]\napac = "tokyo"\n')
    env = {"SVCOPS_CONFIG": str(path), "SVCOPS_DB": str(tmp_path / "svcops.db")}
    done = sh("incident", "list", env=env)
    assert done.code == 2
    assert done.error_lines == [
        f"svcops: error: config file {path}: sla.teams.apac: unknown calendar 'tokyo'"
    ]
    assert "Traceback" not in done.stderr
    assert "calendars: 24x7, berlin" in done.stderr  # the hint
    assert done.stdout == ""
