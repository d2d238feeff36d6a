"""A lock file whose hashes were swapped between two shots, with the journal gone, never builds a
wrong film: the store recorded what each key made (`made/`), and its record wins over the file's."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import chains_story, counted, render_story, server_counts
from storyfilm.rendering.store import sha256_file


def test_swapped_video_hashes_in_the_lock_file_do_not_swap_the_clips(tmp_path: Path, ark_server) -> None:
    story, ids = chains_story(tmp_path / "film.yaml", f"Swapped {random.random()}", chains=2, length=1)
    first = render_story(story, ark_server)
    videos = {shot: first.results[shot].video.name for shot in ids}
    film = sha256_file(first.output)
    (lock_file,) = tmp_path.glob("*.lock.json")
    lock = json.loads(lock_file.read_text())
    a, b = lock["shots"]
    a["video_sha256"], b["video_sha256"] = b["video_sha256"], a["video_sha256"]
    a["last_frame_sha256"], b["last_frame_sha256"] = b["last_frame_sha256"], a["last_frame_sha256"]
    lock_file.write_text(json.dumps(lock, indent=2))
    for part in (tmp_path / ".storyfilm").glob("state.sqlite*"):
        part.unlink()

    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert counted(before, ark_server) == {}
    assert {shot: again.results[shot].video.name for shot in ids} == videos
    assert all(r.cached for r in again.results.values())
    assert sha256_file(again.output) == film
    assert f"warning: the lock file names video {videos[ids[1]][:12]}" in again.log
    assert "the store's record is used (was the lock file edited or merged?)" in again.log
