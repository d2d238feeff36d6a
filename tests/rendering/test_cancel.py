"""`storyfilm cancel STORY` (issue 13): after a render is killed, its tasks still queued on the
service are cancelled with DELETE (nothing paid), a running one is reported (it cannot be
cancelled), and the next `film` creates the cancelled shots again instead of adopting them.
For real: a `film` subprocess against a local server that runs one task at a time, slowly."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from helpers import counted, film_process, run_cli, server_counts
from storyfilm import cli
from storyfilm.localark.embedded import LocalServer
from storyfilm.localark.faults import Faults

STORY = """\
title: 取消
defaults: {model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}
shots:
  - id: one
    prompt: 清晨的码头
  - id: two
    cut: true
    prompt: 正午的集市
  - id: three
    cut: true
    prompt: 夜里的灯塔
"""


def _killed_once_created(proc: subprocess.Popen[str], shots: int) -> dict[str, str]:
    """SIGKILL the render once `shots` tasks are created; shot → task id."""
    created: dict[str, str] = {}
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "created":
            created[event["shot"]] = event["detail"].split()[-1]
        if len(created) == shots:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return created


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`storyfilm ARGS` in this process (the environment is the test's): exit code, stdout, stderr."""
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cancel_stops_the_queued_tasks_and_the_next_film_makes_them_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    story = tmp_path / "cancel.yaml"
    story.write_text(STORY, encoding="utf-8")
    with LocalServer(concurrency=1, faults="run=4") as server:  # one task runs (4 s), the others wait
        env = {"ARK_API_KEY": "sk-test-cancel", "ARK_BASE_URL": server.base_url}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        created = _killed_once_created(film_process(story, env), 3)
        (running,) = [s for s, t in created.items() if server.ark.tasks[t].status == "running"]
        queued = sorted(s for s in created if s != running)

        before = server_counts(server)
        code, out, err = _cli(capsys, "cancel", str(story))
        assert code == 0, err
        assert counted(before, server).get("delete") == 2
        assert {s: server.ark.tasks[t].status for s, t in created.items()} == {
            running: "running", **{s: "cancelled" for s in queued}}
        lines = out.splitlines()
        assert lines[-1] == "2 cancelled, 1 still running (cannot be cancelled)"
        assert f"{running}: task {created[running]} running: cannot be cancelled, it will be paid for; the next " \
               "film picks it up" in lines
        for shot in queued:
            assert any(line.startswith(f"{shot}: task {created[shot]} cancelled while queued, nothing paid; the next "
                                       "film creates it again (") for line in lines), lines
        assert "sk-test-cancel" not in out + err

        plan = _cli(capsys, "plan", str(story))[1]  # the cost of making them again is shown
        for shot in queued:
            assert any(line.split()[:1] == [shot] and "its last task cancelled" in line
                       for line in plan.splitlines()), plan

        before = server_counts(server)
        again = _cli(capsys, "cancel", str(story))[1].splitlines()  # nothing queued any more: no DELETE
        assert again[-1] in ("0 cancelled, 1 still running (cannot be cancelled)",
                                                 "0 cancelled, 0 still running (cannot be cancelled)")  # it may be done
        assert not any(line.startswith(tuple(queued)) for line in again)
        assert counted(before, server).get("delete") is None

        server.ark.faults = Faults.parse("")
        before = server_counts(server)
        final = run_cli("film", str(story), "--json", "-o", str(tmp_path / "cancel.mp4"), env=env)
        assert final.returncode == 0, final.stderr
        assert counted(before, server)["create"] == 2  # the cancelled ones again; the running one picked up
    lock = {s["id"]: s["task_id"] for s in json.loads((tmp_path / "cancel.lock.json").read_text())["shots"]}
    assert lock[running] == created[running]
    assert all(lock[s] != created[s] for s in queued)


def test_a_storyboard_never_rendered_has_nothing_to_cancel(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    story = tmp_path / "never.yaml"
    story.write_text(STORY, encoding="utf-8")
    monkeypatch.setenv("ARK_API_KEY", "sk-test-cancel")
    monkeypatch.setenv("ARK_BASE_URL", "http://127.0.0.1:9")  # nothing listens: nothing may be asked
    assert _cli(capsys, "cancel", str(story)) == (
        0, "no task of this storyboard is waiting on the service: nothing to cancel\n", "")
    assert not (tmp_path / ".storyfilm").exists()


def test_a_create_whose_answer_was_lost_is_found_and_cancelled(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import kill_at

    story = tmp_path / "lost.yaml"
    story.write_text(STORY.split("  - id: two")[0], encoding="utf-8")  # shot `one` alone
    with LocalServer(faults="drop@create=1#1,queue=60") as server:  # the task is made, its answer lost
        env = {"ARK_API_KEY": "sk-test-cancel", "ARK_BASE_URL": server.base_url}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert kill_at(film_process(story, env), event="retry") == "retry one"  # journal: still `creating`
        (task,) = server.ark.tasks.values()
        with contextlib.closing(sqlite3.connect(tmp_path / ".storyfilm" / "state.sqlite")) as db:
            assert db.execute("SELECT status, task_id FROM shots").fetchall() == [("creating", None)]
        before = server_counts(server)
        code, out, _ = _cli(capsys, "cancel", str(story))
        assert code == 0 and counted(before, server).get("delete") == 1
        assert task.status == "cancelled"
        assert out.splitlines()[0].startswith(f"one: task {task.id} cancelled while queued, nothing paid")
