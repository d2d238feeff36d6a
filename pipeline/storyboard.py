"""YAML storyboard → validated `Storyboard`. Every fault names FILE:LINE:COL and what is wrong."""

from __future__ import annotations

import difflib
import hashlib
import json
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from pipeline import models, yamlsource
from pipeline.errors import Problem, StoryboardError

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "storyboard.schema.json"
DEFAULT_MODEL = "doubao-seedance-1-0-pro-250528"


@dataclass(frozen=True)
class Shot:
    id: str
    prompt: str
    model: str
    resolution: str
    ratio: str  # may be "adaptive": the plan resolves it
    duration: int
    seed: int
    first_frame: Path | None  # an image file that starts the shot
    continues_from: str | None  # the shot whose last frame is this shot's first frame
    line: int


@dataclass(frozen=True)
class Storyboard:
    path: Path
    title: str
    shots: tuple[Shot, ...]

    @property
    def name(self) -> str:
        return self.path.stem


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def pinned_seed(title: str, shot_id: str) -> int:
    """The seed a shot gets when it names none: stable across runs, never -1."""
    digest = hashlib.sha256(f"{title}\0{shot_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def load(path: str | Path) -> Storyboard:
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoryboardError([Problem(shown, 1, 1, "no such storyboard file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoryboardError([Problem(shown, 1, 1, f"cannot read the storyboard: {exc}")]) from None
    try:
        data, pos = yamlsource.load(text)
    except yamlsource.YamlSyntaxError as exc:
        raise StoryboardError([Problem(shown, exc.line, exc.col, str(exc))]) from None

    problems = [Problem(shown, *where, f"duplicate key `{p[-1]}`") for p, where in pos.duplicates]
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, 1, "a storyboard is a mapping with `title` and `shots`"))
        raise StoryboardError(problems)
    problems += [Problem(shown, *where, msg) for where, msg in _schema_problems(data, pos)]
    if problems:
        raise StoryboardError(problems)

    board, semantic = _build(path, data, pos)
    if semantic:
        raise StoryboardError(semantic)
    return board


def _schema_problems(data: Any, pos: yamlsource.Positions) -> list[tuple[tuple[int, int], str]]:
    validator = jsonschema.Draft202012Validator(schema())
    found = []
    for error in validator.iter_errors(data):
        for err in _leaves(error):
            found.append(_describe(err, pos))
    return sorted(set(found))


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors: for anyOf/oneOf, the alternative that went furthest."""
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return _leaves(best) if best is not None else [error]
    return [error]


def _field(path: tuple) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else "storyboard"


def _describe(err: jsonschema.ValidationError, pos: yamlsource.Positions) -> tuple[tuple[int, int], str]:
    path = tuple(err.absolute_path)
    name = _field(path)
    where = pos.of(path)
    kind, expected, got = err.validator, err.validator_value, err.instance
    if kind == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(k for k in got if k not in allowed)
        key = extra[0]
        hint = difflib.get_close_matches(key, allowed, n=1)
        tip = f" (did you mean `{hint[0]}`?)" if hint else f" (allowed: {', '.join(allowed)})"
        return pos.of(path + (key,), key=True), f"unknown key `{key}`{tip}"
    if kind == "required":
        missing = [k for k in expected if k not in got]
        owner = f"shot {path[-1] + 1}" if path and isinstance(path[-1], int) else (name if path else "the storyboard")
        return where, f"{owner} needs `{missing[0]}`"
    if kind == "enum":
        return where, f"`{name}` must be one of {', '.join(map(str, expected))} (got {got!r})"
    if kind == "type":
        return where, f"`{name}` must be {_a(expected)} (got {json.dumps(got, default=str)})"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                "exclusiveMaximum": "less than"}[kind]
        return where, f"`{name}` must be {word} {expected} (got {got})"
    if kind == "minLength" and expected == 1:
        return where, f"`{name}` must not be empty"
    if kind == "minItems":
        return where, f"`{name}` needs at least {expected} item{'s' if expected != 1 else ''}"
    if kind == "pattern" and name == "id":
        return where, f"shot id {got!r} must be a slug: lower-case letters, digits, - and _"
    if kind == "const":
        return where, f"`{name}` must be {expected!r} (got {got!r})"
    return where, f"`{name}`: {err.message}"


def _a(kind: Any) -> str:
    names = {"integer": "an integer", "string": "a string", "boolean": "true or false", "object": "a mapping",
             "array": "a list", "number": "a number", "null": "empty"}
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(names.get(k, k) for k in kinds)


def _build(path: Path, data: dict[str, Any], pos: yamlsource.Positions) -> tuple[Storyboard, list[Problem]]:
    shown = str(path)
    problems: list[Problem] = []

    def fault(where: tuple, message: str, *, key: bool = False) -> None:
        problems.append(Problem(shown, *pos.of(where, key=key), message))

    title = data["title"]
    defaults = data.get("defaults", {})
    shots: list[Shot] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["shots"]):
        at = ("shots", index)
        shot_id = raw["id"]
        if shot_id in seen:
            fault(at + ("id",), f"duplicate shot id {shot_id!r} (first used by shot {seen[shot_id] + 1})")
        seen.setdefault(shot_id, index)

        def param(name: str, fallback: Any = None) -> tuple[Any, tuple]:
            if name in raw:
                return raw[name], at + (name,)
            if name in defaults:
                return defaults[name], ("defaults", name)
            return fallback, at

        model_id, model_at = param("model", DEFAULT_MODEL)
        model = models.lookup(model_id)
        if model is None:
            hint = difflib.get_close_matches(model_id, list(models.MODELS), n=1)
            fault(model_at, f"unknown model {model_id!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            continue
        resolution, res_at = param("resolution", model.default_resolution)
        if resolution not in model.resolutions:
            fault(res_at, f"{model.name} renders {', '.join(model.resolutions)}, not {resolution}")
        ratio, _ = param("ratio", "adaptive" if model.t2v_adaptive else "16:9")
        duration, dur_at = param("duration", model.default_duration)
        low, high = model.duration_range
        if not (low <= duration <= high or (duration == -1 and model.model_chooses_duration)):
            choose = " or -1" if model.model_chooses_duration else ""
            fault(dur_at, f"{model.name} renders {low}–{high} s{choose}, not {duration}")
        seed, _ = param("seed", pinned_seed(title, shot_id))
        if not raw["prompt"].strip():
            fault(at + ("prompt",), f"shot {shot_id!r} has an empty prompt")

        first_frame = None
        if "first_frame" in raw:
            first_frame = (path.parent / raw["first_frame"]).resolve()
            if not first_frame.is_file():
                fault(at + ("first_frame",), f"first_frame file not found: {raw['first_frame']}")
        continues = not raw.get("cut", False) and first_frame is None and index > 0
        if continues and models.FIRST_FRAME not in model.modes:
            fault(at, f"shot {shot_id!r} continues from the shot before, but {model.name} cannot take a first "
                      f"frame; add `cut: true` or choose an image-to-video model")
        shots.append(Shot(id=shot_id, prompt=raw["prompt"].strip(), model=model.id, resolution=resolution,
                          ratio=ratio, duration=duration, seed=seed, first_frame=first_frame,
                          continues_from=shots[-1].id if continues and shots else None, line=pos.of(at)[0]))
    return Storyboard(path=path, title=title, shots=tuple(shots)), problems
