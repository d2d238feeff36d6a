"""Ctrl-C while a create is on its way: the service may make (and bill) the task after storyfilm
stopped, so the message must say so, and the next run must find that task, not pay for another."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import until_running, REPO, chains_story, counted, faults_on, film_process, paid_tasks, render_story, server_counts
from storyfilm.storyboard.build import pinned_seed


def test_ctrl_c_during_a_create_says_it_was_on_its_way_and_the_next_run_adopts_it(tmp_path: Path,
                                                                                   ark_server) -> None:
    title = f"Stopped mid-create {random.random()}"
    story, ids = chains_story(tmp_path / "mid.yaml", title, chains=1, length=1)
    env = {"ARK_API_KEY": "sk-test-mid-create", "ARK_BASE_URL": ark_server.base_url}
    with faults_on(ark_server, "slow@create=1,delay=2,run=0.2"):  # the task is made 2 s after it arrives
        proc = film_process(story, env)
        for line in proc.stdout:
            if json.loads(line)["event"] == "creating":
                break
        time.sleep(0.5)  # the request has reached the service, whose answer is still to come
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert err.strip().splitlines() == [
            "interrupted.",
            "A create was on its way for: c0s0 (the next run looks for its task before creating one).",
            "Run `storyfilm film` again with the same storyboard to pick them up; nothing is paid twice."]
        seeds = {pinned_seed(title, "c0s0"): "c0s0"}
        deadline = time.monotonic() + 30
        while not paid_tasks(ark_server, seeds) and time.monotonic() < deadline:
            time.sleep(0.1)  # the service makes the task after its slow answer
        made = paid_tasks(ark_server, seeds)["c0s0"]

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert "create" not in counted(before, ark_server)
    assert outcome.results["c0s0"].task_id == made[0][0]
    assert [len(tasks) for tasks in paid_tasks(ark_server, seeds).values()] == [1]


def test_sigterm_to_a_render_started_in_the_background_stops_cleanly(tmp_path: Path, ark_server) -> None:
    """A script's `storyfilm film … &` runs with SIGINT ignored, so asyncio installs no Ctrl-C
    handler; SIGTERM (`kill`, `timeout`, a CI runner) must still stop it as Ctrl-C does: the paid
    tasks named, no traceback, and the next run picks them up."""
    title = f"Background {random.random()}"
    story, ids = chains_story(tmp_path / "bg.yaml", title, chains=2, length=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    env |= {"ARK_API_KEY": "sk-test-background", "ARK_BASE_URL": ark_server.base_url}
    with faults_on(ark_server, "run=4"):
        proc = subprocess.Popen([sys.executable, "-m", "storyfilm", "film", str(story), "--json", "-o",
                                 str(story.with_suffix(".mp4"))], cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        running = until_running(proc, 2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0] == "interrupted." and lines[1].startswith("Still running on the service, and paid for: "), err
    assert sorted(lines[1].removesuffix(".").split(": ", 1)[1].split(", ")) == sorted(
        f"{shot} (task {task})" for shot, task in running.items())

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert "create" not in counted(before, ark_server)
    assert {shot: outcome.results[shot].task_id for shot in ids} == running


def test_a_journal_lost_after_a_kill_is_told_and_its_tasks_found_again(tmp_path: Path, ark_server) -> None:
    """kill -9 while tasks run, then the journal deleted: the next run says so, finds those tasks on
    the service by their fingerprints and adopts them instead of paying again; the run after that
    is quiet again."""
    story, ids = chains_story(tmp_path / "lost.yaml", f"Lost journal {random.random()}", chains=2, length=1)
    env = {"ARK_API_KEY": "sk-test-lost-journal", "ARK_BASE_URL": ark_server.base_url}
    with faults_on(ark_server, "run=3"):
        proc, running = kill_when_running(film_process(story, env), 2)
    store = story.parent / ".storyfilm"
    for part in store.glob("state.sqlite*"):
        if not part.name.endswith(".id"):
            part.unlink()
    warning = (f"warning: the render journal {store / 'state.sqlite'} is not the one this store rendered with "
               "(deleted, emptied or damaged): the shots its lock file names cost nothing, and a task a stopped "
               "render created and had not finished is looked for on the service before its shot is created again")

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert warning in outcome.log
    assert "create" not in counted(before, ark_server), proc
    assert {shot: outcome.results[shot].task_id for shot in ids} == running
    story.write_text(story.read_text().replace("a lantern moves", "a lantern glows"))
    assert warning not in render_story(story, ark_server).log


def kill_when_running(proc: subprocess.Popen[str], shots: int) -> tuple[int, dict[str, str]]:
    """SIGKILL `proc` once `shots` of its tasks run on the service; its exit status, and its running
    tasks (shot → task id)."""
    running = until_running(proc, shots)
    proc.kill()
    return proc.wait(), running
