"""Cost tells the truth (issue 13): after a render the lock file, the summary, the `--json` film
event and the review page all show what each task returned (seconds, tokens, seed, cost) beside
what was planned, and the difference. A shot with `duration: -1` (the model chooses) is planned at
the model's longest clip; the local server chooses 5 s (121 frames, 5.04 s)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from storyfilm import cli, planning
from storyfilm.mediaio.inputs import load_storyboard

STORY = """\
title: 真话
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, generate_audio: false}
shots:
  - id: free
    duration: -1
    prompt: 一只猫在窗台上睡觉
  - id: fixed
    cut: true
    duration: 4
    prompt: 雨中的街道
"""


def _page_data(page: Path) -> dict:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page.read_text(), re.S)
    return json.loads(found[1].replace("<\\/", "</"))


def test_the_figures_the_tasks_returned_are_the_ones_shown(tmp_path: Path, ark_server,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    story, film = tmp_path / "truth.yaml", tmp_path / "truth.mp4"
    story.write_text(STORY, encoding="utf-8")
    jobs = {j.id: j for j in planning.jobs(planning.compile_plan(load_storyboard(story)))}
    monkeypatch.setenv("ARK_API_KEY", "sk-test-truth")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    assert cli.main(["film", str(story), "-o", str(film)]) == 0
    out = capsys.readouterr().out

    lock = {s["id"]: s for s in json.loads((tmp_path / "truth.lock.json").read_text())["shots"]}
    free, fixed = lock["free"], lock["fixed"]
    task = ark_server.ark.tasks[free["task_id"]]
    assert (task.spec.frames, task.spec.duration) == (121, 5)  # what the local server chose
    tokens = task.tokens
    assert free["planned"] == {"seconds": 15.042, "tokens": jobs["free"].tokens, "cost": round(jobs["free"].cost, 4)}
    assert free["returned"] == {"seconds": 5.042, "duration": 5, "frames": None, "fps": 24, "tokens": tokens,
                                "seed": task.spec.seed, "cost": round(jobs["free"].cost_of(tokens), 4)}
    assert (free["tokens"], free["cost"], free["seed"], free["seed_honoured"]) == (
        tokens, free["returned"]["cost"], jobs["free"].shot.seed, True)
    assert fixed["returned"]["tokens"] == fixed["planned"]["tokens"] == fixed["tokens"]  # as planned: no difference

    plan, got = free["planned"], free["returned"]
    assert ("seconds: planned 15.04 s, returned 5.04 s (-10.00 s)" in out
            and f"tokens: planned {plan['tokens']:,} tokens, returned {tokens:,} tokens "
                f"({tokens - plan['tokens']:,} tokens)" in out
            and f"cost: planned {plan['cost']:.2f} CNY, returned {got['cost']:.2f} CNY "
                f"({got['cost'] - plan['cost']:.2f} CNY)" in out), out
    planned = plan["cost"] + fixed["planned"]["cost"]
    returned = got["cost"] + fixed["returned"]["cost"]
    assert (f"film             planned {planned:.2f} CNY, returned {returned:.2f} CNY "
            f"({returned - planned:+.2f} CNY)") in out
    assert f"spent {returned:.2f} CNY" in out
    assert out.count("planned") == 4  # three lines for `free`, the film's line: `fixed` went as planned

    page = {s["id"]: s for s in _page_data(film.with_suffix(".html"))["shots"]}
    assert (page["free"]["seconds"], page["free"]["tokens"]["actual"], page["free"]["cost"]["actual"]) == (
        5.042, tokens, got["cost"])

    # again, all cached: nothing spent now, and the film's figures are still the tasks' own
    assert cli.main(["film", str(story), "-o", str(film), "--json"]) == 0
    event = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (event["cached"], event["actual_cost"]) == (2, 0)
    assert event["film_cost"] == {"planned": round(planned, 4), "returned": round(returned, 4)}
    shots = {s["shot"]: s for s in event["per_shot"]}
    assert (shots["free"]["returned"], shots["free"]["planned"], shots["free"]["cached"]) == (got, plan, True)
    assert shots["free"]["differences"][0] == "seconds: planned 15.04 s, returned 5.04 s (-10.00 s)"
    assert shots["fixed"]["differences"] == []


SEEDLESS = """\
title: 杀
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4, generate_audio: false}
shots:
  - id: fox
    prompt: 女孩抱着狐狸
