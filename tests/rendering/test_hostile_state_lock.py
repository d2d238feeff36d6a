"""A lock file that names another shot's task (a hand edit, a merge gone wrong) with the journal
gone and the shot's clip missing: the clip fetched again from that task is not the recorded one,
so it is never put in the film; the shot renders again, and the user is told what it costs."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import chains_story, counted, render_story, server_counts


def test_a_clip_fetched_from_a_task_the_lock_file_misnames_is_never_served(tmp_path: Path, ark_server) -> None:
    story, _ = chains_story(tmp_path / "swap.yaml", f"Swapped tasks {random.random()}", chains=2, length=1)
    first = render_story(story, ark_server)
    lock_file = first.lock_file
    lock = json.loads(lock_file.read_text())
    one, two = lock["shots"]
    one["task_id"], two["task_id"] = two["task_id"], one["task_id"]
    lock_file.write_text(json.dumps(lock))
    store = story.parent / ".storyfilm"
    for part in store.glob("state.sqlite*"):
        part.unlink()
    (store / "objects" / two["video_sha256"]).unlink()

    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert again.results["c1s0"].video.name == two["video_sha256"]  # its own clip, rendered again
    assert again.results["c0s0"].video.name == one["video_sha256"]
    assert counted(before, ark_server)["create"] == 1
    assert again.warnings == [
        f"c1s0: its stored clip or last frame is missing or damaged, and task {two['task_id']} made another video "
        f"than the one recorded (another shot's task?): rendering it again costs {first.results['c1s0'].job.cost:.2f} "
        "CNY"]
