"""A cut-only film's sound made while its clips still render, so that the join only splices and muxes.

    SoundAhead.of_film(graph, chosen, spec, cache_dir)   does nothing for a film whose sound is mixed
    .landed(shot_id, video, last_frame)                   a clip is in the store
    .caught_up()      wait until every clip handed in so far is taken
    .finish()         before the join: the work in hand done, the meter's measure kept if it read the film
    .cancel()         the film is not joined: stop

A film whose shots are only cut together has its shots' sounds end to end as its sound
(join_sound.py). A shot's sound does not depend on where it sits in the film, so it is decoded as
soon as its clip lands. The film's AAC pieces (aac_pieces.py) read the film's samples from a
little before to a little after their span, and the loudness meter reads the film from its
start: both follow the film's first shots as those are in, in film order (in a chain, the order
they render in). The meter is one ffmpeg reading the film's sound from a pipe, shot by shot; fed
the whole film it prints what the join's meter prints (the same samples through the same filter).

Everything goes into the join's cache under the keys the join looks for, and the join trusts
nothing else: a shot the film lays out otherwise (a clip measured differently in the whole film)
finds nothing there and the join makes it. A piece is encoded only once the samples after it
are in (its post-roll), so it is the very piece the whole film's plan names. The work runs in one
background thread, at low priority, on a core no render waits for (mediaio/cores.py). Nothing
here raises: what was not made ahead is made by the join, which says what is wrong.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from pathlib import Path

import networkx as nx

from storyfilm.assembly import aac_pieces, edit, join_sound, review_ahead
from storyfilm.assembly.ffmpeg_graph import METER, RAW_PCM_INPUT
from storyfilm.assembly.join_cache import RECENT_SECONDS, JoinCache
from storyfilm.assembly.spec import AssemblyError, ClipIn, FilmSpec
from storyfilm.errors import FfmpegError, NotCopyable
from storyfilm.mediaio import cores, probe, runner, scratch

# clips still to take when the join begins beyond which the join makes their sound itself (two runs
# at a time, eight shots to a run) rather than wait for this one thread: a film of cached shots
# hands every clip in at once, just before its join
BEHIND = 3
FINISH_SECONDS = 120.0  # the longest `finish` waits for the work in hand (each run also has its own deadline)
CLOSE_SECONDS = 30.0  # for the meter to read the end of its input and print its summary
CHUNK = 1 << 20


class SoundAhead:
    def __init__(self, spec: FilmSpec, cache_dir: Path, film: list[ClipIn]) -> None:
        self._spec, self._cache = spec, JoinCache(cache_dir)
        self._film = {c.shot_id: c for c in film}
        self._order = [c.shot_id for c in film]
        self._active = bool(film) and spec.soundtrack is None and all(c.transition.kind == "cut" for c in film[1:])
        self._sounds: dict[str, Path] = {}  # a shot's sound, decoded into the cache
        self._fed = 0  # the film's first shots, in film order, fed to the meter and planned into pieces
        self._encoded: set[tuple[Path, ...]] = set()
        self._unchecked: list[Path] = []  # entries made here whose hash the cache does not remember yet
        self._meter: runner.Fed | None = None
        self._stopped = False
        self._takes: list[Future] = []
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="storyfilm-sound-ahead",
                                        initializer=cores.lower_this_thread)
        self.seconds = 0.0  # spent in the background

    @classmethod
    def of_film(cls, graph: nx.DiGraph, chosen: list[str], spec: FilmSpec, cache_dir: Path) -> SoundAhead:
        return cls(spec, cache_dir, edit.clips(graph, {n: Path(n) for n in chosen}))

    def landed(self, shot_id: str, video: Path, last_frame: Path | None) -> None:
        if self._active and shot_id in self._film and not self._stopped:
            clip = self._film[shot_id]
            try:
                self._takes.append(self._pool.submit(self._take, dataclasses.replace(clip, path=video,
                                                                                     last_frame=last_frame)))
            except RuntimeError:  # stopped meanwhile: the join makes it
                pass

    def caught_up(self) -> None:
        self._pool.submit(lambda: None).result()

    def finish(self) -> None:
        """The clips handed in are taken (within FINISH_SECONDS; none when more than BEHIND are
        left), then the meter is closed: its measure goes into the cache when it read the whole
        film. No clip is taken after this."""
        if not self._active:
            return
        left = [take for take in self._takes if not take.done()]
        if len(left) > BEHIND:
            for take in left:
                take.cancel()
        closing = self._pool.submit(self._close_meter)  # in the thread that started the meter: it dies with it
        if not wait_for([closing], timeout=FINISH_SECONDS).done:
            self._stop_meter()  # a write into a meter that stopped reading: it ends now
        self.cancel()

    def cancel(self) -> None:
        """Take no more clips; the meter is stopped (first: a write into it may be what the thread
        waits on), the run in hand ends (its own deadline)."""
        self._stopped = True
        self._stop_meter()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SoundAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()

    def _take(self, clip: ClipIn) -> None:
        if self._stopped:
            return
        started = time.perf_counter()
        try:
            with cores.MACHINE.background():
                sound = self._decode(clip)
            before = self._sounds.setdefault(clip.shot_id, sound)
            if before != sound:  # another clip for a shot already in: what the meter read is not the film
                self._sounds[clip.shot_id] = sound
                if self._order.index(clip.shot_id) < self._fed:
                    self._stop_meter()
            self._follow()
        except (FfmpegError, AssemblyError, NotCopyable, OSError):
            pass  # the join makes what is missing, and says what is wrong
        finally:
            self.seconds += time.perf_counter() - started
        self._check_later()

    def _check_later(self) -> None:
        """The join checks every entry it takes against its hash, which the cache remembers only
        for files older than join_cache.RECENT_SECONDS: the entries made here are checked once they
        are (a 200-shot film's 150 MB of sound hashed here, not after the last clip lands)."""
        def check() -> None:
            try:
                self._pool.submit(self._check)
            except RuntimeError:  # stopped meanwhile
                pass
        if self._unchecked:
            timer = threading.Timer(RECENT_SECONDS + 0.1, check)
            timer.daemon = True
            timer.start()

    def _check(self) -> None:
        if self._stopped:
            return
        settled = time.time() - RECENT_SECONDS
        keep = []
        for target in self._unchecked:
            try:
                if target.stat().st_mtime >= settled:
                    keep.append(target)
                else:
                    self._cache.holds(target)
            except OSError:
                pass
        self._unchecked = keep

    def _decode(self, clip: ClipIn) -> Path:
        # the film's measure probes its clips (a chained clip is not stream-copied): probed here, the
        # join finds them remembered (mediaio/probe.py)
        probe.probe_many([clip.path])
        segment, source = review_ahead.laid_alone(clip, self._spec)
        shots = join_sound.plan([segment], [source], self._spec, self._cache)
        assert shots is not None  # a cut, and no music: checked for the whole film
        for targets, args in shots.runs:
            self._cache.make_all(targets, args, what=f"decode the sound of shot {clip.shot_id!r}")
            self._unchecked += targets
        return shots.targets[0]

    def _follow(self) -> None:
        """Feed the meter the film's next shots whose sound is in, and encode the pieces they complete."""
        fed = self._fed
        while self._fed < len(self._order) and self._order[self._fed] in self._sounds:
            self._fed += 1
        if self._fed == fed:
            return
        prefix = [self._sounds[shot] for shot in self._order[:self._fed]]
        try:
            self._feed(prefix[fed:], first=fed == 0)
        except (FfmpegError, OSError):
            self._stop_meter()  # the join measures the film itself
        self._encode(prefix, whole=self._fed == len(self._order))

    def _feed(self, sounds: list[Path], *, first: bool) -> None:
        if first:
            self._meter = runner.Fed([*RAW_PCM_INPUT, "-i", "pipe:0", *METER, "-f", "null", "-"],
                                     what="measure the sound")
        meter = self._meter
        if meter is None:
            return
        with cores.MACHINE.background():
            for path in sounds:
                with open(path, "rb") as sound:
                    while data := sound.read(CHUNK):
                        meter.write(data)

    def _encode(self, prefix: list[Path], *, whole: bool) -> None:
        """The pieces of the film's AAC that lie in `prefix`, their post-roll included (unless it
        is the whole film), and are not in the cache yet."""
        pieces = aac_pieces.plan(prefix, self._cache)
        total = pieces[-1].end if pieces else 0  # the plan's last piece ends with the prefix's sound
        ready = [piece for piece in pieces
                 if (whole or piece.end + aac_pieces.POST_ROLL <= total) and piece.targets not in self._encoded]
        missing = list({p.targets: p for p in ready if not all(map(self._cache.holds, p.targets))}.values())
        self._encoded.update(piece.targets for piece in ready)
        if not missing:
            return
        with scratch.work_folder("sound-ahead") as work:
            film = runner.concatenation(prefix, work / "film-sound.txt")
            if film is None:  # an ffmpeg before 5.0: the film's sound would be copied whole for each piece
                return
            for targets, args in aac_pieces.batches(missing, film):
                with cores.MACHINE.background():
                    self._cache.make_all(targets, args, what=f"encode {len(targets)} mono streams of sound")
                    self._unchecked += targets

    def _close_meter(self) -> None:
        meter, self._meter = self._meter, None
        if meter is None:
            return
        if self._fed < len(self._order):  # not every shot landed: the join measures what it joins
            meter.kill()
            return
        try:
            measure = join_sound.summary(meter.close(CLOSE_SECONDS))
            self._cache.put(join_sound.measure_entry([self._sounds[s] for s in self._order], self._cache),
                            measure.encode())
        except (FfmpegError, OSError, ValueError):  # ValueError: stopped (`cancel`) while it closed
            pass

    def _stop_meter(self) -> None:
        meter, self._meter = self._meter, None
        if meter is not None:
            meter.kill()
