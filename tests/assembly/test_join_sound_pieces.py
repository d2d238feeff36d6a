"""A film whose shots are only cut together gets its AAC from pieces encoded once and cached
(aac_pieces.py): the pieces join without a click (the decoded film is as close to its source
sound at every cut as one whole-film encode is), the film's sound is exactly as long as its
picture, a click lands on the very sample it does in a whole-film encode, the bytes do not
depend on what was cached, and an edit encodes again only the pieces it touches, even when it
moves the film's gain (written into the spliced frames, in steps of aac_gain.STEP_DB)."""

from __future__ import annotations

import math
import re
from array import array
from pathlib import Path

import pytest

from helpers import flip_byte

from storyfilm.assembly import aac_pieces, join_sound, smart, smart_graph, timeline
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.assembly.ffmpeg_graph import RAW_PCM_INPUT, Extras, Source
from storyfilm.assembly.join_cache import JoinCache
from storyfilm.mediaio import aac_gain, adts, mp4box, runner

W, H, FPS = 64, 36, 24
SPF = 48_000 // FPS
# tones and a glide (waveform error is meaningful for them, unlike noise, which AAC may replace
# with noise of its own), and a click on a known frame of each shot
SOUND = "{vol}*(0.15*sin(2*PI*{f}*t)+0.1*sin(2*PI*1234.5*t)+0.05*sin(2*PI*(200+300*t)*t))+0.8*between(n\\,{click}\\,{click}+3)"
SHOTS = [(30, 330, 9000), (41, 550, 19456), (27, 440, 100), (35, 660, 12000), (30, 880, 29000)]  # frames, Hz, click


def _clip(path: Path, frames: int, tone: int, click: int, vol: float = 1.0) -> Path:
    video = [a for k, v in smart_graph.video_options(FPS).items() for a in (f"-{k}", str(v))]
    sound = SOUND.format(f=tone, click=click, vol=vol)
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}", "-f", "lavfi",
                "-i", f"aevalsrc=exprs={sound}|{sound}:s=48000", "-frames:v", str(frames), "-t", f"{frames / FPS}",
                *video, "-c:a", "aac", "-b:a", "256k", "-y", str(path)], what="make a test clip")
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[ClipIn]:
    work = tmp_path_factory.mktemp("pieces")
    # chained: the join drops each repeated first frame, so it is a smart join, not a bare copy
    return [ClipIn(_clip(work / f"{n}.mp4", *shot), f"s{n}", chained=n > 0) for n, shot in enumerate(SHOTS)]


@pytest.fixture()
def one_second_pieces(monkeypatch):
    monkeypatch.setattr(aac_pieces, "PIECE_SECONDS", 1)  # a short film, cut into several pieces
    monkeypatch.setattr(aac_pieces, "PIECES_PER_RUN", 2)


def _decoded(path: Path, *inputs: str, filters: tuple[str, ...] = ()) -> array:
    return array("f", runner.run([*inputs, "-i", str(path), "-map", "0:a:0", *filters, "-f", "f32le", "-"],
                                 what="decode").stdout)


def _steps(gain_db: float) -> int:
    return round(gain_db / aac_gain.STEP_DB)


def _source_and_whole(clips: list[ClipIn], spec: FilmSpec, cache: Path, work: Path, steps: int) -> tuple[array, array]:
    """The film's sound before encoding (gain applied), and one whole-film AAC encode of it made the
    way the pieces are (two mono encodes, their frames paired and the gain written in by aac_gain)."""
    sources = [Source(c.path, float(FPS), True) for c in clips]
    segments = _segments(clips, spec)
    pcm = work / "film.f32"
    join_sound.write_film(join_sound.plan(segments, sources, spec, JoinCache(cache)), pcm)
    argv, channels = [*RAW_PCM_INPUT, "-i", str(pcm)], []
    for name, channel in aac_pieces.CHANNELS.items():
        channels.append(work / f"whole.{name}.aac")
        argv += ["-map", "0:a:0", "-filter:a", f"pan=mono|c0={channel}", *aac_pieces.ENCODER, "-f", "adts", "-y",
                 str(channels[-1])]
    runner.run(argv, what="encode the film's sound whole")
    left, right = (adts.frames(path.read_bytes()) for path in channels)
    whole = work / "whole.aac"
    whole.write_bytes(b"".join(aac_gain.stereo(a, b, steps).data for a, b in zip(left, right)))
    source = _decoded(pcm, *RAW_PCM_INPUT, filters=("-af", f"volume={steps * aac_gain.STEP_DB:.6f}dB"))
    return source, _decoded(whole)[2 * 1024:2 * 1024 + len(source)]  # its priming frame, and past the end, cut off


