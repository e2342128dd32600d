"""Importing the same file again against importing it into an empty database (PRODUCT.md
section 11: importing the same log or file again changes nothing, says so, and takes no longer
than importing it into an empty database).

    python benchmarks/import_again.py [--records 100000] [--rounds 3]

Each round imports the same flat CSV (the cases of benchmarks/import_vs_taskwarrior.py) into a
new SQLite file, then imports it there again; the second run must add nothing. Rounds
interleave the two, and the medians are compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_vs_taskwarrior import write_inputs


def timed_import(svcops: str, csv_path: Path, env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(
        [svcops, "import", str(csv_path), "--kind", "incident", "-f", "json"],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - started, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    svcops = str(Path(sys.executable).parent / "svcops")
    first, again = [], []
    with tempfile.TemporaryDirectory(prefix="svcops-import-again-") as tmp:
        folder = Path(tmp)
        csv_path, _tasks = write_inputs(folder, args.records)
        for run in range(args.rounds):
            env = {"SVCOPS_DB": str(folder / f"svcops{run}.db"), "SVCOPS_CONFIG": "/dev/null",
                   "PATH": "/usr/bin:/bin", "HOME": tmp}  # fmt: skip
            seconds, made = timed_import(svcops, csv_path, env)
            first.append(seconds)
            seconds, remade = timed_import(svcops, csv_path, env)
            again.append(seconds)
            if (
                made["records"] != args.records
                or remade["records"]
                or remade["unchanged"] != (args.records)
            ):
                sys.exit(f"round {run + 1}: the second import added records: {remade}")
            print(f"round {run + 1}: into an empty database {first[-1]:.2f} s, "
                  f"again {again[-1]:.2f} s (unchanged {remade['unchanged']:,})",
                  file=sys.stderr)  # fmt: skip
    empty, rerun = statistics.median(first), statistics.median(again)
    print(f"{args.records:,} rows, median of {args.rounds}: into an empty database {empty:.2f} s, "
          f"the same file again {rerun:.2f} s ({rerun / empty:.2f} x)")  # fmt: skip
    return 0 if rerun <= empty else 1


if __name__ == "__main__":
    sys.exit(main())
