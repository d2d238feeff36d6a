"""The local server checks the media of a create as ark-api.md §3.1 and §3.3 say the service does:
a base64 data URL names its format in lower case, among the formats the service reads; reference
audio is wav or mp3; heic/heif images only for the models that read them (1.5 pro, 2.x)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from helpers import PRO, REPO, TASKS, ark_in_process, error_of, make_image

V15 = "doubao-seedance-1-5-pro-251215"
V20 = "doubao-seedance-2-0-260128"
PARKED = "queue=60"  # tasks stay queued: nothing renders
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def png(tmp_path_factory) -> str:
    return base64.b64encode(make_image(tmp_path_factory.mktemp("img") / "f.png", 640, 360).read_bytes()).decode()


def image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}, "role": "first_frame"}


def with_audio(png: str, audio_url: str) -> dict:
    return {"model": V20, "content": [{"type": "text", "text": "a song"},
                                      {"type": "image_url", "image_url": {"url": "data:image/png;base64," + png},
                                       "role": "reference_image"},
                                      {"type": "audio_url", "audio_url": {"url": audio_url}, "role": "reference_audio"}]}


@pytest.mark.anyio
@pytest.mark.parametrize("written", ["PNG", "Png", "x-png", "svg+xml", "jpg"])
async def test_an_image_data_url_must_name_a_format_the_service_reads_in_lower_case(png: str, written: str) -> None:
    """DOC-1.5: `data:image/<图片格式>;base64,...`, in lower case; one of §3.3's names (jpeg, not jpg)."""
    async with ark_in_process(faults=PARKED) as (ark, http):
        refused = await http.post(TASKS, json={"model": PRO, "content": [image(f"data:image/{written};base64,{png}")]})
        error_of(refused, 400, "InvalidImageURL.InvalidFormat", "content",
                 f"The image is not valid: the image data URL names the format {written!r}; it must be one of "
                 "jpeg, png, webp, bmp, tiff, gif, heic, heif, in lower case.")
        taken = await http.post(TASKS, json={"model": PRO, "content": [image(f"data:image/png;base64,{png}")]})
        assert taken.status_code == 200 and len(ark.tasks) == 1


@pytest.mark.anyio
async def test_reference_audio_is_wav_or_mp3_by_its_bytes_and_its_data_url(png: str) -> None:
    ogg = base64.b64encode(b"OggS\x00\x02" + b"\x00" * 200).decode()
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json=with_audio(png, "data:audio/wav;base64," + ogg)), 400,
                 "InvalidParameter", "content", "The parameter `content` specified in the request is not valid: "
                 "content[2].audio_url.url: the audio is not wav or mp3.")
        error_of(await http.post(TASKS, json=with_audio(png, "data:audio/ogg;base64," + ogg)), 400,
                 "InvalidParameter", "content", "The parameter `content` specified in the request is not valid: "
                 "the audio data URL names the format 'ogg'; it must be one of wav, mp3, in lower case.")
        assert ark.tasks == {}
        jingle = base64.b64encode((REPO / "storyboards" / "assets" / "jingle.wav").read_bytes()).decode()  # 3 s
        taken = await http.post(TASKS, json=with_audio(png, "data:audio/wav;base64," + jingle))
        assert taken.status_code == 200, taken.text


@pytest.mark.anyio
@pytest.mark.parametrize(("model", "taken"), [(PRO, False), ("doubao-seedance-1-0-lite-i2v-250428", False),
                                               (V15, True), (V20, True)])
async def test_a_heic_first_frame_is_read_only_by_the_models_that_read_heic(model: str, taken: bool) -> None:
    """§3.3: heic/heif "1.5 pro 新增" (DOC-1.5), "2.0 系列及以上" (DOC-2026-08): never 1.0."""
    body = {"model": model, "content": [image("data:image/heic;base64," + base64.b64encode(HEIC).decode())]}
    async with ark_in_process(faults=PARKED) as (ark, http):
        answer = await http.post(TASKS, json=body)
        if taken:
            assert answer.status_code == 200, answer.text
        else:
            error_of(answer, 400, "InvalidImageURL.InvalidFormat", "content",
                     f"The image is not valid: {model} does not read heic or heif images (Seedance 1.5 pro and 2.x do).")
            assert ark.tasks == {}


@pytest.mark.anyio
async def test_reference_images_without_a_ratio_are_rendered_16_9_not_the_images_shape(tmp_path: Path) -> None:
    """§2 `ratio` default: "reference-image (1.0L): `16:9`" (adaptive is not even allowed there, §5.4)."""
    square = base64.b64encode(make_image(tmp_path / "square.png", 600, 600).read_bytes()).decode()
    body = {"model": "doubao-seedance-1-0-lite-i2v-250428", "resolution": "480p",
            "content": [{"type": "text", "text": "x"}, {"type": "image_url", "role": "reference_image",
                                                        "image_url": {"url": "data:image/png;base64," + square}}]}
    async with ark_in_process(faults=PARKED) as (ark, http):
        answer = await http.post(TASKS, json=body)
        task = (await http.get(f"{TASKS}/{answer.json()['id']}")).json()
        assert (task["ratio"], ark.tasks[task["id"]].spec.width, ark.tasks[task["id"]].spec.height) == ("16:9", 864, 480)


@pytest.mark.anyio
@pytest.mark.parametrize(("model", "taken"), [(PRO, False), (V15, False), (V20, True)])
async def test_asset_uris_are_read_for_seedance_2_only(tmp_path: Path, model: str, taken: bool) -> None:
    """§3.1: "`asset://` URIs: only for Seedance 2.0/2.5 (asset library)"."""
    make_image(tmp_path / "apple.png", 640, 360)
    body = {"model": model, "content": [{"type": "text", "text": "x"}, image("asset://apple")]}
    async with ark_in_process(faults=PARKED, assets=tmp_path) as (ark, http):
        answer = await http.post(TASKS, json=body)
        if taken:
            assert answer.status_code == 200, answer.text
        else:
            error_of(answer, 400, "InvalidParameter", "content", "The parameter `content` specified in the request "
                     f"is not valid: asset:// URIs are read by Seedance 2.0 and 2.5 only, not {model}.")
