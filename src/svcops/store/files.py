"""Files svcops writes for the user (an export, a backup): a new file appears whole or not at
all, and nothing is replaced that the user did not ask to replace.

The content goes to a temporary file beside the target, is flushed to disk, and only then
takes the target's name: a run killed half-way leaves no file at the target. Without `force`
an existing target is refused, and the database in use (or its -wal, -shm or -journal file)
is refused always.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from svcops.domain.errors import InvalidInput

SIDE_FILES = ("", "-wal", "-shm", "-journal")  # what a SQLite database is on disk
PARTIAL = ".svcops-partial"  # the temporary file's suffix, so a user knows what one is


def database_files(database: Path | None) -> tuple[Path, ...]:
    """The files of a SQLite database in use (none for a server database): beside the path as
    given and beside the file it resolves to, where SQLite keeps its -wal and -shm."""
    if database is None:
        return ()
    real = Path(os.path.realpath(database))
    return tuple(Path(f"{base}{side}") for base in {database, real} for side in SIDE_FILES)


@contextmanager
def new_file(target: str, *, force: bool, protected: Iterable[Path] = ()) -> Iterator[Path]:
    """A temporary path to write the content of `target` to; when the block ends without an
    error it is synced and renamed to `target`, otherwise removed.

    A symbolic link at the target is written through (with `force`): the link stays a link.
    """
    final = _checked_target(target, force=force, protected=protected)
    temporary = final.parent / f".{final.name[:40]}.{secrets.token_hex(4)}{PARTIAL}"
    # SIGTERM is heard from before the temporary file exists until it is gone or published
    with _terminate_as_interrupt():
        try:
            try:
                os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except OSError as exc:
                raise cannot_write(target, exc) from None
            yield temporary
            _sync(temporary)
            _publish(temporary, final, target, force=force)
        finally:
            with suppress(FileNotFoundError):
                temporary.unlink()
    _sync_directory(final.parent)


def _checked_target(target: str, *, force: bool, protected: Iterable[Path]) -> Path:
    """Where the content will go: `target` itself, or the file its symbolic link names."""
    if not target.strip():
        raise InvalidInput("an empty file name")
    if "\x00" in target:
        raise InvalidInput(f"{target!r}: a file name cannot hold a NUL character")
    given = Path(target).expanduser()
    try:
        final = Path(os.path.realpath(given))
        for guarded in protected:
            if final == Path(os.path.realpath(guarded)) or _same_file(final, guarded):
                raise InvalidInput(
                    f"{target} is the database in use; svcops never writes over it",
                    hint="choose another file",
                )
        if final.is_dir():
            raise InvalidInput(f"{target} is a directory; give a file name")
        if final.exists() and not final.is_file():  # a device, a FIFO, a socket: never replaced
            raise InvalidInput(f"{target} is not a regular file; svcops writes only files")
        if os.path.lexists(given) and not force:
            what = "a symbolic link" if given.is_symlink() else "a file"
            raise InvalidInput(
                f"{target} already exists ({what}); svcops does not replace it",
                hint="choose a new file, or pass --force to replace it",
            )
        if given.is_symlink():
            _check_link_owner(given, target)
        if not final.parent.is_dir():
            raise InvalidInput(f"cannot write {target}: no directory {final.parent}")
        limit = os.pathconf(final.parent, "PC_NAME_MAX")
    except OSError as exc:
        raise cannot_write(target, exc) from None
    if len(os.fsencode(final.name)) > limit:
        raise InvalidInput(f"cannot write {target}: the file name is over {limit} bytes")
    return final


def _check_link_owner(link: Path, target: str) -> None:
    """The kernel's rule for links in shared directories (fs.protected_symlinks): in a sticky,
    world-writable directory (/tmp) a link is followed only when it is the user's own or the
    directory owner's, so nobody can point svcops at a file of yours through /tmp."""
    folder = os.stat(link.parent)
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    owner = os.lstat(link).st_uid
    if shared and owner not in (os.geteuid(), folder.st_uid):
        raise InvalidInput(
            f"{target} is a symbolic link of another user's in a shared directory; "
            "svcops does not follow it"
        )


def _same_file(path: Path, other: Path) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def cannot_write(target: str, exc: OSError) -> InvalidInput:
    return InvalidInput(f"cannot write {target}: {exc.strerror or exc}")


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_directory(directory: Path) -> None:
    """The rename itself reaches the disk (best effort: not every file system allows it)."""
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _publish(temporary: Path, final: Path, target: str, *, force: bool) -> None:
    """Give the finished file its name; without `force`, never over a file that appeared
    meanwhile (a hard link fails where a name exists; a rename would replace it)."""
    try:
        if force:
            os.replace(temporary, final)
            return
        try:
            os.link(temporary, final)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise InvalidInput(
                    f"{target} already exists (it appeared while svcops was writing)",
                    hint="choose a new file, or pass --force to replace it",
                ) from None
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            # a file system without hard links: the name is checked, then taken
            if os.path.lexists(final):
                raise InvalidInput(f"{target} already exists") from None
            os.replace(temporary, final)
    except OSError as exc:
        raise cannot_write(target, exc) from None


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a `kill`, a cron timeout) ends the write like Ctrl-C: the temporary file is
    removed on the way out instead of left behind."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
