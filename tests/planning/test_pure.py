"""The plan is pure: a Storyboard parsed from memory compiles to jobs whose request bodies, content
keys, costs and render reasons come out without a file read, a stat or a socket. Media URLs come
from a dict, the render journal is an in-memory object."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import PRO, io_watch, memory_resolver
from storyfilm import planning, storyboard
from storyfilm.planning import explain
from storyfilm.seedance.media import Media

STORY = """\
title: Pure plan
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}
shots:
  - id: open
    first_frame: orchard.png
    prompt: An orchard at dawn.
  - id: next
    prompt: The sun rises.
  - id: far
    cut: true
    ratio: "4:3"
    prompt: A hill far away.
"""
NOWHERE = Path("/nowhere/in-memory")
ORCHARD = Media(kind="image", source="orchard.png", path=NOWHERE / "orchard.png", sha256="a" * 64,
                width=1280, height=720, size=4000)
URLS = {"orchard.png": "data:image/png;base64,b3JjaGFyZA=="}
UPSTREAM = "data:image/png;base64,bGFzdA=="


@dataclass
class Record:
    task_id: str | None
    status: str
    video_sha: str | None
    frame_sha: str | None
    material: dict[str, Any] | None = None

    def material_dict(self) -> dict[str, Any] | None:
        return self.material


class MemoryJournal:
    """The render journal as `explain` reads it, held in dicts."""

    def __init__(self, entries: dict[str, Record], done: dict[str, Record]):
        self.entries, self.done = entries, done

    def entry(self, key: str) -> Record | None:
        return self.entries.get(key)

    def last_done(self, shot_id: str, *, backend: str | None = None) -> Record | None:
        return self.done.get(shot_id)

    def has(self, sha: str | None) -> bool:
        return sha is not None


def test_compile_request_key_and_status_from_memory() -> None:
    resolve, _ = memory_resolver({"orchard.png": ORCHARD})
    board = storyboard.parse(STORY, NOWHERE / "story.yaml", resolve)
    seed = {s.id: s.seed for s in board.shots}
    with io_watch() as io:
        graph = planning.compile_plan(board)
        jobs = {job.id: job for job in planning.jobs(graph)}
        opening = jobs["open"].request(None, lambda item: URLS[item.source])
        chained = jobs["next"].request(UPSTREAM, lambda item: URLS[item.source])
        fresh = explain.status(graph, MemoryJournal({}, {}), "memory")
        open_key = jobs["open"].key(None, "memory")
        done = Record("cgt-1", "done", "v" * 64, "f" * 64, jobs["open"].key_material(None, "memory"))
        after_open = explain.status(graph, MemoryJournal({open_key: done}, {"open": done}), "memory")
    assert io == []

    assert opening == {
        "model": PRO, "content": [{"type": "text", "text": "An orchard at dawn."},
                                  {"type": "image_url", "image_url": {"url": URLS["orchard.png"]}, "role": "first_frame"}],
        "resolution": "480p", "ratio": "adaptive", "return_last_frame": True, "watermark": False, "duration": 2,
        "seed": seed["open"]}
    assert chained["content"] == [{"type": "text", "text": "The sun rises."},
                                  {"type": "image_url", "image_url": {"url": UPSTREAM}, "role": "first_frame"}]
    assert sorted(graph.edges) == [("open", "next")]
    assert [(j.id, j.ratio, j.width, j.height, j.frames, j.tokens) for j in jobs.values()] == [
        ("open", "16:9", 864, 480, 49, 19845), ("next", "16:9", 864, 480, 49, 19845),
        ("far", "4:3", 736, 544, 49, 19159)]
    assert round(planning.total_cost(graph), 6) == round((19845 * 2 + 19159) * 15 / 1e6, 6)

    assert {n: (s.state, s.reasons, s.key) for n, s in fresh.items()} == {
        "open": ("render", ("never rendered",), open_key),
        "next": ("render", ("upstream shot 'open' renders first", "never rendered"), None),
        "far": ("render", ("never rendered",), jobs["far"].key(None, "memory"))}
    assert {n: (s.state, s.reasons, s.key) for n, s in after_open.items()} == {
        "open": ("cached", (), open_key),
        "next": ("render", ("never rendered",), jobs["next"].key("f" * 64, "memory")),
        "far": ("render", ("never rendered",), jobs["far"].key(None, "memory"))}


BRANCHES = """\
title: Branches
defaults: {duration: 2}
shots:
  - {id: table, prompt: A table.}
  - {id: eat, prompt: Eat., from: table}
  - {id: away, prompt: Elsewhere., cut: true}
  - {id: tea, prompt: Tea., from: table}
"""


def test_a_partial_render_brings_the_shots_it_starts_from() -> None:
    graph = planning.compile_plan(storyboard.parse(BRANCHES, NOWHERE / "b.yaml", memory_resolver({})[0]))
    story = NOWHERE / "b.yaml"
    with io_watch() as io:
        chosen = {(only, until): planning.select(graph, story, only=only, until=until)
                  for only, until in [(None, None), ("tea", None), ("away", None), (None, "away"), ("eat", "tea")]}
    assert io == []
    assert chosen == {(None, None): ["table", "eat", "away", "tea"], ("tea", None): ["table", "tea"],
                      ("away", None): ["away"], (None, "away"): ["table", "eat", "away"],
                      ("eat", "tea"): ["table", "eat"]}
