"""One film to a path at a time.

    output_lock(out)    held while this process makes the film at `out` and its side files
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from storyfilm.errors import FilmBusy
from storyfilm.mediaio import scratch


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Held while this process makes the film at `out` and its side files (captions, sheets, page,
    timelines): a second film to the same path at once (two terminals, a watch and a film) is
    refused before it renders, where each would otherwise put some of the files in place and
    leave a film beside another film's captions and timeline. A folder where the lock cannot be
    made (read-only) is left to the write: an unchanged film needs none."""
    real = Path(os.path.realpath(out))  # a film path that is a link writes the film it names: one lock for both
    lock = real.with_name(f".{real.name}.lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+", encoding="utf-8")
    except OSError:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise FilmBusy(f"another storyfilm{f' (pid {holder})' if holder.isdigit() else ''} is making the "
                           f"film {out} now; wait for it to end, or choose another path with -o") from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        # no other storyfilm makes this film now: what a killed one left half-written beside it (a
        # page, a timeline) goes, also when this film is unchanged and nothing is joined
        for folder in {out.parent, real.parent}:
            scratch.sweep_dead_partials(folder)
        yield  # the OS drops the lock when the process ends, even by kill -9
