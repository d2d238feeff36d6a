"""A lost create never adopts a task another request made. The service echoes no prompt, and a
shot's seed is pinned from its title and id, so an edited prompt sends the same fingerprint: run A
is killed while its create of shot `s` (prompt P1) is unanswered, the prompt is edited to P2 and
run B starts at once, its own create unanswered too. B must keep P1's task for P1's key and make
the film from the P2 task it paid for, paying for one task only."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import counted, faults_on, film_process, kill_at, one_shot, server_counts
from storyfilm.rendering.store import Store

LOST_CREATE = "drop@create=1#1,run=0.3"  # the first create takes effect; its answer is lost


def prompt_of(server, task_id: str) -> str:
    return server.ark.tasks[task_id].spec.prompt


def test_an_edited_shot_never_adopts_the_task_of_its_earlier_prompt(tmp_path: Path, ark_server) -> None:
    title, token = f"Edited while creating {random.random()}", random.randrange(10**9)
    first, second = f"A red kite {token} rises over the dunes.", f"A blue boat {token} sinks in the harbour."
    story = tmp_path / "film.yaml"
    one_shot(story, title, "s", first)
    env = {"ARK_API_KEY": "sk-test-edited", "ARK_BASE_URL": ark_server.base_url, "STORYFILM_SETTLE": "2"}
    with faults_on(ark_server, LOST_CREATE):
        where = kill_at(film_process(story, env), event="retry")  # A: its create landed, its answer lost
    assert where == "retry s", where
    (task_a,) = [t.id for t in ark_server.ark.tasks.values() if t.spec.prompt == first]
    # A may have found its task and journaled it in the moment between telling the retry and its kill
    settled_by_a = task_a in _journaled(tmp_path)

    one_shot(story, title, "s", second)
    with faults_on(ark_server, LOST_CREATE):
        before = server_counts(ark_server)
        run_b = film_process(story, env)
        out, err = run_b.communicate(timeout=120)
    assert run_b.returncode == 0, err
    assert counted(before, ark_server).get("create") == 1  # B paid for one task: its own
    lock = json.loads((tmp_path / "film.lock.json").read_text())
    (shot,) = lock["shots"]
    assert shot["task_id"] != task_a
    assert prompt_of(ark_server, shot["task_id"]) == second
    assert task_a in _journaled(tmp_path)  # kept for P1's key: paid for, never lost
    events = [json.loads(line) for line in out.splitlines()]
    warnings = [e["detail"] for e in events if e["event"] == "warning"]
    told = any(w.startswith(f"task {task_a} was created by an earlier run for another version of shot 's'")
               for w in warnings)
    assert told != settled_by_a, warnings  # B tells of the task it settled for A


def _journaled(folder: Path) -> set[str]:
    with Store(folder / ".storyfilm", look_only=True) as store:  # changes nothing the next run reads
        return {e.task_id for e in store.all_entries() if e.task_id}


def test_a_lost_create_never_adopts_another_stores_task_for_an_edited_copy(tmp_path: Path, ark_server) -> None:
    """Two copies of one storyboard, one edited, each with its own store: the first renders P1;
    the second's create of P2 is unanswered. Its task is sought only among the tasks made since it
    was sent (the service's clock read from its Date header), so P1's finished task, a minute old
    at most and fitting the fingerprint, is never its film."""
    title, token = f"Two copies {random.random()}", random.randrange(10**9)
    first, second = f"A red kite {token} rises.", f"A blue boat {token} sinks."
    env = {"ARK_API_KEY": "sk-test-copies", "ARK_BASE_URL": ark_server.base_url, "STORYFILM_SETTLE": "2"}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one_shot(tmp_path / "one" / "film.yaml", title, "s", first)
    one_shot(tmp_path / "two" / "film.yaml", title, "s", second)
    with faults_on(ark_server, "run=2"):
        run_one = film_process(tmp_path / "one" / "film.yaml", env)
        _, err = run_one.communicate(timeout=120)
    assert run_one.returncode == 0, err
    with faults_on(ark_server, LOST_CREATE):
        before = server_counts(ark_server)
        run_two = film_process(tmp_path / "two" / "film.yaml", env)
        _, err = run_two.communicate(timeout=120)
    assert run_two.returncode == 0, err
    assert counted(before, ark_server).get("create") == 1
    (shot,) = json.loads((tmp_path / "two" / "film.lock.json").read_text())["shots"]
    assert prompt_of(ark_server, shot["task_id"]) == second
