"""Reference audio as ark-api.md §3.3 says the service takes it: each item 2 s to the model's limit
(15 s for Seedance 2.0, 30 s for 2.5), all of them together at most that, every item checked (not
only the first). The local server refuses the rest, so a client that stopped checking fails here."""

from __future__ import annotations

import base64
import io
import wave

import pytest

from helpers import REPO, TASKS, ark_in_process, error_of
from storyfilm.mediaio.inputs import image_data_url
from storyfilm.seedance.media import IMAGE_MAX_BYTES

V20 = "doubao-seedance-2-0-260128"
V25 = "doubao-seedance-2-5-260628"
PARKED = "queue=60"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# a reference image beside the audio (2.0 takes no audio alone)
PICTURE = {"type": "image_url", "role": "reference_image",
           "image_url": {"url": image_data_url((REPO / "storyboards" / "assets" / "cup.png").read_bytes())}}


def sound(seconds: float) -> dict:
    """A reference audio item: `seconds` of silence, 8 kHz mono wav."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(b"\x00\x00" * round(8000 * seconds))
    url = "data:audio/wav;base64," + base64.b64encode(out.getvalue()).decode()
    return {"type": "audio_url", "audio_url": {"url": url}, "role": "reference_audio"}


def body(model: str, *seconds: float) -> dict:
    return {"model": model, "content": [{"type": "text", "text": "x"}, PICTURE, *map(sound, seconds)]}


def refused(reason: str) -> str:
    return f"The parameter `content` specified in the request is not valid: {reason}."


@pytest.mark.anyio
@pytest.mark.parametrize(("model", "seconds", "reason"), [
    (V20, (1.5,), f"content[2].audio_url.url: the audio lasts 1.5 s; {V20} takes 2–15 s"),
    (V20, (16,), f"content[2].audio_url.url: the audio lasts 16 s; {V20} takes 2–15 s"),
    (V20, (3, 1), f"content[3].audio_url.url: the audio lasts 1 s; {V20} takes 2–15 s"),
    (V20, (8, 8), f"the reference audio lasts 16 s in all; {V20} takes at most 15 s"),
    (V25, (31,), f"content[2].audio_url.url: the audio lasts 31 s; {V25} takes 2–30 s"),
    (V25, (0,), "content[2].audio_url.url holds no sound (0 samples)"),
])
async def test_reference_audio_too_short_or_too_long_is_refused(model, seconds, reason) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json=body(model, *seconds)), 400, "InvalidParameter", "content",
                 refused(reason))
        assert ark.tasks == {}


@pytest.mark.anyio
@pytest.mark.parametrize(("model", "seconds"), [(V20, (2,)), (V20, (7.5, 7.5)), (V25, (16, 14))])
async def test_reference_audio_within_the_limits_is_taken(model, seconds) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        answer = await http.post(TASKS, json=body(model, *seconds))
        assert answer.status_code == 200, answer.text


@pytest.mark.anyio
async def test_an_image_of_exactly_30_mb_is_refused() -> None:
    """§3.3: an image is smaller than 30 MB (the client refuses one of 30 MB before sending, too)."""
    small = (REPO / "storyboards" / "assets" / "cup.png").read_bytes()
    exact = small + b"\x00" * (IMAGE_MAX_BYTES - len(small))  # a PNG with trailing bytes, 30 MB in all
    item = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(exact).decode()}}
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json={"model": V20, "content": [{"type": "text", "text": "x"}, item]}), 400,
                 "InvalidParameter", "content", refused("each image must be smaller than 30 MB"))
        under = {**item, "image_url": {"url": "data:image/png;base64," + base64.b64encode(exact[:-1]).decode()}}
        taken = await http.post(TASKS, json={"model": V20, "content": [{"type": "text", "text": "x"}, under]})
        assert taken.status_code == 200, taken.text
