"""A clip's review frames taken as soon as the render has it, and the review page's thumbnails.

While other shots still render, the machine mostly waits (on the service, or on the local
server's short encodes): each finished clip's frames are taken then, one clip at a time in one
background thread, into the review's cache. The review that follows the join finds them there and
only scores the joins and draws the sheets. A clip's frames do not depend on where it sits in the
film: which frames the review wants follows from the clip alone (its length, trim, and whether it
continues the shot before), so they can be taken before the film is laid out.

The review page shows each shot's first and last frame from the same cache (`page_thumbnails`):
the JPEGs review_frames wrote beside those frames' thumbnails. Nothing here raises: a frame that
could not be taken early is taken by the review, which says what is wrong.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx

from storyfilm.assembly import assemble, edit, review, review_frames, timeline
from storyfilm.assembly.ffmpeg_graph import Source
from storyfilm.assembly.spec import AssemblyError, ClipIn, FilmSpec, Transition
from storyfilm.errors import FfmpegError
from storyfilm.mediaio import cores, scratch


def laid_alone(clip: ClipIn, spec: FilmSpec) -> tuple[timeline.Segment, Source]:
    """The segment a clip makes wherever it sits in the film, and its source (measured as
    assemble.py measures the film's clips)."""
    (length,), (source,), _ = assemble.measure([clip], spec)
    # a one-frame cut before a chained clip: the timeline's own rules say what the clip keeps
    lead = [ClipIn(Path(clip.path), "")] if clip.chained else []
    alone = dataclasses.replace(clip, transition=Transition())
    segment = timeline.segments([*lead, alone], [1] * len(lead) + [length], spec)[-1]
    return dataclasses.replace(segment, index=0), source


def take_frames(clip: ClipIn, spec: FilmSpec, cache: Path) -> tuple[timeline.Segment, review_frames.Frames]:
    """Every frame of the clip the review and the review page show, from the cache or taken into it."""
    with scratch.work_folder("frames") as work:
        return _take(clip, spec, cache, work)


def _take(clip: ClipIn, spec: FilmSpec, cache: Path, work: Path) -> tuple[timeline.Segment, review_frames.Frames]:
    segment, source = laid_alone(clip, spec)
    pngs, _ = review_frames.take([segment], [source], [review.wanted(segment)], spec, work, cache)
    return segment, pngs[0]


def page_thumbnails(clips: list[ClipIn], spec: FilmSpec, cache: Path) -> dict[str, tuple[bytes, bytes]]:
    """(first, last) frame of each shot as JPEG bytes: the review's, taken now only when missing
    (and read while they are there, should the cache refuse them: full, read-only)."""
    thumbs = {}
    with scratch.work_folder("page") as tmp:
        for k, clip in enumerate(clips):
            (tmp / str(k)).mkdir()
            segment, pngs = _take(clip, spec, cache, tmp / str(k))
            first, last = (review_frames.jpeg(pngs[n]) for n in (0, segment.source_frames - 1))
            if first is None or last is None:
                raise FfmpegError(f"no thumbnail of shot {clip.shot_id!r} was written")
            thumbs[clip.shot_id] = (first.read_bytes(), last.read_bytes())
    return thumbs


class FramesAhead:
    """Takes each clip's review frames as its render lands (`landed`), one clip at a time in a
    background thread, and scores each join as soon as both its clips are in; `wait()` before the
    join's review, so the two never take the same frame. `film`: the film's clips in order, their
    paths not yet known (`of_film`)."""

    def __init__(self, spec: FilmSpec, cache: Path, film: list[ClipIn]) -> None:
        self._spec, self._cache, self._film = spec, cache, {c.shot_id: c for c in film}
        self._order = [c.shot_id for c in film]
        self._taken: dict[str, tuple[timeline.Segment, review_frames.Frames]] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="storyfilm-review-frames",
                                        initializer=cores.lower_this_thread)
        self.seconds = 0.0  # spent taking frames and scoring joins, in the background
        self.clips = 0

    @classmethod
    def of_film(cls, graph: nx.DiGraph, chosen: list[str], spec: FilmSpec, cache: Path) -> FramesAhead:
        # the paths only say which shots the film holds (a chain is judged by them); landed() sets them
        return cls(spec, cache, edit.clips(graph, {n: Path(n) for n in chosen}))

    def landed(self, shot_id: str, video: Path, last_frame: Path | None) -> None:
        if shot_id in self._film:
            self.take(dataclasses.replace(self._film[shot_id], path=video, last_frame=last_frame))

    def take(self, clip: ClipIn) -> None:
        """Take this clip's frames in the background, after the clips handed in before it."""
        self._pool.submit(self._take, clip)

    def _take(self, clip: ClipIn) -> None:
        started = time.perf_counter()
        try:
            with cores.MACHINE.background():  # after the local server's renders (mediaio/cores.py)
                self._taken[clip.shot_id] = take_frames(clip, self._spec, self._cache)
                self._score_joins(clip.shot_id)
        except (FfmpegError, AssemblyError, OSError):
            pass  # the review takes them again, and reports what is wrong
        finally:
            self.seconds += time.perf_counter() - started
            self.clips += 1

    def _score_joins(self, shot_id: str) -> None:
        """The joins this clip makes with its neighbours whose frames are in: scored into the cache."""
        if shot_id not in self._order:
            return
        at = self._order.index(shot_id)
        pairs = []
        for a, b in ((at - 1, at), (at, at + 1)):
            if a >= 0 and b < len(self._order) and {self._order[a], self._order[b]} <= self._taken.keys():
                (seg_a, pngs_a), (seg_b, pngs_b) = self._taken[self._order[a]], self._taken[self._order[b]]
                pairs.append((pngs_a[review.marks_of(seg_a).last], pngs_b[review.marks_of(seg_b).seam_in]))
        if pairs:
            review.scores(pairs, self._cache)

    def wait(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> FramesAhead:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)  # the running take ends within its runner deadline
