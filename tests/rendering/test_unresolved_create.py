"""A create that cannot be resolved (a gateway without a task list lost its answer) stops the film
from creating tasks, but not the work already paid for: the other shots' tasks are polled, fetched
and stored, and the film then stops with the unresolved create's message. The next film finds them
in the store and creates nothing; no task is paid twice."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import FOUR_SHOTS, run_cli_in_process
from storyfilm.localark.embedded import LocalServer
from storyfilm.rendering.store import Store
from storyfilm.seedance.gateways import VIDEOS_GATEWAY

STORY = FOUR_SHOTS.replace("defaults:", "gateway: videos-gateway\ndefaults:", 1)


def test_the_tasks_already_paid_for_are_stored_before_the_film_stops(tmp_path: Path, capsys) -> None:
    story = tmp_path / "drain.yaml"
    story.write_text(STORY)
    # the first create's answer is lost; every task runs 3 s, far longer than the film takes to give
    # up on that create (no task list to look in)
    with LocalServer(gateway=VIDEOS_GATEWAY, faults="drop@create=1#1,run=3") as gateway:
        env = {"ARK_API_KEY": "sk-drain-secret", "ARK_BASE_URL": gateway.base_url, "STORYFILM_SETTLE": "0.2"}
        stopped = run_cli_in_process(capsys, "film", str(story), "--json", env=env)
        assert stopped.returncode == 1, stopped.stderr
        assert "`storyfilm cancel STORY --forget-unanswered` lets the next film create it" in stopped.stderr
        assert gateway.ark.stats["create"] == 3  # a, b and c; d never: the film had stopped creating
        events = [json.loads(line) for line in stopped.stdout.splitlines()]
        lost = {e["shot"] for e in events if e["event"] == "failed"}
        assert len(lost) == 1 and lost < {"a", "b", "c"}, lost
        with Store(tmp_path / ".storyfilm") as store:
            stored = {e.shot_id for e in store.finished()}
        assert stored == {"a", "b", "c"} - lost  # both paid tasks fetched and stored

        again = run_cli_in_process(capsys, "film", str(story), "--json", env=env)
        assert again.returncode == 1 and "--forget-unanswered" in again.stderr, again.stderr
        assert gateway.ark.stats["create"] == 3  # the stored shots cost nothing; nothing was created
        cached = {json.loads(line)["shot"] for line in again.stdout.splitlines()
                  if json.loads(line)["event"] == "cached"}
        assert cached == stored
        for proc in (stopped, again):
            assert "sk-drain-secret" not in proc.stdout + proc.stderr
