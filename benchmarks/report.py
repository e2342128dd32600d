"""`svcops report metrics` on a large database against its budget (PRODUCT.md section 6:
<= 2 s and <= 200 MB peak over 1,000,000 records and 300,000 responses).

    python benchmarks/generate.py --db /tmp/svcops-1m.db          # once, about a minute
    python benchmarks/report.py --db /tmp/svcops-1m.db [--runs 5]
    python benchmarks/report.py --url postgresql://postgres@127.0.0.1:5432/svcops_bench

Each run is a fresh `svcops` process (start-up included, as cron sees it); the figures are the
median wall time and the largest peak resident memory over the runs. The budget applies to the
default report (the last 7 days) and `--by team`; the 30-day and 365-day runs are printed to
show how the cost grows with the period, not judged.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_S, BUDGET_MB = 2.0, 200.0
CASES = [
    ("report metrics", [], True),
    ("report metrics --by team", ["--by", "team"], True),
    ("report metrics --since -30d --by team", ["--since", "-30d", "--by", "team"], False),
    ("report metrics --since -365d", ["--since", "-365d"], False),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a SQLite file made by benchmarks/generate.py")
    where.add_argument("--url", help="a database URL made by benchmarks/generate.py")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    svcops = str(Path(sys.executable).parent / "svcops")
    env = {**os.environ, "SVCOPS_CONFIG": os.devnull}
    env.pop("SVCOPS_DB", None)
    env.pop("SVCOPS_DATABASE_URL", None)
    env["SVCOPS_DATABASE_URL" if args.url else "SVCOPS_DB"] = args.url or args.db
    print(f"{args.runs} runs each; median wall time, largest peak memory:")
    within = True
    for label, extra, judged in CASES:
        argv = [svcops, "report", "metrics", *extra, "--format", "json"]
        run_once(argv, env)  # warm the page cache
        samples = [run_once(argv, env) for _ in range(args.runs)]
        wall = statistics.median(s for s, _ in samples)
        peak = max(m for _, m in samples)
        verdict = "(not judged)"
        if judged:
            ok = wall <= BUDGET_S and peak <= BUDGET_MB
            within = within and ok
            verdict = "ok" if ok else "OVER BUDGET"
        print(f"  {label:<40} {wall:6.2f} s  {peak:6.1f} MB  {verdict}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
