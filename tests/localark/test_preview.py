"""What the local server renders: the seeds/002 centre crop, last-frame blend, audio, watermark,
text cards, byte-identical repeats; and callback deliveries."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from helpers import PRO, ark_http, make_image, text_task, wait_status
from storyfilm.mediaio import probe, runner
from storyfilm.localark.callbacks import CallbackPolicy
from storyfilm.localark.embedded import LocalServer
from storyfilm.localark.preview import crop_box

V15 = "doubao-seedance-1-5-pro-251215"
MINI = "doubao-seedance-2-0-mini-260615"
GREEN, RED = (0, 255, 0), (255, 0, 0)


@pytest.fixture(scope="module")
def server():
    with LocalServer() as server:
        yield server


def bands(path: Path, width: int, height: int, start: int, end: int, *, across: bool) -> str:
    """Red before `start`, green in [start, end), blue from `end` on (across X or down Y), as a PNG data URL."""
    axis = "X" if across else "Y"
    expr = f"r='if(lt({axis},{start}),255,0)':g='if(between({axis},{start},{end - 1}),255,0)':b='if(gte({axis},{end}),255,0)'"
    runner.run(["-f", "lavfi", "-i", f"color=black:s={width}x{height}", "-vf", f"format=rgb24,geq={expr}",
                "-frames:v", "1", "-y", str(path)], what="make a banded image")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def solid(path: Path, color: str) -> str:
    runner.run(["-f", "lavfi", "-i", f"color={color}:s=640x360", "-frames:v", "1", "-y", str(path)],
               what="make a solid image")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def frame_rgb(video: Path, index: int) -> bytes:
    return runner.run(["-i", str(video), "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read a frame").stdout


def png_rgb(image: Path) -> bytes:
    return runner.run(["-i", str(image), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read a picture").stdout


def near(raw: bytes, width: int, x: int, y: int, color: tuple[int, int, int], tol: int = 16) -> bool:
    i = (y * width + x) * 3
    return all(abs(a - b) <= tol for a, b in zip(raw[i:i + 3], color))


def render(server: LocalServer, body: dict, tmp_path: Path, name: str, task_id: str | None = None):
    """Create (unless task_id is given), wait, download: (task, video, last frame or None)."""
    if task_id is None:
        created = ark_http(server, "POST", json=body)
        assert created.status_code == 200, created.text
        task_id = created.json()["id"]
    task = wait_status(server, task_id, {"succeeded", "failed"}, timeout=60)
    assert task["status"] == "succeeded", task
    video = tmp_path / f"{name}.mp4"
    video.write_bytes(httpx.get(task["content"]["video_url"]).content)
    frame = None
    if "last_frame_url" in task["content"]:
        frame = tmp_path / f"{name}.png"
        frame.write_bytes(httpx.get(task["content"]["last_frame_url"]).content)
    return task, video, frame


@pytest.mark.parametrize("size, ratio, box", [
    ((1920, 1080), "21:9", (1920, 823, 0, 128)),  # too tall: crop_h = (9/21)·1920 = 822.86
    ((1000, 1000), "16:9", (1000, 562, 0, 219)),
    ((1080, 1920), "4:3", (1080, 810, 0, 555)),
    ((1200, 400), "1:1", (400, 400, 400, 0)),  # too wide: crop_w = (1/1)·400
    ((1920, 1080), "9:16", (608, 1080, 656, 0)),  # 607.5 rounds to even
    ((1280, 720), "16:9", (1280, 720, 0, 0)),  # equal: the whole image
])
def test_crop_box_is_the_seeds_002_rule(size: tuple[int, int], ratio: str, box: tuple[int, int, int, int]) -> None:
    assert crop_box(*size, ratio) == box


@pytest.mark.parametrize("size, ratio, box", [((1000, 500), "1:1", (500, 500, 250, 0)),
                                             ((500, 1000), "16:9", (500, 281, 0, 359))])
def test_the_first_frame_is_the_centre_crop(server, tmp_path: Path, size, ratio: str, box) -> None:
    """The image is green exactly inside the crop box: one pixel off and an edge turns red or blue."""
    assert crop_box(*size, ratio) == box
    cw, ch, cx, cy = box
    across = cx > 0
    start, end = (cx, cx + cw) if across else (cy, cy + ch)
    url = bands(tmp_path / "bands.png", *size, start, end, across=across)
    body = {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": url}, "role": "first_frame"}],
            "resolution": "480p", "ratio": ratio, "frames": 29}
    task, video, _ = render(server, body, tmp_path, "crop")
    info = probe.probe(video)
    raw = frame_rgb(video, 0)
    w, h = info.width, info.height
    # only the middle band survives the crop: every edge of frame 0 is green
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 2), (0, h // 2), (w - 1, h // 2)):
        assert near(raw, w, x, y, GREEN), (x, y, raw[(y * w + x) * 3:(y * w + x) * 3 + 3])
    assert task["ratio"] == ratio


def test_last_frame_blends_to_the_given_image(server, tmp_path: Path) -> None:
    content = [{"type": "text", "text": "green to red"},
               {"type": "image_url", "image_url": {"url": solid(tmp_path / "g.png", "0x00ff00")}, "role": "first_frame"},
               {"type": "image_url", "image_url": {"url": solid(tmp_path / "r.png", "0xff0000")}, "role": "last_frame"}]
    body = {"model": PRO, "content": content, "resolution": "480p", "frames": 29, "return_last_frame": True}
    _, video, frame = render(server, body, tmp_path, "blend")
    w = probe.probe(video).width
    first, middle, last = frame_rgb(video, 0), frame_rgb(video, 14), frame_rgb(video, 28)
    assert near(first, w, 10, 10, GREEN) and near(last, w, 10, 10, RED)
    assert not near(middle, w, 10, 10, GREEN, 60) and not near(middle, w, 10, 10, RED, 60)
    assert png_rgb(frame) == last  # the returned last frame is the clip's final frame, exactly


def test_same_request_same_bytes_and_the_extras(server, tmp_path: Path) -> None:
    card = {"model": V15, "content": [{"type": "text", "text": "A lighthouse at dusk"}], "resolution": "480p",
            "duration": 4, "seed": 21, "watermark": True, "return_last_frame": True}
    plain = {**card, "watermark": False, "generate_audio": False}
    runner.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-ac", "1", "-y", str(tmp_path / "ref.wav")],
               what="make a reference audio")
    voiced = {"model": MINI, "resolution": "480p", "duration": 4, "content": [
        {"type": "image_url", "image_url": {"url": solid(tmp_path / "s.png", "0x336699")}, "role": "reference_image"},
        {"type": "audio_url", "audio_url": {"url": "data:audio/wav;base64," + base64.b64encode(
            (tmp_path / "ref.wav").read_bytes()).decode()}, "role": "reference_audio"}]}
    ids = [ark_http(server, "POST", json=body).json()["id"] for body in (card, card, plain, voiced)]  # side by side
    _, a, a_frame = render(server, card, tmp_path, "a", ids[0])
    _, b, b_frame = render(server, card, tmp_path, "b", ids[1])
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(a) == digest(b) and digest(a_frame) == digest(b_frame)
    info = probe.probe(a)
    assert info.has_audio and info.audio_channels == 1 and (info.width, info.height, info.frames) == (864, 496, 97)

    _, c, c_frame = render(server, plain, tmp_path, "c", ids[2])
    assert not probe.probe(c).has_audio
    # the watermark marks the bottom-right corner of the video, never the returned last frame
    w, h = 864, 496
    marked, clean = frame_rgb(a, 96), frame_rgb(c, 96)
    corner = [(x, y) for x in range(w - 80, w - 20, 6) for y in range(h - 50, h - 10, 6)]
    def differ(one: bytes, other: bytes) -> int:
        return sum(not near(one, w, x, y, tuple(other[(y * w + x) * 3:(y * w + x) * 3 + 3]), 24) for x, y in corner)

    assert differ(marked, clean) > len(corner) // 2
    assert near(marked, w, 5, 5, tuple(clean[15:18]), 4)
    assert differ(png_rgb(a_frame), png_rgb(c_frame)) == 0
    # the reference audio is the track (loud), where a task without one gets a quiet bed
    _, v, _ = render(server, voiced, tmp_path, "v", ids[3])
    assert probe.probe(v).has_audio
    assert mean_volume(v) > mean_volume(a) + 15


def mean_volume(media: Path) -> float:
    err = runner.run(["-i", str(media), "-map", "0:a:0", "-af", "volumedetect", "-f", "null", "-"],
                     what="measure loudness").stderr.decode()
    return float(err.split("mean_volume:")[1].split("dB")[0])


class _Receiver(BaseHTTPRequestHandler):
    posts: list[dict] = []
    refuse = 2  # the first two `succeeded` deliveries fail
    all_in = threading.Event()  # set at the fifth delivery

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).posts.append(body)
        failing = body["status"] == "succeeded" and type(self).refuse > 0
        if failing:
            type(self).refuse -= 1
        if len(type(self).posts) == 5:
            type(self).all_in.set()
        self.send_response(500 if failing else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_callbacks_follow_every_status_and_retry_the_end(tmp_path: Path) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        with LocalServer(callbacks=CallbackPolicy(pause=0.05), allow_local_media=True) as server:
            task_id = ark_http(server, "POST", json=text_task(callback_url=url)).json()["id"]
            final = wait_status(server, task_id, {"succeeded"})
            assert _Receiver.all_in.wait(timeout=30)
            assert [p["status"] for p in _Receiver.posts] == ["queued", "running", "succeeded", "succeeded", "succeeded"]
            assert _Receiver.posts[-1] == final  # the same object as GET
            assert server.ark.stats["callback"] == 5 and server.ark.stats["callback_lost"] == 0
    finally:
        receiver.shutdown()


def test_clips_have_square_pixels(server, tmp_path: Path) -> None:
    """W×H is the picture: a first frame of another shape must not leave a non-square SAR."""
    image = make_image(tmp_path / "wide.png", 1024, 576)
    url = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    body = {"model": PRO, "resolution": "480p", "ratio": "16:9", "frames": 29,
            "content": [{"type": "text", "text": "square"},
                        {"type": "image_url", "image_url": {"url": url}, "role": "first_frame"}]}
    _, video, _ = render(server, body, tmp_path, "clip")
    info = probe.probe(video)
    assert (info.width, info.height) == (864, 480) and info.sar in ("1:1", None)
