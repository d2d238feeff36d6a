"""The machine's cores, shared by the ffmpeg work this process starts: one heavy run per core.

    with MACHINE.foreground(): ...   a run the user waits on (the local server's render)
    with MACHINE.background(): ...   a run that may wait (review frames, the film's sound, taken ahead)
    lower_this_thread()              this thread and the ffmpeg it starts yield to the others

On a 2-core machine the local server renders two clips at once; review frames taken beside them
did not make the film sooner (the cores were busy) but held a third ffmpeg's memory (about 70 MB)
at the preview's peak. A background run starts only on a free core that no foreground run is
waiting for, so it fills the gaps the renders leave (a chained shot waits on the one before). A
run in progress is never stopped: a foreground run waits at most for one background run, which
is short and has its own deadline (mediaio/runner). Waits here are therefore bounded by those runs.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator


NICE = 10  # the priority of work done ahead: after the render's own


def core_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Cores:
    def __init__(self, count: int) -> None:
        self._free = count
        self._foreground_waiting = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def foreground(self) -> Iterator[None]:
        with self._changed:
            self._foreground_waiting += 1
            try:
                self._changed.wait_for(lambda: self._free > 0)
            finally:
                self._foreground_waiting -= 1
            self._free -= 1
        try:
            yield
        finally:
            self._release()

    @contextlib.contextmanager
    def background(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._free > 0 and not self._foreground_waiting)
            self._free -= 1
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify_all()


MACHINE = Cores(core_count())


def lower_this_thread() -> None:
    """This thread, and the ffmpeg it starts, run at a lower priority: on this machine the local
    server renders too, and the render must not wait for work done ahead (Linux: per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # no per-thread priority here: the work is done all the same
        pass
