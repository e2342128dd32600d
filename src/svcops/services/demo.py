"""`svcops demo`: a realistic sample service desk (services/demo_scenario.py), built into a
database of its own. Everything runs in one transaction, so a failed build leaves nothing
behind. The same seed on the same day builds the same database.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from svcops.config import sqlite_url
from svcops.domain.clock import clock
from svcops.domain.errors import InvalidInput
from svcops.domain.timeparse import format_instant
from svcops.services.demo_config import demo_config, write_demo_config
from svcops.services.demo_scenario import Scenario


@dataclass(frozen=True)
class DemoSummary:
    location: str
    config: str
    days: int
    seed: int
    incidents: int
    requests: int
    problems: int
    feedback: int
    customers: int


def demo_path(db: str | None, replace: bool) -> Path:
    """Where the demo goes: `db`, or its own file beside the default database, which is
    rebuilt each time (as is `db` with `replace`). Never the database in everyday use."""
    from svcops.config import default_db_path, set_overrides
    from svcops.store.demo_mark import holds_only_a_demo
    from svcops.store.engine import forget

    target = Path(db).expanduser() if db else default_db_path().with_name("svcops-demo.db")
    url = sqlite_url(target)
    if target.is_dir():
        raise InvalidInput(f"--db {target} is a directory; give a file name")
    if not holds_only_a_demo(target):  # the default path too: someone may keep work there
        raise InvalidInput(
            f"{target} holds data svcops demo did not build; the demo never touches it",
            hint="choose a new file for --db (--replace deletes only a demo database)",
        )
    if target.exists() and (replace or db is None):
        forget(url)  # this process may hold the old file open
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    set_overrides(db=str(target))
    return target


def build_demo(
    *, db: str | None = None, replace: bool = False, days: int = 30, seed: int = 7,
    per_day: int = 24, progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:  # fmt: skip
    """Build `days` of a service desk's life into a new demo database."""
    from svcops.services import moves
    from svcops.services.base import transaction

    if days < 1 or days > 3650:
        raise InvalidInput("--days must be between 1 and 3650")
    target = demo_path(db, replace)
    config = demo_config(target)
    rng = random.Random(seed)
    now = clock.now()
    scenario = Scenario(rng, now, days)
    with transaction(write=True) as (uow, _call):
        database = uow.demo
        if database.holds_records():
            raise InvalidInput(
                "the demo database already holds records",
                hint="svcops demo writes only to a new file (choose another --db)",
            )
        scenario.customers_first()
        problems = scenario.problems()
        for day in range(days + 1):
            weekday = (scenario.start + timedelta(days=day)).weekday()
            volume = per_day if weekday < 5 else per_day // 4
            for _ in range(max(0, round(rng.gauss(volume, volume * 0.2)))):
                scenario.incident(day, problems)
            for _ in range(max(0, round(rng.gauss(volume / 5, 1.5)))):
                scenario.request(day)
            if progress is not None:
                progress(day + 1, days + 1)
        fixed = problems.get("email")
        if fixed is not None and days >= 2:
            moves.move_record(
                "problem", fixed, "resolve", resolve_incidents=True,
                at=format_instant(now),
            )  # fmt: skip
        database.mark()
    write_demo_config(config)
    return DemoSummary(
        location=str(target), config=str(config), days=days, seed=seed, **scenario.counts
    )
