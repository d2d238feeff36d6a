"""`cancel` finds the open tasks by the same walk of shots and keys as `plan` (explain.walk), with
one difference on purpose: a finished shot whose files are gone from the store still hands its
last frame's sha on, since the task made from that frame is paid for all the same."""

from __future__ import annotations

from pathlib import Path

from storyfilm import planning
from storyfilm.mediaio.inputs import load_storyboard
from storyfilm.planning import explain
from storyfilm.rendering.cancel import open_shots
from storyfilm.rendering.store import Store

BACKEND = "https://ark.example/api/v3"


def test_a_task_made_from_a_frame_whose_files_are_gone_is_still_found(tmp_path: Path) -> None:
    story = tmp_path / "chain.yaml"
    story.write_text("title: chain\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                     "shots:\n  - id: a\n    prompt: a ball\n  - id: b\n    prompt: it stops\n")
    graph = planning.compile_plan(load_storyboard(story))
    a, b = (graph.nodes[n]["job"] for n in ("a", "b"))
    frame = "f" * 64
    with Store(tmp_path / ".storyfilm", story=story) as store:
        key_a, key_b = a.key(None, BACKEND), b.key(frame, BACKEND)
        for job, key, task in ((a, key_a, "cgt-a"), (b, key_b, "cgt-b")):
            store.create_intent(key, job.id, job.key_material(None, BACKEND), {"model": job.model.id}, job.cost)
            store.task_created(key, job.id, task)
        store.shot_done(key_a, "v" * 64, frame, 1, 100)  # its video and frame are not in the store

        assert [(job.id, key, entry.task_id) for job, key, entry in open_shots(graph, store, BACKEND)] == [
            ("b", key_b, "cgt-b")]
        plan = explain.status(graph, store, BACKEND)
        assert plan["a"].reasons == ("its files in the store are missing or damaged",)
        assert plan["b"].key is None  # a render fetches a's files (or renders it) before b's key is known
