"""The film's sound for a smart join, made shot by shot when nothing mixes two sounds.

    plan(segments, sources, spec, cache) -> ShotSounds | None
    FilmSound(shot_sounds, work).url                  the film's sound as one ffmpeg input (raw PCM)
    film_gain(shot_sounds, spec, cache, film) -> (gain in dB or None, measured now)
    measure_entry(targets, cache), summary(printed)   where a film's measure is kept, and what of it

One ffmpeg graph with every clip as an input costs memory and time in proportion to the number of
shots (200 decoders open at once: ~300 MiB). When the film's sound is only its shots' sound, cut
together (no transition crossfades two shots, no music is ducked under them), every shot's samples
are independent: each shot's audio is decoded once into raw float PCM — exactly the samples the
whole-film graph takes from it (ffmpeg_graph.shot_audio_args) — and cached by its content key, so
the next join (an edit, a re-film) decodes only the shots that changed. The pieces are
concatenated byte for byte and measured; the film's bytes are the same as the whole graph's.
The shots to decode are decoded SHOTS_PER_RUN to an ffmpeg run (each output the same samples as
the shot's own command, by which it is cached). The measure is cached too (film_gain). The film's
sound is read from the shots' pieces in place (FilmSound): 400 s of it is 150 MB of PCM, and
copying that into one file took 1.3-3.7 s on a 2-core machine's disk.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

from storyfilm.assembly import sound
from storyfilm.assembly.ffmpeg_graph import RATE, Source, measure_args, shot_audio_args, shots_audio_args
from storyfilm.assembly.join_cache import OUT, JoinCache, outputs
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import runner


BYTES_PER_SECOND = RATE * 8  # stereo float
SHOTS_PER_RUN = 8  # shots decoded by one ffmpeg run: 200 runs of one shot cost seconds in starting ffmpeg


@dataclass(frozen=True)
class ShotSounds:
    targets: list[Path]  # one raw PCM file per segment, in film order
    runs: list[tuple[list[Path], list[str]]]  # (targets, command naming output i join_cache.outputs(i)) to make

    @property
    def missing(self) -> int:
        return sum(len(targets) for targets, _ in self.runs)


def plan(segments: list[Segment], sources: list[Source], spec: FilmSpec, cache: JoinCache) -> ShotSounds | None:
    """The shots' sound pieces, or None when the sound must be mixed as a whole (a transition or music)."""
    if spec.soundtrack is not None or any(seg.overlap for seg in segments):
        return None
    targets: list[Path] = []
    todo: dict[Path, tuple[Segment, Source]] = {}
    for seg, src in zip(segments, sources, strict=True):
        args = shot_audio_args(seg, src, spec, OUT)
        target = cache.entry("sound", cache.key(args, [src.path] if src.has_audio else []), ".f32")
        targets.append(target)
        if target not in todo and not cache.holds(target):
            todo[target] = (seg, src)
    batches = [list(todo.items())[at:at + SHOTS_PER_RUN] for at in range(0, len(todo), SHOTS_PER_RUN)]
    runs = [([target for target, _ in batch],
             shots_audio_args([part for _, part in batch], spec, [outputs(i) for i in range(len(batch))]))
            for batch in batches]
    return ShotSounds(targets, runs)


class FilmSound:
    """The film's sound (raw float PCM): its shots' pieces end to end, as one ffmpeg input made on
    first use (`url`): the pieces read in place where ffmpeg can (runner.concatenation), else
    copied into `work/film.f32`."""

    def __init__(self, sounds: ShotSounds, work: Path) -> None:
        self.sounds, self.work = sounds, work

    @functools.cached_property
    def url(self) -> str:
        joined = runner.concatenation(self.sounds.targets, self.work / "film-sound.txt")
        if joined is not None:
            return joined
        write_film(self.sounds, self.work / "film.f32")
        return str(self.work / "film.f32")

    @property
    def seconds(self) -> float:
        return sum(target.stat().st_size for target in self.sounds.targets) / BYTES_PER_SECOND


def film_gain(sounds: ShotSounds, spec: FilmSpec, cache: JoinCache, film: FilmSound) -> tuple[float | None, bool]:
    """The gain to the film's loudness, in steps of sound.GAIN_STEP, and whether the film was
    measured now: the measure is cached under the shots' sounds it was taken over, so a join of the
    same sounds (or one whose sound was made as its clips landed: sound_ahead) does not measure again."""
    target = measure_entry(sounds.targets, cache)
    measured = not cache.holds(target)
    if measured:
        cache.put(target, _measure(film).encode())
    return sound.gain_db(target.read_text(), spec.loudness, step=sound.GAIN_STEP), measured


def measure_entry(targets: list[Path], cache: JoinCache) -> Path:
    """Where the measure of the film made of these shot sounds is kept (`summary` of the meter)."""
    return cache.entry("loudness", cache.key(["loudness", *(t.stem for t in targets)], []), ".txt")


def summary(printed: str) -> str:
    """The meter's summary in what it printed: its last lines (the running log before it is long)."""
    return printed[printed.rfind("Summary:"):]


def write_film(sounds: ShotSounds, out: Path) -> None:
    """The film's sound (raw float PCM) to `out`: the shots' pieces laid end to end."""
    with open(out, "wb") as film:
        for target in sounds.targets:
            with open(target, "rb") as piece:
                shutil.copyfileobj(piece, film, 1 << 20)


def _measure(film: FilmSound) -> str:
    """ebur128's summary of the film's sound."""
    return summary(runner.run(measure_args(film.url), what="measure the sound",
                              media_seconds=film.seconds).stderr.decode(errors="replace"))
