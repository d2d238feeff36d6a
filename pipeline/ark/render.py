"""Preview clips for the local server: what a task would look like, rendered with FFmpeg.

A clip starts exactly on its first-frame image (centre-cropped to the ratio by the rule of
ark-api.md §5.5, then scaled), moves with a slow seed-driven zoom, shows the prompt as a caption
that fades in and out (so the first and last frames stay clean for chaining), and is encoded
with fixed settings so the same request gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ff

from pipeline import ffmpeg

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
)
ENCODE = {"c:v": "libx264", "preset": "veryfast", "crf": 14, "pix_fmt": "yuv420p", "threads": 2,
          "movflags": "+faststart", "map_metadata": -1, "fflags": "+bitexact", "flags:v": "+bitexact"}


@dataclass(frozen=True)
class ClipSpec:
    width: int
    height: int
    frames: int
    fps: int
    seed: int
    text: str
    first_frame: bytes | None = None


def font_file() -> str | None:
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


def crop_box(width: int, height: int, ratio_w: int, ratio_h: int) -> tuple[int, int, int, int]:
    """The centre crop of a W×H image to ratio A:B (ark-api.md §5.5): (w, h, x, y)."""
    if width * ratio_h < height * ratio_w:  # too tall
        crop_w, crop_h = width, round(width * ratio_h / ratio_w)
    elif width * ratio_h > height * ratio_w:  # too wide
        crop_w, crop_h = round(height * ratio_w / ratio_h), height
    else:
        crop_w, crop_h = width, height
    return crop_w, crop_h, (width - crop_w) // 2, (height - crop_h) // 2


def _palette(spec: ClipSpec) -> tuple[str, str]:
    digest = hashlib.sha256(f"{spec.seed}\0{spec.text}".encode()).hexdigest()
    return "0x" + digest[:6], "0x" + digest[6:12]


def render_clip(spec: ClipSpec, video: Path, last_frame: Path | None, *, image_size: tuple[int, int] | None) -> None:
    """Render the clip to `video` and, if asked, its exact final frame (decoded) to `last_frame` as PNG."""
    with tempfile.TemporaryDirectory(prefix="storyfilm-render-") as tmp:
        tmpdir = Path(tmp)
        stream = _source(spec, tmpdir, image_size)
        stream = _caption(stream, spec, tmpdir)
        out = ff.output(stream, str(video), vframes=spec.frames, r=spec.fps, **ENCODE)
        ffmpeg.run(out.overwrite_output().get_args(), what="render a preview clip")
    if last_frame is not None:
        ffmpeg.extract_last_frame(video, last_frame)


def _source(spec: ClipSpec, tmpdir: Path, image_size: tuple[int, int] | None):
    w, h, last = spec.width, spec.height, max(spec.frames - 1, 1)
    if spec.first_frame is None:
        c0, c1 = _palette(spec)
        return ff.input(f"gradients=s={w}x{h}:r={spec.fps}:c0={c0}:c1={c1}:seed={spec.seed % 2**31}:speed=0.02",
                        f="lavfi").filter("format", "rgb24")
    image = tmpdir / "first_frame"
    image.write_bytes(spec.first_frame)
    stream = ff.input(str(image), loop=1, framerate=spec.fps)
    if image_size and image_size != (w, h):
        cw, ch, cx, cy = crop_box(*image_size, w, h)
        stream = stream.filter("crop", cw, ch, cx, cy).filter("scale", w, h, flags="lanczos")
    drift = (spec.seed % 3 - 1) * 0.5  # the zoom drifts left, stays centred or drifts right
    # zoom = 1 on frame 0, so the clip starts exactly on its first-frame image
    return stream.filter("format", "rgb24").filter(
        "zoompan", z=f"1+0.06*on/{last}", x=f"(iw-iw/zoom)*(0.5+{drift}*on/{last})", y="(ih-ih/zoom)/2",
        d=1, s=f"{w}x{h}", fps=spec.fps)


def _caption(stream, spec: ClipSpec, tmpdir: Path):
    font = font_file()
    if font is None or not spec.text:
        return stream
    seconds = spec.frames / spec.fps
    lines = textwrap.wrap(spec.text, width=max(20, spec.width // 24))[:3]
    textfile = tmpdir / "caption.txt"
    textfile.write_text("\n".join(lines), encoding="utf-8")
    fade = min(0.4, seconds / 6)
    alpha = (f"if(lt(t,{fade}),0,if(lt(t,{2 * fade}),(t-{fade})/{fade},"
             f"if(gt(t,{seconds - 2 * fade}),max(0,({seconds - fade}-t)/{fade}),1)))")
    size = max(14, spec.height // 24)
    return stream.filter("drawtext", fontfile=font, textfile=str(textfile), fontsize=size, fontcolor="white",
                         x=size, y=f"h-th-{size}", box=1, boxcolor="black@0.45", boxborderw=size // 3,
                         alpha=alpha, line_spacing=size // 4)
