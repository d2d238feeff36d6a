"""A create sent to a gateway without a task list whose answer is lost (seed 004's `/v1/videos`):
storyfilm cannot tell whether the task exists, so it never sends the create again by itself; every
film stops and says how to go on. `cancel --forget-unanswered` (after the user checked the
gateway's console) is the way out: the next film creates the shot and makes the film."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli
from storyfilm.localark.embedded import LocalServer
from storyfilm.seedance.gateways import VIDEOS_GATEWAY

STORY = """\
title: lost
gateway: videos-gateway
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}
shots:
  - id: cat
    prompt: A cat stretches on a sunny windowsill.
"""


def test_a_lost_create_on_a_gateway_without_list_waits_for_the_user_then_renders_once(tmp_path: Path) -> None:
    story = tmp_path / "lost.yaml"
    story.write_text(STORY)
    with LocalServer(gateway=VIDEOS_GATEWAY, faults="drop@create=1#1") as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-1", "ARK_BASE_URL": gateway.base_url, "STORYFILM_SETTLE": "0.2"}
        for _ in range(2):  # the first film loses the answer; the second still cannot tell, and sends nothing
            stopped = run_cli("film", str(story), env=env)
            assert stopped.returncode == 1, stopped.stderr
            assert "`storyfilm cancel STORY --forget-unanswered` lets the next film create it" in stopped.stderr
        assert gateway.ark.stats["create"] == 1

        listed = run_cli("cancel", str(story), env=env)
        assert listed.returncode == 0, listed.stderr
        assert "check the gateway's console" in listed.stdout and gateway.ark.stats["create"] == 1

        forgot = run_cli("cancel", str(story), "--forget-unanswered", env=env)
        assert forgot.returncode == 0, forgot.stderr
        assert forgot.stdout.strip().endswith("0 cancelled, 0 still running (cannot be cancelled), "
                                              "1 unanswered create forgotten")

        made = run_cli("film", str(story), "-o", str(tmp_path / "lost.mp4"), env=env)
        assert made.returncode == 0, made.stderr
        assert gateway.ark.stats["create"] == 2 and (tmp_path / "lost.mp4").is_file()
        for proc in (stopped, listed, forgot, made):
            assert "sk-gateway-secret-1" not in proc.stdout + proc.stderr
