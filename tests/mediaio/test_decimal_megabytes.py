"""ark-api.md §3.3 writes its limits in MB ("< 30 MB" an image, "≤ 15 MB" an audio file) without
saying whether a MB is 10^6 or 2^20 bytes. Strict writing: validation holds files to the smaller,
decimal reading, so a file the service might refuse is refused here, before anything is spent; the
local server reads it the same way, so a client that sent one would fail against it too."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from helpers import TASKS, ark_in_process, error_of, make_image
from storyfilm import cli

MB = 1_000_000
STORY = ("title: Big\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
         "shots:\n  - id: one\n    first_frame: big.bmp\n    prompt: A red apple.\n")


def padded_bmp(path: Path, size: int) -> Path:
    """A real BMP (320x320) with trailing bytes, `size` bytes in all: it still decodes."""
    make_image(path, 320, 320)
    os.truncate(path, size)
    return path


def test_an_image_of_30_decimal_mb_is_refused_before_sending(tmp_path: Path, capsys) -> None:
    """30,000,000 bytes is 28.6 MiB: under a 30 MiB reading, over a 30 MB one."""
    story = tmp_path / "big.yaml"
    story.write_text(STORY, encoding="utf-8")
    padded_bmp(tmp_path / "big.bmp", 30 * MB)
    assert cli.main(["validate", str(story)]) == 2
    assert capsys.readouterr().err == (f"{story}:5:18: first_frame: big.bmp is 30.0 MB; the service takes "
                                       f"images under 30 MB\n")
    padded_bmp(tmp_path / "big.bmp", 30 * MB - 1)
    assert cli.main(["validate", str(story)]) == 0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_local_server_reads_mb_as_decimal_too(tmp_path: Path) -> None:
    data = padded_bmp(tmp_path / "big.bmp", 30 * MB).read_bytes()
    item = {"type": "image_url", "image_url": {"url": "data:image/bmp;base64," + base64.b64encode(data).decode()}}
    body = {"model": "doubao-seedance-2-0-260128", "content": [{"type": "text", "text": "x"}, item]}
    async with ark_in_process(faults="queue=60") as (ark, http):
        error_of(await http.post(TASKS, json=body), 400, "InvalidParameter", "content",
                 "The parameter `content` specified in the request is not valid: each image must be smaller "
                 "than 30 MB.")
        assert ark.tasks == {}
