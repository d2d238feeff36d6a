"""A film whose shots are only cut together takes its sound shot by shot (join_sound.py): the
same samples, to the byte, as the whole-film mixing graph, so every shot's sound starts and ends
on its picture's frames; each shot's piece is cached by its content and reused wherever the shot
lands; a damaged piece is decoded again; and the film still reaches its loudness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import flip_byte
from storyfilm.assembly import join_sound, smart_graph, sound, timeline
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Transition, Trim, assemble
from storyfilm.assembly.ffmpeg_graph import RAW_PCM_INPUT, Source, audio_args, measure_args
from storyfilm.assembly.join_cache import JoinCache
from storyfilm.mediaio import runner

W, H, FPS = 64, 36, 24
SPF = 48_000 // FPS  # samples per film frame


def _clip(path: Path, frames: int, *, tone: int | None, fps: int = FPS) -> Path:
    """A test picture `frames` long at `fps`, with a tone at `tone` Hz (44.1 kHz mono, so the
    sound is resampled and upmixed) or no audio stream at all."""
    audio = ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100", "-c:a", "aac", "-ac", "1"] if tone else []
    video = [a for k, v in smart_graph.video_options(fps).items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={fps}", *audio, "-frames:v", str(frames),
                "-t", f"{frames / fps}", *video, "-y", str(path)], what="make a test clip")
    return path


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> tuple[list[ClipIn], list[Source], list[int]]:
    """a; b chained to it; c silent; d trimmed at both ends; e at another frame rate, chained."""
    work = tmp_path_factory.mktemp("sound")
    made = [(_clip(work / "a.mp4", 30, tone=330), FPS, True), (_clip(work / "b.mp4", 30, tone=550), FPS, True),
            (_clip(work / "c.mp4", 20, tone=None), FPS, False), (_clip(work / "d.mp4", 48, tone=880), FPS, True),
            (_clip(work / "e.mp4", 25, tone=220, fps=25), 25, True)]
    clips = [ClipIn(made[0][0], "a"), ClipIn(made[1][0], "b", chained=True), ClipIn(made[2][0], "c"),
             ClipIn(made[3][0], "d", trim=Trim(0.5, 1.5)), ClipIn(made[4][0], "e", chained=True)]
    sources = [Source(path, float(fps), audible) for path, fps, audible in made]
    return clips, sources, [30, 30, 20, 48, 24]


def _by_shot(clips, sources, lengths, spec, cache: JoinCache, out: Path) -> tuple[float | None, int]:
    segments = timeline.segments(clips, lengths, spec)
    planned = join_sound.plan(segments, sources, spec, cache)
    for targets, args in planned.runs:
        cache.make_all(targets, args, what="decode the shots' sound")
    join_sound.write_film(planned, out)
    summary = runner.run(measure_args(out), what="measure the sound").stderr.decode(errors="replace")
    return sound.gain_db(summary, spec.loudness), planned.missing


def test_shot_by_shot_sound_is_the_mixing_graphs_to_the_byte(shots, tmp_path: Path) -> None:
    clips, sources, lengths = shots
    spec = FilmSpec(W, H, review=False)
    segments = timeline.segments(clips, lengths, spec)
    whole = tmp_path / "whole.f32"
    summary = runner.run(audio_args(segments, sources, spec, whole), what="mix").stderr.decode()
    gain, decoded = _by_shot(clips, sources, lengths, spec, JoinCache(tmp_path / "cache"), tmp_path / "shots.f32")
    assert decoded == 5
    assert (tmp_path / "shots.f32").read_bytes() == whole.read_bytes()
    assert whole.stat().st_size == segments[-1].film_end * SPF * 2 * 4  # stereo float: the picture's length
    assert gain is not None and gain == sound.gain_db(summary, spec.loudness)


@pytest.mark.parametrize("concatf", [True, False], ids=["read in place", "ffmpeg before 5.0: copied"])
def test_the_films_sound_is_read_from_the_shots_pieces_as_one_input(shots, tmp_path: Path, monkeypatch,
                                                                    concatf: bool) -> None:
    clips, sources, lengths = shots
    spec, cache = FilmSpec(W, H, review=False), JoinCache(tmp_path / "cache")
    segments = timeline.segments(clips, lengths, spec)
    runner.run(audio_args(segments, sources, spec, tmp_path / "whole.f32"), what="mix")
    planned = join_sound.plan(segments, sources, spec, cache)
    for targets, args in planned.runs:
        cache.make_all(targets, args, what="decode the shots' sound")
    if not concatf:  # an ffmpeg without the concatf protocol, as Debian 11's 4.3
        monkeypatch.setattr(runner, "_protocols", lambda: frozenset({"file", "pipe"}))
    film = join_sound.FilmSound(planned, tmp_path)
    read = tmp_path / "read.f32"
    runner.run([*RAW_PCM_INPUT, "-i", film.url, "-c:a", "pcm_f32le", "-f", "f32le", str(read)], what="read")
    assert read.read_bytes() == (tmp_path / "whole.f32").read_bytes()
    assert (tmp_path / "film.f32").exists() is not concatf  # the film's samples copied only where they must be
    assert film.seconds == segments[-1].film_end / FPS


def test_pieces_are_reused_wherever_the_shot_lands_and_a_damaged_one_is_decoded_again(shots, tmp_path: Path) -> None:
    clips, sources, lengths = shots
    spec, cache = FilmSpec(W, H, review=False), JoinCache(tmp_path / "cache")
    first, _ = _by_shot(clips, sources, lengths, spec, cache, tmp_path / "one.f32")
    # the same shots in another order (none chained now): only the pieces whose cut changed
    # (b and e no longer drop their repeated first frame) are decoded
    order = [3, 0, 2, 1, 4]
    moved = [ClipIn(clips[i].path, clips[i].shot_id, trim=clips[i].trim) for i in order]
    _, decoded = _by_shot(moved, [sources[i] for i in order], [lengths[i] for i in order], spec, cache,
                          tmp_path / "two.f32")
    assert decoded == 2
    assert len(list((tmp_path / "cache" / "sound").glob("*/*.f32"))) == 7
    # a piece of the first film's (the cache's file names are hashes: their order says nothing)
    flip_byte(join_sound.plan(timeline.segments(clips, lengths, spec), sources, spec, cache).targets[0])
    again, decoded = _by_shot(clips, sources, lengths, spec, cache, tmp_path / "three.f32")
    assert decoded == 1 and again == first
    assert (tmp_path / "three.f32").read_bytes() == (tmp_path / "one.f32").read_bytes()


def test_a_transition_or_music_mixes_the_sound_as_a_whole(shots, tmp_path: Path) -> None:
    clips, sources, lengths = shots
    crossfaded = [*clips[:2], ClipIn(clips[2].path, "c", transition=Transition("crossfade", 0.25)), *clips[3:]]
    spec = FilmSpec(W, H, review=False)
    assert join_sound.plan(timeline.segments(crossfaded, lengths, spec), sources, spec, JoinCache(tmp_path)) is None


def test_a_cut_film_reaches_its_loudness_with_its_sound_as_long_as_its_picture(shots, tmp_path: Path) -> None:
    clips, _, _ = shots
    film = tmp_path / "film.mp4"
    report = assemble(clips, FilmSpec(W, H, review=False), film, cache_dir=tmp_path / "cache")
    assert report.join == "smart" and report.loudness_normalised
    assert len(list((tmp_path / "cache" / "sound").glob("*/*.f32"))) == 5
    text = runner.run_unchecked(["-nostats", "-i", str(film), "-map", "0:a:0", "-af", "ebur128", "-f", "null", "-"])
    assert float(re.findall(r"I:\s+(-?[\d.]+) LUFS", text)[-1]) == pytest.approx(-16, abs=1.0)
    raw = runner.run(["-i", str(film), "-map", "0:a:0", "-f", "f32le", "-"], what="decode").stdout
    assert len(raw) // 8 == pytest.approx(report.frames * SPF, abs=1024)  # AAC ends on whole 1024-sample packets
