"""frames: a video's final frame, exactly as decoded, whichever way it is found: from the keyframe
before it (the frame count and rate known: the local server's clips, or the MP4's boxes of a
service clip, B-frames and edit list included) or from the last second (neither known)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm.mediaio import frames, h264, images, runner

FPS = 24


def _preview_clip(path: Path, count: int) -> Path:
    """A moving picture (each frame unlike its neighbours) in the local server's own encoding."""
    video = [a for k, v in h264.video_options(FPS).items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s=160x96:r={FPS}", "-frames:v", str(count), *video,
                "-movflags", "+faststart", "-y", str(path)], what="make a test clip")
    return path


def _decoded(video: Path, index: int) -> bytes:
    return runner.run(["-i", str(video), "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read a frame").stdout


def _pixels(png: Path) -> bytes:
    return runner.run(["-i", str(png), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read the PNG").stdout


@pytest.mark.parametrize("count", [1, 23, 24, 25, 49])
def test_a_preview_clips_final_frame_from_its_last_gop(tmp_path: Path, count: int) -> None:
    video, png = _preview_clip(tmp_path / "clip.mp4", count), tmp_path / "last.png"
    frames.extract_last_frame(video, png, count, FPS, png_level=1)
    assert _pixels(png) == _decoded(video, count - 1)
    if count > 1:  # the picture moves: the frame before is another picture
        assert _pixels(png) != _decoded(video, count - 2)


@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_a_service_clips_final_frame(tmp_path: Path, container: str) -> None:
    """x264's defaults (B-frames, a 250-frame GOP, an edit list in the MP4); the frame count and
    rate come from the MP4's boxes, and a Matroska file (no boxes) is decoded from its last second."""
    video, png = tmp_path / f"v.{container}", tmp_path / "last.png"
    runner.run(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24", "-frames:v", "61", "-c:v", "libx264",
                "-preset", "medium", "-pix_fmt", "yuv420p", "-y", str(video)], what="make a clip")
    frames.extract_last_frame(video, png)
    assert images.sniff(png.read_bytes()) == images.ImageInfo("png", 160, 90)
    assert _pixels(png) == _decoded(video, 60)
    assert _pixels(png) != _decoded(video, 59)


def test_argv() -> None:
    assert frames.last_frame_args(Path("/v/a.mp4"), Path("/o/a.png")) == [
        "-sseof", "-1", "-i", "/v/a.mp4", "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
        "-y", "/o/a.png"]
    assert frames.last_frame_args(Path("/v/a.mp4"), Path("/o/a.png"), 48, 24.0, png_level=1) == [
        "-threads", "1", "-ss", "1.937500", "-i", "/v/a.mp4", "-map", "0:v:0", "-frames:v", "1",
        "-fps_mode", "passthrough", "-compression_level", "1", "-y", "/o/a.png"]
