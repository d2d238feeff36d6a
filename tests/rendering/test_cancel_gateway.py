"""A create sent to a gateway without a task list whose answer is lost (seed 004's `/v1/videos`):
storyfilm cannot tell whether the task exists, so it never sends the create again by itself; every
film stops and says how to go on. `cancel --forget-unanswered` (after the user checked the
gateway's console) is the way out: the next film creates the shot and makes the film. A gateway
that offers no DELETE leaves a queued task queued: `cancel` says so and journals nothing, so the next
film picks that task up instead of paying for a second one. A chained shot whose create was lost
while its upstream's video was still coming is found by `cancel` too, so it can be forgotten."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from helpers import CAT, RefusingArk, film_process, gateway_story, kill_at, run_cli_in_process
from storyfilm.localark import embedded
from storyfilm.localark.embedded import LocalServer
from storyfilm.localark.faults import Faults
from storyfilm.seedance.gateways import VIDEOS_GATEWAY, VOLC_PROXY


def test_a_lost_create_on_a_gateway_without_list_waits_for_the_user_then_renders_once(tmp_path: Path, capsys) -> None:
    story = gateway_story(tmp_path / "lost.yaml", "lost")
    with LocalServer(gateway=VIDEOS_GATEWAY, faults="drop@create=1#1") as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-1", "ARK_BASE_URL": gateway.base_url, "STORYFILM_SETTLE": "0.2"}
        for run in range(2):  # the first film loses the answer; the second still cannot tell, and sends nothing
            stopped = run_cli_in_process(capsys, "film", str(story), env=env, cwd=tmp_path)
            assert stopped.returncode == 1, stopped.stderr
            assert "`storyfilm cancel STORY --forget-unanswered` lets the next film create it" in stopped.stderr
            # nothing is sent again there: no "retry" is told
            assert "retry" not in stopped.stdout
            assert run or "cannot be looked for: it is not sent again" in stopped.stdout
        assert gateway.ark.stats["create"] == 1

        listed = run_cli_in_process(capsys, "cancel", str(story), env=env, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "check the gateway's console" in listed.stdout and gateway.ark.stats["create"] == 1

        forgot = run_cli_in_process(capsys, "cancel", str(story), "--forget-unanswered", env=env, cwd=tmp_path)
        assert forgot.returncode == 0, forgot.stderr
        assert forgot.stdout.strip().endswith("0 cancelled, 0 still running (cannot be cancelled), "
                                              "1 unanswered create forgotten")

        made = run_cli_in_process(capsys, "film", str(story), "-o", str(tmp_path / "lost.mp4"), env=env, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        assert gateway.ark.stats["create"] == 2 and (tmp_path / "lost.mp4").is_file()
        for proc in (stopped, listed, forgot, made):
            assert "sk-gateway-secret-1" not in proc.stdout + proc.stderr


class _NoCancel(RefusingArk):
    """A gateway that offers no DELETE (neither seed documents one): its own 404 or 405 for it."""

    counted = "delete"

    def refuses(self, scope) -> bool:
        return scope["method"] == "DELETE"


@pytest.mark.parametrize("refusal", [404, 405])
def test_a_gateway_without_delete_leaves_the_task_queued_and_it_is_paid_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, refusal: int) -> None:
    # a 404 to the DELETE read as "the service no longer knows the task": journaled expired, so the
    # next film created the shot again while the first task ran on, and both were paid for
    monkeypatch.setattr(_NoCancel, "status", refusal)
    monkeypatch.setattr(embedded, "LocalArk", _NoCancel)
    story = gateway_story(tmp_path / "queued.yaml", "lost")
    with embedded.LocalServer(gateway=VIDEOS_GATEWAY, faults="queue=6") as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-2", "ARK_BASE_URL": gateway.base_url}
        kill_at(film_process(story, env), event="queued")

        listed = run_cli_in_process(capsys, "cancel", str(story), env=env, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert f"queued, but the service did not cancel it (DELETE answered HTTP {refusal}" in listed.stdout
        assert listed.stdout.strip().endswith("0 cancelled, 1 still running (cannot be cancelled)")

        made = run_cli_in_process(capsys, "film", str(story), "-o", str(tmp_path / "queued.mp4"), env=env, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        assert gateway.ark.stats["create"] == 1 and gateway.ark.stats["delete"] == 1
        assert [t.status for t in gateway.ark.tasks.values()] == ["succeeded"]


def test_status_and_plan_tell_of_the_unanswered_create(tmp_path: Path, capsys) -> None:
    # they said only "never rendered" and what `film` would spend, while every film stopped
    story = gateway_story(tmp_path / "lost.yaml", "lost")
    with LocalServer(gateway=VIDEOS_GATEWAY, faults="drop@create=1#1") as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-3", "ARK_BASE_URL": gateway.base_url, "STORYFILM_SETTLE": "0.2"}
        assert run_cli_in_process(capsys, "film", str(story), env=env, cwd=tmp_path).returncode == 1
        told = ("a create was sent and never answered: `film` looks for its task first (a gateway without a task "
                "list stops until `storyfilm cancel STORY --forget-unanswered`)")
        for command in ("status", "plan"):
            shown = run_cli_in_process(capsys, command, str(story), env=env, cwd=tmp_path)
            assert told in shown.stdout, shown.stdout + shown.stderr
        assert gateway.ark.stats["create"] == 1


def _killed_creating(proc, shot: str) -> None:
    """SIGKILL the `film --json` render the moment it starts to create `shot`'s task."""
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "creating" and event.get("shot") == shot:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()


def test_a_chained_shots_unanswered_create_is_forgotten_while_its_upstream_downloads(tmp_path: Path,
                                                                                    capsys) -> None:
    # a's last frame is handed on before its video is fetched: killed while b's create was on its way,
    # a is left created (not finished) and b creating. Each film then stopped on b's unanswered create
    # before a's video came, and cancel, which found shots only past finished upstreams, never saw b:
    # `--forget-unanswered` could not forget it, and no film could ever be made again
    story = gateway_story(tmp_path / "chain.yaml", "chain", "volc-proxy",
                          shots=(("a", CAT), ("b", "The cat jumps down.")))
    with LocalServer(gateway=VOLC_PROXY, faults="slow@download=1,delay=2") as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-4", "ARK_BASE_URL": gateway.base_url, "STORYFILM_SETTLE": "0.2"}
        _killed_creating(film_process(story, env), "b")
        stopped = run_cli_in_process(capsys, "film", str(story), env=env, cwd=tmp_path)
        assert stopped.returncode == 1 and "--forget-unanswered" in stopped.stderr, stopped.stderr

        forgot = run_cli_in_process(capsys, "cancel", str(story), "--forget-unanswered", env=env, cwd=tmp_path)
        assert forgot.returncode == 0, forgot.stderr
        assert "b: its unanswered create is forgotten" in forgot.stdout, forgot.stdout
        assert "task ?" not in forgot.stdout  # b has no task id: none is named

        gateway.ark.faults = Faults.parse("")  # downloads slow only while b's create is unanswered
        made = run_cli_in_process(capsys, "film", str(story), "-o", str(tmp_path / "chain.mp4"), env=env, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        assert (tmp_path / "chain.mp4").is_file()
        # a once; b's forgotten create (if it landed: the user was told so) and the one that made it
        assert gateway.ark.stats["create"] <= 3
