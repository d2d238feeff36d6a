"""The stream-copy join: when every clip already has the film's format and is used whole, entered
by a cut, the picture is copied through the concat demuxer, and the sound (the shots' own, decoded
and laid end to end as the smart join lays a cut film's) encoded once.

    copyable_lengths(clips, spec) -> [frames] | None    can the clips be joined by copy?
    sound(segments, sources, spec, work, cache_dir) -> the film's sound as one raw PCM input
    commands(...) -> the join's ffmpeg commands, the first that works is kept
"""

from __future__ import annotations

from pathlib import Path

from storyfilm.assembly import join_sound, timeline
from storyfilm.assembly.ffmpeg_graph import Extras, Source, concat_list, copy_args, moov_reserve
from storyfilm.assembly.join_cache import JoinCache
from storyfilm.assembly.spec import ClipIn, FilmSpec, Trim
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import mp4box


def copyable_lengths(clips: list[ClipIn], spec: FilmSpec) -> list[int] | None:
    """The clips' frame counts when they can be joined by stream copy, else None. That is exact
    only when every clip is used whole and entered by a cut (no repeated frame to drop), at the
    film's size and rate, with one H.264 8-bit 4:2:0 configuration and one AAC 48 kHz stereo
    configuration, and nothing is mixed or drawn over the picture."""
    if spec.soundtrack or spec.burn_captions or any(c.slate for c in clips):
        return None
    for i, clip in enumerate(clips):
        if clip.trim != Trim() or (i and clip.transition.kind != "cut"):
            return None
        if i and clip.chained and spec.drop_repeated_frame:
            return None
    described = [mp4box.describe(Path(c.path)) for c in clips]
    if not all(d and d.video and d.audio and not d.video.edited for d in described):
        return None
    videos = {(d.video.codec, d.video.avcc, d.video.width, d.video.height, d.video.fps, d.video.square_pixels)
              for d in described}
    audios = {(d.audio.codec, d.audio.config, d.audio.rate, d.audio.channels) for d in described}
    if len(videos) != 1 or len(audios) != 1:
        return None
    (codec, avcc, width, height, fps, square), (acodec, aconfig, rate, channels) = videos.pop(), audios.pop()
    if codec != "avc1" or not avcc or not mp4box.avc_is_yuv420p(avcc) or not square:
        return None
    if (width, height) != (spec.width, spec.height) or not fps or abs(fps - spec.fps) > 0.01:
        return None
    if acodec != "mp4a" or not aconfig or (rate, channels) != (48_000, 2):
        return None
    return [d.video.frames for d in described]


def sound(segments: list[Segment], sources: list[Source], spec: FilmSpec, work: Path,
                 cache_dir: Path | None) -> str:
    """The film's sound as one raw PCM input: each shot's decoded (its encoder delay skipped) and
    fitted to its picture, as the smart join lays a cut film's sound (and from its cache)."""
    cache = JoinCache(cache_dir or work / "cache", spill=work / "cache")
    shots = join_sound.plan(segments, sources, spec, cache)
    assert shots is not None  # a stream copy is a cut film without music: its sound is its shots'
    for targets, args in shots.runs:
        cache.make_all(targets, args, what="decode the shots' sound")
    return join_sound.FilmSound(shots, work).url


def commands(segments: list[Segment], sources: list[Source], spec: FilmSpec, extras: Extras, partial: Path,
                   work: Path, cues: int, sound: str) -> list[list[str]]:
    """The stream-copy join with its index in reserved space, then with +faststart should the
    reserve prove too small."""
    clip_list = work / "clips.txt"
    clip_list.write_text(concat_list([s.path for s in sources]), encoding="utf-8")
    reserve = moov_reserve(timeline.film_frames(segments), spec.fps, cues)
    return [copy_args(clip_list, sound, partial, extras, moov_size=reserve),
            copy_args(clip_list, sound, partial, extras)]
