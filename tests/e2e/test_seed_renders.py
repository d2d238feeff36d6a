"""Seeds 001 and 002 (Ark v3, the default profile) render as shipped, over real HTTP, with local
stand-ins for the documents' internet media (this machine is offline): the stand-ins have the
documents' kinds and shapes (the reference video, which the service takes only by URL, is an
asset:// URI served by the local asset library), and everything else (prompts, text commands, parameters) is as
written. The bodies themselves are pinned against the documents in
tests/storyboard/test_seed_examples.py."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO, make_image, render_story
from storyfilm.localark.embedded import LocalServer
from storyfilm.mediaio import probe, runner

SEEDS = REPO / "storyboards" / "seeds"


def _local_copy(name: str, folder: Path, stand_ins: dict[str, str]) -> Path:
    """The shipped storyboard with each https URL replaced by the stand-in for its file name."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    text = re.sub(r"https://\S+/([^/\s]+)", lambda m: stand_ins[m.group(1)], text)
    story = folder / name
    story.write_text(text, encoding="utf-8")
    return story


def test_seed_002_loop_renders_three_chained_shots(tmp_path: Path) -> None:
    make_image(tmp_path / "foxgirl.png", 1080, 1440)
    story = _local_copy("seed-002-loop.yaml", tmp_path, {"i2v_foxrgirl.png": "foxgirl.png"})
    with LocalServer() as ark:
        run = render_story(story, ark)
        assert ark.ark.stats["create"] == 3
    info = probe.probe(run.output)
    frames = run.results["hug"].job.frames
    assert info.frames == 3 * frames - 2  # each chained shot starts on the last frame: shown once
    assert (info.width, info.height) == (run.results["hug"].job.width, run.results["hug"].job.height)


def test_seed_001_tea_ad_renders_from_its_four_references(tmp_path: Path) -> None:
    make_image(tmp_path / "pic1.jpg", 1024, 768)
    make_image(tmp_path / "pic2.jpg", 768, 1024, color="0xaa6633")
    runner.run(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration=4", "-pix_fmt", "yuv420p",
                "-c:v", "libx264", "-preset", "ultrafast", "-y", str(tmp_path / "pov.mp4")], what="make a video")
    runner.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "libmp3lame", "-y",
                str(tmp_path / "music.mp3")], what="make a song")
    story = _local_copy("seed-001-tea-ad.yaml", tmp_path, {
        "r2v_tea_pic1.jpg": "pic1.jpg", "r2v_tea_pic2.jpg": "pic2.jpg",
        "0e80a635b859e7716671a40d836135.mp4": "asset://pov.mp4", "r2v_tea_audio1.mp3": "music.mp3"})
    with LocalServer(assets=tmp_path) as ark:  # a video is sent by URL only: here from the asset library
        run = render_story(story, ark)
        assert ark.ark.stats["create"] == 1
    info = probe.probe(run.output)
    job = run.results["tea-ad"].job
    assert (info.width, info.height) == (job.width, job.height) and job.width / job.height > 2.2  # 21:9
    assert abs(info.duration - 11) < 0.1 and info.has_audio
