"""The smart join: copy every frame that can be copied, encode only the pieces that change.

    join(segments, sources, spec, partial, extras, work, cache=..., progress=...) -> Joined

1. The reference: one frame in the join's own encoding (smart_graph.py); a clip whose H.264 setup
   (avcC) is byte-equal to it, at the film's rate, is copied as it is. Any other clip (another
   codec, profile, parameter sets, rate or size) is normalised once into that encoding and cached.
2. The plan (smart_plan.py): transitions' overlaps, the frames before a clip's first usable
   keyframe and the frames under the slate are encoded, each piece cached by its key; the rest is
   copied as it lies in the clip's file.
3. The sound is made on its own. When shots are only cut together, shot by shot from cached
   pieces of raw PCM (join_sound.py), measured once (EBU R128; the measure cached too), and
   encoded to AAC in cached pieces without the gain, two runs at a time while the picture's pieces
   encode (aac_pieces.py); the film's one gain is written into the spliced AAC frames, and the mux
   copies the picture and that AAC. Else (a transition, music) it is mixed whole and measured
   (ffmpeg_graph.audio_args), then encoded with the one gain that brings it to the film's loudness
   (two-pass, linear: no dynamic processing, and no second decode of the clips), in a job that
   runs beside the picture's pieces; the mux copies it too.

Every encoded piece must begin with the reference's parameter sets; if one does not (an encoder
that behaves otherwise), `NotCopyable` tells the caller to encode the whole film instead.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from storyfilm.assembly import aac_pieces, join_sound, slate, smart_graph, smart_plan, sound
from storyfilm.assembly.ffmpeg_graph import Extras, Source, audio_args, moov_reserve
from storyfilm.assembly.join_cache import OUT, JoinCache
from storyfilm.assembly.smart_plan import Copy, Encode, Piece
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.errors import NotCopyable
from storyfilm.mediaio import adts, annexb, cores, mp4box, runner

WORKERS = 2  # encodes at once: each is single-threaded, so the bytes do not depend on this


@dataclass(frozen=True)
class Joined:
    copied: int  # film frames copied as they were
    encoded: int  # film frames encoded by this join (not taken from the cache)
    reused: int  # film frames taken from the cache
    normalised: int  # clips normalised by this join (not taken from the cache)
    gain_db: float | None  # the one gain that brought the sound to the film's loudness; None: left as it was
    sound_encoded: int = 0  # pieces of the film's AAC encoded by this join (not taken from the cache)
    sound_pieces: int = 0  # pieces the film's AAC is made of; 0: encoded whole at the mux
    sound_decoded: int = 0  # shots whose sound this join decoded (not taken from the cache)
    sound_measured: bool = False  # this join measured the film's loudness (not taken from the cache)


class _Progress:
    """Frames encoded so far, over all the runs at once, as a fraction of the frames to encode."""

    def __init__(self, total: int, report: Callable[[float], None] | None) -> None:
        self.total, self.report, self.done, self.lock = max(1, total), report, {}, threading.Lock()

    def run(self, name: str) -> Callable[[int], None] | None:
        if self.report is None:
            return None

        def heard(frames: int) -> None:
            with self.lock:
                self.done[name] = frames
                fraction = min(1.0, sum(self.done.values()) / self.total)
            self.report(fraction * 0.95)  # the rest is the mux
        return heard


def join(segments: list[Segment], sources: list[Source], spec: FilmSpec, partial: Path, extras: Extras,
         work: Path, *, cache_dir: Path | None,
         progress: Callable[[float], None] | None = None) -> Joined:
    cache = JoinCache(cache_dir or work / "cache", spill=work / "cache")
    reference = _reference(cache, spec)
    direct = [_copyable(src.path, seg, spec, reference.avcc) for seg, src in zip(segments, sources)]
    keyframes = [table.keyframes if table else list(range(0, seg.source_frames, spec.fps))
                 for seg, table in zip(segments, direct)]
    slate_ends = {seg.index: end for seg, _, end in slate.windows(segments, spec.fps)}
    plan = smart_plan.pieces(segments, keyframes, slate_ends)
    jobs = _jobs(plan, segments, sources, spec, cache, direct)
    todo = {target: job for target, job in jobs.items() if not cache.holds(target)}
    meter = _Progress(sum(frames for _, frames, _ in todo.values()), progress)
    audio = work / "audio.f32"
    made = _make_pieces_and_sound(todo, meter, segments, sources, spec, cache, audio)
    video = work / "film.h264"
    _write_picture(video, plan, segments, sources, spec, cache, direct, reference)
    if made.pieces is not None:
        aac = work / "film.aac"
        spliced = aac_pieces.splice(made.pieces, aac, made.gain_db), made.pieces[-1].end
    else:
        assert made.whole is not None
        aac, spliced = made.whole[0], made.whole[1:]
    _mux(video, aac, spec, partial, extras, segments[-1].film_end, spliced)
    if progress:
        progress(1.0)
    encoded = smart_plan.encoded_frames(plan)
    fresh = sum(p.frames for p in plan if isinstance(p, Encode) and _piece_target(p, segments, sources, spec, cache)
                in todo)
    normalised = sum(1 for target in todo if target.parent.parent.name == "normalised")
    return Joined(copied=segments[-1].film_end - encoded, encoded=fresh, reused=encoded - fresh,
                  normalised=normalised, gain_db=made.gain_db, sound_encoded=made.encoded,
                  sound_pieces=len(made.pieces or []), sound_decoded=made.decoded, sound_measured=made.measured)


@dataclass(frozen=True)
class _Sound:
    gain_db: float | None
    pieces: list[aac_pieces.Piece] | None  # the film's AAC in pieces (a cut-only film), else None
    encoded: int = 0  # AAC pieces encoded by this join
    whole: tuple[Path, int, int] | None = None  # a mix's AAC encoded whole: (its ADTS stream, frames, samples)
    decoded: int = 0  # shots' sounds decoded by this join
    measured: bool = True  # the film's loudness measured by this join


def _make_pieces_and_sound(todo, meter: _Progress, segments, sources, spec, cache: JoinCache, audio: Path) -> _Sound:
    """Encode the picture's pieces and make the sound at once: the film's AAC from cached pieces
    when its shots are only cut together (join_sound, aac_pieces), else the mix as raw PCM in `audio`."""
    shots = join_sound.plan(segments, sources, spec, cache)
    with ThreadPoolExecutor(WORKERS) as pool:
        def submit(fn, *args, **kw):
            return pool.submit(contextvars.copy_context().run, _on_a_core, fn, *args, **kw)
        # a mix first: its runs go beside the picture's, not after all of them
        mixing = None if shots is not None else submit(_mixed_sound, segments, sources, spec, audio)
        runs = [submit(cache.make, target, args, what=what, progress=meter.run(str(target)))
                for target, (args, _, what) in todo.items()]
        if mixing is not None:
            _wait([mixing, *runs])
            return mixing.result()
        try:
            made = _cut_sound(shots, submit, spec, cache, audio)
        except BaseException:  # the picture's runs still queued are not started either
            _cancel(runs)
            raise
        _wait(runs)
    return made


def _mixed_sound(segments, sources, spec: FilmSpec, pcm: Path) -> _Sound:
    """A film whose sound is mixed (a transition, a soundtrack): mixed and measured in one run, then
    encoded at its gain in another, `film.aac` beside `pcm`, so the mux only copies it."""
    measured = runner.run(audio_args(segments, sources, spec, pcm), what="mix the sound")
    gain = sound.gain_db(measured.stderr.decode(errors="replace"), spec.loudness)
    aac = pcm.with_name("film.aac")
    runner.run(smart_graph.sound_args(pcm, aac, gain), what="encode the sound")
    frames = adts.frames(aac.read_bytes())
    if not frames:
        raise NotCopyable("the film's encoded sound is not the AAC stream it should be")
    return _Sound(gain, None, whole=(aac, len(frames), pcm.stat().st_size // aac_pieces.BYTES_PER_SAMPLE))


def _on_a_core(fn, *args, **kw):
    """A join's run holds a core as the local server's renders do (mediaio/cores.py): review frames
    still being taken in the background wait for a free one instead of running a third ffmpeg."""
    with cores.MACHINE.foreground():
        return fn(*args, **kw)


def _cut_sound(shots: join_sound.ShotSounds, submit, spec: FilmSpec, cache: JoinCache, audio: Path) -> _Sound:
    """A cut-only film's AAC: its shots' sound decoded, measured, encoded in pieces (`submit`ted runs)."""
    _wait([submit(cache.make_all, targets, args, what=f"decode the sound of {len(targets)} shots")
           for targets, args in shots.runs])
    film = join_sound.FilmSound(shots, audio.parent)
    pieces = aac_pieces.plan(shots.targets, cache)
    # identical pieces (the same shots' sound on the same frame grid: a long take of like shots) are
    # one entry, encoded once: two outputs of one run writing it met in one partial file
    missing = list({piece.targets: piece for piece in pieces if not all(map(cache.holds, piece.targets))}.values())
    encodes = aac_pieces.batches(missing, film.url) if missing else []
    runs = [submit(cache.make_all, targets, args, what=f"encode {len(targets)} mono streams of sound")
            for targets, args in encodes]
    try:  # the pieces are encoded without the gain, so the meter runs while they encode
        gain, measured = join_sound.film_gain(shots, spec, cache, film)
    except BaseException:
        _cancel(runs)
        raise
    _wait(runs)
    return _Sound(gain, pieces, len(missing), decoded=shots.missing, measured=measured)


def _wait(runs: list) -> None:
    """Wait for `runs`; if one fails (or Ctrl-C), start none of them still queued."""
    try:
        for run in runs:
            run.result()
    except BaseException:
        _cancel(runs)
        raise


def _cancel(runs: list) -> None:
    for run in runs:
        run.cancel()


def _reference(cache: JoinCache, spec: FilmSpec) -> annexb.VideoSamples:
    args = smart_graph.reference_args(spec, OUT)
    made = cache.make(cache.entry("reference", cache.key(args, []), ".mp4"), args, what="encode a reference frame")
    table = annexb.video_samples(made)
    if table is None:
        raise NotCopyable("the reference frame has no H.264 setup")
    return table


def _copyable(path: Path, seg: Segment, spec: FilmSpec, avcc: bytes) -> annexb.VideoSamples | None:
    """The clip's sample table when it can be copied as it is, else None (it is normalised)."""
    described = mp4box.describe(path)
    video = described.video if described else None
    if not video or video.edited or video.avcc != avcc or not video.fps or abs(video.fps - spec.fps) > 0.01:
        return None
    if video.frames != seg.source_frames or not video.square_pixels:
        return None
    return annexb.video_samples(path)