def _error_db(decoded: array, source: array, at: int, half: int = 1024) -> float:
    """Error energy against the signal's, in dB, over samples [at - half, at + half) of both channels."""
    span = range(2 * (at - half), 2 * (at + half))
    error = sum((decoded[i] - source[i]) ** 2 for i in span)
    return 10 * math.log10(error / sum(source[i] ** 2 for i in span))


def _loudest(decoded: array, around: int, half: int = 600) -> int:
    return max(range(around - half, around + half), key=lambda n: abs(decoded[2 * n]))


def test_pieces_join_without_a_click_at_the_right_length_and_samples(clips, one_second_pieces, tmp_path: Path) -> None:
    spec, film = FilmSpec(W, H, review=False), tmp_path / "film.mp4"
    report = smart_join(clips, spec, film, tmp_path / "cache")
    assert report.sound_pieces == 5  # the 159 frames' sound in pieces of >= 1 s
    decoded = _decoded(film)
    segments = _segments(clips, spec)
    assert len(decoded) == segments[-1].film_end * SPF * 2  # the picture's length, not a whole AAC frame more
    assert report.gain_db is not None and abs(report.gain_db / aac_gain.STEP_DB - _steps(report.gain_db)) < 0.01
    source, whole = _source_and_whole(clips, spec, tmp_path / "cache", tmp_path, _steps(report.gain_db))
    assert len(whole) == len(decoded) == len(source)
    for seg in segments[1:]:  # every cut between pieces: each shot's end, on the AAC frame grid
        cut = seg.film_start * SPF // 1024 * 1024
        ours, theirs = _error_db(decoded, source, cut), _error_db(whole, source, cut)
        assert ours < -20 and ours <= theirs + 3, (cut, ours, theirs)
    # each shot's click, decoded: on the sample a whole-film encode puts it (and the source has it)
    for seg, (_, _, click) in zip(segments, SHOTS):
        at = (seg.film_start - seg.start) * SPF + click
        assert _loudest(decoded, at) == _loudest(whole, at)
        assert abs(_loudest(whole, at) - _loudest(source, at)) <= 2


