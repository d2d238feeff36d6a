"""A file-size limit (`ulimit -f`) met by the join's ffmpeg: one message that says so, not the
last lines of an ffmpeg killed without a word; the next run makes the same film, paying nothing."""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO, chains_story, counted, film_process, server_counts
from storyfilm.rendering.store import sha256_file


def test_a_join_past_the_file_size_limit_is_one_message_and_loses_nothing(tmp_path: Path, ark_server) -> None:
    story, _ = chains_story(tmp_path / "limit.yaml", f"Size limit {random.random()}", chains=1, length=2)
    env = {"ARK_API_KEY": "sk-test-size-limit", "ARK_BASE_URL": ark_server.base_url}
    first = film_process(story, env)
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    film = story.with_suffix(".mp4")
    clean = sha256_file(film)
    film.unlink()
    shutil.rmtree(story.parent / ".storyfilm" / "joins")  # the join must write its pieces again

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    before = server_counts(ark_server)
    limited = subprocess.run([sys.executable, "-m", "storyfilm", "film", str(story), "-o", str(film)], cwd=REPO,
                             env={k: v for k, v in os.environ.items() if not k.startswith("ARK_")} | env,
                             capture_output=True, text=True, timeout=180, preexec_fn=small_files)
    assert limited.returncode == 1
    assert limited.stderr.splitlines()[-1].endswith(
        ": a file it wrote grew past the largest file this process may write (ulimit -f); raise the limit (or free "
        "space) and run the same command again")
    assert len(limited.stderr.splitlines()) == 1, limited.stderr

    again = film_process(story, env)
    _, err = again.communicate(timeout=180)
    assert again.returncode == 0, err
    assert sha256_file(film) == clean
    assert "create" not in counted(before, ark_server)
