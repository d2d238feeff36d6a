"""The film's sound for a smart join, made shot by shot when nothing mixes two sounds.

    plan(segments, sources, spec, cache) -> ShotSounds | None
    film_gain(shot_sounds, spec, cache, out) -> (gain in dB or None, whether `out` was written)
    write_film(shot_sounds, out)                       the film's sound as raw PCM

One ffmpeg graph with every clip as an input costs memory and time in proportion to the number of
shots (200 decoders open at once: ~300 MiB). When the film's sound is only its shots' sound, cut
together (no transition crossfades two shots, no music is ducked under them), every shot's samples
are independent: each shot's audio is decoded once into raw float PCM — exactly the samples the
whole-film graph takes from it (ffmpeg_graph.shot_audio_args) — and cached by its content key, so
the next join (an edit, a re-film) decodes only the shots that changed. The pieces are
concatenated byte for byte and measured; the film's bytes are the same as the whole graph's.
The shots to decode are decoded SHOTS_PER_RUN to an ffmpeg run (each output the same samples as
the shot's own command, by which it is cached). The measure is cached too (film_gain).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from storyfilm.assembly import sound
from storyfilm.assembly.ffmpeg_graph import Source, measure_args, shot_audio_args, shots_audio_args
from storyfilm.assembly.join_cache import OUT, JoinCache, outputs
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import runner


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


def film_gain(sounds: ShotSounds, spec: FilmSpec, cache: JoinCache, out: Path) -> tuple[float | None, bool]:
    """The gain to the film's loudness, in steps of sound.GAIN_STEP, and whether the film's sound
    was written to `out` to measure it: the measure is cached under the shots' sounds it was taken
    over, so a join of the same sounds neither writes nor measures them again."""
    target = cache.entry("loudness", cache.key(["loudness", *(t.stem for t in sounds.targets)], []), ".txt")
    written = not cache.holds(target)
    if written:
        write_film(sounds, out)
        cache.put(target, _measure(out).encode())
    return sound.gain_db(target.read_text(), spec.loudness, step=sound.GAIN_STEP), written


def write_film(sounds: ShotSounds, out: Path) -> None:
    """The film's sound (raw float PCM) to `out`: the shots' pieces laid end to end."""
    with open(out, "wb") as film:
        for target in sounds.targets:
            with open(target, "rb") as piece:
                shutil.copyfileobj(piece, film, 1 << 20)


def _measure(pcm: Path) -> str:
    """ebur128's summary of the film's sound (its last lines: the meter's running log is long)."""
    summary = runner.run(measure_args(pcm), what="measure the sound").stderr.decode(errors="replace")
    return summary[summary.rfind("Summary:"):]
