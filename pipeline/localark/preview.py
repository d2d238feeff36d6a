"""Preview clips for the local server: what a task would look like, rendered with FFmpeg.

* A clip starts exactly on its first-frame image, centre-cropped to the ratio by the rule of
  seeds/002 (ark-api.md §5.5) and scaled; `keep_ratio` keeps the image's own shape. A
  multimodal task starts on its first reference image the same way.
* A text-only task is a card: a gradient whose colours and motion come from prompt and seed.
* The picture moves with a slow seed-driven zoom; with a last-frame image it blends toward that
  image (cropped to the same ratio) and ends exactly on it.
* The prompt shows as a caption that fades in and out, so first and last frames stay clean.
* `generate_audio` adds a mono AAC track: the reference audio when given, else a quiet tone bed.
* `watermark` draws a corner mark on the video; the returned last frame never carries it.
* Fixed encoder settings and bitexact flags: the same request and seed give byte-identical files.
"""

from __future__ import annotations

import hashlib
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg as ff

from storyfilm.mediaio import frames, runner
from storyfilm.seedance import models

if TYPE_CHECKING:
    from storyfilm.localark.checks import TaskSpec

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
)
ENCODE = {"c:v": "libx264", "preset": "veryfast", "crf": 14, "pix_fmt": "yuv420p", "threads": 2,
          "map_metadata": -1, "fflags": "+bitexact", "flags:v": "+bitexact"}
AUDIO = {"c:a": "aac", "b:a": "96k", "ac": 1, "ar": 48000, "flags:a": "+bitexact"}
AUDIO_MOV = {"c:a": "pcm_s16le", "ac": 1, "ar": 48000}
BED = "sine=frequency=220:sample_rate=48000"


# Part of the content key of every local preview: bump it when the same request renders differently,
# so previews made by an older renderer are not taken from the cache.
RENDERER_VERSION = 2


def font_file() -> str | None:
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


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


def _palette(spec: TaskSpec) -> tuple[str, str]:
    digest = hashlib.sha256(f"{spec.seed}\0{spec.prompt}".encode()).hexdigest()
    return "0x" + digest[:6], "0x" + digest[6:12]


def render_task(spec: TaskSpec, video: Path, last_frame: Path | None) -> None:
    """Render the task's video and, if asked, its final frame as PNG (the exact decoded frame,
    or with a watermark the frame before the mark was drawn)."""
    with tempfile.TemporaryDirectory(prefix="storyfilm-render-") as tmp:
        tmpdir = Path(tmp)
        stream = _picture(spec, tmpdir).filter("setsar", 1)  # the service's W×H has square pixels
        stream = _caption(stream, spec, tmpdir)
        clean = None
        if spec.watermark and last_frame is not None:
            split = stream.split()
            stream, clean = split[0], split[1].trim(end_frame=spec.frames)
        if spec.watermark:
            stream = _watermark(stream, spec)
        audio = [_audio(spec, tmpdir)] if spec.audio else []
        codecs = {**ENCODE, **((AUDIO_MOV if spec.output_format == "mov" else AUDIO) if audio else {})}
        if spec.output_format == "mp4":
            codecs["movflags"] = "+faststart"
        outputs = [ff.output(stream, *audio, str(video), vframes=spec.frames, r=models.FPS, **codecs)]
        if clean is not None:
            outputs.append(ff.output(clean, str(last_frame), update=1, **{"fps_mode": "passthrough"}))
        runner.run(ff.merge_outputs(*outputs).overwrite_output().get_args(), what="render a preview clip")
    if last_frame is not None and clean is None:
        frames.extract_last_frame(video, last_frame)


def _still(data: bytes, name: str, spec: TaskSpec, tmpdir: Path, size: tuple[int, int]):
    """An image as an endless stream, cropped (§5.5) and scaled to the task's frame size."""
    path = tmpdir / name
    path.write_bytes(data)
    stream = ff.input(str(path), loop=1, framerate=models.FPS)
    if spec.ratio != "keep_ratio" and size[0] and size[1]:
        cw, ch, cx, cy = crop_box(*size, spec.ratio)
        if (cw, ch) != size:
            stream = stream.filter("crop", cw, ch, cx, cy)
    return stream.filter("scale", spec.width, spec.height, flags="lanczos").filter("format", "rgb24")


def _picture(spec: TaskSpec, tmpdir: Path):
    w, h, last = spec.width, spec.height, max(spec.frames - 1, 1)
    base = spec.first_frame or (spec.reference_images[0] if spec.reference_images else None)
    if base is None:
        c0, c1 = _palette(spec)
        return ff.input(f"gradients=s={w}x{h}:r={models.FPS}:c0={c0}:c1={c1}:seed={spec.seed % 2**31}:speed=0.02",
                        f="lavfi").filter("format", "rgb24")
    # every seed moves differently (a re-roll is another clip): drift from left to right, zoom 4–8 %
    drift = (spec.seed % 1001) / 1000 - 0.5
    zoom = 0.04 + (spec.seed // 1001 % 5) * 0.01
    # zoom = 1 on frame 0, so the clip starts exactly on its first-frame image
    stream = _still(base.data, "first_frame", spec, tmpdir, (base.width, base.height)).filter(
        "zoompan", z=f"1+{zoom:.2f}*on/{last}", x=f"(iw-iw/zoom)*(0.5+{drift}*on/{last})", y="(ih-ih/zoom)/2",
        d=1, s=f"{w}x{h}", fps=models.FPS)
    if spec.last_frame is None:
        return stream
    target = _still(spec.last_frame.data, "last_frame", spec, tmpdir, (spec.last_frame.width, spec.last_frame.height))
    a = stream.filter("format", "gbrp")
    b = target.filter("format", "gbrp")
    # frame 0 is all first frame, the final frame all last-frame image
    return ff.filter([a, b], "blend", all_expr=f"A+(B-A)*min(N/{last},1)").filter("format", "rgb24")


def _caption(stream, spec: TaskSpec, tmpdir: Path):
    font = font_file()
    if font is None or not spec.prompt:
        return stream
    seconds = spec.frames / models.FPS
    lines = textwrap.wrap(spec.prompt, width=max(20, spec.width // 24))[:3]
    textfile = tmpdir / "caption.txt"
    textfile.write_text("\n".join(lines), encoding="utf-8")
    fade = min(0.4, seconds / 6)
    alpha = (f"if(lt(t,{fade}),0,if(lt(t,{2 * fade}),(t-{fade})/{fade},"
             f"if(gt(t,{seconds - 2 * fade}),max(0,({seconds - fade}-t)/{fade}),1)))")
    size = max(14, spec.height // 24)
    return stream.filter("drawtext", fontfile=font, textfile=str(textfile), fontsize=size, fontcolor="white",
                         x=size, y=f"h-th-{size}", box=1, boxcolor="black@0.45", boxborderw=size // 3,
                         alpha=alpha, line_spacing=size // 4)


def _watermark(stream, spec: TaskSpec):
    """A corner mark, bottom right, like the service's "AI 生成" label."""
    unit = max(8, spec.height // 16)
    x, y = spec.width - 4 * unit, spec.height - 2 * unit
    stream = stream.filter("drawbox", x=x, y=y, w=3 * unit, h=unit + unit // 2, color="white@0.6", t="fill")
    font = font_file()
    if font is None:
        return stream
    return stream.filter("drawtext", fontfile=font, text="AI", fontsize=unit, fontcolor="black",
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
