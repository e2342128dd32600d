"""Throughput of `svcops batch`: lines a second for opens, moves and reads, alone and mixed.

Each workload runs as one `svcops batch` process over N lines (default 2,000), on a fresh SQLite
file (or on SVCOPS_DATABASE_URL when --postgres is given); the workloads run in order (opens
first: the others work on the records they made) and, with --rounds, again on a new database;
the median of each workload is reported. Start-up (one process, about a third of a second) is
measured apart with an empty batch and taken off, so the figure is the lines' own rate.

    python benchmarks/batch.py [--lines 2000] [--rounds 3] [--atomic] [--postgres URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import svcops_command  # this folder's: run as python benchmarks/batch.py


def workloads(lines: int) -> dict[str, list[list[str]]]:
    """The batches, in the order they run: each after the ones before it."""
    keys = [f"INC-{n}" for n in range(1, lines + 1)]
    return {
        "incident open": [
            ["incident", "open", f"Printer {n} down", "--impact", str(1 + n % 3), "--team", "desk"]
            for n in range(1, lines + 1)
        ],
        "incident advance": [["incident", "advance", key] for key in keys],
        "incident show": [["incident", "show", key] for key in keys],
        "assign, show (alternating)": [
            line
            for key in keys[: lines // 2]
            for line in (["incident", "assign", key, "--to", "sam"], ["incident", "show", key])
        ],
        "incident assign": [["incident", "assign", key, "--to", "alex"] for key in keys],
        "incident resolve": [["incident", "resolve", key] for key in keys],
        "incident list --limit 5": [["incident", "list", "--limit", "5"] for _ in keys],
    }


def empty_postgres(url: str) -> None:
    """Drop every table of the database at `url` (it must be one kept for benchmarks)."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()


def run_batch(svcops: list[str], env: dict[str, str], path: Path, atomic: bool) -> float:
    argv = [*svcops, "batch", str(path), *(["--atomic"] if atomic else [])]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    failed = [line for line in done.stdout.splitlines() if '"exit": 0' not in line]
    if done.returncode != 0 or failed:
        sys.exit(f"benchmarks/batch.py: {path.name} failed: {(failed or [done.stderr])[0][:300]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--atomic", action="store_true", help="run each batch with --atomic")
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL database to use (its tables are dropped)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    svcops = svcops_command()
    workdir = Path(tempfile.mkdtemp(prefix="svcops-batch-"))
    (workdir / "none.toml").write_text("")
    batches = workloads(args.lines)
    files = {}
    for number, (name, lines) in enumerate(batches.items()):
        files[name] = workdir / f"{number}.jsonl"
        files[name].write_text("".join(json.dumps(line) + "\n" for line in lines))
    (workdir / "empty.jsonl").write_text("")
    times: dict[str, list[float]] = {name: [] for name in batches}
    startup: list[float] = []
    for round_number in range(args.rounds):
        env = {
            **os.environ,
            "SVCOPS_CONFIG": str(workdir / "none.toml"),
            "SVCOPS_ACTOR": "bench",
            "PYTHONHASHSEED": "0",
        }
        if args.postgres:
            env["SVCOPS_DATABASE_URL"] = args.postgres
            env.pop("SVCOPS_DB", None)
            empty_postgres(args.postgres)
        else:
            env.pop("SVCOPS_DATABASE_URL", None)
            env["SVCOPS_DB"] = str(workdir / f"round{round_number}.db")
        subprocess.run([*svcops, "db", "init"], env=env, check=True, capture_output=True)
        startup.append(run_batch(svcops, env, workdir / "empty.jsonl", False))
        for name in batches:
            times[name].append(run_batch(svcops, env, files[name], args.atomic))
    base = statistics.median(startup)
    figures = {
        name: {
            "seconds": round(statistics.median(runs), 3),
            "lines_per_second": round(
                len(batches[name]) / max(statistics.median(runs) - base, 1e-9)
            ),
        }
        for name, runs in times.items()
    }
    if args.json:
        print(json.dumps({"startup": round(base, 3), "lines": args.lines, **figures}, indent=2))
    else:
        print(f"{args.lines} lines per batch; start-up {base:.3f} s taken off; medians of "
              f"{args.rounds} rounds{' (--atomic)' if args.atomic else ''}")  # fmt: skip
        for name, figure in figures.items():
            print(f"  {name:26} {figure['seconds']:7.3f} s  {figure['lines_per_second']:6} lines/s")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
