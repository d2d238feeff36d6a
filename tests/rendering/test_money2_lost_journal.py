"""A journal lost while a task ran costs nothing: before the shot is created again, its task is
looked for on the service by fingerprint, among the tasks made since the lock file was last
written, and adopted when exactly one fits. Tasks of earlier versions of the shot (the same seed;
the prompt is not echoed, the request's mark is) are never taken for it."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import counted, faults_on, film_process, one_shot, render_story, server_counts, until_running


def edit(story: Path, title: str, prompt: str) -> str:
    one_shot(story, title, "s", prompt)
    return prompt


def lose_journal(store: Path) -> None:
    for part in store.glob("state.sqlite*"):
        if not part.name.endswith(".id"):
            part.unlink()


def test_a_lost_journal_adopts_the_running_task_not_an_earlier_versions(tmp_path: Path, ark_server) -> None:
    title, token = f"Lost journal, edited {random.random()}", random.randrange(10**9)
    story = tmp_path / "film.yaml"
    env = {"ARK_API_KEY": "sk-test-lost-journal2", "ARK_BASE_URL": ark_server.base_url}
    edit(story, title, f"A kite {token}.")
    first = render_story(story, ark_server)
    edit(story, title, f"A boat {token}.")
    with faults_on(ark_server, "run=4"):  # its lock file is written seconds after the first task was made
        second = render_story(story, ark_server)
    assert first.results["s"].task_id != second.results["s"].task_id  # the first is named by no lock file now
    third = edit(story, title, f"A lantern {token}.")
    with faults_on(ark_server, "run=3"):
        proc = film_process(story, env)
        running = until_running(proc, 1)
        proc.kill()
        proc.wait()
    lose_journal(tmp_path / ".storyfilm")

    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert "create" not in counted(before, ark_server), outcome.log
    assert outcome.results["s"].task_id == running["s"]
    assert ark_server.ark.tasks[running["s"]].spec.prompt == third
    (told,) = [w for w in outcome.warnings if "journal was lost" in w]
    assert told.startswith(f"s: the render journal was lost; task {running['s']} (running, made ")
    assert told.endswith(") fits this shot and is the only one: adopted, not paid again")
    lock = json.loads(next(tmp_path.glob("*.lock.json")).read_text())
    assert lock["shots"][0]["task_id"] == running["s"]


def two_versions_killed_while_running(tmp_path: Path, ark_server, chosen_expiry: str = "") -> tuple[Path, list[str]]:
    """Two versions of the shot, each killed while its task ran, then the journal lost (no lock
    file): the storyboard and the two tasks, oldest first."""
    title, token = f"Lost journal, two versions {random.random()}", random.randrange(10**9)
    story = tmp_path / "film.yaml"
    env = {"ARK_API_KEY": "sk-test-lost-journal3", "ARK_BASE_URL": ark_server.base_url}
    tasks = []
    with faults_on(ark_server, "run=3"):
        for prompt in (f"A kite {token}.", f"A boat {token}."):
            edit(story, title, prompt)
            if chosen_expiry:
                story.write_text(story.read_text().replace("duration: 2}", f"duration: 2, {chosen_expiry}}}"))
            proc = film_process(story, env)
            tasks.append(until_running(proc, 1)["s"])
            proc.kill()
            proc.wait()
    lose_journal(tmp_path / ".storyfilm")
    return story, tasks


def test_a_lost_journal_tells_two_versions_apart_by_their_requests_marks(tmp_path: Path, ark_server) -> None:
    """Both tasks fit by what the seed and sizes echo; each request's mark (seedance/request_mark.py)
    says which is this version's: it is adopted, nothing is paid again."""
    story, tasks = two_versions_killed_while_running(tmp_path, ark_server)
    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert "create" not in counted(before, ark_server), outcome.log
    assert outcome.results["s"].task_id == tasks[1]
    (told,) = [w for w in outcome.warnings if "journal was lost" in w]
    assert told.startswith(f"s: the render journal was lost; task {tasks[1]} (")


def test_a_lost_journal_with_two_fitting_tasks_takes_neither(tmp_path: Path, ark_server) -> None:
    """A storyboard that sets `execution_expires_after` itself sends no mark: both tasks fit, and
    neither can be told to be this version's: the shot is created again, and the user told."""
    story, tasks = two_versions_killed_while_running(tmp_path, ark_server, "execution_expires_after: 86400")
    before = server_counts(ark_server)
    outcome = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 1
    assert outcome.results["s"].task_id not in tasks
    assert ark_server.ark.tasks[outcome.results["s"].task_id].spec.prompt.startswith("A boat ")
    told = sorted(tasks, key=lambda t: (ark_server.ark.tasks[t].created_at, t))  # oldest first (a second's grain)
    assert (f"s: the render journal was lost, and 2 tasks on the service fit this shot ({told[0]}, {told[1]}: "
            "other versions of it?): none is taken for it, it is created again") in outcome.warnings
