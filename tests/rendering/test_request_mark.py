"""A lost create is known by the mark its request carries (seedance/request_mark.py), also where
the model renders with a seed of its own (the local server's `noseed` fault): two shots of the
same model, size and duration whose creates both lose their answers each adopt their own task,
and nothing is paid twice."""

from __future__ import annotations

import random
from pathlib import Path

from helpers import chains_story, counted, faults_on, render_story, server_counts
from storyfilm.seedance import request_mark
from storyfilm.storyboard.build import pinned_seed


def prompt_of(server, task_id: str) -> str:
    return server.ark.tasks[task_id].spec.prompt


def test_lost_creates_on_a_model_that_ignores_the_seed_adopt_their_own_tasks(tmp_path: Path, ark_server) -> None:
    title = f"Seedless {random.random()}"
    story, ids = chains_story(tmp_path / "seedless.yaml", title, chains=2, length=1)
    before = server_counts(ark_server)
    with faults_on(ark_server, "noseed=1,drop@create=1#2,run=0.3"):
        film = render_story(story, ark_server)
    seen = counted(before, ark_server)
    assert (seen["create"], seen["fault:drop"]) == (2, 2)  # both answers lost, neither shot created again
    for shot in ids:
        task = ark_server.ark.tasks[film.results[shot].task_id]
        assert prompt_of(ark_server, task.id).startswith(f"Chain {shot[1]}, shot 0")
        pinned = pinned_seed(title, shot)
        assert task.spec.seed != pinned  # the seed sent was not the one used, and the user is told
        assert (f"{shot}: task {task.id} used the seed {task.spec.seed}, not the pinned {pinned}: Seedance 1.0 pro "
                "did not honour it (refused in an earlier run, or chose its own), so this shot is not reproducible"
                ) in film.warnings


def test_the_mark_is_the_requests_own_and_a_chosen_value_is_kept() -> None:
    body = {"model": "m", "content": [{"type": "text", "text": "A kite."}], "seed": 7}
    marked = request_mark.marked(body)
    mark = marked[request_mark.FIELD]
    assert request_mark.DEFAULT_EXPIRY - request_mark.SPAN < mark <= request_mark.DEFAULT_EXPIRY
    assert request_mark.carries_mark(marked) and marked == request_mark.marked(dict(body))  # deterministic
    other = request_mark.marked({**body, "content": [{"type": "text", "text": "A boat."}]})
    assert other[request_mark.FIELD] != mark  # (these two differ; any two differ 3599 times in 3600)
    chosen = {**body, request_mark.FIELD: 86400}
    assert request_mark.marked(chosen) == chosen and not request_mark.carries_mark(chosen)
