"""A preview clip can be cut or copied at any second: an IDR keyframe every 24 frames exactly (no
scene-cut keyframes, no B-frames), and its returned last frame is its final frame as decoded."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from helpers import PRO, ark_http, wait_status
from storyfilm.localark.embedded import LocalServer
from storyfilm.mediaio import runner


def frame_types(video: Path) -> list[tuple[str, bool]]:
    """(picture type, keyframe?) of every frame, in order."""
    err = runner.run(["-i", str(video), "-vf", "showinfo", "-f", "null", "-"], what="list frames").stderr.decode()
    return [(m[2], m[1] == "1") for m in re.finditer(r"iskey:(\d) type:(\w)", err)]


def test_a_keyframe_every_second_and_no_b_frames(tmp_path: Path) -> None:
    body = {"model": PRO, "resolution": "480p", "frames": 97, "seed": 5, "return_last_frame": True,
            "content": [{"type": "text", "text": "A train crosses a bridge; the camera pans right."}]}
    with LocalServer() as server:
        task = wait_status(server, ark_http(server, "POST", json=body).json()["id"], {"succeeded", "failed"}, 60)
        assert task["status"] == "succeeded", task
        video, frame = tmp_path / "clip.mp4", tmp_path / "last.png"
        video.write_bytes(httpx.get(task["content"]["video_url"]).content)
        frame.write_bytes(httpx.get(task["content"]["last_frame_url"]).content)
    types = frame_types(video)
    assert len(types) == 97
    assert [n for n, (_, key) in enumerate(types) if key] == [0, 24, 48, 72, 96]
    assert {t for t, _ in types} == {"I", "P"}
    final = runner.run(["-i", str(video), "-vf", "select=eq(n\\,96)", "-fps_mode", "passthrough", "-frames:v", "1",
                        "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read the final frame").stdout
    assert runner.run(["-i", str(frame), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read the PNG").stdout == final
