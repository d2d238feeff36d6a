"""Temporary folders named by their process, so what a process killed outright left is found.

    process_alive(pid)      whether a pid still runs (what killed runs left is named by it)
    work_folder(kind)       a temporary folder named by this pid; those of dead processes are removed
    partial_beside(target)  where this process and thread write a file before renaming it into place
    sweep_dead_partials(folder)  remove what killed processes left half-written there
    replace_with(target, data)   write a file beside its name, sync it and rename it into place
    move_into_place(file, target)  rename a finished file into place, durably, across file systems too
    cannot_hold_files(folder) -> OSError | None  why a new file cannot be made there (probed, not guessed)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Is process `pid` still running? (What a killed run left is named by its pid.)"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def work_folder(kind: str) -> Iterator[Path]:
    """A temporary folder `storyfilm-<kind>-<pid>-*`, removed when left. A process killed outright
    (kill -9, the machine's OOM killer) cannot remove its own, and a join's holds the film's raw
    sound and picture (hundreds of MB for a long film): those of dead processes go here."""
    prefix = f"storyfilm-{kind}-"
    _sweep_dead_folders(prefix)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-") as tmp:
        yield Path(tmp)


def _sweep_dead_folders(prefix: str) -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


# `.name.<pid>-<thread>.partial`, or `.stem.<pid>-<thread>.partial.suffix` for a file whose writer
# (ffmpeg) chooses its format by the name's suffix
_PARTIAL = re.compile(r"^\..+\.(\d+)(?:-\d+)?\.partial(\.[^.]+)?$")  # (an older version: no thread)


def partial_beside(target: Path, *, keep_suffix: bool = False) -> Path:
    """Where this process and thread write `target` before it is whole: two processes (two films to
    one -o, a render's frames and a review) each write their own, and the one renamed last wins
    whole; a process killed outright leaves its own, which `sweep_dead_partials` finds by its pid."""
    tag = f"{os.getpid()}-{threading.get_ident()}"
    if keep_suffix:
        return target.with_name(f".{target.stem}.{tag}.partial{target.suffix}")
    return target.with_name(f".{target.name}.{tag}.partial")


def sweep_dead_partials(folder: Path) -> None:
    """Remove the partial files (`partial_beside`) in `folder` of processes no longer running."""
    try:
        names = [entry.name for entry in os.scandir(folder) if ".partial" in entry.name]
    except OSError:
        return
    for name in names:
        match = _PARTIAL.match(name)
        if match and int(match[1]) != os.getpid() and not process_alive(int(match[1])):
            with contextlib.suppress(OSError):
                (folder / name).unlink(missing_ok=True)


def holds(target: Path, data: bytes) -> bool:
    """`target` is a file that already holds exactly `data` (then it need not be written: its time stays)."""
    try:
        return target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def replace_with(target: Path, data: bytes, *, durable: bool = True) -> None:
    """`target` holds `data`, whole: written beside it, on disk (fsync) and renamed into place (a
    kill mid-write leaves the old file, never a cut one; a power cut, never an empty one).
    `durable=False` skips the fsync: for a cache entry whose checksum finds it torn anyway."""
    partial = partial_beside(target)
    try:
        partial.write_bytes(data)
        if durable:
            move_into_place(partial, target)
        else:
            os.replace(partial, target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def move_into_place(file: Path, target: Path) -> None:
    """`file`, whole and on disk (fsync), renamed to `target`. Where the two are on different file
    systems (a store whose objects/ is another disk: rename fails with EXDEV), it is copied beside
    `target`, synced, renamed into place, and only then removed: a kill at any point leaves either
    the file still to move or the whole target, never a cut one under the target's name."""
    with file.open("rb") as f:
        os.fsync(f.fileno())
    try:
        os.replace(file, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = partial_beside(target)
    try:
        with file.open("rb") as source, partial.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1024 * 1024)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(partial, target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    file.unlink()


def cannot_hold_files(folder: Path) -> OSError | None:
    """Why a new file cannot be made in `folder`, None when it can: a file made and removed at once.
    Asked before anything is spent, of where a run will write last (the film, the lock file): a
    permission check cannot tell (root may write anywhere by its bits, yet not under /proc or /sys,
    nor on a read-only mount)."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".storyfilm-probe-")
    except OSError as exc:
        return exc
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None
