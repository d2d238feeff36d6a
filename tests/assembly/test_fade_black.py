"""`fade_black` as written: the outgoing shot fades to black over the first half of the transition,
the incoming one up from black over the second; measured on every frame of a real film."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storyfilm.assembly.assemble import ClipIn, FilmSpec, Transition, assemble
from storyfilm.mediaio import runner

W, H = 160, 90


def _solid(path: Path, colour: str) -> Path:
    runner.run(["-f", "lavfi", "-i", f"color=c={colour}:s={W}x{H}:r=24", "-frames:v", "24", "-c:v", "libx264",
                "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", "-threads", "1", "-y", str(path)],
               what="make a test clip")
    return path


def frame_lumas(film: Path, work: Path) -> list[float]:
    """The mean Y (8-bit) of every frame of the film, in order."""
    stats = work / "lumas.txt"
    runner.run(["-i", str(film), "-vf", f"signalstats,metadata=print:file={stats}", "-f", "null", "-"],
               what="measure the film")
    return [float(v) for v in re.findall(r"lavfi\.signalstats\.YAVG=([\d.]+)", stats.read_text())]


def test_fade_black_fades_out_then_in_over_its_whole_duration(tmp_path: Path) -> None:
    light, dark = _solid(tmp_path / "light.mp4", "0xd0d0d0"), _solid(tmp_path / "dark.mp4", "0x909090")
    film = tmp_path / "fade.mp4"
    # 0.5 s at 24 fps: the two clips overlap on film frames 12-23
    assemble([ClipIn(light, "one"), ClipIn(dark, "two", transition=Transition("fade_black", 0.5))],
             FilmSpec(W, H, review=False, loudness=None), film)
    lumas = frame_lumas(film, tmp_path)
    assert len(lumas) == 36
    a, b = lumas[0], lumas[-1]
    assert a > 180 and 110 < b < 150
    # frame 12 + k is k/12 of the way: out to black by the middle, then in; linear in between
    for k in range(12):
        expected = 16 + (a - 16) * (1 - k / 6) if k < 6 else 16 + (b - 16) * (k - 6) / 6
        assert lumas[12 + k] == pytest.approx(expected, abs=4), (k, lumas[12:24])
    assert lumas[18] < 20  # black at the middle
    assert all(x == pytest.approx(a, abs=1) for x in lumas[:12])
    assert all(x == pytest.approx(b, abs=1) for x in lumas[24:])


def _toned(path: Path, colour: str, hz: int) -> Path:
    runner.run(["-f", "lavfi", "-i", f"color=c={colour}:s={W}x{H}:r=24", "-f", "lavfi",
                "-i", f"sine=f={hz}:r=48000", "-frames:v", "24", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-threads", "1", "-y", str(path)],
               what="make a test clip")
    return path


def peak_db(film: Path, start: float, seconds: float) -> float:
    """The loudest sample (dBFS) of the film's sound in [start, start + seconds)."""
    text = runner.run(["-ss", f"{start}", "-t", f"{seconds}", "-i", str(film), "-vn", "-af", "volumedetect",
                       "-f", "null", "-"], what="measure the sound").stderr.decode()
    level = re.search(r"max_volume: (-?[\d.]+|-inf) dB", text)[1]
    return float("-inf") if level == "-inf" else float(level)


def test_fade_black_dips_the_sound_to_silence_and_back(tmp_path: Path) -> None:
    one, two = _toned(tmp_path / "one.mp4", "white", 440), _toned(tmp_path / "two.mp4", "gray", 660)
    film = tmp_path / "fade.mp4"
    # the 0.5 s fade through black runs from 0.5 s to 1 s; its middle is 0.75 s
    assemble([ClipIn(one, "one"), ClipIn(two, "two", transition=Transition("fade_black", 0.5))],
             FilmSpec(W, H, review=False, loudness=None), film)
    before, middle, after = peak_db(film, 0.1, 0.3), peak_db(film, 0.74, 0.02), peak_db(film, 1.1, 0.3)
    assert before > -25 and after > -25  # the tones at their level (lavfi sine: about -18 dBFS)
    assert middle < before - 25  # near silence at the middle, not a crossfade's full level
    # a crossfade keeps the level up through its middle: the dip is the transition's, not the tone's
    crossfaded = tmp_path / "cross.mp4"
    assemble([ClipIn(one, "one"), ClipIn(two, "two", transition=Transition("crossfade", 0.5))],
             FilmSpec(W, H, review=False, loudness=None), crossfaded)
    assert peak_db(crossfaded, 0.74, 0.02) > before - 10
