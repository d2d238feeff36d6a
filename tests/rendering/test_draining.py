"""One shot's failure (a create refused as a bad request, a task that failed each try, a task past
its deadline, a picture edited meanwhile) stops the film from creating tasks, but not the work
already paid for: the other shots' tasks are polled, fetched and stored, and the film then stops
with that failure's message and exit code. The next film pays for none of them again. A failure
that says the service cannot be used (a key refused) still ends the film at once."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from helpers import FOUR_SHOTS, make_image, render_story, run_cli
from storyfilm.errors import MediaChanged, TaskOverdue
from storyfilm.localark.embedded import LocalServer
from storyfilm.rendering.store import Store

STORY = FOUR_SHOTS


def _stored(folder: Path) -> set[str]:
    with Store(folder / ".storyfilm") as store:
        return {e.shot_id for e in store.finished()}


def _film(story: Path, gateway: LocalServer) -> tuple[int, str, list[dict]]:
    env = {"ARK_API_KEY": "sk-drain-secret", "ARK_BASE_URL": gateway.base_url}
    done = run_cli("film", str(story), "--json", env=env, cwd=story.parent)
    assert "sk-drain-secret" not in done.stdout + done.stderr
    return done.returncode, done.stderr, [json.loads(line) for line in done.stdout.splitlines()]


def _shots(events: list[dict], kind: str) -> set[str]:
    return {e["shot"] for e in events if e["event"] == kind}


def _drained(story: Path, gateway: LocalServer, *, creates: int, why: str) -> tuple[str, str]:
    """Film once: one of the cut shots a, b, c fails on its own (`why`), the film stops creating (d,
    which starts from c, is never created), stores the other two, paid, and ends with exit 1. The
    failed shot and the film's stderr."""
    code, stderr, events = _film(story, gateway)
    assert code == 1, stderr
    (failed,) = {e["shot"] for e in events if e["event"] == "failed" and why in e["detail"]}
    assert failed in {"a", "b", "c"}
    assert gateway.ark.stats["create"] == creates
    assert _stored(story.parent) == _shots(events, "done") == {"a", "b", "c"} - {failed}
    assert "d: not started" in stderr
    return failed, stderr


def _filmed_again(story: Path, gateway: LocalServer, *, creates: int, failed: str) -> None:
    """The next film pays for none of the shots the drained one stored."""
    code, stderr, events = _film(story, gateway)
    assert code == 0, stderr
    assert gateway.ark.stats["create"] == creates
    assert _shots(events, "cached") == {"a", "b", "c"} - {failed}


@pytest.mark.parametrize("status, code, drains", [(400, "InvalidParameter", True), (401, "AuthenticationError", False)])
def test_a_create_refused_as_a_bad_request_lets_the_paid_tasks_finish_a_refused_key_does_not(
        tmp_path: Path, status: int, code: str, drains: bool) -> None:
    story = tmp_path / "drain.yaml"
    story.write_text(STORY)
    # the first create is refused; every task runs 3 s, far longer than the refusal takes
    with LocalServer(faults=f"{status}@create=1#1,run=3") as gateway:
        exit_code, stderr, events = _film(story, gateway)
        assert exit_code == 1, stderr
        assert f"refused the request (HTTP {status} {code})" in stderr
        assert gateway.ark.stats["create"] == 3  # a, b and c; d never: the film had stopped creating
        (refused,) = _shots(events, "failed")
        paid = {"a", "b", "c"} - {refused}
        if drains:
            assert "d: not started" in stderr
            assert _stored(tmp_path) == _shots(events, "done") == paid
        else:  # the key refused once: every poll may be, so nothing is waited for
            assert _stored(tmp_path) == set()

        exit_code, stderr, events = _film(story, gateway)
        assert exit_code == 0, stderr
        assert gateway.ark.stats["create"] == 5  # the refused shot and d; the paid ones cost nothing more
        assert _shots(events, "cached") == (paid if drains else set())
        assert drains or _shots(events, "resumed") | _shots(events, "adopted") == paid


def test_a_shot_whose_tasks_all_failed_lets_the_other_paid_tasks_finish(tmp_path: Path) -> None:
    story = tmp_path / "drain.yaml"
    story.write_text(STORY)
    # one task at a time, 1 s each, in the order created: the first 7 fail, so one shot's third
    # task fails (3, 2, 2) while the other two shots' third tasks wait their turn
    with LocalServer(faults="fail=1#7,run=1", concurrency=1) as gateway:
        # three tasks each for a, b and c; d never
        failed, stderr = _drained(story, gateway, creates=9, why="tasks in a row")
        assert f"shot {failed!r}: 3 tasks in a row did not succeed; the last: task " in stderr
        _filmed_again(story, gateway, creates=11, failed=failed)  # the failed shot and d


