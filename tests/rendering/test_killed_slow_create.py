"""A render killed (SIGKILL) while its create was on its way to a slow service whose reads also
lag its writes: the task lands seconds after the kill and shows later still. The next run takes
the create as lost at min(now, sent + create deadline), looks for it over the settle window from
then, finds it and adopts it: one create, one task paid."""

from __future__ import annotations

import time
from pathlib import Path

from helpers import counted, film_process, kill_at, server_counts
from storyfilm.localark.embedded import LocalServer

STORY = """\
title: slow create
defaults: {model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}
shots:
  - id: one
    prompt: a lighthouse in fog
"""


def test_a_create_killed_on_its_way_is_found_on_resume_not_made_again(tmp_path: Path) -> None:
    story = tmp_path / "slow.yaml"
    story.write_text(STORY, encoding="utf-8")
    # the create is answered (and its task made) 3 s after it is sent, and shows 3 s after that
    with LocalServer(faults="slow@create=1#1,delay=3,lag=3,run=0.2") as server:
        env = {"ARK_API_KEY": "sk-test-slow", "ARK_BASE_URL": server.base_url, "STORYFILM_SETTLE": "4"}
        assert kill_at(film_process(story, env), event="creating", after=1.0) == "creating one"
        deadline = time.monotonic() + 30
        while not server.ark.tasks:  # it has landed (still unseen) when the next run starts
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (task,) = server.ark.tasks.values()
        before = server_counts(server)
        again = film_process(story, env)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert counted(before, server).get("create") is None  # found, not created again
        assert f'"detail": "task {task.id}, created before the answer was lost"' in out
