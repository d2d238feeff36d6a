"""Seeds on 2.x (ark-api.md §12.6): pinned and sent; a model that answers 400 InvalidParameter
naming `seed` gets one create without it, the user is warned the shot is not reproducible, and the
lock file records the seed the service used, marked not honoured. End to end against a local server that refuses 2.0 seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import TASKS, ark_in_process, counted, error_of, render_story, server_counts, text_task
from storyfilm.localark.embedded import LocalServer

STORY = """\
title: 种子
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4, generate_audio: false}
shots:
  - id: fox
    prompt: 女孩抱着狐狸
  - id: old
    cut: true
    model: doubao-seedance-1-0-pro-fast-251015
    duration: 2
    seed: 7
    prompt: 小猫对着镜头打哈欠
"""


def test_a_refused_seed_is_dropped_once_and_told(tmp_path: Path) -> None:
    story = tmp_path / "seed.yaml"
    story.write_text(STORY, encoding="utf-8")
    with LocalServer(refuse_seed={"2.0"}) as server:
        before = server_counts(server)
        run = render_story(story, server)
        assert counted(before, server)["create"] == 3  # fox: refused, then without the seed; old: once
        tasks = {t.spec.prompt: t.spec for t in server.ark.tasks.values()}
        assert tasks["小猫对着镜头打哈欠"].seed == 7  # a model that takes seeds keeps its seed
        fox_seed = run.results["fox"].job.shot.seed
        assert fox_seed is not None
        assert run.warnings == [f"fox: Seedance 2.0 fast refused the seed {fox_seed} (400 InvalidParameter `seed`); "
                                f"created without it: the seed was not honoured and this shot is not reproducible"]
        lock = json.loads((tmp_path / "seed.preview.lock.json").read_text())
        used = tasks["女孩抱着狐狸"].seed  # the service chose one (the request had none)
        assert used != fox_seed
        assert {s["id"]: (s["seed"], s["seed_honoured"], s["returned"]["seed"]) for s in lock["shots"]} == {
            "fox": (used, False, used), "old": (7, True, 7)}

        # the same storyboard again: cached, nothing sent, the seed still the one used, still not honoured
        before = server_counts(server)
        again = render_story(story, server)
        assert counted(before, server) == {}
        assert again.results["fox"].seed == used and again.results["fox"].cached
        lock = json.loads((tmp_path / "seed.preview.lock.json").read_text())
        assert [(s["seed"], s["seed_honoured"]) for s in lock["shots"]] == [(used, False), (7, True)]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_switch_refuses_seeds_of_that_family_only(anyio_backend: str) -> None:
    fast = {"model": "doubao-seedance-2-0-fast", "content": [{"type": "text", "text": "女孩抱着狐狸"}],
            "resolution": "480p", "duration": 4, "seed": 11}
    async with ark_in_process(refuse_seed={"2.0"}, faults="queue=60") as (ark, http):
        error_of(await http.post(TASKS, json=fast), 400, "InvalidParameter", "seed",
                 "The parameter `seed` specified in the request is not valid: doubao-seedance-2-0-fast-260128 "
                 "does not support the parameter seed.")
        assert (await http.post(TASKS, json={k: v for k, v in fast.items() if k != "seed"})).status_code == 200
        assert (await http.post(TASKS, json=text_task(seed=11))).status_code == 200  # 1.0 keeps its seeds
