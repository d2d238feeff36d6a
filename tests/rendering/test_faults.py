"""A render through a service that answers 429 and 5xx, drops connections (also after creating a
task), fails tasks and truncates downloads still gives the right film, paying once per shot."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from helpers import counted, faults_on, render_story, server_counts
from storyfilm.settings import Settings
from storyfilm.storyboard.build import pinned_seed
from helpers import assert_store_whole, chains_story, tasks_by_seed


# `#n`: only the first n hits, so the run is certain to finish and every kind of fault happens
SPEC = ("429@create=1#2,drop@create=1#1,5xx=0.2#4,drop@list=0.3#2,drop@get=0.3#1,fail=1#1,"
        "truncate=1#2,seed=11")


def test_faulty_service_gives_the_same_film(tmp_path: Path, ark_server) -> None:
    title = f"Faults {random.random()}"
    (tmp_path / "faulty").mkdir()
    story, ids = chains_story(tmp_path / "faulty" / "film.yaml", title, chains=1, length=2)
    seeds = {pinned_seed(title, shot): shot for shot in ids}

    before = server_counts(ark_server)
    with faults_on(ark_server, SPEC):  # a dropped create is in the list at once: 12 s of settle window buy nothing
        faulty = render_story(story, ark_server, settings=Settings(settle=0.5))
    seen = counted(before, ark_server)
    assert seen.get("fault:429", 0) == 2 and seen.get("fault:drop", 0) >= 1 and seen.get("fault:truncate", 0) == 2
    made = tasks_by_seed(ark_server, set(seeds))
    # every shot was paid for once: one task failed (not billed) and was made again, no other extra
    assert sorted(len(t) for t in made.values()) == [1, 2]
    assert {r.task_id for r in faulty.results.values()} <= {t for ts in made.values() for t in ts}
    assert_store_whole(story.parent / ".storyfilm")

    # the same storyboard rendered without faults, elsewhere: identical clips and film
    (tmp_path / "clean").mkdir()
    clean_story = shutil.copy(story, tmp_path / "clean" / "film.yaml")
    clean = render_story(Path(clean_story), ark_server)
    assert [r.video.name for r in faulty.results.values()] == [r.video.name for r in clean.results.values()]
    assert faulty.output.read_bytes() == clean.output.read_bytes()


def test_a_shot_whose_tasks_keep_failing_stops_after_three(tmp_path: Path, ark_server) -> None:
    from storyfilm.errors import StoryfilmError

    story, _ = chains_story(tmp_path / "doomed.yaml", f"Doomed {random.random()}", chains=1, length=1)
    before = server_counts(ark_server)
    with faults_on(ark_server, "fail=1"):
        with pytest.raises(StoryfilmError, match=r"shot 'c0s0': 3 tasks in a row did not succeed; the last: task "):
            render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 3


def test_a_task_past_its_deadline_stops_the_run_and_the_next_run_waits_for_it(tmp_path: Path, ark_server) -> None:
    from storyfilm.errors import TaskOverdue

    story, _ = chains_story(tmp_path / "slow.yaml", f"Slow {random.random()}", chains=1, length=1)
    before = server_counts(ark_server)
    with faults_on(ark_server, "run=3"):
        with pytest.raises(TaskOverdue, match=r"is still (queued|running) after its deadline; run again"):
            render_story(story, ark_server, task_timeout=0.5)
        again = render_story(story, ark_server)  # picks the same task up: no second create
    assert counted(before, ark_server)["create"] == 1
    assert "resumed" in again.log


def test_without_last_frame_urls_the_frame_comes_from_the_video(tmp_path: Path, ark_server) -> None:
    """A service that returns no `last_frame_url`: the exact last frame is taken from the video,
    and the next shot starts on it."""
    from helpers import extract_frame, psnr
    from storyfilm.mediaio import probe

    story, ids = chains_story(tmp_path / "nolast.yaml", f"No last frame {random.random()}", chains=1, length=2)
    before = server_counts(ark_server)
    with faults_on(ark_server, "nolast=1"):
        outcome = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 2
    one, two = (outcome.results[i] for i in ids)
    import asyncio

    from storyfilm.ark.client import ArkClient

    async def look():
        async with ArkClient(ark_server.base_url, "sk-test-reader") as client:
            return await client.get(one.task_id)

    task = asyncio.run(look())
    assert task.status == "succeeded" and task.video_url and task.last_frame_url is None
    decoded = tmp_path / "decoded_last.png"
    extract_frame(one.video, probe.probe(one.video).frames - 1, decoded)
    assert psnr(decoded, one.last_frame) == float("inf")  # the very last frame of the video
    first_of_two = tmp_path / "first_of_two.png"
    extract_frame(two.video, 0, first_of_two)
    assert psnr(first_of_two, one.last_frame) >= 40
