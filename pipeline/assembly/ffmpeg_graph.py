"""The two ffmpeg commands that make a film, as pure functions returning argv (without the binary).

- `encode_args`: every clip normalised (pad, never stretch; constant fps; yuv420p; 48 kHz stereo,
  silence where a clip has none), trimmed to its segment, joined by cut / crossfade / fade through
  black, the music ducked under it, the mix normalised, captions and chapters muxed in.
- `audio_args`: the same sound alone, for a join that copies the picture (smart.py); when shots are
  only cut together, `shot_audio_args` makes it shot by shot instead (join_sound.py).
- `copy_args`: clips that already match are joined by the concat demuxer with stream copy.

Both write no wall-clock or version metadata, so the same inputs give the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly import captions
from storyfilm.assembly import graph_sort
from storyfilm.assembly import slate
from storyfilm.assembly import sound
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio.h264 import X264_SINGLE

graph_sort.install()  # ffmpeg-python's own sort is quadratic: 15 s for a 200-shot film's sound

RATE = sound.RATE
# Same inputs → same bytes, whatever the machine's load or core count: x264 runs on one thread (no
# frame, slice or lookahead threads whose timing could reach the output) and the filter graph too
# (swscale and slice-threaded filters follow it). Costs about 15 % wall time on a join.
VIDEO = {"c:v": "libx264", "preset": "veryfast", "crf": 18, "pix_fmt": "yuv420p", "threads": 1,
         "x264-params": f"keyint=48:min-keyint=24:scenecut=0:{X264_SINGLE}"}
FILTER_THREADS = ["-filter_complex_threads", "1"]
# The film's sound, on every path, as the smart join encodes it (aac_pieces.ENCODER): the fast coder
# at constant quality. At a constant 192 kb/s the coder's rate control tripled its time (a 20-clip,
# 40 s copy join: 1.07 s in its one ffmpeg run, 0.38 s so).
AUDIO = {"c:a": "aac", "aac_coder": "fast", "q:a": 2, "ar": RATE, "ac": 2}
# the smart join's sound between its ffmpeg runs: raw float samples, 48 kHz stereo interleaved
RAW_PCM = {"c:a": "pcm_f32le", "f": "f32le"}
RAW_PCM_INPUT = ["-f", "f32le", "-ar", str(RATE), "-ch_layout", "stereo"]
METER = ["-af", "ebur128=peak=sample"]  # EBU R128: integrated loudness and sample peak, on stderr
MUX = {"movflags": "+faststart", "fflags": "+bitexact", "flags:v": "+bitexact", "flags:a": "+bitexact"}
XFADE = {"crossfade": "fade", "fade_black": "custom"}  # storyboard kind → ffmpeg xfade name
# Fade through black as written: the outgoing shot fades to black over the first half of the
# transition, the incoming one up from black over the second. xfade's own `fadeblack` keeps both
# pictures until near the end and only darkens its last frames. In a custom expression P runs from
# 1 to 0 and A, B are 8-bit limited-range samples: black is Y 16, U and V 128.
BLACK = "if(eq(PLANE,0),16,128)"
FADE_BLACK = f"{BLACK}+(if(gt(P,0.5),A,B)-{BLACK})*abs(2*P-1)"


@dataclass(frozen=True)
class Source:
    """A probed clip as the graph needs it."""

    path: Path
    fps: float | None
    has_audio: bool


@dataclass(frozen=True)
class Extras:
    """Side files the muxer reads: chapters (FFMETADATA), captions (SRT), both optional."""

    chapters: Path | None = None
    srt: Path | None = None


def unique_input(name: str, tag: int, **options):
    """An ffmpeg-python input that stays a node of its own: ffmpeg-python merges nodes with equal
    arguments, which would fuse two silent clips of one length (or a clip used twice) into one
    stream with two consumers. A distinct, harmless packet-queue size keeps them apart."""
    return ff.input(name, thread_queue_size=64 + tag, **options)


def samples_per_frame(fps: int) -> int:
    return round(RATE / fps)


def video_part(stream, seg: Segment, src: Source, spec: FilmSpec):
    """Frames [seg.start, seg.start + seg.frames) of a clip at the film's rate, fitted and padded."""
    if not src.fps or abs(src.fps - spec.fps) >= 0.01:
        # pad with the last frame, so a clip whose rate rounds short still fills its segment
        stream = stream.filter("fps", spec.fps).filter("tpad", stop=2, stop_mode="clone")
    stream = stream.filter("trim", start_frame=seg.start, end_frame=seg.start + seg.frames)
    # frame numbers become timestamps: constant frame rate by construction
    stream = stream.filter("settb", f"1/{spec.fps}").filter("setpts", "N")
    # square the pixels first (anamorphic clips), then fit inside the film and pad: never stretch
    stream = stream.filter("scale", "trunc(iw*sar/2)*2", "ih", flags="bicubic").filter("setsar", 1)
    return (stream.filter("scale", spec.width, spec.height, force_original_aspect_ratio="decrease", flags="bicubic")
            .filter("pad", spec.width, spec.height, "(ow-iw)/2", "(oh-ih)/2", color="black")
            .filter("setsar", 1).filter("format", "yuv420p"))


