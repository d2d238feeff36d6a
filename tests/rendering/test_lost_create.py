"""Resume and the one lost-create resolver, in-process (the local server's ASGI app): a run killed
with a create on its way left an intent without a task id; the task lands a moment after the
next run's first look, and the second look adopts it instead of paying for a second task."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from helpers import IN_PROCESS_BASE, LandsLate, ark_behind, killed_while_creating, one_shot
from storyfilm import planning
from storyfilm.ark.client import ArkClient, LostCreates
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.mediaio.inputs import data_url, load_storyboard
from storyfilm.rendering.executor import Executor
from storyfilm.rendering.store import Store

BACKEND = "in-process"


def resume(tmp_path: Path, settle: float):
    async def main():
        async with ark_behind(lambda inner: LandsLate(inner, lose=0)) as (ark, http, late):
            with Store(tmp_path / ".storyfilm") as store:
                graph, job, body = one_shot(tmp_path / "late.yaml", "A create that lands late", "lantern",
                                            "A paper lantern rises.")
                killed_while_creating(store, late, http, job, body, backend=BACKEND)
                events: list = []
                client = ArkClient(IN_PROCESS_BASE, "sk-test", http=http)
                executor = Executor(client, store, backend=BACKEND, listener=events.append, poll_interval=0.02,
                                    lost_creates=LostCreates(settle=settle))
                results = await executor.run(graph)
                journal = store.entry(job.key(None, BACKEND))
            return results[job.id], late.landed, dict(ark.stats), [e.kind for e in events], journal

    return asyncio.run(main())


def test_resume_adopts_a_task_that_lands_after_the_first_look(tmp_path: Path) -> None:
    result, landed, stats, kinds, journal = resume(tmp_path, settle=0.0)
    assert landed == [result.task_id] and stats["create"] == 1  # the killed run's create, nothing more
    assert (journal.task_id, journal.status, journal.attempts) == (result.task_id, "done", 1)
    assert kinds[:2] == ["waiting", "adopted"] and "creating" not in kinds and kinds[-1] == "done"
    assert result.video.is_file() and not result.cached


def test_the_journal_fingerprint_is_the_clients(tmp_path: Path) -> None:
    """The journal keeps what identifies the task exactly as the client's resolver reads it."""
    story = tmp_path / "fp.yaml"
    story.write_text("title: Fingerprint\n"
                     "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                     "shots:\n  - id: kite\n    prompt: A kite.\n    seed: 42\n")
    job = planning.jobs(planning.compile_plan(load_storyboard(story)))[0]
    fingerprint = Fingerprint.of(job.request(None, data_url))
    with Store(tmp_path / ".storyfilm") as store:
        store.create_intent("k", job.id, {}, fingerprint.as_dict(), job.cost)
        kept = json.loads(store.entry("k").fingerprint)
    assert Fingerprint.from_dict(kept) == fingerprint
    assert kept == {"model": "doubao-seedance-1-0-pro-250528", "service_tier": "default", "seed": 42,
                    "resolution": "480p", "ratio": "16:9", "duration": 2}


def test_an_intent_journaled_before_this_layout_is_still_read() -> None:
    """Journals written by the executor's own fingerprint (no tier, Nones, the service's choices)."""
    old = {"model": "doubao-seedance-1-0-pro-250528", "seed": 42, "resolution": "480p", "ratio": "adaptive",
           "duration": -1, "frames": None}
    assert Fingerprint.from_dict(old) == Fingerprint("doubao-seedance-1-0-pro-250528", None,
                                                     (("resolution", "480p"), ("seed", 42)))
