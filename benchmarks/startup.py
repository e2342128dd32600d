"""Start-up cost of svcops against the stack it is built on (PRODUCT.md section 6).

Budgets:
  svcops --help / --version   <= 1.5 x  python -c "import typer"          (and no SQLAlchemy)
  svcops incident open (write) <= 1.2 x  python -c "import typer, rich, sqlmodel"

Every command runs in a fresh process; the runs of all commands are interleaved round by round
so that drift in the machine's load hits them alike, and the median of each is compared.

    python benchmarks/startup.py [--rounds 30] [--json]
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


def svcops_command() -> list[str]:
    script = Path(sys.executable).parent / "svcops"
    if script.exists():
        return [str(script)]
    found = shutil.which("svcops")
    if found is None:
        sys.exit("benchmarks: install svcops first (pip install -e .)")
    return [found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    svcops = svcops_command()
    python = sys.executable
    workdir = Path(tempfile.mkdtemp(prefix="svcops-bench-"))
    env = {
        **os.environ,
        "SVCOPS_DB": str(workdir / "bench.db"),
        "SVCOPS_CONFIG": str(workdir / "none.toml"),
        "SVCOPS_ACTOR": "bench",
    }
    (workdir / "none.toml").write_text("")
    commands = {
        "import typer": [python, "-c", "import typer"],
        "import typer, rich, sqlmodel": [python, "-c", "import typer, rich, sqlmodel"],
        "svcops --help": [*svcops, "--help"],
        "svcops --version": [*svcops, "--version"],
        "svcops incident open": [*svcops, "incident", "open", "Printer down", "-q"],
    }
    # warm the file cache and create the database once, outside the measurement
    for argv in commands.values():
        subprocess.run(argv, env=env, capture_output=True, check=True)

    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            samples[name].append(time.perf_counter() - start)
    shutil.rmtree(workdir, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in samples.items()}
    checks = [
        ("svcops --help", "import typer", 1.5),
        ("svcops --version", "import typer", 1.5),
        ("svcops incident open", "import typer, rich, sqlmodel", 1.2),
    ]
    rows = []
    for name, baseline, budget in checks:
        ratio = median[name] / median[baseline]
        rows.append(
            {
                "command": name,
                "median_ms": round(median[name] * 1000, 1),
                "baseline": baseline,
                "baseline_ms": round(median[baseline] * 1000, 1),
                "ratio": round(ratio, 2),
                "budget": budget,
                "within_budget": ratio <= budget,
            }
        )
    if args.json:
        print(json.dumps({"rounds": args.rounds, "results": rows}, indent=2))
    else:
        print(f"{args.rounds} interleaved rounds, medians:")
        for row in rows:
            verdict = "ok" if row["within_budget"] else "OVER BUDGET"
            print(
                f"  {row['command']:<22} {row['median_ms']:7.1f} ms = {row['ratio']:.2f} x "
                f"{row['baseline']!r} ({row['baseline_ms']:.1f} ms); budget {row['budget']} x: "
                f"{verdict}"
            )
    return 0 if all(row["within_budget"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