def _piece_target(piece: Encode, segments, sources, spec, cache: JoinCache) -> Path:
    args = smart_graph.piece_args(piece, segments, sources, spec, OUT)
    return cache.entry("pieces", cache.key(args, [sources[i].path for i, _ in piece.parts]), ".h264")


def _normalised_target(seg: Segment, src: Source, spec: FilmSpec, cache: JoinCache) -> tuple[Path, list[str]]:
    args = smart_graph.normalise_args(seg, src, spec, OUT)
    return cache.entry("normalised", cache.key(args, [src.path]), ".mp4"), args


def _jobs(plan: list[Piece], segments, sources, spec, cache, direct) -> dict[Path, tuple[list[str], int, str]]:
    """What to encode: target → (command, frames, what), for every piece and normalised clip."""
    jobs: dict[Path, tuple[list[str], int, str]] = {}
    for piece in plan:
        if isinstance(piece, Encode):
            args = smart_graph.piece_args(piece, segments, sources, spec, OUT)
            target = cache.entry("pieces", cache.key(args, [sources[i].path for i, _ in piece.parts]), ".h264")
            jobs[target] = (args, piece.frames, f"encode film frames {piece.film_start}-{piece.film_start + piece.frames - 1}")
        elif direct[piece.segment] is None:
            seg = segments[piece.segment]
            target, args = _normalised_target(seg, sources[piece.segment], spec, cache)
            jobs[target] = (args, seg.source_frames, f"normalise shot {seg.clip.shot_id!r}")
    return jobs


