"""probe: what ffmpeg says a file holds, and the exact frame counts; peak_levels: how loud."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import probe, runner


def make(path: Path, *args: str) -> Path:
    runner.run([*args, "-fflags", "+bitexact", "-y", str(path)], what=f"make {path.name}")
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    chapters = d / "chapters.txt"
    chapters.write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=Opening\n"
                        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Close\n")
    return {
        "mp4": make(d / "clip.mp4", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-f", "lavfi",
                    "-i", "sine=f=440:r=48000", "-f", "ffmetadata", "-i", str(chapters), "-map", "0:v", "-map", "1:a",
                    "-map_chapters", "2", "-frames:v", "24", "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2"),
        "mkv": make(d / "clip.mkv", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=30", "-frames:v", "17",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        "silence": make(d / "silence.wav", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "0.5"),
        "tone": make(d / "tone.wav", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=0.5", "-af", "volume=-6dB"),
    }


def test_an_mp4_with_sound_and_chapters(media) -> None:
    info = probe.probe(media["mp4"])
    assert info == probe.MediaInfo(
        duration=info.duration, width=320, height=180, fps=24.0, frames=24, has_audio=True, audio_rate=48000,
        audio_channels=2, video_codec="h264 (Constrained Baseline)", pix_fmt="yuv420p", sar="1:1", audio_codec="aac",
        chapters=(("Opening", 0.0, 0.5), ("Close", 0.5, 1.0)))
    assert 1.0 <= info.duration < 1.05


def test_frames_counted_by_a_stream_copy_when_there_are_no_mp4_boxes(media) -> None:
    info = probe.probe(media["mkv"])
    assert (info.width, info.height, info.fps, info.frames, info.has_audio) == (160, 90, 30.0, 17, False)
    assert probe.probe(media["mkv"], count_frames=False).frames is None


def test_sound_alone(media) -> None:
    info = probe.probe(media["silence"])
    assert info == probe.MediaInfo(duration=0.5, width=None, height=None, fps=None, frames=None, has_audio=True,
                                   audio_rate=44100, audio_channels=1, audio_codec="pcm_s16le")


def test_many_files_keep_their_order(media) -> None:
    paths = [media["mkv"], media["mp4"], media["mkv"]]
    assert probe.probe_many(paths) == [probe.probe(p) for p in paths]
    assert probe.probe_many([]) == []


def test_a_file_ffmpeg_cannot_read_is_named(media, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(FfmpegError) as err:
        probe.probe_many([media["mp4"], junk])
    assert str(err.value) == f"cannot read media {junk}: Error opening input files: Invalid data found when processing input"


def test_peak_levels(media) -> None:
    silence, tone, music = probe.peak_levels([media["silence"], media["tone"], media["mp4"]])
    assert silence == -91.0  # volumedetect's floor for 16-bit digital silence
    assert tone == pytest.approx(-18.1 - 6.0, abs=0.2)  # lavfi's sine peaks at 1/8 (-18.1 dBFS)
    assert -22 < music < -18  # the same tone, upmixed to stereo and through AAC
    assert probe.peak_levels([]) == []


def test_argv() -> None:
    a, b = Path("/m/a.mp4"), Path("/m/b.mp4")
    assert probe.count_frames_args([a, b]) == [
        "-v", "verbose", "-i", "/m/a.mp4", "-i", "/m/b.mp4",
        "-map", "0:v:0", "-c", "copy", "-f", "null", "-", "-map", "1:v:0", "-c", "copy", "-f", "null", "-"]
    assert probe.peak_levels_args([a, b]) == [
        "-i", "/m/a.mp4", "-i", "/m/b.mp4", "-filter_complex", "[0:a:0]volumedetect[o0];[1:a:0]volumedetect[o1]",
        "-map", "[o0]", "-f", "null", "-", "-map", "[o1]", "-f", "null", "-"]


def test_a_file_read_once_is_not_read_again_until_it_changes(tmp_path: Path, monkeypatch) -> None:
    """A film run reads each clip when it lands, at the join and for the review page: one ffmpeg
    read is enough while the file stays as it was; a file written anew is read anew."""
    clip = tmp_path / "clip.mp4"

    def make(frames: int) -> None:
        runner.run(["-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-frames:v", str(frames), "-c:v", "libx264",
                    "-y", str(clip)], what="make a clip")

    make(12)
    reads = []
    real = runner.run_unchecked
    monkeypatch.setattr(runner, "run_unchecked", lambda args, **kw: reads.append(args) or real(args, **kw))
    first = probe.probe(clip)
    assert probe.probe_many([clip, clip]) == [first, first] and first.frames == 12
    assert len(reads) == 1
    make(30)
    assert probe.probe(clip).frames == 30 and len(reads) == 2
