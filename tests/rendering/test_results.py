"""A task's video is checked whole from its MP4 boxes when it lands: one cut short by a server that
sent no Content-Length (so the client cannot tell) is fetched again, and never stored."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from helpers import colour_clip
from storyfilm.ark.client import ArkClient
from storyfilm.ark.types import Task
from storyfilm.errors import ResultsUnusable, TransportFailed
from storyfilm.mediaio import annexb, mp4box, runner
from storyfilm.rendering.results import store_results
from storyfilm.rendering.store import Store


class _Server(http.server.ThreadingHTTPServer):
    """Serves one video without a Content-Length, cut short for the first `short` requests."""

    def __init__(self, body: bytes, short: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.body, self.short, self.gets = body, short, 0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends where the connection closes: no length is sent

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server = self.server
        assert isinstance(server, _Server)
        server.gets += 1
        body = server.body[: len(server.body) * 2 // 3] if server.gets <= server.short else server.body
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _service_clip(tmp_path: Path) -> Path:
    """A clip as the service sends one: its moov box first (faststart), so a cut leaves headers that
    read well (ffmpeg opens such a file without complaint) over too little media."""
    clip = colour_clip(tmp_path / "plain.mp4", "red", frames=48)
    runner.run(["-i", str(clip), "-c", "copy", "-movflags", "+faststart", "-y", str(tmp_path / "clip.mp4")],
               what="move the moov box first")
    return tmp_path / "clip.mp4"


def _fetch(tmp_path: Path, clip: Path, short: int) -> tuple[_Server, Store, object]:
    server = _Server(clip.read_bytes(), short)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = Store(tmp_path / ".storyfilm")
    task = Task(id="cgt-1", model="m", status="succeeded", video_url=f"http://127.0.0.1:{server.server_port}/v.mp4")

    async def run():
        async with ArkClient("http://127.0.0.1:9", "k") as client:
            return await store_results(client, store, task, lambda path, sha: None)

    try:
        outcome = asyncio.run(run())
    except TransportFailed as exc:
        outcome = exc
    finally:
        server.shutdown()
        server.server_close()
    return server, store, outcome


def test_a_video_cut_short_without_a_length_is_fetched_again(tmp_path: Path) -> None:
    clip = _service_clip(tmp_path)
    server, store, outcome = _fetch(tmp_path, clip, short=1)
    video_sha, frame_sha, seconds = outcome
    assert server.gets == 2
    assert video_sha == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert store.path(video_sha).read_bytes() == clip.read_bytes()
    assert seconds == pytest.approx(2.0)


def test_a_video_that_never_comes_whole_is_not_stored(tmp_path: Path) -> None:
    clip = _service_clip(tmp_path)
    server, store, outcome = _fetch(tmp_path, clip, short=99)
    assert isinstance(outcome, ResultsUnusable)
    assert str(outcome) == ("task cgt-1: the downloaded video does not decode (3 tries); the task is paid for: run "
                            "again to download it again (free); should it never come whole, edit the shot to render "
                            "it anew (paid)")
    assert server.gets == 3
    assert not _stored_media(tmp_path)


def _damaged(tmp_path: Path, *, keep_framing: bool) -> Path:
    """The service's clip, its boxes whole, its media zeroed where it is stored: all of it, or all but
    each frame's NAL length prefixes and headers (what a decoder reads first)."""
    clip = _service_clip(tmp_path)
    damaged = bytearray(clip.read_bytes())
    table = annexb.video_samples(clip)
    for offset, size in zip(table.offsets, table.sizes):
        pos = offset
        while pos < offset + size:
            length = int.from_bytes(damaged[pos:pos + 4], "big")
            start = pos + 5 if keep_framing else pos
            damaged[start:pos + 4 + length] = bytes(pos + 4 + length - start)
            pos += 4 + length
    out = tmp_path / "damaged.mp4"
    out.write_bytes(damaged)
    assert mp4box.is_whole(out)
    return out


def test_a_whole_video_whose_frames_are_zeros_is_fetched_again_and_never_stored(tmp_path: Path) -> None:
    server, store, outcome = _fetch(tmp_path, _damaged(tmp_path, keep_framing=False), short=0)
    assert isinstance(outcome, ResultsUnusable)
    assert str(outcome).startswith("task cgt-1: the downloaded video does not decode (3 tries)")
    assert server.gets == 3
    assert not _stored_media(tmp_path)


def test_a_framed_video_whose_pictures_do_not_decode_is_not_stored(tmp_path: Path) -> None:
    """The service sent no last frame, and none can be taken from the video: the shot's failure."""
    server, store, outcome = _fetch(tmp_path, _damaged(tmp_path, keep_framing=True), short=0)
    assert isinstance(outcome, ResultsUnusable)
    assert str(outcome).startswith("task cgt-1: its video does not decode (no last frame could be taken from it); "
                                   "the task is paid for: run again to download it again (free)")
    assert not _stored_media(tmp_path)


def _stored_media(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / ".storyfilm").rglob("*") if p.is_file() and ".sqlite" not in p.name
            and p.stat().st_size > 1000]


def test_whole_means_the_boxes_fill_the_file_exactly(tmp_path: Path) -> None:
    clip = colour_clip(tmp_path / "clip.mp4", "blue", frames=24)
    data = clip.read_bytes()
    assert mp4box.is_whole(clip)
    cut = tmp_path / "cut.mp4"
    for size in (len(data) - 1, len(data) // 2, 100, 7, 0):
        cut.write_bytes(data[:size])
        assert not mp4box.is_whole(cut), size
    cut.write_bytes(data + b"\0")
    assert not mp4box.is_whole(cut)
