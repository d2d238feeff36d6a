"""The stream-copy join's sound, handled as clips with AAC sound (as a model that makes sound
returns them) would test it: a click half a second into every clip. The concat demuxer copied
each clip's AAC with its encoder delay heard: the film's sound came 21 ms late at the first clip
and 27 ms later at every clip after (0.55 s out of sync by the 20th). Each click must be where
its picture is, and the sound as long as the picture."""

from __future__ import annotations

import array
import subprocess
from pathlib import Path

from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.mediaio import runner

CLIPS = 6


def _clicking(path: Path) -> Path:
    """48 frames at 24 fps, stereo AAC at 48 kHz, silent but for a 2 ms click at 0.5 s."""
    runner.run(["-f", "lavfi", "-i", "testsrc2=s=160x96:r=24", "-f", "lavfi",
                "-i", "aevalsrc='if(between(t,0.5,0.502),0.8,0)':s=48000:c=stereo", "-frames:v", "48", "-t", "2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1",
                "-c:a", "aac", "-ac", "2", "-ar", "48000", "-y", str(path)], what="make a test clip")
    return path


def _sound(film: Path) -> array.array:
    raw = subprocess.run([runner.ffmpeg_exe(), "-v", "error", "-i", str(film), "-map", "0:a:0", "-f", "s16le",
                          "-ac", "1", "-ar", "48000", "-"], capture_output=True, check=True).stdout
    return array.array("h", raw)


def _clicks(samples: array.array) -> list[float]:
    """Where each click starts, in seconds."""
    loud = [i for i, v in enumerate(samples) if abs(v) > 8000]
    return [loud[0] / 48_000] + [b / 48_000 for a, b in zip(loud, loud[1:]) if b - a > 4800]


def test_the_copied_films_sound_is_where_its_picture_is(tmp_path: Path) -> None:
    clip = _clicking(tmp_path / "clip.mp4")
    assert [round(t, 3) for t in _clicks(_sound(clip))] == [0.5]
    film = tmp_path / "film.mp4"
    report = assemble([ClipIn(clip, f"s{i}") for i in range(CLIPS)], FilmSpec(160, 96, review=False), film)
    assert report.join == "copy" and report.frames == 48 * CLIPS
    samples = _sound(film)
    late = [t - (0.5 + 2 * i) for i, t in enumerate(_clicks(samples))]
    assert len(late) == CLIPS and all(abs(d) < 0.001 for d in late), late
    assert abs(len(samples) / 48_000 - report.frames / 24) <= 1024 / 48_000  # one AAC frame
