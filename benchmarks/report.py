"""`svcops report metrics` and `report sla` on a large database against their budgets.

PRODUCT.md section 6, over 1,000,000 records and 300,000 responses:
  report metrics                   <= 2 s and <= 200 MB peak, for any period up to a year,
                                      with or without --by
  every other report (here: sla)   <= 2 s for a 30-day period, <= 200 MB peak

    python benchmarks/generate.py --db /tmp/svcops-1m.db          # once, a few minutes
    python benchmarks/report.py --db /tmp/svcops-1m.db [--runs 5] [--calendars]
    python benchmarks/report.py --url postgresql://postgres@127.0.0.1:5432/svcops_bench
    python benchmarks/report.py --db /tmp/svcops-1m.db --per-record [--calendars]

Each run is a fresh `svcops` process (start-up included, as cron sees it); the figures are the
median wall time and the largest peak resident memory over the runs. Every case is judged:
`report metrics` over the default 7 days, 30 and 365 days, with and without --by team, and a
year --by month and --by week; `report sla` over 7 and 30 days.

Without --calendars SVCOPS_CONFIG is os.devnull, so every SLA runs on the built-in 24x7
calendar. With --calendars the config is the demo desk's (svcops.services.demo_config.CONFIG:
Berlin office hours by default, Singapore for the teams apps and identity, P1 on 24x7), written
to a temporary file, so the SLA clocks of both reports run on business time.

--per-record times, in this process, what `report sla` (the default 7 days) spends on each
record it reads: the SLA clocks are worked out in Python per record
(services/sla_tallies.py `tallies`) for the records with no outcome kept, as after a change
to the SLA config.

Every case runs after a warm-up run of its own, with what it kept (the SLA outcomes, the
report days): the common case, the config did not change since the last report (a nightly
report finds every day but the last kept). The cases "after a change" clear both before each
run, as the first report after a change to the SLA config finds them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BUDGET_S, BUDGET_MB = 2.0, 200.0
# (label, arguments after `svcops`, judged)
CASES = [
    ("report metrics", ["report", "metrics"], True),
    ("report metrics --by team", ["report", "metrics", "--by", "team"], True),
    ("report metrics --since -30d --by team",
     ["report", "metrics", "--since", "-30d", "--by", "team"], True),
    ("report metrics --since -365d", ["report", "metrics", "--since", "-365d"], True),
    ("report metrics --since -365d --by team",
     ["report", "metrics", "--since", "-365d", "--by", "team"], True),
    ("report metrics --since -365d --by month",
     ["report", "metrics", "--since", "-365d", "--by", "month"], True),
    ("report metrics --since -365d --by week",
     ["report", "metrics", "--since", "-365d", "--by", "week"], True),
    ("report sla", ["report", "sla"], True),
    ("report sla --by team", ["report", "sla", "--by", "team"], True),
    ("report sla --since -30d", ["report", "sla", "--since", "-30d"], True),
    ("report sla --since -30d --by team",
     ["report", "sla", "--since", "-30d", "--by", "team"], True),
]  # fmt: skip


AFTER_A_CHANGE = [
    ("report sla --since -30d, after a change", ["report", "sla", "--since", "-30d"]),
    ("report metrics -365d, after a change", ["report", "metrics", "--since", "-365d"]),
]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmarks/report.py: {' '.join(argv)} failed: {errors}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def calendars_config(directory: str) -> str:
    """The demo desk's business calendars, as a config file in `directory`."""
    from svcops.services.demo_config import CONFIG

    path = Path(directory) / "calendars.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


