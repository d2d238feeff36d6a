"""Reference videos are billed with the output (ark-api.md §11.1): tokens = (input + output
seconds) × W × H × 24 / 1024, at least 4 s of input, at the model's video-input price. A video URL
is never fetched, so one of unknown length is planned as the longest the model takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import memory_resolver
from storyfilm import planning, storyboard
from storyfilm.seedance.media import Media

URL = "https://example.com/"


def _video(name: str, seconds: float = 0.0) -> Media:
    return Media(kind="video", source=URL + name, url=URL + name, sha256=name * 16, seconds=seconds)


MEDIA = {URL + "short.mp4": _video("a", 2.5), URL + "nine.mp4": _video("b", 9.0),
         URL + "unknown.mp4": _video("c"), URL + "other.mp4": _video("d")}


def _job(model: str, *videos: str):
    text = (f"title: T\nshots:\n  - id: v\n    model: {model}\n    resolution: 480p\n    duration: 5\n"
            f"    references: [{', '.join(URL + v for v in videos)}]\n    prompt: 女孩抱着狐狸\n")
    board = storyboard.parse(text, Path("/nowhere/t.yaml"), memory_resolver(MEDIA)[0])
    return planning.jobs(planning.compile_plan(board))[0]


@pytest.mark.parametrize("model, videos, seconds", [
    ("doubao-seedance-2-0-fast", ["short.mp4"], 4.0),  # 2.5 s is billed as 4
    ("doubao-seedance-2-0-fast", ["nine.mp4"], 9.0),
    ("doubao-seedance-2-0-fast", ["unknown.mp4"], 15.0),  # unknown: the longest 2.0 takes
    ("doubao-seedance-2-0-fast", ["unknown.mp4", "other.mp4"], 15.0),  # ... in all
    ("doubao-seedance-2-5-260628", ["unknown.mp4"], 30.0),
])
def test_input_video_seconds(model: str, videos: list[str], seconds: float) -> None:
    assert _job(model, *videos).input_video_seconds == seconds


def test_tokens_and_cost_count_the_input_at_the_video_input_price() -> None:
    job = _job("doubao-seedance-2-0-fast", "nine.mp4")
    assert (job.width, job.height, job.frames) == (864, 496, 121)
    assert job.tokens == 864 * 496 * (121 + 9 * 24) // 1024 == 141_034
    assert job.cost == pytest.approx(141_034 * 22.00 / 1e6)  # 2.0 fast with video input: 22 CNY / M


def test_a_shot_without_video_pays_only_its_output() -> None:
    text = "title: T\nshots:\n  - id: v\n    model: doubao-seedance-2-0-fast\n    resolution: 480p\n    duration: 5\n" \
           "    prompt: 女孩抱着狐狸\n"
    job = planning.jobs(planning.compile_plan(storyboard.parse(text, Path("/nowhere/t.yaml"), memory_resolver({})[0])))[0]
    assert job.input_video_seconds == 0 and job.tokens == 864 * 496 * 121 // 1024
    assert job.cost == pytest.approx(job.tokens * 37.00 / 1e6)
