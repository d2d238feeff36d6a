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


def check_edit(shots: list[Shot], fault: Fault) -> None:
    """Trims (the one Trim rule, on the clip as planned) and transitions, shot after shot."""
    for before, shot, after in zip([None, *shots], shots, [*shots[1:], None]):
        at = shot.where["shot"]
        if shot.seconds <= 0:  # its length is at fault, and told where it is written
            continue
        trim = shot.trim.fault(round(shot.seconds * models.FPS), models.FPS)  # the clip as planned
        if trim is not None:
            fault(at + ("trim",) + ((trim.key,) if trim.key else ()), trim.message)
            continue
        if shot.transition.kind == "cut":
            continue
        if before is None:
            fault(at + ("transition",), "the first shot has no shot before it to transition from")
            continue
        shortest = min(_kept(before), _kept(shot))
        if shot.transition.duration >= shortest:
            fault(at + ("transition",), f"a {shot.transition.duration:g} s {shot.transition.kind} needs "
                                             f"both shots longer than that (the shorter is {shortest:g} s)")
        elif after is not None and after.transition.kind != "cut" \
                and shot.transition.duration + after.transition.duration >= _kept(shot):
            fault(after.where["shot"] + ("transition",),
                       f"the {shot.transition.duration:g} s {shot.transition.kind} into shot {shot.id!r} and "
                       f"the {after.transition.duration:g} s {after.transition.kind} out of it overlap: "
                       f"the shot keeps {_kept(shot):g} s")


def _kept(shot: Shot) -> float:
    return shot.trim.kept(shot.seconds)
