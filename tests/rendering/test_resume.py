"""Crash safety: a render killed at any moment resumes without paying twice; tasks that failed,
expired or vanished on the service are created again; nothing partial enters the store."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import (REPO, assert_store_whole, chains_story, counted, journal_attempts, render_story, server_counts,
                     tasks_by_seed, write_intent)
from storyfilm.mediaio import probe
from storyfilm.seedance import models
from storyfilm.storyboard.build import pinned_seed
from storyfilm.rendering.store import Store
from storyfilm.mediaio.inputs import load_storyboard, data_url


def start(story: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")} | env
    return subprocess.Popen([sys.executable, "-m", "storyfilm", "film", str(story), "--json", "-o",
                             str(story.with_suffix(".mp4"))], cwd=REPO, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1)


def kill_when(proc: subprocess.Popen[str], kind: str | None, after: float) -> str:
    """SIGKILL the render right after it reports an event of `kind` (None: `after` seconds in)."""
    deadline = time.monotonic() + 60
    started = time.monotonic()
    for line in proc.stdout:
        event = json.loads(line)
        if (kind is not None and event["event"] == kind) or (kind is None and time.monotonic() - started > after):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"{event['event']} {event.get('shot', '')}"
        assert time.monotonic() < deadline
    proc.wait()
    return "finished before the kill"


def test_kill_drill(tmp_path: Path, ark_server) -> None:
    title = f"Kill drill {random.random()}"
    story, ids = chains_story(tmp_path / "drill.yaml", title, chains=2, length=2)
    env = {"ARK_API_KEY": "sk-test-kill-drill", "ARK_BASE_URL": ark_server.base_url}
    before = server_counts(ark_server)
    rng = random.Random()
    moments = [("creating", 0), ("created", 0), ("downloading", 0), (None, rng.uniform(0.1, 1.5))]
    where = [kill_when(start(story, env), kind, after) for kind, after in moments]

    final = start(story, env)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, (where, err)
    events = [json.loads(line) for line in out.splitlines()]
    assert "sk-test-kill-drill" not in out + err

    # the service made exactly one task per shot, whatever the kills interrupted
    seeds = {pinned_seed(title, shot): shot for shot in ids}
    made = tasks_by_seed(ark_server, set(seeds))
    assert {seeds[s]: len(t) for s, t in made.items()} == {shot: 1 for shot in ids}, where
    # (a create killed while its body was being sent reaches the server as a request, makes no task)
    assert counted(before, ark_server)["create"] >= len(ids)
    assert_store_whole(tmp_path / ".storyfilm")
    assert probe.probe(story.with_suffix(".mp4")).frames == len(ids) * models.frames_for(2) - (len(ids) - 2)  # 2 chains
    lock = json.loads((tmp_path / "drill.lock.json").read_text())
    assert [s["id"] for s in lock["shots"]] == ids
    assert {s["task_id"] for s in lock["shots"]} == {t for ts in made.values() for t in ts}
    assert "sk-test-kill-drill" not in json.dumps(lock)
    resumed = {e["shot"] for e in events if e["event"] in ("resumed", "adopted", "cached")}
    assert resumed, where  # the last run built on what the killed ones had paid for


class Crash(Exception):
    pass


def test_failed_expired_and_vanished_tasks_are_created_again(tmp_path: Path, ark_server, monkeypatch) -> None:
    from storyfilm.rendering import unseen

    # A task vanishes days after its create (records are kept 7 days, §8.4); here it is seconds old,
    # and a task that young answering 404 is looked for again for UNSEEN_GRACE (30 s) first.
    monkeypatch.setattr(unseen, "UNSEEN_GRACE", 2.0)
    story, ids = chains_story(tmp_path / "three.yaml", f"Faulty tasks {random.random()}", chains=3, length=1)
    created: list[str] = []

    def crash_after_three_creates(event) -> None:
        if event.kind == "created":
            created.append(event.detail.split()[-1])
            if len(created) == 3:
                raise Crash()

    with pytest.raises(Crash):
        render_story(story, ark_server, listener=crash_after_three_creates)
    assert len(created) == 3
    tasks = ark_server.ark.tasks
    deadline = time.monotonic() + 30
    while any(tasks[t].status in ("queued", "running") for t in created):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    tasks[created[0]].status = "expired"
    tasks[created[1]].status = "failed"
    tasks[created[1]].error = {"code": "InternalServiceError", "message": "the render farm caught fire"}
    del tasks[created[2]]  # records are kept for a limited time (ark-api.md §8.4)

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 3
    assert [r.task_id for r in outcome.results.values()] != created
    assert any("expired" in w for w in outcome.warnings)
    assert any("no longer knows it" in w for w in outcome.warnings)
    assert "task " + created[1] + " failed: InternalServiceError" in outcome.log
    assert journal_attempts(tmp_path / ".storyfilm") == [2, 2, 2]
    assert probe.probe(outcome.output).frames == 3 * models.frames_for(2)


def test_one_render_at_a_time_per_store(tmp_path: Path) -> None:
    from storyfilm.errors import StoreBusy

    with Store(tmp_path) as first:
        first.claim()
        with Store(tmp_path) as second, pytest.raises(StoreBusy, match="another storyfilm render is using"):
            second.claim()
    with Store(tmp_path) as third:  # released with the first
        third.claim()


def test_a_killed_create_of_a_model_without_seeds_is_adopted(tmp_path: Path, ark_server) -> None:
    """Seedance 2.5 takes no seed: a create sent just before the process died is still found again
    (the only task of its shape made since the intent), and not paid for twice."""
    import asyncio

    from storyfilm import planning
    from storyfilm.ark.client import ArkClient

    story = tmp_path / "seedless.yaml"
    story.write_text(f"title: Seedless {random.random()}\n"
                     "defaults: {model: doubao-seedance-2-5-260628, resolution: 480p, duration: 4}\n"
                     "shots:\n  - id: lantern\n    prompt: A paper lantern rises.\n")
    job = planning.jobs(planning.compile_plan(load_storyboard(story)))[0]
    body = job.request(None, data_url)
    assert "seed" not in body
    with Store(tmp_path / ".storyfilm") as store:  # what a render writes before it sends the create
        write_intent(store, job, body, ark_server.base_url)

    async def send() -> str:  # the create reached the service; its answer never reached the process
        async with ArkClient(ark_server.base_url, "sk-test") as client:
            return await client.create(body)

    made = asyncio.run(send())
    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert counted(before, ark_server).get("create", 0) == 0
    assert outcome.results["lantern"].task_id == made
    assert "adopted" in outcome.log
