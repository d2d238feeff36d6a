"""A cut-only film's sound is made as its clips land (sound_ahead.py): the join that follows then
decodes no shot's sound, encodes no piece of AAC and runs no meter, and writes the very film a
join from nothing writes. Clips that land out of order, a shot that never lands, a meter that
dies or stops reading, and a film whose sound is mixed all end in that same film."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from storyfilm.assembly import sound_ahead, smart_graph
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Transition, assemble
from storyfilm.assembly.sound_ahead import SoundAhead
from storyfilm.mediaio import runner

from helpers import ffmpeg_children

METER = (b"pipe:0", b"ebur128=peak=sample")  # what the meter's command line holds, and no other ffmpeg's
W, H, FPS, SHOTS = 64, 36, 24, 12  # 12 chained 2 s shots: 23.5 s of film, two pieces of AAC and a last one


def _toned_clip(path: Path, hz: int, *, volume: float = 1) -> Path:
    """A 2 s test picture in the join's own encoding (copied as it is) with a tone at `hz`."""
    video = [a for k, v in smart_graph.video_options(FPS).items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}", "-f", "lavfi", "-i", f"sine=f={hz}:r=48000",
                "-frames:v", str(2 * FPS), "-t", "2", *video, "-af", f"volume={volume}", "-c:a", "aac", "-ac", "2",
                "-y", str(path)], what="make a test clip")
    return path


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> list[ClipIn]:
    work = tmp_path_factory.mktemp("chain")
    return [ClipIn(_toned_clip(work / f"shot{k:02d}.mp4", 220 + 55 * k), f"s{k}", chained=k > 0) for k in range(SHOTS)]


@pytest.fixture(scope="module")
def cold(chain, tmp_path_factory) -> bytes:
    """The film joined from nothing."""
    work = tmp_path_factory.mktemp("cold")
    report = assemble(chain, FilmSpec(W, H, review=False), work / "film.mp4", cache_dir=work / "cache")
    assert report.join == "smart" and report.sound_shots_decoded == SHOTS and report.sound_measured
    assert report.sound_pieces_encoded >= 2
    return (work / "film.mp4").read_bytes()


def _film_run(clips: list[ClipIn], landing: list[ClipIn], cache: Path, out: Path, *, spec: FilmSpec | None = None,
              between=None):
    """Hand `landing` in as a render would (one clip at a time, each taken before the next lands),
    then finish and join the film `clips` as a film run does."""
    spec = spec or FilmSpec(W, H, review=False)
    with SoundAhead(spec, cache, clips) as ahead:
        for n, clip in enumerate(landing):
            ahead.landed(clip.shot_id, clip.path, None)
            ahead.caught_up()
            if between:
                between(n)
        ahead.finish()
    return assemble(clips, spec, out, cache_dir=cache)


def test_a_film_run_leaves_the_join_no_sound_to_make(chain, cold, tmp_path: Path) -> None:
    report = _film_run(chain, chain, tmp_path / "cache", tmp_path / "film.mp4")
    assert (report.sound_shots_decoded, report.sound_pieces_encoded, report.sound_measured) == (0, 0, False)
    assert report.frames_encoded == 0
    assert (tmp_path / "film.mp4").read_bytes() == cold


def test_clips_landing_out_of_order_are_followed_in_film_order(chain, cold, tmp_path: Path) -> None:
    order = [chain[k] for k in (3, 0, 1, 7, 2, 11, 4, 5, 6, 10, 9, 8)]
    report = _film_run(chain, order, tmp_path / "cache", tmp_path / "film.mp4")
    assert (report.sound_shots_decoded, report.sound_pieces_encoded, report.sound_measured) == (0, 0, False)
    assert (tmp_path / "film.mp4").read_bytes() == cold


def test_a_shot_that_never_lands_is_made_by_the_join(chain, cold, tmp_path: Path) -> None:
    """Shot 9 (17.6 s in) never lands: the first piece (to the end of shot 5, 11.8 s) was made
    ahead, the one that holds shot 9 was not, and the meter never read the whole film."""
    landing = [clip for clip in chain if clip.shot_id != "s9"]
    report = _film_run(chain, landing, tmp_path / "cache", tmp_path / "film.mp4")
    assert report.sound_shots_decoded == 1 and report.sound_measured
    full = assemble(chain, FilmSpec(W, H, review=False), tmp_path / "again.mp4", cache_dir=tmp_path / "cold")
    assert report.sound_pieces_encoded == full.sound_pieces_encoded - 1 >= 1
    assert (tmp_path / "film.mp4").read_bytes() == cold


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
def test_a_meter_that_dies_leaves_the_measure_to_the_join(chain, cold, tmp_path: Path) -> None:
    def kill_the_meter(n: int) -> None:
        if n == 3:  # the first clips are taken: the meter reads
            pids = ffmpeg_children(*METER)
            assert pids, "the meter should be reading the film's first shots"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)

    report = _film_run(chain, chain, tmp_path / "cache", tmp_path / "film.mp4", between=kill_the_meter)
    assert report.sound_measured and report.sound_shots_decoded == 0
    assert (tmp_path / "film.mp4").read_bytes() == cold
    assert not ffmpeg_children(*METER)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
