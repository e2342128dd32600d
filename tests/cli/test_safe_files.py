"""`export --out` and `db backup` replace nothing by surprise: an existing target needs
--force, the database in use never, and a killed run leaves no file at the target."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import svcops_executable

pytestmark = pytest.mark.subprocess


def listing(sh) -> str:
    result = sh("incident", "list", "--limit", "0", "-f", "json")
    assert result.code == 0, result.stderr
    return result.stdout


def one_error(result, code: int = 2) -> str:
    assert result.code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1, result.stderr
    return result.error_lines[0]


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
def test_the_database_in_use_is_never_a_target(sh, sqlite_db, command):
    assert sh("incident", "open", "Printer down", "-q").stdout == "INC-1\n"
    before = listing(sh)
    path = sqlite_db.path
    for target in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        for force in ((), ("--force",)):
            line = one_error(sh(*command, str(target), *force))
            assert line == (
                f"svcops: error: {target} is the database in use; svcops never writes over it"
            )
    link = path.parent / "alias.db"
    link.symlink_to(path)  # the same file under another name
    line = one_error(sh(*command, str(link), "--force"))
    assert "is the database in use" in line
    assert listing(sh) == before  # still a database, still the same records


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
def test_an_existing_file_is_kept_unless_forced(sh, sqlite_db, tmp_path, command):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    target = tmp_path / "copy"
    target.write_text("precious\n")
    line = one_error(sh(*command, str(target)))
    assert line == f"svcops: error: {target} already exists (a file); svcops does not replace it"
    assert target.read_text() == "precious\n"
    assert sh(*command, str(target), "--force").code == 0
    assert target.read_bytes() != b"precious\n"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
def test_a_symbolic_link_is_written_through_and_stays_a_link(sh, sqlite_db, tmp_path, command):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    real = tmp_path / "real"
    real.write_text("old\n")
    link = tmp_path / "latest"
    link.symlink_to(real)
    line = one_error(sh(*command, str(link)))
    assert line.endswith("latest already exists (a symbolic link); svcops does not replace it")
    assert sh(*command, str(link), "--force").code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != b"old\n"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    line = one_error(sh(*command, str(dangling)))
    assert "dangling already exists (a symbolic link)" in line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
def test_targets_that_cannot_be_written_are_one_error_line(sh, sqlite_db, tmp_path, command):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    long_name = str(tmp_path / ("x" * 300))
    cases = {
        "/proc/self/x.db": "svcops: error: cannot write /proc/self/x.db: ",
        str(tmp_path): f"svcops: error: {tmp_path} is a directory; give a file name",
        str(tmp_path / "no" / "x.db"): (
            f"svcops: error: cannot write {tmp_path / 'no' / 'x.db'}: no directory "
        ),
        long_name: f"svcops: error: cannot write {long_name}: ",
    }
    for target, start in cases.items():
        line = one_error(sh(*command, target, "--force"))
        assert line.startswith(start), line
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_backup_is_a_checked_copy_with_its_row_counts(sh, sqlite_db, tmp_path):
    for title in ("Printer down", "VPN slow"):
        assert sh("incident", "open", title, "-q").code == 0
    assert sh("incident", "advance", "INC-1").code == 0
    copy = tmp_path / "copy.db"
    result = sh("db", "backup", str(copy), "-f", "json")
    assert result.code == 0, result.stderr
    made = result.json()
    # each open: its open event and the contact event of the call it logs; the advance: one
    assert (made["records"], made["events"], made["contacts"]) == (2, 5, 2)
    assert made["bytes"] == copy.stat().st_size
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM event").fetchone() == (5,)
    copied = sh("incident", "list", "--limit", "0", "-f", "json", env={"SVCOPS_DB": str(copy)})
    assert copied.stdout == listing(sh)


@pytest.fixture(scope="module")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of 30,000 resolved incidents, made once: a copy takes long enough to kill."""
    where = tmp_path_factory.mktemp("big")
    rows = where / "rows.csv"
    with rows.open("w") as out:
        out.write("title,stage,opened_at,resolved_at\n")
        for number in range(30_000):
            out.write(f"case {number},resolved,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z\n")
    env = {**os.environ, "SVCOPS_DB": str(where / "big.db"), "SVCOPS_ACTOR": "tester"}
    made = subprocess.run(
        [svcops_executable(), "import", str(rows), "--kind", "incident"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return where / "big.db"


def partial_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".svcops-partial")]


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_run_leaves_no_file_at_the_target(sqlite_db, tmp_path, big_database, command, how):
    shutil.copyfile(big_database, sqlite_db.path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "target"
    process = subprocess.Popen(
        [svcops_executable(), *command, str(target)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not partial_files(out) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert partial_files(out), "the run never started writing"
    process.send_signal(how)
    assert process.stderr is not None
    with process.stderr:
        code = process.wait(timeout=30)
        stderr = process.stderr.read().decode()
    if process.returncode == 0:
        pytest.fail("the run finished before the signal reached it; make the database bigger")
    assert not target.exists()
    if how == signal.SIGTERM:  # a signal svcops hears: it cleans up after itself
        assert (code, stderr) == (130, "svcops: error: interrupted; nothing of it was kept\n")
        assert partial_files(out) == []
    assert code != 1
    again = subprocess.run(
        [svcops_executable(), *command, str(target)], capture_output=True, text=True, check=False
    )  # the next run to the same target is not refused: nothing was left there
    assert again.returncode == 0, again.stderr
    assert target.exists()
    if command[0] == "export":
        with target.open() as dump:
            assert sum(1 for line in dump if json.loads(line)["type"] == "record") == 30_000


@pytest.mark.parametrize("command", [("export", "--out"), ("db", "backup")])
def test_a_fifo_or_a_device_is_never_replaced(sh, sqlite_db, tmp_path, command):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_error(sh(*command, str(fifo), "--force"))
    assert line == f"svcops: error: {fifo} is not a regular file; svcops writes only files"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    line = one_error(sh(*command, str(link), "--force"))
    assert line.endswith("null is not a regular file; svcops writes only files")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_the_database_reached_through_a_link_keeps_its_side_files(sh, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(real / "live.db")
    made = sh("incident", "open", "Printer down", "-q", env={"SVCOPS_DB": str(real / "live.db")})
    assert made.code == 0, made.stderr
    env = {"SVCOPS_DATABASE_URL": f"sqlite:///{link}", "SVCOPS_DB": ""}
    assert sh("incident", "show", "INC-1", "-q", env=env).stdout == "INC-1\n"
    for side in ("-wal", "-shm", "-journal"):
        target = real / f"live.db{side}"
        line = one_error(sh("export", "--out", str(target), "--force", env=env))
        assert line.endswith("is the database in use; svcops never writes over it"), line
        assert not target.exists() or target.read_bytes()[:1] != b"{"


def test_a_full_disk_while_exporting_is_one_error_line(sh, sqlite_db, tmp_path):
    """The file system refuses more bytes (here: a file size limit): exit 2, nothing left."""
    import resource

    rows = tmp_path / "rows.csv"
    rows.write_text("title\n" + "".join(f"Case {n} {'x' * 200}\n" for n in range(400)))
    assert sh("import", str(rows), "--kind", "incident").code == 0

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [svcops_executable(), "export", "--out", str(out / "dump.ndjson")],
        capture_output=True, text=True, env=os.environ, preexec_fn=small_files, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"svcops: error: cannot write {out / 'dump.ndjson'}: File too large\n"
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a link to another user")
def test_a_link_of_another_user_in_a_shared_directory_is_not_followed(sh, sqlite_db, tmp_path):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    mine = tmp_path / "mine.txt"
    mine.write_text("precious\n")
    link = shared / "report.ndjson"
    link.symlink_to(mine)
    os.lchown(link, 65534, 65534)  # nobody's link, pointing at a file of ours
    line = one_error(sh("export", "--out", str(link), "--force"))
    assert line == (
        f"svcops: error: {link} is a symbolic link of another user's in a shared directory; "
        "svcops does not follow it"
    )
    assert mine.read_text() == "precious\n"
