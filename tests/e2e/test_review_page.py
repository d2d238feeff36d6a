"""The review page in a real browser (headless Chromium): every shot has a card, the player holds
the whole film, and clicking a card seeks to the shot. Skipped, with the install command, when no
Chromium is found."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from browser import INSTALL, find_chromium, run_harness, screenshot
from helpers import REPO, make_image, render_story
from storyfilm.mediaio import probe

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=f"no Chromium found; install it with: {INSTALL}")

STORY = """\
version: 1
title: 审片 review
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}
shots:
  - id: open
    first_frame: start.png
    prompt: The camera pushes in on a red ball on a wooden table.
    caption: A red ball.
  - id: roll
    prompt: 球向右滚动，镜头向右摇。
  - id: card
    cut: true
    transition: {type: fade_black, duration: 0.5}
    prompt: A title card that reads "The End".
"""

# Media events may not fire while headless Chromium runs on virtual time: poll instead.
CLICK_THIRD_CARD = """
const video = doc.getElementById('film');
const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
for (let i = 0; i < 200 && video.readyState < 1; i++) await wait(50);
const cards = doc.querySelectorAll('.card');
const before = video.currentTime;
cards[2].click();
await wait(100);
return {cards: cards.length, duration: video.duration, start: Number(cards[2].dataset.start), before,
        time: video.currentTime, markers: doc.querySelectorAll('.marker').length,
        error: video.error && video.error.code};
"""


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, ark_server) -> Path:
    folder = tmp_path_factory.mktemp("review")
    make_image(folder / "start.png", 1024, 576)
    story = folder / "review.yaml"
    story.write_text(STORY, encoding="utf-8")
    render_story(story, ark_server, output=folder / "build" / "review.mp4")
    return folder


def _page_data(page: Path) -> dict:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page.read_text(), re.S)
    return json.loads(found[1].replace("<\\/", "</"))


def test_review_page_is_one_offline_file_built_from_the_lock(reviewed: Path) -> None:
    page = reviewed / "build" / "review.html"
    text = page.read_text(encoding="utf-8")
    assert '<video id="film" controls preload="metadata" src="review.mp4" poster="data:image/jpeg;base64,' in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing from the network
    data = _page_data(page)
    lock = json.loads(next(reviewed.glob("review*.lock.json")).read_text(encoding="utf-8"))
    assert [s["id"] for s in data["shots"]] == ["open", "roll", "card"]
    assert [s["task_id"] for s in data["shots"]] == [s["task_id"] for s in lock["shots"]]
    assert [s["start"] for s in data["shots"]] == [c["start"] for c in lock["film"]["chapters"]]
    assert data["duration"] == lock["film"]["duration"]
    roll = data["shots"][1]
    assert roll["prompt"] == "球向右滚动，镜头向右摇。" and roll["size"] == "864x480" and roll["take"] == 1
    assert roll["seam"]["chained"] and roll["seam"]["ssim"] is not None
    assert "why" not in roll and "rendered" not in data  # the run's, not the film's: told on the terminal
    assert roll["first"].startswith("data:image/jpeg;base64,") and roll["last"].startswith("data:image/jpeg;")
    assert roll["cost"]["planned"] == pytest.approx(roll["cost"]["actual"])


@needs_chromium
def test_review_page_in_chromium_seeks_to_a_shot(reviewed: Path, tmp_path: Path) -> None:
    page = reviewed / "build" / "review.html"
    seen = run_harness(CHROMIUM, page, CLICK_THIRD_CARD, tmp_path)
    assert seen.get("error") is None, seen
    assert seen["cards"] == 3 and seen["markers"] == 3
    film = probe.probe(reviewed / "build" / "review.mp4")
    assert seen["duration"] == pytest.approx(film.duration, abs=0.05)
    assert seen["before"] == 0 and seen["start"] > 3
    assert seen["time"] == pytest.approx(seen["start"], abs=0.01)
    shot = screenshot(CHROMIUM, page, tmp_path / "review-page.png", tmp_path)
    assert shot.stat().st_size > 20_000
    keep = REPO / "build" / "test-screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, keep / "review-page.png")


def test_an_unchanged_film_leaves_its_review_page_alone(tmp_path: Path, ark_server) -> None:
    # the page recorded the run (which shots rendered, which came from the cache): the film after a
    # render rewrote it, though `status` said the next film would rewrite nothing
    story = tmp_path / "again.yaml"
    story.write_text(STORY.replace("    first_frame: start.png\n", ""), encoding="utf-8")
    render_story(story, ark_server, output=tmp_path / "build" / "again.mp4")
    page = tmp_path / "build" / "again.html"
    before = (page.read_bytes(), page.stat().st_mtime_ns)
    again = render_story(story, ark_server, output=tmp_path / "build" / "again.mp4")
    assert all(r.cached for r in again.results.values())
    assert (page.read_bytes(), page.stat().st_mtime_ns) == before
