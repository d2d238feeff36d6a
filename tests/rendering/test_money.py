"""Never pay twice, whatever stops a render: the kill drill with slow creates, two tasks for one
shot, Ctrl-C and SIGTERM on a real `storyfilm film`, and stored results that went missing."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
from pathlib import Path

from helpers import (IN_PROCESS_BASE, LandsAfter, LandsLate, ark_behind, assert_store_whole, chains_story, counted,
                     faults_on, film_process, kill_at, killed_while_creating, one_shot, paid_tasks, render_story,
                     server_counts, until_running)
from storyfilm.ark.client import ArkClient, LostCreates
from storyfilm.rendering.executor import Executor
from storyfilm.rendering.store import Store, sha256_file
from storyfilm.storyboard.build import pinned_seed

SLOW_CREATES = "slow@create=1,delay=2,run=0.2"  # every create answers 2 s after it made its task


def test_kill_drill_with_slow_creates_pays_once_per_shot(tmp_path: Path, ark_server) -> None:
    """Four kill -9 at random moments (two while a create is on its way), then a run to the end:
    one paid task per shot, and the film a clean render makes."""
    title = f"Slow kill drill {random.random()}"
    (tmp_path / "drill").mkdir()
    story, ids = chains_story(tmp_path / "drill" / "film.yaml", title, chains=2, length=3)
    env = {"ARK_API_KEY": "sk-test-slow-drill", "ARK_BASE_URL": ark_server.base_url}
    rng = random.Random()
    with faults_on(ark_server, SLOW_CREATES):
        where = [kill_at(film_process(story, env), event="creating", after=rng.uniform(0.0, 1.5)),
                 kill_at(film_process(story, env), after=rng.uniform(1.0, 4.0)),
                 kill_at(film_process(story, env), event="creating", after=rng.uniform(0.0, 1.5)),
                 kill_at(film_process(story, env), after=rng.uniform(1.0, 4.0))]
        final = film_process(story, env)
        out, err = final.communicate(timeout=180)
    assert final.returncode == 0, (where, err)
    assert "sk-test-slow-drill" not in out + err
    paid = paid_tasks(ark_server, {pinned_seed(title, shot): shot for shot in ids})
    assert {shot: len(tasks) for shot, tasks in paid.items()} == {shot: 1 for shot in ids}, (where, paid)
    assert_store_whole(story.parent / ".storyfilm")
    lock = json.loads((story.parent / "film.lock.json").read_text())
    assert {s["task_id"] for s in lock["shots"]} == {tasks[0][0] for tasks in paid.values()}

    (tmp_path / "clean").mkdir()  # the same render, untouched, with the same settings (no preview slate)
    clean_story = Path(shutil.copy(story, tmp_path / "clean" / "film.yaml"))
    clean = film_process(clean_story, env)
    _, clean_err = clean.communicate(timeout=180)
    assert clean.returncode == 0, clean_err
    clean_lock = json.loads((clean_story.parent / "film.lock.json").read_text())
    videos = lambda lock: {s["id"]: s.get("video_sha256") or s.get("video") for s in lock["shots"]}  # noqa: E731
    assert videos(lock) == videos(clean_lock), (where, lock["shots"])
    assert sha256_file(story.with_suffix(".mp4")) == sha256_file(clean_story.with_suffix(".mp4")), where


def test_two_tasks_for_one_shot_the_queued_one_is_cancelled(tmp_path: Path) -> None:
    """Two runs killed in turn each sent the shot's create, and both landed: the next run keeps
    one, cancels the other while it is still queued (unpaid) and says which it kept."""
    graph, job, body = one_shot(tmp_path / "twice.yaml", "Two creates landed", "lantern", "A paper lantern rises.")

    async def main():
        async with ark_behind(lambda inner: LandsLate(inner, lose=0), faults="", concurrency=1) as (ark, http, late):
            with Store(tmp_path / ".storyfilm") as store:
                killed_while_creating(store, late, http, job, body, creates=2)  # two killed runs' creates
                events: list = []
                client = ArkClient(IN_PROCESS_BASE, "sk-test", http=http)
                executor = Executor(client, store, backend="in-process", listener=events.append,
                                    poll_interval=0.02, lost_creates=LostCreates(settle=0.0))
                results = await executor.run(graph)
            statuses = {t: ark.tasks[t].status for t in late.landed}
            return results[job.id], late.landed, statuses, dict(ark.stats), executor.warnings

    result, landed, statuses, stats, warnings = asyncio.run(main())
    kept = result.task_id
    (other,) = set(landed) - {kept}
    assert statuses == {kept: "succeeded", other: "cancelled"}
    assert stats["create"] == 2 and stats["delete"] == 1
    assert warnings == [f"lantern: task {other} was a second task for it: cancelled while queued, nothing paid; "
                        f"kept task {kept}"]


def test_a_create_that_lands_after_the_settle_window_is_found_and_reported(tmp_path: Path) -> None:
    """Doubt is bounded: the killed run's create lands after every look, so the shot is created
    again; once its task is done, one more look finds the late one, which is cancelled if still
    queued (else reported as paid for), and the warning says which task was kept."""
    graph, job, body = one_shot(tmp_path / "late.yaml", "Landed after the window", "kite", "A kite.")

    async def main():
        lists = 3  # the resolver's two looks, then the poller's first
        async with ark_behind(lambda inner: LandsAfter(inner, lists=lists), faults="run=0.3",
                              concurrency=1) as (ark, http, late):
            with Store(tmp_path / ".storyfilm") as store:
                killed_while_creating(store, late, http, job, body)
                executor = Executor(ArkClient(IN_PROCESS_BASE, "sk-test", http=http), store, backend="in-process",
                                    poll_interval=0.02, lost_creates=LostCreates(settle=0.0))
                results = await executor.run(graph)
            landed = late.landed
            return results[job.id].task_id, landed, {t: ark.tasks[t].status for t in landed}, executor.warnings

    kept, landed, statuses, warnings = asyncio.run(main())
    assert len(landed) == 1 and kept not in landed
    cancelled = f"kite: task {landed[0]} was a second task for it: cancelled while queued, nothing paid; kept task {kept}"
    paid = f"kite: task {landed[0]} was a second task for it, already {statuses[landed[0]]}: it is paid for; " \
           f"kept task {kept}"
    assert warnings == [cancelled if statuses[landed[0]] == "cancelled" else paid]


def interrupted_render(tmp_path: Path, server, sig: int) -> tuple[str, list[str], Path, dict]:
    """A real `storyfilm film` stopped by `sig` once two tasks run on the service: its stderr, its
    shots, its storyboard, and its exit code and running tasks (shot → task id)."""
    title = f"Interrupted {random.random()}"
    story, ids = chains_story(tmp_path / "stop.yaml", title, chains=2, length=1)
    env = {"ARK_API_KEY": "sk-test-interrupt", "ARK_BASE_URL": server.base_url}
    with faults_on(server, "run=4"):
        proc = film_process(story, env)
        running = until_running(proc, 2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    return err, ids, story, {"code": proc.returncode, "running": running}


def test_ctrl_c_names_the_paid_tasks_and_the_next_run_picks_them_up(tmp_path: Path, ark_server) -> None:
    err, ids, story, seen = interrupted_render(tmp_path, ark_server, signal.SIGINT)
    assert seen["code"] == 130, err
    lines = err.strip().splitlines()
    assert lines[0] == "interrupted."
    assert lines[1].startswith("Still running on the service, and paid for: ")
    assert sorted(lines[1].removesuffix(".").split(": ", 1)[1].split(", ")) == sorted(
        f"{shot} (task {task})" for shot, task in seen["running"].items())
    assert lines[-1] == "Run `storyfilm film` again with the same storyboard to pick them up; nothing is paid twice."
    with Store(story.parent / ".storyfilm") as store:  # the journal holds both tasks for the next run
        assert set(seen["running"].values()) <= store.claimed_task_ids()

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert {shot: outcome.results[shot].task_id for shot in ids} == seen["running"]
    assert "create" not in counted(before, ark_server)  # both were paid for once, by the interrupted run


def test_sigterm_stops_cleanly_too(tmp_path: Path, ark_server) -> None:
    err, _, story, seen = interrupted_render(tmp_path, ark_server, signal.SIGTERM)
    assert seen["code"] == 130 and err.startswith("interrupted.\nStill running on the service, and paid for: "), err
    assert "Traceback" not in err
    assert list((story.parent / ".storyfilm" / "incoming").iterdir()) == []


def test_a_missing_stored_clip_is_fetched_again_from_its_task(tmp_path: Path, ark_server) -> None:
    story, _ = chains_story(tmp_path / "refetch.yaml", f"Refetch {random.random()}", chains=1, length=1)
    first = render_story(story, ark_server)
    video = first.results["c0s0"].video
    video.unlink()  # what the store does with an object that fails its check

    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert "create" not in counted(before, ark_server)
    assert again.results["c0s0"].video.read_bytes() and sha256_file(again.results["c0s0"].video) == video.name
    task = first.results["c0s0"].task_id
    assert again.warnings == [f"c0s0: its stored clip or last frame is missing or damaged; fetched again from task "
                              f"{task}, nothing paid"]

    video.unlink()
    del ark_server.ark.tasks[task]  # the service no longer has it: render again, and say what it costs
    before = server_counts(ark_server)
    third = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 1
    assert third.warnings[0] == (f"c0s0: its stored clip or last frame is missing or damaged, and the service no "
                                 f"longer knows task {task}: rendering it again costs "
                                 f"{first.results['c0s0'].job.cost:.2f} CNY")
