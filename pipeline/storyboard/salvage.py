"""What the meaning pass can still read once the schema has found faults: all problems in one pass.

`salvage(data, paths)` copies the storyboard without the values at fault, so that `build` can
check the rest (the model, durations, continuity, media) and report it beside the schema faults.
A removed value falls back to its default, as if it had not been written; what cannot be removed
without changing the shape gets a stand-in (a shot without an id gets one no `from:` can name).
`build` then drops its own faults inside a salvaged path: the schema fault already says it.
"""

from __future__ import annotations

import copy
from typing import Any

from storyfilm.storyboard.yaml_source import Path

UNREADABLE = None  # what an unreadable list item becomes (the others keep their index); `build` skips it


def salvage(data: dict[str, Any], paths: list[Path]) -> dict[str, Any]:
    """`data` (a mapping) with every value at or under one of `paths` removed or stood in for."""
    if not paths:
        return data
    data = copy.deepcopy(data)
    for path in sorted(paths, key=len):
        _remove(data, path)
    if not isinstance(data.get("title"), str):
        data["title"] = ""
    if not isinstance(data.get("shots"), list):
        data["shots"] = []
    data["shots"] = [_shot(i, raw) for i, raw in enumerate(data["shots"])]
    return data


def _remove(data: dict[str, Any], path: Path) -> None:
    parent: Any = data
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return  # already gone with an enclosing value
    last = path[-1]
    if path[:1] == ("assets",) and len(path) == 2 and isinstance(parent, dict):
        parent[last] = UNREADABLE  # still a name: a shot naming it is not told "file not found"
    elif path[:1] == ("soundtrack",) and path[1:] == ("file",):
        data.pop("soundtrack", None)
    elif path[:1] == ("shots",) and len(path) >= 3 and path[2] == "transition":
        parent = data["shots"][path[1]] if isinstance(data.get("shots"), list) else {}
        if isinstance(parent, dict):
            parent.pop("transition", None)  # a cut, as if none had been written
    elif isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = UNREADABLE


def _shot(index: int, raw: Any) -> dict[str, Any]:
    """A shot the meaning pass can read: a stand-in for a shot that is not a mapping, and an id
    and prompt when they were at fault (`#3` is no slug, so no `from:` can name it)."""
    shot = dict(raw) if isinstance(raw, dict) else {}
    shot.setdefault("id", f"#{index + 1}")
    shot.setdefault("prompt", "")
    return shot
