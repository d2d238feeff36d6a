"""The shipped storyboards: one per Seedance capability, each valid and rendered end to end by the
local backend over real HTTP."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import REPO
from storyfilm.mediaio import probe
from storyfilm.seedance import models
from storyfilm import cli, planning
from storyfilm.storyboard import pinned_seed
from storyfilm.mediaio.inputs import load_storyboard, data_url

EXAMPLES = sorted((REPO / "storyboards").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/storyboard.schema.json"


def roles(request: dict) -> list[str]:
    return [item.get("role", item["type"]) for item in request["content"]]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_names_the_schema_and_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    assert [shot.id for shot in load_storyboard(path).shots] == [raw["id"] for raw in yaml.safe_load(text)["shots"]]


def test_examples_cover_every_capability() -> None:
    modes, audio, branches = set(), False, False
    for path in EXAMPLES:
        board = load_storyboard(path)
        for shot in board.shots:
            modes.add(shot.mode)
            audio |= bool(shot.generate_audio and any(m.kind == "audio" for m in shot.references))
            branches |= shot.continues_from is not None and shot.continues_from != board.shots[
                board.shots.index(shot) - 1].id
    assert modes == {models.TEXT, models.FIRST_FRAME, models.FIRST_LAST_FRAME, models.REFERENCE_IMAGES,
                     models.MULTIMODAL}
    assert audio and branches


def test_requests_carry_the_roles_of_each_mode() -> None:
    frame = "data:image/png;base64,AAAA"
    jobs = {p.stem: {j.id: j for j in planning.jobs(planning.compile_plan(load_storyboard(p)))} for p in EXAMPLES}
    assert roles(jobs["t2v"]["kettle"].request(None, data_url)) == ["text"]
    assert roles(jobs["ad"]["slice"].request(frame, data_url)) == ["text", "first_frame"]
    assert jobs["ad"]["slice"].request(frame, data_url)["content"][1]["image_url"]["url"] == frame
    assert roles(jobs["first-last"]["slice"].request(None, data_url)) == ["text", "first_frame", "last_frame"]
    assert roles(jobs["first-last"]["settle"].request(frame, data_url)) == ["text", "first_frame"]
    assert roles(jobs["references"]["still-life"].request(None, data_url)) == ["text", "reference_image", "reference_image"]
    reveal = jobs["multimodal"]["reveal"].request(None, data_url)
    assert roles(reveal) == ["text", "reference_image", "reference_audio"]
    jingle = (REPO / "storyboards" / "assets" / "jingle.wav").read_bytes()
    assert reveal["content"][2]["audio_url"]["url"] == "data:audio/wav;base64," + base64.b64encode(jingle).decode()
    assert reveal["generate_audio"] is True and reveal["seed"] == pinned_seed("Jingle", "reveal")
    branch = planning.compile_plan(load_storyboard(REPO / "storyboards" / "branch.yaml"))
    assert sorted(branch.edges) == [("table", "ending-eat"), ("table", "ending-tea")]
    for body in (j.request(frame, data_url) for stem in jobs.values() for j in stem.values()):
        assert body["return_last_frame"] is True
        assert body.get("seed", 0) != -1


def test_anchors_and_aliases(tmp_path: Path) -> None:
    story = tmp_path / "anchors.yaml"
    story.write_text("title: Anchors\nshots:\n"
                     "  - &base {id: a, prompt: Same light., duration: 3, resolution: 480p}\n"
                     "  - <<: *base\n    id: b\n", encoding="utf-8")
    board = load_storyboard(story)
    assert [(s.id, s.duration, s.resolution, s.prompt) for s in board.shots] == [
        ("a", 3, "480p", "Same light."), ("b", 3, "480p", "Same light.")]


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_example_renders(name: str, tmp_path: Path, ark_server, monkeypatch, capsys) -> None:
    work = tmp_path / "storyboards"
    shutil.copytree(REPO / "storyboards", work, ignore=shutil.ignore_patterns(".storyfilm", "*.lock.json"))
    story = work / f"{name}.yaml"
    jobs = planning.jobs(planning.compile_plan(load_storyboard(story)))
    creates = ark_server.ark.stats["create"]
    film = tmp_path / f"{name}.mp4"
    monkeypatch.setenv("ARK_API_KEY", "sk-example")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    assert cli.main(["film", str(story), "-o", str(film)]) == 0, capsys.readouterr().err
    assert ark_server.ark.stats["create"] - creates == len(jobs)
    info = probe.probe(film)
    assert (info.width, info.height) == (jobs[0].width, jobs[0].height)
    clips = sum(j.frames for j in jobs) / models.FPS
    overlaps = sum(j.shot.transition.duration for j in jobs) + len(jobs) / models.FPS
    assert clips - overlaps - 0.05 <= info.duration <= clips + 0.05


def test_the_readme_example_is_valid(tmp_path: Path) -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# yaml-language-server.*?)```", readme, re.S).group(1)
    shutil.copy(REPO / "storyboards" / "ad-orchard.png", tmp_path)
    (tmp_path / "readme.yaml").write_text(example, encoding="utf-8")
    board = load_storyboard(tmp_path / "readme.yaml")
    assert [s.continues_from for s in board.shots] == [None, "orchard", None, "slice"]