def _audio(source, seg: Segment, src: Source, spec: FilmSpec):
    spf = samples_per_frame(spec.fps)
    if not src.has_audio:
        silence = unique_input(f"anullsrc=r={RATE}:cl=stereo", 1000 + seg.index, f="lavfi",
                               t=f"{seg.frames / spec.fps + 0.1:.3f}")
        return sound.conform(silence.audio, samples=seg.frames * spf)
    audio = sound.conform(source.audio)
    if seg.start:
        audio = audio.filter("atrim", start_sample=seg.start * spf).filter("asetpts", "PTS-STARTPTS")
    return sound.conform(audio, samples=seg.frames * spf)


def join_video(videos: list, segments: list[Segment], fps: int):
    """Chain the pictures: runs of cuts become one concat, overlaps an xfade."""
    pending: list = []
    for video, seg in zip(videos, segments):
        if seg.overlap == 0 or not pending:
            pending.append(video)
            continue
        kind = XFADE[seg.clip.transition.kind]
        shape = {"expr": FADE_BLACK} if kind == "custom" else {}
        video = ff.filter([_concat_video(pending, fps), video], "xfade", transition=kind,
                          duration=f"{seg.overlap / fps:.6f}", offset=f"{seg.film_start / fps:.6f}", **shape)
        pending = [video]
    return _concat_video(pending, fps)


def join_audio(audios: list, segments: list[Segment], fps: int):
    """Chain the shots' sound: runs of cuts become one concat, overlaps a crossfade; under a fade
    through black the sound dips to silence at the middle and comes back, as the picture does."""
    pending: list = []
    spf = samples_per_frame(fps)
    for audio, seg in zip(audios, segments):
        if seg.overlap == 0 or not pending:
            pending.append(audio)
            continue
        previous = _concat_audio(pending)
        curves = {"c1": "tri", "c2": "tri"}
        if seg.clip.transition.kind == "fade_black":
            half = seg.overlap / 2 / fps
            previous = previous.filter("afade", t="out", st=f"{seg.film_start / fps:.6f}", d=f"{half:.6f}")
            audio = audio.filter("afade", t="in", st=f"{half:.6f}", d=f"{half:.6f}")
            curves = {"c1": "nofade", "c2": "nofade"}
        pending = [ff.filter([previous, audio], "acrossfade", ns=seg.overlap * spf, **curves)]
    return _concat_audio(pending)


def _concat_video(pending: list, fps: int):
    if len(pending) == 1:
        return pending[0]
    # concat answers in microseconds; xfade wants both inputs in the film's frame time base
    return ff.concat(*pending, v=1, a=0).filter("settb", f"1/{fps}").filter("setpts", "N")


def _concat_audio(pending: list):
    return pending[0] if len(pending) == 1 else ff.concat(*pending, v=0, a=1)