def test_a_meter_that_stops_reading_does_not_hold_up_the_film(chain, cold, tmp_path: Path, monkeypatch) -> None:
    """A meter stopped (SIGSTOP) with its pipe full: `finish` gives up on it after FINISH_SECONDS."""
    monkeypatch.setattr(sound_ahead, "FINISH_SECONDS", 2.0)
    spec, cache = FilmSpec(W, H, review=False), tmp_path / "cache"
    with SoundAhead(spec, cache, chain) as ahead:
        ahead.landed(chain[0].shot_id, chain[0].path, None)
        ahead.caught_up()
        for pid in ffmpeg_children(*METER):
            os.kill(pid, signal.SIGSTOP)
        for clip in chain[1:3]:  # the first is written into the stopped meter, the second waits behind it
            ahead.landed(clip.shot_id, clip.path, None)
        started = time.monotonic()
        ahead.finish()
        assert time.monotonic() - started < 60  # FINISH_SECONDS, then the meter is killed
    assert not ffmpeg_children(*METER)
    report = assemble(chain, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert report.sound_measured
    assert (tmp_path / "film.mp4").read_bytes() == cold


def test_a_film_whose_sound_is_mixed_makes_nothing_ahead(chain, tmp_path: Path) -> None:
    """A crossfade mixes two shots' sound: the film's sound is made whole, by the join."""
    faded = [*chain[:3], ClipIn(chain[3].path, "s3", transition=Transition("crossfade", 0.5)), *chain[4:6]]
    cache = tmp_path / "cache"
    with SoundAhead(FilmSpec(W, H, review=False), cache, faded) as ahead:
        for clip in faded:
            ahead.landed(clip.shot_id, clip.path, None)
        ahead.finish()
    assert not any(p.is_file() for kind in ("sound", "aac", "loudness") for p in (cache / kind).rglob("*"))
    report = assemble(faded, FilmSpec(W, H, review=False), tmp_path / "film.mp4", cache_dir=cache)
    assert report.join == "smart" and report.loudness_normalised


def test_a_cancelled_film_leaves_no_meter_and_no_partial_entry(chain, cold, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with SoundAhead(FilmSpec(W, H, review=False), cache, chain) as ahead:
        for clip in chain:
            ahead.landed(clip.shot_id, clip.path, None)
        time.sleep(0.5)
        ahead.cancel()
    assert not ffmpeg_children(*METER)
    assert not [p for p in cache.rglob("*") if p.is_file() and not p.name.endswith((".f32", ".aac", ".sha256"))]
    assemble(chain, FilmSpec(W, H, review=False), tmp_path / "film.mp4", cache_dir=cache)
    assert (tmp_path / "film.mp4").read_bytes() == cold


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
def test_a_film_stopped_while_the_meter_hangs_stops_at_once(chain, tmp_path: Path) -> None:
    """Ctrl-C (the film's ExitStack cancels) while the background thread is blocked writing into a
    meter that stopped reading: the meter is killed first, so the thread and the film end."""
    with SoundAhead(FilmSpec(W, H, review=False), tmp_path / "cache", chain) as ahead:
        ahead.landed(chain[0].shot_id, chain[0].path, None)
        ahead.caught_up()
        for pid in ffmpeg_children(*METER):
            os.kill(pid, signal.SIGSTOP)
        for clip in chain[1:]:
            ahead.landed(clip.shot_id, clip.path, None)
        time.sleep(0.5)  # the thread is writing shot 1's sound into the stopped meter's full pipe
        started = time.monotonic()
        ahead.cancel()
        assert time.monotonic() - started < 30  # without the kill: for ever
    assert not ffmpeg_children(*METER)


def test_a_shot_landing_again_with_another_clip_is_not_measured_as_the_first(chain, tmp_path: Path) -> None:
    """Shot 1 lands, then lands again with another clip (a louder tone) after the meter read the
    first: the measure kept must be the film's with the second clip, so the meter's is dropped."""
    louder = _toned_clip(tmp_path / "louder.mp4", 440, volume=8)
    film = [chain[0], ClipIn(louder, "s1", chained=True), *chain[2:]]
    spec = FilmSpec(W, H, review=False)
    cache = tmp_path / "cache"
    with SoundAhead(spec, cache, chain) as ahead:
        for clip in chain:
            ahead.landed(clip.shot_id, clip.path, None)
        ahead.caught_up()
        ahead.landed("s1", louder, None)
        ahead.finish()
    report = assemble(film, spec, tmp_path / "film.mp4", cache_dir=cache)
    cold = assemble(film, spec, tmp_path / "cold.mp4", cache_dir=tmp_path / "cold")
    assert report.sound_shots_decoded == 0 and report.sound_measured
    assert (tmp_path / "film.mp4").read_bytes() == (tmp_path / "cold.mp4").read_bytes()
    assert cold.sound_measured


def test_clips_landing_all_at_once_are_left_to_the_join(chain, cold, tmp_path: Path) -> None:
    """A film of cached shots hands every clip in just before its join: the join, two runs at a
    time, makes their sound sooner than the one background thread would, so `finish` waits for
    none of those still queued (it would have made them all: 0 decoded by the join)."""
    spec = FilmSpec(W, H, review=False)
    with SoundAhead(spec, tmp_path / "cache", chain) as ahead:
        for clip in chain:
            ahead.landed(clip.shot_id, clip.path, None)
        ahead.finish()
    report = assemble(chain, spec, tmp_path / "film.mp4", cache_dir=tmp_path / "cache")
    assert report.sound_shots_decoded >= 1 and report.sound_measured
    assert (tmp_path / "film.mp4").read_bytes() == cold
