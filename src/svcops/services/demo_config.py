"""The demo desk's config: its SLA on business time (PRODUCT.md section 7) in two regions,
written beside the demo database so that a user can read it, edit it and rerun a report."""

from __future__ import annotations

from pathlib import Path

from svcops.config import set_overrides
from svcops.domain.errors import InvalidInput
from svcops.store.files import new_file

# Two regions, each with its own hours and holidays; P1 runs around the clock.
CONFIG_HEADER = "# written by svcops demo"
CONFIG = (
    CONFIG_HEADER
    + """: the demo desk's SLA on business time, in two regions.
# Edit it and rerun a report: the clocks follow the calendars in force.

[calendars.berlin]
time_zone = "Europe/Berlin"
holidays = ["2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01",
            "2027-04-02", "2027-04-05", "2027-05-01", "2027-10-03", "2027-12-24", "2027-12-25"]

[calendars.berlin.hours]
mon = "08:00-18:00"
tue = "08:00-18:00"
wed = "08:00-18:00"
thu = "08:00-18:00"
fri = "08:00-16:00"

[calendars.singapore]
time_zone = "Asia/Singapore"
holidays = ["2026-11-08", "2026-12-25", "2027-01-01", "2027-02-06", "2027-02-07", "2027-05-01",
            "2027-08-09", "2027-12-25"]

[calendars.singapore.hours]  # a lunch break
mon = "09:00-12:30,13:30-18:00"
tue = "09:00-12:30,13:30-18:00"
wed = "09:00-12:30,13:30-18:00"
thu = "09:00-12:30,13:30-18:00"
fri = "09:00-12:30,13:30-18:00"

[sla]
calendar = "berlin"

[sla.teams]
apps = "singapore"
identity = "singapore"

# the targets are hours of each calendar's open time
[sla.P1]
calendar = "24x7"

[sla.P2]
response = "30m"
resolution = "6h"

[sla.P3]
response = "2h"
resolution = "16h"

[sla.P4]
response = "8h"
resolution = "40h"
"""
)


def demo_config(database: Path) -> Path:
    """Where the demo's config file (its SLA calendars) goes: beside its database. A file
    there that the demo did not write is never replaced."""
    path = database.with_name(database.name + ".toml")
    try:
        ours = path.read_text(encoding="utf-8").startswith(CONFIG_HEADER)
    except FileNotFoundError:
        ours = True
    except (OSError, UnicodeDecodeError):
        ours = False
    if not ours:
        raise InvalidInput(
            f"{path} exists and svcops demo did not write it; the demo never touches it",
            hint="choose another --db (the demo keeps its config beside it)",
        )
    return path


def write_demo_config(path: Path) -> None:
    """Write the demo's config afresh, in force for the rest of this run."""
    with new_file(str(path), force=True) as partial:
        partial.write_text(CONFIG, encoding="utf-8")
    set_overrides(config=str(path))
