"""`svcops incident list --at-risk` on a 1,000,000-record database against an empty one.

PRODUCT.md section 6: any interactive command, `list --at-risk` among them, "costs the same on
a 1,000,000-record database as on an empty one (<= 1.05 x): nothing an ops person runs scans
the table".

    python benchmarks/generate.py --db /tmp/svcops-1m.db          # once, a few minutes
    python benchmarks/at_risk.py --db /tmp/svcops-1m.db [--runs 15]
    python benchmarks/at_risk.py --url postgresql://postgres@127.0.0.1:5432/svcops_bench

Judged (median over the large database / median over the empty one <= 1.05):

  incident list --at-risk 1h
  incident list --at-risk 1h --check     (exit 6 when it lists records: a success here)

Printed for comparison, not judged: `incident list --open --limit 20` and
`incident list --breached --limit 20`.

Each case runs with no config (os.devnull: every SLA on the built-in 24x7 calendar) and with
the demo desk's business calendars (svcops.services.demo_config.CONFIG: Berlin by default,
Singapore for the teams apps and identity, P1 on 24x7); `--configs` picks one. Every run is a
fresh `svcops` process (start-up included, as cron sees it). The runs are interleaved round
by round (each case and config on both databases, the order of the two swapped every round),
so that drift in the machine's load hits both sides alike; the medians are compared.

--in-process also times the use case alone (services.records.list_records, no start-up), on
both databases in this process, to show what the query and the clocks cost apart from the
process's start-up, whose noise is larger than the 5 % of the budget on a busy machine.

The empty database is made with `svcops db init`: a temporary SQLite file for --db, and for
--url a new database on the same server (dropped afterwards), or --empty-url.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET = 1.05
# (label, arguments after `svcops`, judged)
CASES = [
    ("list --at-risk 1h", ["incident", "list", "--at-risk", "1h"], True),
    ("list --at-risk 1h --check", ["incident", "list", "--at-risk", "1h", "--check"], True),
    ("list --open --limit 20", ["incident", "list", "--open", "--limit", "20"], False),
    ("list --breached --limit 20", ["incident", "list", "--breached", "--limit", "20"], False),
]
CHECK_EXIT = 6  # --check: records were listed


def run_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one process; exits on a failure (exit 6 is one only without --check)."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    allowed = (0, CHECK_EXIT) if "--check" in argv else (0,)
    if done.returncode not in allowed:
        sys.exit(
            f"benchmarks/at_risk.py: {' '.join(argv)} exited {done.returncode}: "
            f"{done.stderr.decode().strip()}"
        )
    return elapsed


def database_env(base: dict[str, str], *, url: str | None, db: str | None) -> dict[str, str]:
    env = dict(base)
    env.pop("SVCOPS_DB", None)
    env.pop("SVCOPS_DATABASE_URL", None)
    if url:
        env["SVCOPS_DATABASE_URL"] = url
    else:
        assert db is not None
        env["SVCOPS_DB"] = db
    return env


def postgres_empty(url: str) -> tuple[str, str]:
    """A new database beside `url`'s on the same server: (its URL, its name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from svcops.store.engine import normalise_url

    large = make_url(normalise_url(url))
    name = f"{large.database}_empty_{os.getpid()}"
    engine = create_engine(large, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return large.set(database=name).render_as_string(hide_password=False), name


def postgres_drop(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from svcops.store.engine import normalise_url

    engine = create_engine(make_url(normalise_url(url)), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        # FORCE: the in-process timing's pooled connections may still be open
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a SQLite file made by benchmarks/generate.py")
    where.add_argument("--url", help="a database URL made by benchmarks/generate.py")
    parser.add_argument("--empty-url", help="an empty database to compare with (with --url)")
    parser.add_argument("--runs", type=int, default=15, help="rounds (runs of each side)")
    parser.add_argument(
        "--configs", choices=["both", "24x7", "calendars"], default="both",
        help="no config (24x7), the demo desk's business calendars, or both (default)",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="also time list_records itself in this process (no start-up), not judged",
    )  # fmt: skip
    args = parser.parse_args()
    svcops = str(Path(sys.executable).parent / "svcops")
    from svcops.services.demo_config import CONFIG

    made_database = None
    with tempfile.TemporaryDirectory(prefix="svcops-at-risk-") as directory:
        calendars = Path(directory) / "calendars.toml"
        calendars.write_text(CONFIG, encoding="utf-8")
        configs = {"24x7": os.devnull, "calendars": str(calendars)}
        if args.configs != "both":
            configs = {args.configs: configs[args.configs]}
        if args.url:
            empty_url = args.empty_url
            if empty_url is None:
                empty_url, made_database = postgres_empty(args.url)
            large_env = database_env(dict(os.environ), url=args.url, db=None)
            empty_env = database_env(dict(os.environ), url=empty_url, db=None)
        else:
            large_env = database_env(dict(os.environ), url=None, db=args.db)
            empty_env = database_env(dict(os.environ), url=None, db=f"{directory}/empty.db")
        try:
            init = {**empty_env, "SVCOPS_CONFIG": os.devnull}
            subprocess.run([svcops, "db", "init"], env=init, check=True, capture_output=True)
            within = measure(svcops, configs, large_env, empty_env, args.runs)
            if args.in_process:
                in_process(configs, large_env, empty_env, args.runs)
            return within
        finally:
            if made_database and args.url:
                postgres_drop(args.url, made_database)


def measure(
    svcops: str, configs: dict[str, str], large_env: dict[str, str],
    empty_env: dict[str, str], runs: int,
) -> int:  # fmt: skip
    sides = {"1M": large_env, "empty": empty_env}
    plan = [
        (config, label, side, [svcops, *extra], {**env, "SVCOPS_CONFIG": path})
        for config, path in configs.items()
        for label, extra, _judged in CASES
        for side, env in sides.items()
    ]
    for _config, _label, _side, argv, env in plan:  # warm the page cache
        run_once(argv, env)
    samples: dict[tuple[str, str, str], list[float]] = {}
    for round_number in range(runs):
        for config, label, side, argv, env in plan[:: 1 if round_number % 2 == 0 else -1]:
            samples.setdefault((config, label, side), []).append(run_once(argv, env))
    print(f"{runs} interleaved rounds; median wall time of a fresh process (min-max):")
    within = True
    for config in configs:
        print(f"SLA calendars: {'business calendars' if config == 'calendars' else '24x7'}")
        for label, _extra, judged in CASES:
            large, empty = samples[(config, label, "1M")], samples[(config, label, "empty")]
            ratio = statistics.median(large) / statistics.median(empty)
            verdict = "(not judged)"
            if judged:
                ok = ratio <= BUDGET
                within = within and ok
                verdict = "ok" if ok else "OVER BUDGET"
            print(
                f"  {label:<28} 1M {statistics.median(large) * 1000:6.0f} ms "
                f"({min(large) * 1000:.0f}-{max(large) * 1000:.0f})  "
                f"empty {statistics.median(empty) * 1000:6.0f} ms "
                f"({min(empty) * 1000:.0f}-{max(empty) * 1000:.0f})  "
                f"{ratio:5.2f} x  {verdict}",
                flush=True,
            )
    return 0 if within else 1


IN_PROCESS = {
    "list --at-risk 1h": {"at_risk": "1h"},
    "list --open --limit 20": {"open_only": True, "limit": 20},
    "list --breached --limit 20": {"breached": True, "limit": 20},
}


def in_process(
    configs: dict[str, str], large_env: dict[str, str], empty_env: dict[str, str], runs: int
) -> None:
    """The use case alone, interleaved on both databases in this process: median ms."""
    from svcops.services.records import list_records

    sides = {"1M": large_env, "empty": empty_env}
    print(f"in-process, list_records alone ({runs} interleaved calls each; median ms, listed):")
    for config, path in configs.items():
        print(f"SLA calendars: {'business calendars' if config == 'calendars' else '24x7'}")
        for label, options in IN_PROCESS.items():
            times: dict[str, list[float]] = {side: [] for side in sides}
            listed: dict[str, int] = {}
            for number in range(runs + 1):
                for side, env in sides.items():
                    os.environ.clear()
                    os.environ.update({**env, "SVCOPS_CONFIG": path})
                    started = time.perf_counter()
                    page = list_records("incident", **options)  # type: ignore[arg-type]
                    if number:  # the first call of each warms the caches
                        times[side].append(time.perf_counter() - started)
                    listed[side] = page.total
            print(
                f"  {label:<28} 1M {statistics.median(times['1M']) * 1000:7.1f} ms "
                f"({listed['1M']} match)  empty {statistics.median(times['empty']) * 1000:7.1f} ms"
                f" ({listed['empty']} match)",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
