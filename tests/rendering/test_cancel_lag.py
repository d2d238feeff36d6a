"""`storyfilm cancel` on a service whose reads lag its writes (the local server's `lag` fault: a
new task answers 404 and is missing from the list for a while): a task created moments ago is
looked at again before it is written off, and a lost create is looked for over the settle window;
either is cancelled while queued, never journaled "expired" to run and be paid for anyway."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import counted, film_process, kill_at, server_counts
from storyfilm import cli
from storyfilm.localark.embedded import LocalServer

STORY = """\
title: lag
defaults: {model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}
shots:
  - id: one
    prompt: the harbour at dawn
"""


def cancel_at_once(story: Path, faults: str, killed_at: str, capsys, monkeypatch) -> tuple[str, str, dict]:
    """A render killed at its first `killed_at` event, then `cancel` at once: the cancel's first
    line, the task's status, and the requests the cancel made."""
    story.write_text(STORY, encoding="utf-8")
    with LocalServer(faults=faults) as server:
        env = {"ARK_API_KEY": "sk-test-lag", "ARK_BASE_URL": server.base_url, "STORYFILM_SETTLE": "6"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert kill_at(film_process(story, env), event=killed_at) == f"{killed_at} one"
        (task,) = server.ark.tasks.values()
        before = server_counts(server)
        capsys.readouterr()
        assert cli.main(["cancel", str(story)]) == 0
        out = capsys.readouterr().out
        return out.splitlines()[0].replace(task.id, "TASK"), task.status, counted(before, server)


def test_a_task_created_moments_ago_that_the_service_does_not_show_yet_is_cancelled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    line, status, seen = cancel_at_once(tmp_path / "lag.yaml", "queue=60,lag=2", "created", capsys, monkeypatch)
    assert line.startswith("one: task TASK cancelled while queued, nothing paid")
    assert status == "cancelled" and seen["delete"] == 1 and seen["get"] >= 2  # 404 first, then seen


def test_a_lost_create_that_the_service_does_not_show_yet_is_found_and_cancelled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    line, status, seen = cancel_at_once(tmp_path / "lag.yaml", "drop@create=1#1,queue=60,lag=2", "retry", capsys,
                                        monkeypatch)
    assert line.startswith("one: task TASK cancelled while queued, nothing paid")
    assert status == "cancelled" and seen["delete"] == 1 and seen["list"] >= 2  # not listed at first, then found
