"""Test media made and measured with ffmpeg: pictures, one-colour clips, the editor's test cut,
frames and how long a stream plays."""

from __future__ import annotations

import re
from pathlib import Path

from storyfilm.mediaio import runner


def make_image(path: Path, width: int, height: int, *, color: str = "0x3366aa") -> Path:
    """A test picture with structure (a gradient and a circle), made by ffmpeg."""
    runner.run(["-f", "lavfi", "-i", f"gradients=s={width}x{height}:c0={color}:c1=0xffcc66:seed=3:d=1",
                "-vf", "geq=r='if(lt(hypot(X-W/2,Y-H/2),H/4),220,r(X,Y))':g='g(X,Y)':b='b(X,Y)'",
                "-frames:v", "1", "-y", str(path)], what="make a test image")
    return path


def colour_clip(path: Path, colour: str, frames: int = 24, size: tuple[int, int] = (160, 90)) -> Path:
    """A small H.264 clip of one colour at 24 fps (`frames` long), for tests of the cut."""
    from storyfilm.mediaio import runner

    runner.run(["-f", "lavfi", "-i", f"color=c={colour}:s={size[0]}x{size[1]}:r=24", "-frames:v", str(frames),
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1", "-y", str(path)],
               what="make a test clip")
    return path


def four_shot_cut(folder: Path, caption: str):
    """The cut the editor exports are tested on, joined into `folder/build/cut.mp4`: a chain, a trim,
    a crossfade, a fade through black and music (160x90, 24 fps). Returns (clips, spec, report)."""
    from storyfilm.assembly.assemble import ClipIn, FilmSpec, Soundtrack, Transition, Trim, assemble

    music = folder / "music.wav"
    runner.run(["-f", "lavfi", "-i", "sine=f=220:r=48000:d=1", "-y", str(music)], what="make music")
    clips = [ClipIn(colour_clip(folder / "a.mp4", "red"), "open", caption=caption),
             ClipIn(colour_clip(folder / "b.mp4", "green"), "roll", chained=True, trim=Trim(end=0.75)),
             ClipIn(colour_clip(folder / "c.mp4", "blue", 36), "end", transition=Transition("crossfade", 0.25),
                    trim=Trim(start=0.25)),
             ClipIn(colour_clip(folder / "d.mp4", "white"), "card", transition=Transition("fade_black", 0.5))]
    spec = FilmSpec(160, 90, review=False, loudness=None, soundtrack=Soundtrack(music))
    return clips, spec, assemble(clips, spec, folder / "build" / "cut.mp4")


def extract_frame(video: Path, index: int, png: Path) -> Path:
    """Decode frame number `index` (0-based) of a video to PNG."""
    runner.run(["-i", str(video), "-map", "0:v:0", "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
                "-frames:v", "1", "-y", str(png)], what=f"extract frame {index}")
    return png


def psnr(a: Path, b: Path) -> float:
    """Peak signal-to-noise ratio (dB, average over planes) of two same-size images; inf when identical."""
    proc = runner.run(["-i", str(a), "-i", str(b), "-filter_complex",
                       "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr", "-f", "null", "-"],
                      what="compare two frames")
    m = re.search(r"PSNR .*?average:(inf|[\d.]+)", proc.stderr.decode(errors="replace"))
    assert m, f"no PSNR figure comparing {a} and {b}"
    return float(m[1])


def decoded_seconds(path: Path, stream: str = "a") -> float:
    """How long a file's first audio ("a") or video ("v") stream plays once decoded."""
    proc = runner.run(["-i", str(path), "-map", f"0:{stream}:0", "-f", "null", "-"], what=f"decode {path.name}")
    times = re.findall(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)", proc.stderr.decode(errors="replace"))
    assert times, f"no {stream} stream decoded from {path}"
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)
