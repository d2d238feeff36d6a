"""Temporary folders named by their process, so what a process killed outright left is found.

    process_alive(pid)      whether a pid still runs (what killed runs left is named by it)
    work_folder(kind)       a temporary folder named by this pid; those of dead processes are removed
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
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
