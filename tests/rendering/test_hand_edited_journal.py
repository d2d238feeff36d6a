"""A journal row hand-edited to name a video the store does not hold, while the lock file and the
store's own record (made/) name whole objects for that key: those are used, and nothing is paid.
Each film here runs against a service that no longer has the shot's task, so any other way out
would create it again."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from helpers import counted, kite_chain, render_story, run_cli, server_counts
from storyfilm.localark.embedded import LocalServer
from storyfilm.rendering.store import Store, sha256_file

STORY = kite_chain("Edited")
NOWHERE = "0" * 64


@pytest.mark.parametrize("left", ["both", "lock file"])
def test_a_journal_row_naming_a_missing_video_is_served_from_the_store_records(tmp_path: Path, left: str) -> None:
    story = tmp_path / "edited.yaml"
    story.write_text(STORY)
    with LocalServer() as first:
        film = sha256_file(render_story(story, first).output)
        port = first.port  # the service's address is part of every shot's key
    lock = {s["id"]: s for s in json.loads(story.with_name("edited.preview.lock.json").read_text())["shots"]}
    store = tmp_path / ".storyfilm"
    with contextlib.closing(sqlite3.connect(store / "state.sqlite")) as db, db:
        db.execute("UPDATE shots SET video_sha = ? WHERE shot_id = 'one'", (NOWHERE,))
    if left == "lock file":  # a store older than its records: the lock file's word is all there is
        (store / "made" / lock["one"]["key"]).unlink()
    story.with_suffix(".mp4").unlink()

    checked = run_cli("verify", str(story))
    assert checked.returncode == 1
    said = "the store's record" if left == "both" else "the lock file"
    assert (f"the journal names video {NOWHERE[:12]}, which is missing; the next film uses {said}'s "
            f"(video {lock['one']['video_sha256'][:12]}, whole), nothing paid") in checked.stderr, checked.stderr
    assert "CNY" not in checked.stderr

    with LocalServer(port=port) as second:  # it never saw the shot's task: fetching it again is not possible
        before = server_counts(second)
        outcome = render_story(story, second)
        assert counted(before, second) == {}
    assert all(r.cached for r in outcome.results.values())
    assert sha256_file(outcome.output) == film
    with Store(store) as journal:
        assert journal.entry(lock["one"]["key"]).video_sha == lock["one"]["video_sha256"]
    assert run_cli("verify", str(story)).returncode == 0
