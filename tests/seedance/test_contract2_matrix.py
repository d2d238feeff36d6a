"""Both sides of the contract agree over the whole capability matrix (ark-api.md §5.1, §5.2): for
every model in the table and every mode it renders, the create body the client builds from a
storyboard is taken by the local server (no 400), carries only fields that model accepts
(§2, "strict when writing"), and the task reports the size the plan priced (§5.3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import REPO, TASKS, ark_in_process
from storyfilm import planning
from storyfilm.mediaio.inputs import data_url, load_storyboard
from storyfilm.seedance import models

ASSETS = {models.TEXT: "", models.FIRST_FRAME: "first_frame: closed",
          models.FIRST_LAST_FRAME: "first_frame: closed\n    last_frame: sliced",
          models.REFERENCE_IMAGES: "references: [closed, cup]", models.MULTIMODAL: "references: [cup, jingle]"}
# each model and mode at its lowest and highest resolution (1.0 lite's reference images: 1080p excluded)
CASES = sorted({(m.id, mode, res) for m in models.MODELS.values() for mode in m.modes
                for res in (m.resolutions[0], "720p" if mode == models.REFERENCE_IMAGES else m.resolutions[-1])})


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    here = tmp_path_factory.mktemp("matrix")
    shutil.copytree(REPO / "storyboards" / "assets", here / "assets")
    return here


def storyboard(folder: Path, model: models.Model, mode: str, resolution: str) -> Path:
    fixed = (mode == models.TEXT and not model.t2v_adaptive) or mode == models.REFERENCE_IMAGES
    path = folder / f"{model.id}-{mode}-{resolution}.yaml"
    path.write_text(f"""version: 1
title: matrix {model.id} {mode} {resolution}
defaults:
  model: {model.id}
  resolution: {resolution}
  ratio: "{'16:9' if fixed else 'adaptive'}"
  duration: {model.duration_range[0]}
assets:
  closed: assets/apple-closed.png
  sliced: assets/apple-sliced.png
  cup: assets/cup.png
  jingle: assets/jingle.wav
shots:
  - id: only
    prompt: A red apple on a wooden board.
    {ASSETS[mode]}
""", encoding="utf-8")
    return path


@pytest.mark.anyio
async def test_every_model_and_mode_is_built_by_the_client_and_taken_by_the_server(folder: Path) -> None:
    async with ark_in_process(faults="queue=60", record=True) as (ark, http):
        for model_id, mode, resolution in CASES:
            model = models.MODELS[model_id]
            story = storyboard(folder, model, mode, resolution)
            (job,) = planning.jobs(planning.compile_plan(load_storyboard(story)))
            assert job.mode == mode
            body = job.request(None, data_url)
            answer = await http.post(TASKS, json=body)
            assert answer.status_code == 200, f"{model.id} {mode}: {answer.text}"
            assert set(body) - {"model", "content"} <= model.params, f"{model.id} {mode}: {sorted(body)}"
            spec = ark.tasks[answer.json()["id"]].spec
            assert (spec.mode, spec.width, spec.height, spec.frames) == (mode, job.width, job.height, job.frames), \
                f"{model.id} {mode}"
    assert len(ark.created) == len(CASES) == 56
