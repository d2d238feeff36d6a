"""Content keys at work: an unchanged re-run sends nothing; an edit re-renders that shot and only
what descends from it; `explain` says why before anything is spent; --max-cost refuses early."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import counted, render_story, run_cli, server_counts
from storyfilm.planning import explain
from storyfilm.mediaio import probe
from storyfilm.seedance import models
from storyfilm import planning
from storyfilm.errors import StoryfilmError
from storyfilm.rendering.store import Store, sha256_file
from storyfilm.mediaio.inputs import load_storyboard

HEAD = """\
title: Four chained shots
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}
shots:
"""
PROMPTS = ["A red ball rests on a blue table.", "The ball starts to roll.", "The ball reaches the edge.",
           "The ball falls to the floor."]
IDS = ["one", "two", "three", "four"]


def write_chain(path: Path, prompts: list[str], seeds: dict[str, int] | None = None) -> Path:
    lines = [HEAD]
    for shot_id, prompt in zip(IDS, prompts):
        seed = f", seed: {seeds[shot_id]}" if seeds and shot_id in seeds else ""
        lines.append(f"  - {{id: {shot_id}, prompt: {json.dumps(prompt)}{seed}}}\n")
    path.write_text("".join(lines))
    return path


def explained(story: Path, server) -> dict[str, explain.ShotStatus]:
    graph = planning.compile_plan(load_storyboard(story))
    with Store(story.parent / ".storyfilm") as store:
        return explain.status(graph, store, server.base_url)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, ark_server):
    """The chain of PROMPTS rendered once: its folder, the render and the requests it made."""
    folder = tmp_path_factory.mktemp("rendered")
    before = server_counts(ark_server)
    first = render_story(write_chain(folder / "chain.yaml", PROMPTS), ark_server)
    return folder, first, counted(before, ark_server)


def copy_of(rendered, folder: Path) -> Path:
    """The rendered chain's folder (storyboard, store, lock file and film) copied into `folder`: its storyboard."""
    shutil.copytree(rendered[0], folder, dirs_exist_ok=True)
    return folder / "chain.yaml"


def test_edits_rerender_the_shot_and_its_descendants_only(tmp_path: Path, ark_server, rendered) -> None:
    story = copy_of(rendered, tmp_path)
    _, first, made = rendered
    assert made["create"] == 4
    assert [r.cached for r in first.results.values()] == [False] * 4
    assert probe.probe(first.output).frames == 4 * models.frames_for(2) - 3  # 3 chained joins drop a frame each

    # unchanged: no request of any kind, every shot cached, the same film
    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert counted(before, ark_server) == {}
    assert all(r.cached for r in again.results.values())
    assert again.spent == 0
    lock = json.loads((tmp_path / "chain.preview.lock.json").read_text())
    assert lock["film"]["sha256"] == sha256_file(again.output)
    assert [s["task_id"] for s in lock["shots"]] == [r.task_id for r in first.results.values()]

    # edit shot k=3 of n=4: exactly n-k+1 = 2 creates, and the plan said why beforehand
    edited = PROMPTS[:2] + ["The ball wobbles at the very edge."] + PROMPTS[3:]
    write_chain(story, edited)
    why = explained(story, ark_server)
    assert [why[s].state for s in IDS] == ["cached", "cached", "render", "render"]
    assert why["three"].reasons == ("prompt changed",)
    assert why["four"].reasons == ("upstream shot 'three' renders first",)
    job = planning.jobs(planning.compile_plan(load_storyboard(story)))[0]
    assert sum(s.cost for s in why.values()) == pytest.approx(2 * job.cost)
    before = server_counts(ark_server)
    third = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 2
    assert [r.cached for r in third.results.values()] == [True, True, False, False]

    # a parameter (the seed) of shot k=2: the plan names it, and shots 2..4 will render
    write_chain(story, edited, seeds={"two": 12345})
    why = explained(story, ark_server)
    assert why["two"].reasons == ("parameter changed: seed",)
    assert [why[s].state for s in IDS] == ["cached", "render", "render", "render"]
    write_chain(story, PROMPTS)  # back to the first version: all of it is still in the store
    assert {s.state for s in explained(story, ark_server).values()} == {"cached"}


def test_max_cost_refuses_before_any_request(tmp_path: Path, ark_server) -> None:
    story = write_chain(tmp_path / "chain.yaml", PROMPTS[:2])
    before = server_counts(ark_server)
    proc = run_cli("film", str(story), "--max-cost", "0.1", "-o", str(tmp_path / "x.mp4"),
                   env={"ARK_API_KEY": "sk-test-budget", "ARK_BASE_URL": ark_server.base_url})
    assert proc.returncode == 3
    assert "would cost 0.60 CNY, more than --max-cost 0.10" in proc.stderr
    assert "one: render: never rendered" in proc.stderr
    assert counted(before, ark_server) == {}
    assert not (tmp_path / "x.mp4").exists()


def test_only_and_until_render_part_of_the_film(tmp_path: Path, ark_server) -> None:
    story = write_chain(tmp_path / "chain.yaml", PROMPTS)
    before = server_counts(ark_server)
    part = render_story(story, ark_server, until="two", output=tmp_path / "part.mp4")
    assert list(part.results) == ["one", "two"]
    assert counted(before, ark_server)["create"] == 2
    assert part.lock_file is None  # a partial render does not rewrite the lock
    assert probe.probe(tmp_path / "part.mp4").frames == 2 * models.frames_for(2) - 1  # a chained join

    before = server_counts(ark_server)
    only = render_story(story, ark_server, only="three", output=tmp_path / "three.mp4")
    assert list(only.results) == ["one", "two", "three"]  # shot 3 starts from shot 2's frame
    assert counted(before, ark_server)["create"] == 1

    with pytest.raises(StoryfilmError, match=r"--only: .*chain.yaml has no shot 'thre' \(did you mean 'three'\?\)"):
        render_story(story, ark_server, only="thre")


def test_reasons_name_what_changed() -> None:
    base = {"v": 1, "backend": "b", "model": "m", "prompt": "p", "params": {"seed": 1, "duration": 2},
            "first_frame": "f1"}
    assert explain.changes(None, base, chained=True) == ["never rendered"]
    assert explain.changes(base, {**base, "params": {"seed": 1, "duration": 3}}, chained=True) == \
        ["parameter changed: duration"]
    assert explain.changes(base, {**base, "first_frame": "f2"}, chained=True) == ["upstream frame changed"]
    assert explain.changes(base, {**base, "first_frame": "f2"}, chained=False) == ["first-frame image changed"]
    # a `take` (when the storyboard has one) is named as such, in the material or among the parameters
    assert explain.changes({**base, "take": 1}, {**base, "take": 2}, chained=True) == ["new take"]
    assert explain.changes(base, {**base, "params": {**base["params"], "take": 2}}, chained=True) == ["new take"]


def test_a_new_take_rerenders_that_shot_and_its_descendants_only(tmp_path: Path, ark_server, rendered) -> None:
    story = copy_of(rendered, tmp_path)
    text = story.read_text().replace("{id: two,", "{id: two, take: 2,")
    story.write_text(text)
    why = explained(story, ark_server)
    assert [why[s].state for s in IDS] == ["cached", "render", "render", "render"]
    assert "new take" in why["two"].reasons
    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 3
    assert [again.results[s].cached for s in IDS] == [True, False, False, False]
