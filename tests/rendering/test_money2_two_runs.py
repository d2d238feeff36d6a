"""Two runs on one store at once: opening a new store's journal is one write transaction, so
neither fails on the other's half-made schema; the second render is told the store is busy, and
every shot is paid for once."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

from helpers import chains_story, faults_on, film_process, paid_tasks
from storyfilm.rendering.store import Store
from storyfilm.storyboard.build import pinned_seed


def open_store(root: str, answers) -> None:
    try:
        with Store(Path(root)):
            answers.put("ok")
    except Exception as exc:  # what a second run would have shown the user
        answers.put(str(exc))


def test_runs_opening_one_new_store_at_once_all_open_it(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    told = []
    for round_ in range(20):
        runs = [context.Process(target=open_store, args=(str(tmp_path / f"store{round_}"), answers)) for _ in range(4)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=60)
        told += [answers.get(timeout=10) for _ in runs]
    assert [t for t in told if t != "ok"] == []


def test_two_films_of_one_storyboard_at_once_pay_each_shot_once(tmp_path: Path, ark_server) -> None:
    title = f"Two at once {random.random()}"
    story, ids = chains_story(tmp_path / "film.yaml", title, chains=2, length=1)
    env = {"ARK_API_KEY": "sk-test-two-runs", "ARK_BASE_URL": ark_server.base_url}
    with faults_on(ark_server, "run=1"):
        # two paths for the film: two films to one path are stopped before the store (test_hostile2_output.py)
        runs = [film_process(story, env), film_process(story, env, "-o", str(tmp_path / "other.mp4"))]
        ended = [(run.communicate(timeout=120)[1], run.wait()) for run in runs]
    busy = f"another storyfilm render is using {tmp_path / '.storyfilm'}; wait for it or stop it\n"
    assert sorted(code for _, code in ended) == [0, 1], ended
    assert [err for err, code in ended if code == 1] == [busy]
    paid = paid_tasks(ark_server, {pinned_seed(title, shot): shot for shot in ids})
    assert {shot: len(tasks) for shot, tasks in paid.items()} == {shot: 1 for shot in ids}