def _write_picture(video: Path, plan, segments, sources, spec, cache, direct, reference) -> None:
    """The film's picture as one H.264 stream: cached pieces and copied runs, in film order."""
    with open(video, "wb") as out:
        for piece in plan:
            if isinstance(piece, Encode):
                data = _piece_target(piece, segments, sources, spec, cache).read_bytes()
                if not data.startswith(reference.parameter_sets):
                    raise NotCopyable(f"film frames from {piece.film_start}: encoded with other parameter sets")
                out.write(data)
                continue
            path, table = _copy_source(piece, segments, sources, spec, cache, direct, reference)
            annexb.write_annexb(path, table, piece.first, piece.end, out)


def _copy_source(piece: Copy, segments, sources, spec, cache, direct, reference):
    table = direct[piece.segment]
    if table is not None:
        return sources[piece.segment].path, table
    seg = segments[piece.segment]
    path, _ = _normalised_target(seg, sources[piece.segment], spec, cache)
    table = _copyable(path, seg, spec, reference.avcc)
    if table is None or piece.first not in table.keyframes:
        raise NotCopyable(f"shot {seg.clip.shot_id!r}: its normalised clip cannot be copied")
    return path, table


def _mux(video: Path, aac: Path, spec: FilmSpec, partial: Path, extras: Extras, frames: int,
         spliced: tuple[int, int]) -> None:
    """Index in reserved space at the head; with +faststart's second pass should it prove too small."""
    reserve = moov_reserve(frames, spec.fps, 0 if extras.srt is None else frames)
    attempts = [smart_graph.mux_args(video, aac, spec, partial, extras, spliced=spliced, moov_size=reserve),
                smart_graph.mux_args(video, aac, spec, partial, extras, spliced=spliced)]
    runner.run_first(attempts, what="mux the film")
