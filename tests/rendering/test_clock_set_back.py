"""Our own wall clock set back between runs: a run killed with a create on its way wrote its intent
while the wall clock read an hour later than it does now. The journal keeps the boot clock beside
the wall time (rendering/boot_clock.py), so the next run builds the lost create's search window on
today's wall clock, finds the task and adopts it, never creating it again."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

import pytest

from helpers import IN_PROCESS_BASE, LandsLate, ark_behind, killed_while_creating, one_shot
from storyfilm.ark.client import ArkClient, LostCreates
from storyfilm.rendering import boot_clock
from storyfilm.rendering.executor import Executor
from storyfilm.rendering.store import Store

BACKEND = "in-process"
HOUR = 3600.0


def resume_after_the_clock_moved(tmp_path: Path, step: float):
    """A killed run's intent, written when the wall clock read `step` seconds more than it does
    now, and its create landing after the next run's first look: that run's result and requests."""
    async def main():
        async with ark_behind(lambda inner: LandsLate(inner, lose=0)) as (ark, http, late):
            graph, job, body = one_shot(tmp_path / "clock.yaml", "A clock set back", "dial", "A clock's hands turn.")
            with Store(tmp_path / ".storyfilm") as store:
                killed_while_creating(store, late, http, job, body, backend=BACKEND)
            with contextlib.closing(sqlite3.connect(tmp_path / ".storyfilm" / "state.sqlite")) as db, db:
                db.execute("UPDATE shots SET intent_at = intent_at + ?, since = since + ?", (step, step))
            with Store(tmp_path / ".storyfilm") as store:
                client = ArkClient(IN_PROCESS_BASE, "sk-test", http=http)
                executor = Executor(client, store, backend=BACKEND, poll_interval=0.02,
                                    lost_creates=LostCreates(settle=0.2, look_every=0.05))
                results = await executor.run(graph)
            return results[job.id], late.landed, dict(ark.stats)

    return asyncio.run(main())


@pytest.mark.skipif(boot_clock.reading()[1] is None or boot_clock.boot_id() is None, reason="no boot clock here")
def test_a_create_sent_before_the_wall_clock_was_set_back_an_hour_is_found(tmp_path: Path) -> None:
    result, landed, stats = resume_after_the_clock_moved(tmp_path, HOUR)
    assert landed == [result.task_id] and stats["create"] == 1  # the killed run's create, adopted


def test_a_moment_is_read_on_the_wall_clock_as_it_reads_now() -> None:
    now = time.time()
    written = (now + HOUR - 30.0, 1000.0, "boot-a")  # an hour ahead then; 30 s of boot clock ago
    assert boot_clock.on_the_wall_now(*written, now=(now, 1030.0, "boot-a")) == pytest.approx(now - 30.0)
    assert boot_clock.on_the_wall_now(*written, now=(now, 5.0, "boot-b")) == now + HOUR - 30.0  # another boot
    assert boot_clock.on_the_wall_now(written[0], None, None, now=(now, 1030.0, "boot-a")) == written[0]  # old row
