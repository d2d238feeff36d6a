"""The preview's camera, read from the camera language of the prompt (English and Chinese).

    move(prompt, camera_fixed) -> Move    the first move the prompt names, else DRIFT

Every move starts on the unmoved picture (zoom 1 on frame 0), so a clip still begins exactly
on its first-frame image. `zoompan` cannot zoom below 1: a pull-out zooms out of a picture
framed inside a larger grey canvas, so the edge of the frame is seen to recede.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (move, words that name it): the move named first in the prompt wins; at one place, the earlier
# entry (so "pull out" before a bare "dolly", a named pan before a bare "pan")
WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("static", ("static shot", "static camera", "locked-off", "locked off", "camera holds", "fixed camera",
                "固定镜头", "镜头固定", "静止镜头", "定镜")),
    ("pull_out", ("pull out", "pulls out", "pulling out", "pull back", "pulls back", "dolly out", "dollies out",
                  "zoom out", "zooms out", "拉远", "后拉", "拉镜头", "镜头拉开", "镜头后退")),
    ("push_in", ("push in", "pushes in", "pushing in", "dolly in", "dollies in", "zoom in", "zooms in",
                 "move in", "moves in", "推进", "推镜头", "镜头推近", "拉近", "镜头前推")),
    ("orbit", ("orbit", "orbits", "arc shot", "arcs around", "circles around", "环绕", "围绕", "绕拍", "旋转镜头")),
    ("pan_left", ("pan left", "pans left", "panning left", "truck left", "tracks left", "左摇", "向左摇", "左移",
                  "向左平移")),
    ("pan_right", ("pan right", "pans right", "panning right", "truck right", "tracks right", "右摇", "向右摇",
                   "右移", "向右平移")),
    ("tilt_up", ("tilt up", "tilts up", "tilting up", "crane up", "cranes up", "pedestal up", "上摇", "向上摇",
                 "仰拍", "镜头上移")),
    ("tilt_down", ("tilt down", "tilts down", "tilting down", "crane down", "cranes down", "下摇", "向下摇",
                   "俯拍", "镜头下移")),
    ("pan_right", ("pan", "pans", "tracking shot", "摇镜", "平移", "横移", "跟拍")),
    ("push_in", ("dolly", "dollies", "zoom")),
)
PUSH = 0.25  # how far a push-in or pull-out travels (a quarter of the frame)
PAN = 0.2  # the zoom a pan or tilt needs to have room to move


@dataclass(frozen=True)
class Move:
    name: str  # static, push_in, pull_out, pan_left/right, tilt_up/down, orbit, drift
    canvas: float = 1.0  # > 1: the picture sits inside a canvas this much larger (pull-out)

    def zoompan(self, last: int, seed: int) -> dict[str, str]:
        """zoompan's z, x, y expressions; `on` is the output frame number, t = on/last in [0, 1]."""
        t = f"min(on/{last},1)"
        centre_x, centre_y = "(iw-iw/zoom)/2", "(ih-ih/zoom)/2"
        if self.name == "static":
            return {"z": "1", "x": "0", "y": "0"}
        if self.name == "push_in":
            return {"z": f"1+{PUSH}*{t}", "x": centre_x, "y": centre_y}
        if self.name == "pull_out":
            return {"z": f"{self.canvas}-({self.canvas}-1)*{t}", "x": centre_x, "y": centre_y}
        if self.name in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
            towards = f"(0.5+0.5*{t})" if self.name in ("pan_right", "tilt_down") else f"(0.5-0.5*{t})"
            along_x = self.name.startswith("pan")
            return {"z": f"1+{PAN}*{t}",
                    "x": f"(iw-iw/zoom)*{towards}" if along_x else centre_x,
                    "y": centre_y if along_x else f"(ih-ih/zoom)*{towards}"}
        if self.name == "orbit":
            return {"z": f"1+0.15*{t}", "x": f"(iw-iw/zoom)*(0.5+0.5*sin(2*PI*{t}))",
                    "y": f"(ih-ih/zoom)*(0.5-0.3*sin(PI*{t}))"}
        # drift: no move named; every seed moves a little differently (a re-roll is another clip)
        drift = (seed % 1001) / 1000 - 0.5
        zoom = 0.04 + (seed // 1001 % 5) * 0.01
        return {"z": f"1+{zoom:.2f}*{t}", "x": f"(iw-iw/zoom)*(0.5+{drift}*{t})", "y": centre_y}


DRIFT = Move("drift")
STATIC = Move("static")


def _pattern(word: str) -> re.Pattern[str]:
    if word.isascii():
        return re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return re.compile(re.escape(word))


PATTERNS = [(name, _pattern(word)) for name, words in WORDS for word in words]


def move(prompt: str, camera_fixed: bool = False) -> Move:
    """The move the preview shows: `camera_fixed` holds the camera still whatever the prompt says."""
    if camera_fixed:
        return STATIC
    found = [(m.start(), rank, name) for rank, (name, pattern) in enumerate(PATTERNS)
             if (m := pattern.search(prompt))]
    if not found:
        return DRIFT
    name = min(found)[2]
    return Move(name, canvas=1 + PUSH) if name == "pull_out" else Move(name)
