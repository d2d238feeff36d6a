"""The ffmpeg commands of a smart join, as pure functions returning argv (without the binary).

Every picture the smart join encodes — a piece, a normalised clip, the reference — uses one
encoder setup (`mediaio.h264.video_options`, which the local server's clips use too), with the colour tags fixed, so all of them share one set of H.264
parameter sets and join by copy: no B-frames (a copied run may end on any frame), a keyframe
every second (where a later join can enter a normalised clip), one thread (same bytes anywhere).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly import slate
from storyfilm.assembly.ffmpeg_graph import (AUDIO, FILTER_THREADS, MUX, RAW_PCM_INPUT, XFADE, Extras,
                                             Source, unique_input, video_part, with_chapters)
from storyfilm.assembly.smart_plan import Encode
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio.h264 import video_options

BITEXACT = {"fflags": "+bitexact", "flags:v": "+bitexact"}


def piece_args(piece: Encode, segments: list[Segment], sources: list[Source], spec: FilmSpec, out: str) -> list[str]:
    """Film frames [piece.film_start, + piece.frames) as a raw H.264 stream: one clip's frames, or
    two clips' mixed by the transition that joins them, with the slate where it is shown."""
    streams = []
    for n, (i, first) in enumerate(piece.parts):
        seg, src = segments[i], sources[i]
        # read no further than the piece needs (a second of margin for rate conversion)
        until = (first + piece.frames) / (src.fps or spec.fps) + 1
        # one decoder thread: frame threads keep frames of their own (18 MB more per piece, measured)
        clip = unique_input(str(src.path), n, t=f"{until:.3f}", threads=1)
        streams.append(video_part(clip.video, dataclasses.replace(seg, start=first, frames=piece.frames), src, spec))
    video = streams[0]
    if len(streams) == 2:
        kind = segments[piece.parts[1][0]].clip.transition.kind
        if kind == "fade_black":
            video = _fade_through_black(*streams, piece.frames, spec.fps)
        else:
            video = ff.filter(streams, "xfade", transition=XFADE[kind], duration=f"{piece.frames / spec.fps:.6f}",
                              offset=0)
    video = slate.burn(video, segments, spec, first=piece.film_start, frames=piece.frames)
    opts = {**video_options(spec.fps), "frames:v": piece.frames, "f": "h264", **BITEXACT}
    return [*FILTER_THREADS, *ff.output(video, out, **opts).overwrite_output().get_args()]


def _fade_through_black(outgoing, incoming, frames: int, fps: int):
    """FADE_BLACK's picture (ffmpeg_graph.py) made with `fade`, which scales a frame by one factor,
    where xfade's custom expression is evaluated for every pixel (2 s of CPU for half a second at
    720p, against 0.2 s). Frame k of n: k < n/2 is the outgoing shot at 1 - 2k/n of its level
    above black, the rest the incoming one at 2k/n - 1 (black at k = n/2)."""
    half, seconds = -(-frames // 2), frames / 2 / fps
    out = outgoing.filter("trim", end_frame=half).filter("fade", t="out", st=0, d=f"{seconds:.6f}")
    into = incoming.filter("trim", start_frame=half).filter("fade", t="in", st=f"{seconds:.6f}", d=f"{seconds:.6f}")
    return ff.concat(out, into, v=1, a=0).filter("settb", f"1/{fps}").filter("setpts", "N")


def normalise_args(seg: Segment, src: Source, spec: FilmSpec, out: str) -> list[str]:
    """The whole clip, picture only, in the join's own encoding, as an MP4 the join copies from."""
    whole = dataclasses.replace(seg, start=0, frames=seg.source_frames)
    video = video_part(unique_input(str(src.path), 0).video, whole, src, spec)
    opts = {**video_options(spec.fps), "frames:v": seg.source_frames, "f": "mp4", **BITEXACT}
    return [*FILTER_THREADS, *ff.output(video, out, **opts).overwrite_output().get_args()]


def reference_args(spec: FilmSpec, out: str) -> list[str]:
    """One black frame in the join's encoding at the film's size: its avcC is what a clip must
    carry to be copied as it is."""
    black = ff.input(f"color=c=black:s={spec.width}x{spec.height}:r={spec.fps}", f="lavfi")
    video = black.video.filter("format", "yuv420p")
    opts = {**video_options(spec.fps), "frames:v": 1, "f": "mp4", **BITEXACT}
    return ff.output(video, out, **opts).overwrite_output().get_args()


def mux_args(video: Path, audio: Path, spec: FilmSpec, out: Path, extras: Extras, *, spliced: tuple[int, int],
             moov_size: int | None = None) -> list[str]:
    """The joined H.264 stream and the film's AAC (an ADTS stream: spliced from pieces, aac_pieces.py,
    or encoded whole, `sound_args`), both copied, with `spliced` = (its frames, the film's samples);
    captions and chapters muxed in. With `moov_size` the index goes into reserved space at the head."""
    argv = ["-f", "h264", "-framerate", str(spec.fps), "-i", str(video), "-f", "aac", "-i", str(audio)]
    maps = ["-map", "0:v:0", "-map", "1:a:0"]
    codecs = ["-c:v", "copy", "-video_track_timescale", str(spec.fps * 512),
              "-c:a", "copy", "-bsf:a", _spliced_timing(*spliced)]
    if extras.srt:
        argv += ["-i", str(extras.srt)]
        maps += ["-map", "2:s:0"]
        codecs += ["-c:s", "mov_text", "-metadata:s:s:0", "language=und"]
    # two inputs read on threads of their own: interleave strictly by time, never by arrival
    mux = [a for k, v in MUX.items() for a in (f"-{k}", str(v))] + ["-max_interleave_delta", "0"]
    if moov_size:
        at = mux.index("-movflags")
        mux[at:at + 2] = ["-moov_size", str(moov_size)]
    return with_chapters([*argv, *maps, *codecs, *mux, str(out), "-y"], extras.chapters, out)


def sound_args(pcm: Path, aac: Path, gain_db: float | None) -> list[str]:
    """The mixed raw float PCM encoded to the film's AAC at `gain_db`, as an ADTS stream for the mux
    to copy (`mux_args`)."""
    gain = [] if gain_db is None else ["-filter:a", f"volume={gain_db:.2f}dB"]
    return [*RAW_PCM_INPUT, "-i", str(pcm), *gain, *[a for k, v in AUDIO.items() for a in (f"-{k}", str(v))],
            "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "adts", str(aac), "-y"]


def _spliced_timing(frames: int, samples: int) -> str:
    """ADTS carries no timing: give the spliced frames a whole-film encode's. The first frame is
    the priming (its time is negative, so the MP4 gets an edit list that skips it) and the last
    lasts only as long as the film's sound (the edit list ends there)."""
    rest = samples - (frames - 2) * 1024
    return (r"setts=pts=PTS-DURATION:dts=DTS-DURATION"
            rf":duration=if(eq(N\,{frames - 1})\,DURATION*{rest}/1024\,DURATION)")
