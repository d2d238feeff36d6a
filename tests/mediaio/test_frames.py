"""frames: a video's last frame, exactly as decoded."""

from __future__ import annotations

from pathlib import Path

from helpers import extract_frame, psnr
from storyfilm.mediaio import frames, images, runner


def test_the_last_frame_is_the_last_decoded_frame(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    runner.run(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24", "-frames:v", "30", "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(video)], what="make a clip")
    last = tmp_path / "last.png"
    frames.extract_last_frame(video, last)
    assert images.sniff(last.read_bytes()) == images.ImageInfo("png", 160, 90)
    assert psnr(last, extract_frame(video, 29, tmp_path / "f29.png")) == float("inf")
    assert psnr(last, extract_frame(video, 28, tmp_path / "f28.png")) < 40  # testsrc2 moves every frame


def test_argv() -> None:
    assert frames.last_frame_args(Path("/v/a.mp4"), Path("/o/a.png")) == [
        "-sseof", "-1", "-i", "/v/a.mp4", "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
        "-y", "/o/a.png"]