# two models, one task at a time each: of a and b, the one created second waits behind the other
# (4 s each) and is past its 6 s deadline
# while d, created from c's last frame at 4 s, still runs
MODELS = """\
title: overdue
defaults: {resolution: 480p, duration: 4}
shots:
  - {id: a, model: doubao-seedance-1-0-pro-250528, prompt: A cat stretches on a sunny windowsill.}
  - {id: b, model: doubao-seedance-1-0-pro-250528, prompt: A dog runs along a beach., cut: true}
  - {id: c, model: doubao-seedance-2-0-fast, prompt: A kite rises over a field., cut: true}
  - {id: d, model: doubao-seedance-2-0-fast, prompt: The kite dives into the grass.}
"""


def test_a_task_past_its_deadline_lets_the_other_paid_tasks_finish(tmp_path: Path) -> None:
    story = tmp_path / "overdue.yaml"
    story.write_text(MODELS)
    with LocalServer(faults="run=4", concurrency=1) as gateway:
        with pytest.raises(TaskOverdue, match="is still queued after its deadline|is still running after its"):
            render_story(story, gateway, task_timeout=6)
        assert gateway.ark.stats["create"] == 4
        stored = _stored(tmp_path)
        assert len(stored) == 3 and stored > {"c", "d"}, stored  # d finished after the other was overdue

        again = render_story(story, gateway)
        assert gateway.ark.stats["create"] == 4  # the overdue task is resumed, not made again
        assert {n for n, r in again.results.items() if r.cached} == stored


STILLS = """title: Stills
defaults: {resolution: 480p, duration: 2}
shots:
  - {id: one, prompt: A., first_frame: a.png}
  - {id: two, prompt: B., cut: true, first_frame: b.png}
"""


def test_a_picture_edited_meanwhile_lets_the_paid_task_finish(tmp_path: Path) -> None:
    make_image(tmp_path / "a.png", 640, 360)
    make_image(tmp_path / "b.png", 640, 360)
    story = tmp_path / "stills.yaml"
    story.write_text(STILLS)
    edited: list[str] = []

    def edit_the_other(event) -> None:  # one create at a time: the other shot's request is not built yet
        if event.kind == "created" and not edited:
            edited.append("two" if event.shot == "one" else "one")
            make_image(tmp_path / ("b.png" if edited[0] == "two" else "a.png"), 640, 360, color="0xaa3366")

    with LocalServer(faults="run=2") as gateway:
        with pytest.raises(MediaChanged):
            render_story(story, gateway, concurrency=1, listener=edit_the_other)
        assert gateway.ark.stats["create"] == 1
        assert _stored(tmp_path) == {"one", "two"} - set(edited)

        again = render_story(story, gateway)
        assert gateway.ark.stats["create"] == 2  # the edited shot only
        assert {n for n, r in again.results.items() if r.cached} == {"one", "two"} - set(edited)


def test_a_video_that_never_decodes_lets_the_other_paid_tasks_finish(tmp_path: Path) -> None:
    story = tmp_path / "drain.yaml"
    story.write_text(STORY)
    # one task at a time, 1 s each: the first task's video comes zeroed on each of its 3 tries
    # before the next task has finished
    with LocalServer(faults="garble=1#3,run=1", concurrency=1) as gateway:
        damaged, stderr = _drained(story, gateway, creates=3, why="does not decode")  # a, b and c; d never
        assert "the downloaded video does not decode (3 tries); the task is paid for" in stderr
        assert gateway.ark.stats["fault:garble"] == 3
        _filmed_again(story, gateway, creates=4, failed=damaged)  # only d: the damaged shot's task is fetched again


def test_a_key_refused_while_draining_ends_the_film_at_once_with_that_refusal(tmp_path: Path) -> None:
    story = tmp_path / "drain.yaml"
    story.write_text(STORY)
    # the first create is refused as a bad request (the film drains); 1.5 s later, with the other
    # tasks still running (3 s), the service refuses the key for every request
    with LocalServer(faults="400@create=1#1,run=3") as gateway:
        refuse_the_key = threading.Timer(1.5, lambda: setattr(gateway.ark, "faults", "401=1"))
        refuse_the_key.start()
        try:
            started = time.monotonic()
            code, stderr, events = _film(story, gateway)
            took = time.monotonic() - started
        finally:
            refuse_the_key.cancel()
        assert code == 1, stderr
        # the film's message is the refusal, and names the paid tasks left running for the next film
        assert "the service refused to show the tasks in flight: the task list answered Ark refused the request " \
               "(HTTP 401 AuthenticationError)" in stderr, stderr
        assert "are still running there and are paid for" in stderr
        assert any("HTTP 400 InvalidParameter" in e.get("detail", "") for e in events if e["event"] == "failed")
        assert took < 20, took  # not the drain's waits on a service that refuses every poll
        assert _stored(tmp_path) == set()
