"""Preview clips for the local server: what a task would look like, rendered with FFmpeg.

* A clip starts exactly on its first-frame image, centre-cropped to the ratio by the rule of
  seeds/002 (ark-api.md §5.5) and scaled. A
  multimodal task starts on its first reference image the same way.
* A text-only task is a card: the prompt set large as its content (wrapped, CJK included, an
  ellipsis when cut) on a guide grid over a muted gradient whose palette comes from the seed, so
  rewording a prompt keeps its colours (cards.py lays the text out).
* The camera follows the camera language of the prompt (camera.py: push in, pull out, pan, tilt,
  dolly, orbit, static; `camera_fixed` holds it), else a slow seed-driven drift; with a last-frame
  image the picture blends toward that image (cropped to the same ratio) and ends exactly on it.
* On a picture the prompt sits in a lower third kept above the bottom quarter, where assembly
  burns captions; it fades in and out, so first and last frames stay clean. A PREVIEW tag does too.
* `generate_audio` adds a mono AAC track: the reference audio when given, else a quiet tone bed.
* `watermark` draws a corner mark on the video; the returned last frame never carries it.
* Fixed encoder settings and bitexact flags: the same request and seed give byte-identical files.

Fast enough to preview at the speed of editing (issue 16), chosen by measurement on a 2-core machine:
a still is decoded, cropped, scaled and converted to the encoder's 4:2:0 once and then looped (not
once per frame), so the camera move and the text work on the encoder's own frames; the clip is
encoded as the smart join encodes (x264 veryfast crf 18, an IDR frame every second, no scene-cut
keyframes, no B-frames), so the join copies its frames instead of re-encoding them; and the last
frame is decoded from the clip's last GOP only (mediaio/frames.py): measured against decoding
inside the encoding run (a loopback decoder, which decodes every frame beside the encoder), 0.03 s
of CPU instead of 0.2 s per 4 s clip, and 12 MB less beside each encoder, for 0.05-0.08 s more
wall time after it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg as ff

from storyfilm.localark import camera, cards
from storyfilm.mediaio import frames, h264, runner, text
from storyfilm.seedance import models

if TYPE_CHECKING:
    from storyfilm.localark.checks import TaskSpec

# one encoder thread and one filter thread: the clip must not depend on the machine's load (see
# assembly/ffmpeg_graph.py, which pins the same for the film).
# The H.264 setup is the smart join's own (mediaio/h264.py), so the join copies these clips as they are.
ENCODE = {**h264.video_options(models.FPS), "map_metadata": -1, "fflags": "+bitexact", "flags:v": "+bitexact"}
FILTER_THREADS = ["-filter_complex_threads", "1"]
AUDIO = {"c:a": "aac", "b:a": "96k", "ac": 1, "ar": 48000, "flags:a": "+bitexact"}
AUDIO_MOV = {"c:a": "pcm_s16le", "ac": 1, "ar": 48000}
BED = "sine=frequency=220:sample_rate=48000"
# the returned last frame's zlib level, the fastest: the PNG is still lossless; at 720p it is a third
# larger and written in half the time (0.09 s against 0.14 s for the whole run, measured), and a
# chain waits for it per shot
PNG_LEVEL = 1


# Part of the content key of every local preview: bump it when the same request renders differently,
# so previews made by an older renderer are not taken from the cache.
RENDERER_VERSION = 6  # 4: single-threaded encoding (issue 11); 5: the smart join's encoding, 1 s GOPs (16);
# 6: pictures moved and lettered in 4:2:0, converted once (16)


def font_file() -> str | None:
    return text.font_file()


def crop_box(width: int, height: int, ratio: str) -> tuple[int, int, int, int]:
    """The centre crop of a W×H image to ratio A:B, exactly as seeds/002 states it: (w, h, x, y).

    Too tall (W/H < A/B): crop_w = W, crop_h = (B/A)·W, x = 0, y = (H − crop_h)/2.
    Too wide (W/H > A/B): crop_h = H, crop_w = (A/B)·H, x = (W − crop_w)/2, y = 0.
    Sizes round to the nearest pixel, offsets down (pixels are whole)."""
    a, b = (int(n) for n in ratio.split(":"))
    if width * b < height * a:
        crop_w, crop_h = width, round(width * b / a)
    elif width * b > height * a:
        crop_w, crop_h = round(height * a / b), height
    else:
        crop_w, crop_h = width, height
    return crop_w, crop_h, (width - crop_w) // 2, (height - crop_h) // 2


def render_task(spec: TaskSpec, video: Path, last_frame: Path | None) -> None:
    """Render the task's video and, if asked, its final frame as PNG: the encoded final frame
    decoded back (the exact frame a player shows), or with a watermark the final frame before the
    mark was drawn (written by the same ffmpeg run)."""
    with tempfile.TemporaryDirectory(prefix="storyfilm-render-") as tmp:
        tmpdir = Path(tmp)
        stream = _picture(spec, tmpdir).filter("setsar", 1)  # the service's W×H has square pixels
        stream = cards.draw_prompt(stream, spec, tmpdir, card=_base(spec) is None)
        clean = None
        if spec.watermark and last_frame is not None:
            split = stream.split()
            stream, clean = split[0], _final_frame(split[1], spec.frames)
        if spec.watermark:
            stream = _watermark(stream, spec)
        audio = [_audio(spec, tmpdir)] if spec.audio else []
        codecs = {**ENCODE, **((AUDIO_MOV if spec.output_format == "mov" else AUDIO) if audio else {})}
        if spec.output_format == "mp4":
            codecs["movflags"] = "+faststart"
        outputs = [ff.output(stream, *audio, str(video), vframes=spec.frames, r=models.FPS, **codecs)]
        if clean is not None:
            outputs.append(ff.output(clean, str(last_frame), vframes=1, update=1))
        args = ff.merge_outputs(*outputs).overwrite_output().get_args()
        runner.run([*FILTER_THREADS, *args], what="render a preview clip")
    if last_frame is not None and clean is None:
        frames.extract_last_frame(video, last_frame, spec.frames, models.FPS, png_level=PNG_LEVEL)


def _final_frame(stream, count: int):
    return stream.trim(start_frame=count - 1, end_frame=count)


def _still(data: bytes, name: str, spec: TaskSpec, tmpdir: Path, size: tuple[int, int]):
    """An image as an endless stream, cropped (§5.5) and scaled to the task's frame size once,
    then repeated (decoding and scaling it for every frame was most of a clip's cost)."""
    path = tmpdir / name
    path.write_bytes(data)
    stream = ff.input(str(path))
    if size[0] and size[1]:
        cw, ch, cx, cy = crop_box(*size, spec.ratio)
        if (cw, ch) != size:
            stream = stream.filter("crop", cw, ch, cx, cy)
    return cards.repeat(stream.filter("scale", spec.width, spec.height, flags="lanczos"))


def _base(spec: TaskSpec):
    return spec.first_frame or (spec.reference_images[0] if spec.reference_images else None)


def _picture(spec: TaskSpec, tmpdir: Path):
    w, h, last = spec.width, spec.height, max(spec.frames - 1, 1)
    move = camera.move(spec.prompt, spec.camera_fixed)
    base = _base(spec)
    if base is None:
        stream = cards.background(spec)
    else:
        stream = _still(base.data, "first_frame", spec, tmpdir, (base.width, base.height))
    if move.canvas > 1:  # room to pull out into: the picture framed on a grey canvas
        stream = stream.filter("pad", f"ceil(iw*{move.canvas}/2)*2", f"ceil(ih*{move.canvas}/2)*2",
                               "(ow-iw)/2", "(oh-ih)/2", color="0x404040")
    # zoom = 1 on frame 0 (for a pull-out: the picture exactly fills the frame), so the clip starts
    # exactly on its first-frame image
    stream = stream.filter("zoompan", **move.zoompan(last, spec.seed), d=1, s=f"{w}x{h}", fps=models.FPS)
    if base is None or spec.last_frame is None:
        return stream.filter("format", "yuv420p")
    target = _still(spec.last_frame.data, "last_frame", spec, tmpdir, (spec.last_frame.width, spec.last_frame.height))
    # frame 0 is all first frame, the final frame all last-frame image (each plane mixed alike: the
    # mix is linear, so mixing Y, U and V is mixing R, G and B)
    return ff.filter([stream.filter("format", "yuv420p"), target], "blend",
                     all_expr=f"A+(B-A)*min(N/{last},1)").filter("format", "yuv420p")


def _watermark(stream, spec: TaskSpec):
    """A corner mark, bottom right, like the service's "AI 生成" label."""
    unit = max(8, spec.height // 16)
    x, y = spec.width - 4 * unit, spec.height - 2 * unit
    stream = stream.filter("drawbox", x=x, y=y, w=3 * unit, h=unit + unit // 2, color="white@0.6", t="fill")
    font = font_file()
    if font is None:
        return stream
    return stream.filter("drawtext", fontfile=font, text="AI", expansion="none", fontsize=unit, fontcolor="black",
                         x=x + unit, y=y + unit // 4)


def _audio(spec: TaskSpec, tmpdir: Path):
    seconds = spec.frames / models.FPS
    if spec.reference_audio is not None:
        path = tmpdir / "reference_audio"
        path.write_bytes(spec.reference_audio)
        stream = ff.input(str(path)).audio.filter("apad")
    else:
        stream = ff.input(BED, f="lavfi").filter("volume", 0.05)
    return stream.filter("atrim", duration=seconds).filter("aformat", channel_layouts="mono")
