"""A succeeded task's results served by a hostile host: a last frame that is no PNG, a video that
is an HTML page, a Content-Length that lies, a body that never ends. Each ends in the right
result (the frame taken from the video) or one clear error, and nothing damaged enters the store."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest

from helpers import HostileService, colour_clip, http_reply, make_image
from storyfilm.ark.client import ArkClient
from storyfilm.ark.retry import RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import ResultsUnusable, TransportFailed
from storyfilm.rendering.results import store_results
from storyfilm.rendering.store import Store

HTML = b"<html><body>Access denied</body></html>"
NOT_DECODED = ("task cgt-1: the downloaded video does not decode (3 tries); the task is paid for: run again to "
               "download it again (free); should it never come whole, edit the shot to render it anew (paid)")


def results(tmp_path: Path, answer, *, frame: bool = True, timeout: float = 5.0):
    """store_results for a task whose files the service `answer`s: (outcome or error, store, frames handed on)."""
    store, handed = Store(tmp_path / ".storyfilm"), []
    with HostileService(answer) as service:
        base = f"http://127.0.0.1:{service.port}"
        task = Task(id="cgt-1", model="m", status="succeeded", video_url=f"{base}/v.mp4",
                    last_frame_url=f"{base}/f.png" if frame else None)

        async def run():
            async with ArkClient(service.base_url, "k", retry=RetryPolicy(attempts=2, base_delay=0.0, jitter=0.0),
                                 download_timeout=timeout) as client:
                return await store_results(client, store, task, lambda path, sha: handed.append(sha))

        try:
            outcome = asyncio.run(asyncio.wait_for(run(), 60))
        except TransportFailed as exc:
            outcome = exc
        requests = list(service.requests)
    return outcome, store, handed, requests


def stored(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / ".storyfilm").rglob("*") if p.is_file() and ".sqlite" not in p.name
            and "lock" not in p.name]


def test_a_last_frame_that_is_no_png_is_taken_from_the_video(tmp_path: Path) -> None:
    clip = colour_clip(tmp_path / "clip.mp4", "green").read_bytes()

    def answer(method: str, path: str) -> bytes:
        return http_reply(200, clip, {"Content-Type": "video/mp4"}) if path == "/v.mp4" else \
            http_reply(200, HTML, {"Content-Type": "image/png"})

    outcome, store, handed, _ = results(tmp_path, answer)
    video_sha, frame_sha, _ = outcome
    assert video_sha == hashlib.sha256(clip).hexdigest()
    assert handed == [frame_sha] and store.path(frame_sha).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_video_that_is_an_html_page_is_never_stored(tmp_path: Path) -> None:
    outcome, _, handed, requests = results(tmp_path, lambda m, p: http_reply(200, HTML, {"Content-Type": "video/mp4"}),
                                           frame=False)
    assert isinstance(outcome, ResultsUnusable) and str(outcome) == NOT_DECODED
    assert requests == ["GET /v.mp4"] * 3 and handed == [] and stored(tmp_path) == []


@pytest.mark.parametrize("declared", ["longer", "shorter"])
def test_a_content_length_that_lies_is_never_stored(tmp_path: Path, declared: str) -> None:
    clip = colour_clip(tmp_path / "clip.mp4", "red").read_bytes()
    length = str(len(clip) + 100 if declared == "longer" else len(clip) - 100)
    outcome, _, _, requests = results(tmp_path, lambda m, p: http_reply(200, clip, {"Content-Length": length}),
                                      frame=False)
    assert isinstance(outcome, ResultsUnusable)
    if declared == "longer":  # the connection closes short of the length: the client sees it
        assert re.fullmatch(r"task cgt-1: download of http://\S+/v\.mp4 failed: peer closed connection without "
                            r"sending complete message body \(received \d+ bytes, expected \d+\); the task is paid "
                            r"for: run again to download it again \(free\); .*", str(outcome)), str(outcome)
    else:  # the body read stops at the length: the MP4's boxes show it was cut (its moov at the end)
        assert str(outcome) == NOT_DECODED
    assert requests == ["GET /v.mp4"] * (2 if declared == "longer" else 3) and stored(tmp_path) == []


def test_a_video_that_never_ends_is_cut_and_never_stored(tmp_path: Path) -> None:
    def endless(conn) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:
            conn.sendall(b"10000\r\n" + b"\0" * 0x10000 + b"\r\n")

    outcome, _, _, _ = results(tmp_path, lambda m, p: endless, frame=False, timeout=0.5)
    assert isinstance(outcome, ResultsUnusable)
    assert re.fullmatch(r"task cgt-1: download of http://127\.0\.0\.1:\d+/v\.mp4 failed: not finished after 1 s in "
                        r"all \(2 tries\); the task is paid for: run again to download it again \(free\); .*",
                        str(outcome)), str(outcome)
    assert not list((tmp_path / ".storyfilm").rglob("*.part")) and stored(tmp_path) == []


def test_a_video_cut_by_a_short_content_length_is_not_stored_beside_a_good_frame(tmp_path: Path) -> None:
    """With a last frame from the service, nothing else decodes the video: its boxes must show it whole."""
    clip = colour_clip(tmp_path / "clip.mp4", "red").read_bytes()
    png = make_image(tmp_path / "frame.png", 160, 90).read_bytes()

    def answer(method: str, path: str) -> bytes:
        if path == "/f.png":
            return http_reply(200, png, {"Content-Type": "image/png"})
        return http_reply(200, clip, {"Content-Type": "video/mp4", "Content-Length": str(len(clip) - 100)})

    outcome, store, handed, requests = results(tmp_path, answer)
    assert isinstance(outcome, ResultsUnusable) and str(outcome) == NOT_DECODED
    assert requests == ["GET /f.png"] + ["GET /v.mp4"] * 3
    assert [p.read_bytes() for p in stored(tmp_path)] == [png]  # the frame, handed on; never the cut video


@pytest.mark.parametrize("refusal", [403, 404, 500])
def test_a_last_frame_that_cannot_be_downloaded_is_taken_from_the_video_not_paid_again(tmp_path: Path,
                                                                                         refusal: int) -> None:
    """On main a last-frame URL answering 403/404 raised ResultsGone for the whole task, and the
    executor created (paid for) the task again although its video was there."""
    clip = colour_clip(tmp_path / "clip.mp4", "blue").read_bytes()

    def answer(method: str, path: str) -> bytes:
        return http_reply(200, clip, {"Content-Type": "video/mp4"}) if path == "/v.mp4" else \
            http_reply(refusal, "<html>no</html>", {"Content-Type": "text/html"})

    outcome, store, handed, requests = results(tmp_path, answer)
    video_sha, frame_sha, _ = outcome
    assert video_sha == hashlib.sha256(clip).hexdigest()
    assert handed == [frame_sha] and store.path(frame_sha).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert requests == ["GET /f.png"] * (2 if refusal == 500 else 1) + ["GET /v.mp4"]