"""


def test_a_render_killed_during_the_seedless_retry_records_the_seed_used_and_still_warns(tmp_path: Path) -> None:
    from helpers import counted, film_process, kill_at, server_counts
    from storyfilm.localark.embedded import LocalServer

    story = tmp_path / "kill.yaml"
    story.write_text(SEEDLESS, encoding="utf-8")
    pinned = planning.jobs(planning.compile_plan(load_storyboard(story)))[0].shot.seed
    with LocalServer(refuse_seed={"2.0"}, faults="queue=1") as server:
        env = {"ARK_API_KEY": "sk-test-seedless", "ARK_BASE_URL": server.base_url}
        before = server_counts(server)
        assert kill_at(film_process(story, env), event="created") == "created fox"  # the seedless task is queued
        out, err = (proc := film_process(story, env)).communicate(timeout=120)
        assert proc.returncode == 0, err
        assert counted(before, server)["create"] == 2  # refused, then once without the seed; none on resume
        (task,) = server.ark.tasks.values()
        assert task.spec.seed != pinned
        event = json.loads(out.splitlines()[-1])
    lock = json.loads((tmp_path / "kill.lock.json").read_text())["shots"][0]
    assert (lock["task_id"], lock["seed"], lock["seed_honoured"], lock["returned"]["seed"]) == (
        task.id, task.spec.seed, False, task.spec.seed)
    assert event["warnings"] == [
        f"fox: task {task.id} used the seed {task.spec.seed}, not the pinned {pinned}: Seedance 2.0 fast did not "
        "honour it (refused in an earlier run, or chose its own), so this shot is not reproducible"]
    assert event["per_shot"][0]["seed_honoured"] is False


def test_a_cached_shot_keeps_only_sound_figures_from_an_edited_lock_file(tmp_path: Path) -> None:
    from storyfilm.rendering.executor import ShotResult
    from storyfilm.rendering.lockfile import shot_entry

    story = tmp_path / "edited.yaml"
    story.write_text(STORY, encoding="utf-8")
    job = planning.jobs(planning.compile_plan(load_storyboard(story)))[1]
    cached = ShotResult(job=job, key="k" * 64, video=tmp_path / ("a" * 64), last_frame=tmp_path / ("b" * 64),
                        frame_sha="b" * 64, task_id="cgt-1", seed=job.shot.seed, tokens=100, cached=True)
    edited = {"key": "k" * 64, "returned": {"seconds": "long", "duration": 4.5, "frames": None, "fps": True,
                                            "tokens": -5, "seed": job.shot.seed, "cost": 99, "extra": 1}}
    entry = shot_entry(job, cached, edited)
    assert entry["returned"] == {"seconds": None, "duration": None, "frames": None, "fps": None, "tokens": None,
                                 "seed": job.shot.seed, "cost": None}
    assert (entry["tokens"], entry["cost"]) == (job.tokens, round(job.cost, 4))  # nothing returned: the plan's
    good = {"key": "k" * 64, "returned": {"seconds": 4.042, "duration": 4, "frames": None, "fps": 24, "tokens": 90,
                                          "seed": 3}}
    assert shot_entry(job, cached, good)["returned"] == {**good["returned"], "cost": round(job.cost_of(90), 4)}
    assert shot_entry(job, cached, {**good, "key": "other"})["returned"]["tokens"] == 100  # another key: not its