def test_the_same_film_from_a_warm_cache_or_a_cold_one_has_the_same_bytes(clips, one_second_pieces,
                                                                          tmp_path: Path) -> None:
    spec, cache = FilmSpec(W, H, review=False), tmp_path / "cache"
    report = assemble(clips, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert report.join == "smart" and report.loudness_normalised
    assert smart_join(clips, spec, tmp_path / "one.mp4", cache).sound_encoded == 0  # assemble made them
    again = smart_join(clips, spec, tmp_path / "two.mp4", cache)
    assert again.sound_pieces == 5 and again.sound_encoded == 0
    smart_join(clips, spec, tmp_path / "three.mp4", tmp_path / "other")
    assert (tmp_path / "one.mp4").read_bytes() == (tmp_path / "two.mp4").read_bytes()
    assert (tmp_path / "one.mp4").read_bytes() == (tmp_path / "three.mp4").read_bytes()


def test_an_edit_encodes_again_only_the_pieces_it_touches(clips, one_second_pieces, tmp_path: Path) -> None:
    spec, cache = FilmSpec(W, H, review=False), tmp_path / "cache"
    first = smart_join(clips, spec, tmp_path / "before.mp4", cache)
    assert first.sound_encoded == first.sound_pieces == 5
    # the last shot replaced by one as loud: the film's gain stays; its piece and the one whose
    # post-roll reaches into it are the only ones encoded
    edited = [*clips[:-1], ClipIn(_clip(tmp_path / "new.mp4", 30, 880, 4000), "s4", chained=True)]
    again = smart_join(edited, spec, tmp_path / "after.mp4", cache)
    assert again.gain_db == first.gain_db and again.sound_encoded == 2
    fresh = smart_join(edited, spec, tmp_path / "fresh.mp4", tmp_path / "cold")
    assert (tmp_path / "after.mp4").read_bytes() == (tmp_path / "fresh.mp4").read_bytes()
    # a louder last shot moves the film's loudness: the gain is written into the frames, so again
    # only the two pieces the edit touches are encoded, and the film is the one a cold join makes
    louder = [*clips[:-1], ClipIn(_clip(tmp_path / "loud.mp4", 30, 880, 4000, vol=3), "s4", chained=True)]
    moved = smart_join(louder, spec, tmp_path / "moved.mp4", cache)
    assert moved.gain_db != first.gain_db and moved.sound_encoded == 2
    assert smart_join(louder, spec, tmp_path / "cold.mp4", tmp_path / "cold2").sound_encoded == 5
    assert (tmp_path / "moved.mp4").read_bytes() == (tmp_path / "cold.mp4").read_bytes()
    assert fresh.sound_pieces == 5


def _segments(clips: list[ClipIn], spec: FilmSpec) -> list[timeline.Segment]:
    return timeline.segments(clips, [mp4box.describe(c.path).video.frames for c in clips], spec)


def smart_join(clips: list[ClipIn], spec: FilmSpec, out: Path, cache: Path) -> smart.Joined:
    """The smart join itself (what `assemble` reports leaves out: the sound's pieces)."""
    sources = [Source(c.path, float(FPS), mp4box.describe(c.path).audio is not None) for c in clips]
    work = out.with_suffix(".work")
    work.mkdir()
    return smart.join(_segments(clips, spec), sources, spec, out, Extras(), work, cache_dir=cache)


def test_a_damaged_piece_is_encoded_again_and_the_film_is_the_same(clips, one_second_pieces, tmp_path: Path) -> None:
    spec, cache = FilmSpec(W, H, review=False), tmp_path / "cache"
    smart_join(clips, spec, tmp_path / "one.mp4", cache)
    pieces = sorted((cache / "aac").glob("*/*.aac"))  # each piece's left then right channel
    flip_byte(pieces[2])
    pieces[5].write_bytes(pieces[5].read_bytes()[:100])  # another piece's, cut short, as by a full disk
    again = smart_join(clips, spec, tmp_path / "two.mp4", cache)
    assert again.sound_encoded == 2
    assert (tmp_path / "one.mp4").read_bytes() == (tmp_path / "two.mp4").read_bytes()


def _loudness(film: Path) -> float:
    """The film's integrated loudness (LUFS), measured on its decoded sound."""
    summary = runner.run(["-i", str(film), "-map", "0:a:0", "-af", "ebur128", "-f", "null", "-"],
                         what="measure the film's loudness").stderr.decode(errors="replace")
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", summary)[-1])


def test_a_new_loudness_encodes_no_piece_and_the_film_lands_within_three_quarters_of_a_lu(
        clips, one_second_pieces, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = smart_join(clips, FilmSpec(W, H, review=False), tmp_path / "first.mp4", cache)
    assert abs(_loudness(tmp_path / "first.mp4") - -16.0) <= 0.75
    # the storyboard asks for a quieter film: the gain moves, written into the cached pieces' frames
    quieter = FilmSpec(W, H, review=False, loudness=-21.0)
    again = smart_join(clips, quieter, tmp_path / "quieter.mp4", cache)
    assert again.gain_db != first.gain_db and again.sound_pieces == 5 and again.sound_encoded == 0
    assert abs(_loudness(tmp_path / "quieter.mp4") - -21.0) <= 0.75
    assert smart_join(clips, quieter, tmp_path / "cold.mp4", tmp_path / "cold").sound_encoded == 5
    assert (tmp_path / "quieter.mp4").read_bytes() == (tmp_path / "cold.mp4").read_bytes()


def test_a_long_take_of_like_shots_encodes_each_identical_piece_once(tmp_path: Path) -> None:
    """60 chained shots of one clip (a long take on a service that renders alike): from the third
    piece on, every few pieces hold the same sound on the same frame grid, and two of them in one
    encode run wrote one partial file, so the film (200 shots of a single scene) was not made."""
    clip = _clip(tmp_path / "take.mp4", 49, 440, 100)
    clips = [ClipIn(clip, "s0"), *(ClipIn(clip, f"s{n}", chained=True) for n in range(1, 60))]
    spec = FilmSpec(W, H, review=False)
    joined = smart_join(clips, spec, tmp_path / "take-film.mp4", tmp_path / "cache")
    frames = 49 + 59 * 48
    assert (joined.copied + joined.encoded + joined.reused) == frames
    assert joined.sound_pieces == 12 and joined.sound_encoded == 5  # the distinct pieces, each once
    assert len(_decoded(tmp_path / "take-film.mp4")) == frames * SPF * 2  # stereo: as long as the picture
