"""Moments the journal keeps, read back on the wall clock as it reads now.

The wall clock may be set back or forward between the moment the journal wrote (a create sent, a
task made) and the moment it is read back (by hand, by NTP, a clock fixed after a suspend): a
lost create's search window built from the old reading would miss the task by the step, and pay
for it twice. So beside each such wall time the journal records the boot clock (CLOCK_BOOTTIME:
it counts through suspend and is never set) and the boot it belongs to (the kernel's boot id).
Read back in the same boot, the moment is now minus the boot clock's elapsed seconds, on the wall
clock as it reads now; after a reboot, or without a boot clock, the wall time written is kept.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

Reading = tuple[float, float | None, str | None]  # wall clock, boot clock, boot id


@functools.cache
def boot_id() -> str | None:
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def reading() -> Reading:
    """The wall clock, the boot clock and this boot's id, now (the boot clock None where there is none)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return time.time(), None if boottime is None else time.clock_gettime(boottime), boot_id()


def on_the_wall_now(wall: float | None, boot: float | None, written_in: str | None,
                    now: Reading | None = None) -> float | None:
    """`wall`, written when the boot clock read `boot` in boot `written_in`, on the wall clock as
    it reads `now` (default: now)."""
    wall_now, boot_now, boot_now_id = now if now is not None else reading()
    if wall is None or boot is None or boot_now is None or written_in is None or written_in != boot_now_id:
        return wall
    return wall_now - (boot_now - boot)