def _film_audio(segments: list[Segment], sources: list[Source], spec: FilmSpec, *, audible: bool, inputs=None,
                measure: bool = False):
    """The finished sound of the film: the shots' audio joined, the music under it, mastered; or,
    with `measure`, left at its level and measured (EBU R128) for a gain applied afterwards."""
    inputs = inputs or [unique_input(str(src.path), seg.index) for seg, src in zip(segments, sources, strict=True)]
    audio = join_audio([_audio(i, seg, src, spec) for i, seg, src in zip(inputs, segments, sources)], segments,
                       spec.fps)
    samples = segments[-1].film_end * samples_per_frame(spec.fps)
    if spec.soundtrack:
        music = sound.music(sound.music_input(spec.soundtrack), spec.soundtrack, samples)
        audio = sound.duck_and_mix(audio, music)
    if measure:
        return sound.measured(audio, samples)
    return sound.master(audio, spec.loudness if audible else None, samples)


def audio_args(segments: list[Segment], sources: list[Source], spec: FilmSpec, out: Path, *,
               audible: bool = True) -> list[str]:
    """The film's sound alone, as raw float PCM (RAW_PCM, `out`), for a join that copies the picture, and
    its loudness measured (ebur128's summary on stderr): the muxer applies the gain that brings it
    to the film's loudness and encodes it to AAC, so the sound ends exactly where it should."""
    audio = _film_audio(segments, sources, spec, audible=audible, measure=True)
    argv = ff.output(audio, str(out), **RAW_PCM, fflags="+bitexact").overwrite_output().get_args()
    return [*FILTER_THREADS, *argv]


def shot_audio_args(seg: Segment, src: Source, spec: FilmSpec, out: str) -> list[str]:
    """One segment's sound alone, as raw float PCM (RAW_PCM): the very samples the whole-film graph
    takes from it, so that shots cut together are these pieces laid end to end. Nothing of the
    segment's place in the film is in the command: it names the same piece wherever the shot lands.
    Remembered (a join of 200 shots spent 0.2 s building these graphs, which the sound taken
    ahead of the join, sound_ahead.py, had built already)."""
    return list(_placeless_audio_args(dataclasses.replace(seg, index=0, film_start=0), src, spec, out))


@functools.lru_cache(maxsize=1024)
def _placeless_audio_args(seg: Segment, src: Source, spec: FilmSpec, out: str) -> tuple[str, ...]:
    audio = _audio(unique_input(str(src.path), 0), seg, src, spec)
    return (*FILTER_THREADS, *ff.output(audio, out, **RAW_PCM, fflags="+bitexact").overwrite_output().get_args())


def shots_audio_args(parts: list[tuple[Segment, Source]], spec: FilmSpec, outs: list[str]) -> list[str]:
    """Several segments' sound in one run, to `outs`: each the very samples of its own
    `shot_audio_args` (inputs and silences kept apart by their place in the run)."""
    outputs = []
    for n, ((seg, src), out) in enumerate(zip(parts, outs, strict=True)):
        placeless = dataclasses.replace(seg, index=n, film_start=0)
        audio = _audio(unique_input(str(src.path), n), placeless, src, spec)
        outputs.append(ff.output(audio, out, **RAW_PCM, fflags="+bitexact"))
    return [*FILTER_THREADS, *ff.merge_outputs(*outputs).overwrite_output().get_args()]


def measure_args(pcm: Path | str) -> list[str]:
    """The EBU R128 meter over raw float PCM (a file or an input URL): integrated loudness and
    sample peak on stderr."""
    return [*RAW_PCM_INPUT, "-i", str(pcm), *METER, "-f", "null", "-"]


