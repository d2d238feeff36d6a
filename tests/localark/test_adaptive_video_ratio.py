"""ark-api.md §5.4: a Seedance 2.0 multimodal task with `ratio: adaptive` follows its first
reference video, before any image. The local server never fetches a video URL, so it renders
such a task at the ratio the client plans for an unmeasured video (the largest frame), and the
task reports that ratio; with images only, the first image leads."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import TASKS, ark_in_process, make_image
from storyfilm.mediaio.inputs import image_data_url

V20 = "doubao-seedance-2-0-260128"
VIDEO = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_first_reference_video_leads_an_adaptive_ratio(tmp_path: Path) -> None:
    tall = {"type": "image_url", "role": "reference_image",
            "image_url": {"url": image_data_url(make_image(tmp_path / "tall.png", 360, 640).read_bytes())}}
    async with ark_in_process(faults="queue=60") as (ark, http):
        ratios = []
        for content in ([tall, VIDEO], [tall]):
            created = await http.post(TASKS, json={"model": V20, "ratio": "adaptive", "resolution": "480p",
                                                   "content": [{"type": "text", "text": "x"}, *content]})
            assert created.status_code == 200, created.text
            task = (await http.get(f"{TASKS}/{created.json()['id']}")).json()
            ratios.append(task["ratio"])
        assert ratios == ["16:9", "9:16"]