def per_record() -> None:
    """Where `report sla` (7 days) spends its time, per record read, in this process, with
    no outcome kept (as after a change to the SLA config): every clock not settled in SQL
    is worked out in Python."""
    from svcops.domain import sla as clocks_of
    from svcops.services import sla_tallies as service
    from svcops.services.base import get_settings
    from svcops.services.reports import sla_report
    from svcops.store.sla import SlaFacts

    spent = {"read": 0.0, "facts": 0.0, "holds": 0.0}
    captured: list[Any] = []
    rows = 0
    report_rows = SlaFacts.report
    chunk_facts = service._chunk_facts
    moves, inbound = SlaFacts.moves, SlaFacts.inbound

    def timed(read: Any) -> Any:
        def reader(self: SlaFacts, record_ids: Any) -> Any:
            started = time.perf_counter()
            found = read(self, record_ids)
            spent["holds"] += time.perf_counter() - started
            return found

        return reader

    def timed_rows(self: SlaFacts, *args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks = report_rows(self, *args, **kwargs)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            spent["read"] += time.perf_counter() - started
            if chunk is None:
                return
            yield chunk

    def timed_facts(uow: Any, chunk: Any, width: int) -> Any:
        nonlocal rows
        started = time.perf_counter()
        found = chunk_facts(uow, chunk, width)
        spent["facts"] += time.perf_counter() - started
        rows += len(found)
        captured.extend(row.fact for row in found)
        return found

    sla_report()  # warm the caches (page cache, calendars' yearly spans)
    SlaFacts.report = timed_rows  # type: ignore[method-assign]
    service.keep_outcomes = lambda url, outcomes: True  # keep none: every run works all out
    forget_outcomes(os.environ.get("SVCOPS_DATABASE_URL") or sqlite_url(os.environ["SVCOPS_DB"]))
    service._chunk_facts = timed_facts
    SlaFacts.moves, SlaFacts.inbound = timed(moves), timed(inbound)  # type: ignore[method-assign]
    started = time.perf_counter()
    sla_report()
    total = time.perf_counter() - started
    policy = get_settings().sla
    at = int(time.time())
    started = time.perf_counter()
    for fact in captured:
        clocks_of.clocks(policy, fact, at)
    replay = time.perf_counter() - started
    rest = total - spent["read"] - spent["facts"]
    print(f"report sla (7 days and the 7 before), in-process: {total:.2f} s for {rows:,} rows")
    print(f"  rows read (SlaFacts.report)    {spent['read']:6.2f} s  "
          f"{spent['read'] / rows * 1e6:6.1f} us a row")  # fmt: skip
    print(f"  facts and holds (_chunk_facts) {spent['facts']:6.2f} s  "
          f"{spent['facts'] / rows * 1e6:6.1f} us a row")  # fmt: skip
    print(
        f"    of which moves and contacts  {spent['holds']:6.2f} s  "
        f"(stage moves of held records, inbound contacts of those awaiting the customer)"
    )
    print(f"  clocks and tallies (the rest)  {rest:6.2f} s  {rest / rows * 1e6:6.1f} us a row")
    print(f"  domain.sla.clocks alone        {replay:6.2f} s  "
          f"{replay / rows * 1e6:6.1f} us a row (replayed on the same facts)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a SQLite file made by benchmarks/generate.py")
    where.add_argument("--url", help="a database URL made by benchmarks/generate.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--calendars", action="store_true",
        help="SLAs on the demo desk's business calendars (default: no config, 24x7)",
    )  # fmt: skip
    parser.add_argument(
        "--per-record", action="store_true",
        help="time report sla's work per record in this process instead",
    )  # fmt: skip
    args = parser.parse_args()
    svcops = str(Path(sys.executable).parent / "svcops")
    with tempfile.TemporaryDirectory(prefix="svcops-report-") as directory:
        config = calendars_config(directory) if args.calendars else os.devnull
        env = {**os.environ, "SVCOPS_CONFIG": config}
        env.pop("SVCOPS_DB", None)
        env.pop("SVCOPS_DATABASE_URL", None)
        env["SVCOPS_DATABASE_URL" if args.url else "SVCOPS_DB"] = args.url or args.db
        calendars = "business calendars" if args.calendars else "24x7 (no config)"
        if args.per_record:
            os.environ.clear()
            os.environ.update(env)
            print(f"SLA calendars: {calendars}")
            per_record()
            return 0
        print(f"SLA calendars: {calendars}; {args.runs} runs each; median wall time, "
              "largest peak memory:")  # fmt: skip
        within = True
        for label, extra, judged in CASES:
            argv = [svcops, *extra, "--format", "json"]
            run_once(argv, env)  # warm the page cache
            samples = [run_once(argv, env) for _ in range(args.runs)]
            wall = statistics.median(s for s, _ in samples)
            peak = max(m for _, m in samples)
            verdict = "(not judged)"
            if judged:
                ok = wall <= BUDGET_S and peak <= BUDGET_MB
                within = within and ok
                verdict = "ok" if ok else "OVER BUDGET"
            print(f"  {label:<40} {wall:6.2f} s  {peak:6.1f} MB  {verdict}", flush=True)
        # the first report after a change to the config: no outcome kept counts, and the
        # report shape is a new one (no day kept)
        for label, extra in AFTER_A_CHANGE:
            argv = [svcops, *extra, "--format", "json"]
            samples = []
            for _ in range(args.runs):
                forget_outcomes(args.url or sqlite_url(args.db))
                samples.append(run_once(argv, env))
            wall, peak = statistics.median(s for s, _ in samples), max(m for _, m in samples)
            print(f"  {label:<40} {wall:6.2f} s  {peak:6.1f} MB  (not judged: once per change)")
    return 0 if within else 1


def forget_outcomes(url: str) -> None:
    """Drop the SLA outcomes and the report days kept, as a change to the SLA config makes
    them count no more."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sla_outcome"))
        connection.execute(text("DELETE FROM report_day"))
    engine.dispose()


def sqlite_url(path: str) -> str:
    from svcops.config import sqlite_url as url_of

    return url_of(path)


if __name__ == "__main__":
    sys.exit(main())