def encode_args(segments: list[Segment], sources: list[Source], spec: FilmSpec, out: Path,
                extras: Extras, *, audible: bool = True) -> list[str]:
    """`audible`: some input makes a sound. Loudness normalisation of pure silence divides by zero
    (loudnorm emits NaN), so a silent film keeps its silence as it is."""
    fps = spec.fps
    inputs = [unique_input(str(src.path), seg.index) for seg, src in zip(segments, sources, strict=True)]
    video = join_video([video_part(i.video, seg, src, spec) for i, seg, src in zip(inputs, segments, sources)],
                       segments, fps)
    video = slate.burn(video, segments, spec)
    total = segments[-1].film_end
    if spec.burn_captions and extras.srt:
        video = video.filter("subtitles", filename=str(extras.srt), force_style=captions.BURN_STYLE)
    audio = _film_audio(segments, sources, spec, audible=audible, inputs=inputs)
    streams = [video, audio]
    opts: dict = {**VIDEO, **AUDIO, "r": fps, "frames:v": total}
    if extras.srt:
        streams.append(ff.input(str(extras.srt))["s"])
        opts |= {"c:s": "mov_text", "metadata:s:s:0": "language=und"}
        if spec.burn_captions:
            opts["disposition:s:0"] = 0  # already on the picture; keep the track but off by default
    argv = ff.output(*streams, str(out), **opts, **MUX).overwrite_output().get_args()
    return with_chapters([*FILTER_THREADS, *argv], extras.chapters, out)


def moov_reserve(frames: int, fps: int, cues: int) -> int:
    """Bytes to reserve for the moov box at the head of a stream-copied film. Writing the index
    into reserved space gives the faststart layout without +faststart's second pass over the
    whole file, the one cost a bare concat does not pay. About 12 bytes per sample are used;
    reserve 48 per video frame, AAC packet and caption, plus 64 KiB for the rest."""
    aac_packets = frames * RATE // (fps * 1024) + frames // fps + 1
    return 65_536 + 48 * (frames + aac_packets + 2 * cues)


def copy_args(clip_list: Path, sound: str, out: Path, extras: Extras, *, moov_size: int | None = None) -> list[str]:
    """Stream-copy join of the picture through the concat demuxer (`clip_list` is its file list),
    with the film's sound (`sound`: raw PCM, the shots' own laid end to end) encoded once: the
    concat demuxer copies each clip's AAC with its encoder delay (priming) heard, not skipped, so
    copied sound came 21 ms late and 27 ms later at every clip (0.55 s at the 20th). With
    `moov_size` the index goes into that much reserved space at the head, else +faststart."""
    argv = ["-f", "concat", "-safe", "0", "-i", str(clip_list), *RAW_PCM_INPUT, "-i", sound]
    maps = ["-map", "0:v:0", "-map", "1:a:0"]
    codecs = ["-c:v", "copy", *(a for k, v in AUDIO.items() for a in (f"-{k}", str(v)))]
    if extras.srt:
        argv += ["-i", str(extras.srt)]
        maps += ["-map", "2:s:0"]
        codecs += ["-c:s", "mov_text", "-metadata:s:s:0", "language=und"]
    mux = [a for k, v in MUX.items() for a in (f"-{k}", str(v))]
    if moov_size:
        at = mux.index("-movflags")
        mux[at:at + 2] = ["-moov_size", str(moov_size)]
    return with_chapters([*argv, *maps, *codecs, *mux, str(out), "-y"], extras.chapters, out)


def concat_list(paths: list[Path]) -> str:
    """The concat demuxer's file list; quotes in names are escaped its way."""
    return "".join("file '" + str(p.resolve()).replace("'", "'\\''") + "'\n" for p in paths)


def with_chapters(argv: list[str], chapters: Path | None, out: Path) -> list[str]:
    """Add the FFMETADATA input after the last input; its chapters (titles included) and its empty
    global metadata replace the clips' (-map_metadata -1 would drop the chapter titles too)."""
    at = len(argv) - 1 - argv[::-1].index(str(out))
    if chapters is None:
        return [*argv[:at], "-map_metadata", "-1", *argv[at:]]
    index = argv.count("-i")
    options = ["-map_metadata", str(index), "-map_chapters", str(index)]
    argv = [*argv[:at], *options, *argv[at:]]
    last_input = max(i for i, a in enumerate(argv) if a == "-i") + 2
    return [*argv[:last_input], "-f", "ffmetadata", "-i", str(chapters), *argv[last_input:]]
