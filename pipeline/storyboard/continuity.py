"""PURE. How shots follow each other: which shot's last frame a shot starts from (a chain, a
`from:` branch, or a new scene), and whether its trim and transition fit the shots around it."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from storyfilm.seedance import models
from storyfilm.storyboard.model import Shot, YamlPath

Fault = Callable[[YamlPath, str], None]


def source(index: int, raw: dict[str, Any], earlier: list[Shot], index_of: dict[str, int], fault: Fault) -> str | None:
    """Which shot's last frame this shot starts from, or None for a new scene."""
    at: YamlPath = ("shots", index)
    if "from" in raw:
        source = raw["from"]
        if source not in index_of or index_of[source] == index:
            known = [s.id for s in earlier]
            hint = difflib.get_close_matches(source, known, n=1)
            fault(at + ("from",), f"`from: {source}` names no earlier shot"
                       + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            return None
        if index_of[source] > index:
            fault(at + ("from",), f"`from: {source}` names a later shot; a shot can only continue from "
                                       f"one before it")
            return None
        if raw.get("cut"):
            fault(at + ("cut",), f"`cut: true` and `from: {source}` contradict each other: a shot either "
                                      f"starts a new scene or continues from another")
        if "first_frame" in raw:
            fault(at + ("first_frame",), f"a shot that continues `from: {source}` starts on its last frame; "
                                              f"remove `first_frame` or `from`")
        return source if any(s.id == source for s in earlier) else None
    if index == 0 or raw.get("cut") or "first_frame" in raw:
        return None
    if "references" in raw:
        fault(at + ("references",), f"shot {raw['id']!r} has references but would start from the last frame "
                                         f"of the shot before: the service does not mix reference mode with a "
                                         f"first frame; add `cut: true`")
        return None
    return earlier[-1].id if earlier else None


def check_edit(shots: list[Shot], fault: Fault, *, seamless_joins: bool = True) -> None:
    """Trims (the one Trim rule, on the clip as planned) and transitions, shot after shot, on what
    the join keeps: with seamless joins, a shot that continues from the shot before loses its first
    frame (it repeats that shot's last) unless trimmed away already."""
    dropped = {shot.id: seamless_joins and before is not None and shot.continues_from == before.id
               and round(shot.trim.start * models.FPS) == 0 for before, shot in zip([None, *shots], shots)}
    for before, shot, after in zip([None, *shots], shots, [*shots[1:], None]):
        at = shot.where["shot"]
        if shot.seconds <= 0:  # its length is at fault, and told where it is written
            continue
        trim = shot.trim.fault(round(shot.seconds * models.FPS), models.FPS)  # the clip as planned
        if trim is not None:
            fault(at + ("trim",) + ((trim.key,) if trim.key else ()), trim.message)
            continue
        if dropped[shot.id] and _kept(shot, True) <= 0:
            fault(at + ("trim", "out"), f"trim `out` ({shot.trim.end:g}) keeps only the shot's first frame, which "
                                        f"repeats the last frame of {before.id!r} and is left out at the join; keep "
                                        "at least two frames")
            continue
        if shot.transition.kind == "cut":
            continue
        if before is None:
            fault(at + ("transition",), "the first shot has no shot before it to transition from")
            continue
        shorter = min((before, shot), key=lambda s: _kept(s, dropped[s.id]))
        shortest = _kept(shorter, dropped[shorter.id])
        if shot.transition.duration >= shortest:
            fault(at + ("transition",), f"a {shot.transition.duration:g} s {shot.transition.kind} needs "
                                        f"both shots longer than that (the shorter is {_seconds(shortest)} s"
                                        f"{_drop_note(shorter, dropped[shorter.id])})")
        elif after is not None and after.transition.kind != "cut" \
                and shot.transition.duration + after.transition.duration >= _kept(shot, dropped[shot.id]):
            fault(after.where["shot"] + ("transition",),
                       f"the {shot.transition.duration:g} s {shot.transition.kind} into shot {shot.id!r} and "
                       f"the {after.transition.duration:g} s {after.transition.kind} out of it overlap: "
                       f"the shot keeps {_seconds(_kept(shot, dropped[shot.id]))} s{_drop_note(shot, dropped[shot.id])}")


def _kept(shot: Shot, first_frame_dropped: bool) -> float:
    """Seconds of the shot the join keeps. The clip the service returns has a frame more than
    planned (24·d + 1): it makes up for a first frame left out, unless a trim's `out` cuts it off."""
    kept = shot.trim.kept(shot.seconds)
    if first_frame_dropped and shot.trim.end is not None:
        kept = min(kept, (round(shot.trim.end * models.FPS) - 1) / models.FPS)
    return kept


def _drop_note(shot: Shot, first_frame_dropped: bool) -> str:
    """Why a shot keeps a frame less than its trim says, when it does."""
    if _kept(shot, first_frame_dropped) < shot.trim.kept(shot.seconds):
        return f", its first frame left out at the join: it repeats the last frame of {shot.continues_from!r}"
    return ""


def _seconds(value: float) -> str:
    return f"{round(value, 3):g}"
