"""Bulk import against taskwarrior importing the same cases, on the same machine, in one run
(PRODUCT.md section 6: 100,000 records faster than taskwarrior imports 100,000 tasks).

    sudo apt-get install taskwarrior
    python benchmarks/import_vs_taskwarrior.py [--records 100000]

Both sides get the same 100,000 service cases: a title, priority, team, agent and service, the
time it was opened, and for four in five of them the time it was resolved and closed.
svcops reads them as CSV (`svcops import FILE --kind incident`) and builds each record with its
stage history (events), its first inbound contact and the SLA clocks; taskwarrior reads them as
its JSON export format (`task import FILE`): description, project, priority, tags, entry, end,
status. Each side starts from an empty database; the figure is the wall time of the command.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

TEAMS = ("desk", "network", "apps", "identity")


def write_inputs(folder: Path, records: int) -> tuple[Path, Path]:
    csv_path, json_path = folder / "cases.csv", folder / "tasks.json"
    with csv_path.open("w") as cases, json_path.open("w") as tasks:
        cases.write("title,impact,urgency,channel,team,assignee,service,opened_at,"
                    "first_response_at,stage,resolved_at,closed_at\n")  # fmt: skip
        tasks.write("[\n")
        for i in range(records):
            day, hour, minute = 1 + i % 28, 8 + i % 9, i % 60
            opened = f"2026-10-{day:02d}T{hour:02d}:{minute:02d}:00Z"
            responded = f"2026-10-{day:02d}T{hour:02d}:{minute:02d}:30Z"
            done = i % 5 != 0
            resolved = f"2026-10-{day:02d}T{hour + 1:02d}:{minute:02d}:00Z" if done else ""
            closed = f"2026-10-{day:02d}T{hour + 2:02d}:{minute:02d}:00Z" if done else ""
            team, agent = TEAMS[i % 4], f"agent{i % 40}"
            title = f"Case {i}: printer on floor {i % 9} jams"
            stage = "closed" if done else "in_progress"
            cases.write(f"{title},{1 + i % 3},{1 + (i // 3) % 3},phone,{team},{agent},printing,"
                        f"{opened},{responded},{stage},{resolved},{closed}\n")  # fmt: skip
            task = {
                "uuid": str(uuid.UUID(int=i + 1)), "description": title,
                "status": "completed" if done else "pending",
                "entry": opened.replace("-", "").replace(":", ""), "project": team,
                "priority": "HML"[i % 3], "tags": ["printing", agent],
            }  # fmt: skip
            if done:
                task["end"] = closed.replace("-", "").replace(":", "")
            tasks.write(json.dumps(task) + (",\n" if i < records - 1 else "\n"))
        tasks.write("]\n")
    return csv_path, json_path


def timed(argv: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of each side")
    args = parser.parse_args()
    task = shutil.which("task")
    if task is None:
        sys.exit("benchmarks/import_vs_taskwarrior.py: taskwarrior is not installed "
                 "(apt-get install taskwarrior)")  # fmt: skip
    svcops = str(Path(sys.executable).parent / "svcops")
    ours, theirs = [], []
    with tempfile.TemporaryDirectory(prefix="svcops-import-") as tmp:
        folder = Path(tmp)
        csv_path, json_path = write_inputs(folder, args.records)
        for run in range(args.rounds):  # each round starts both from an empty database
            data = folder / f"taskdata{run}"
            data.mkdir()
            rc = folder / f"taskrc{run}"
            rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
            theirs.append(timed([task, f"rc:{rc}", "import", str(json_path)]))
            env = {"SVCOPS_DB": str(folder / f"svcops{run}.db"), "SVCOPS_CONFIG": "/dev/null",
                   "PATH": "/usr/bin:/bin", "HOME": tmp}  # fmt: skip
            ours.append(timed([svcops, "import", str(csv_path), "--kind", "incident"], env=env))
            print(f"round {run + 1}: svcops {ours[-1]:.2f} s, taskwarrior {theirs[-1]:.2f} s",
                  file=sys.stderr)  # fmt: skip
    mine, tw = statistics.median(ours), statistics.median(theirs)
    verdict = "faster" if mine < tw else "SLOWER"
    print(f"{args.records:,} cases, median of {args.rounds}: svcops import {mine:.2f} s, "
          f"taskwarrior import {tw:.2f} s ({mine / tw:.2f} x): svcops is {verdict}")  # fmt: skip
    return 0 if mine < tw else 1


if __name__ == "__main__":
    sys.exit(main())
