"""ark-api.md §5.4: in Seedance 2.0's multimodal reference mode, `ratio: adaptive` follows the
first media item with a video before an image. The plan sizes, prices and counts tokens for the
ratio the service will render: the first reference video's when its shape is known; a video URL is
never fetched, so an unmeasured one is planned as the ratio with the largest frame (an upper bound)."""

from __future__ import annotations

from pathlib import Path

from helpers import memory_resolver
from storyfilm import planning, storyboard
from storyfilm.seedance.media import Media

URL = "https://example.com/"
TALL = Media(kind="image", source="tall.png", path=Path("/nowhere/tall.png"), sha256="t" * 64, width=720,
             height=1280, size=1000)
WIDE = Media(kind="image", source="wide.png", path=Path("/nowhere/wide.png"), sha256="w" * 64, width=1280,
             height=720, size=1000)
MEDIA = {"tall.png": TALL, "wide.png": WIDE,
         URL + "v.mp4": Media(kind="video", source=URL + "v.mp4", url=URL + "v.mp4", sha256="v" * 64, seconds=5.0),
         URL + "tall.mp4": Media(kind="video", source=URL + "tall.mp4", url=URL + "tall.mp4", sha256="u" * 64,
                                 width=720, height=1280, seconds=5.0)}


def _job(*references: str):
    text = (f"title: T\nshots:\n  - id: v\n    model: doubao-seedance-2-0-260128\n    resolution: 480p\n"
            f"    duration: 5\n    ratio: adaptive\n    references: [{', '.join(references)}]\n    prompt: A fox.\n")
    board = storyboard.parse(text, Path("/nowhere/t.yaml"), memory_resolver(MEDIA)[0])
    return planning.jobs(planning.compile_plan(board))[0]


def test_a_measured_reference_video_leads_over_an_image_listed_before_it() -> None:
    job = _job("wide.png", URL + "tall.mp4")
    assert (job.ratio, job.width, job.height) == ("9:16", 496, 864)


def test_an_unmeasured_reference_video_is_planned_as_the_largest_frame() -> None:
    job = _job("tall.png", URL + "v.mp4")
    assert (job.ratio, job.width, job.height) == ("16:9", 864, 496)  # not the tall image's 9:16
    assert job.cost_is_upper_bound


def test_without_a_video_the_first_image_leads() -> None:
    job = _job("tall.png", "wide.png")
    assert (job.ratio, job.width, job.height) == ("9:16", 496, 864)
    assert not job.cost_is_upper_bound
