"""JSON Schema faults in a storyboard, told the way a person would fix them.

The schema ships inside the package (`storyboard.schema.json`, read with importlib.resources);
`schemas/storyboard.schema.json` at the top of the repository links to it for editors. This module turns
each jsonschema error into one message at the exact line and column, with a did-you-mean hint
for unknown keys.
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Any

import jsonschema

from storyfilm.storyboard import yaml_source

SCHEMA = resources.files("storyfilm.storyboard") / "storyboard.schema.json"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def problems(data: Any, pos: yaml_source.Positions) -> list[tuple[tuple[int, int], str]]:
    found = []
    for error in _validator().iter_errors(data):
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


def _describe(err: jsonschema.ValidationError, pos: yaml_source.Positions) -> tuple[tuple[int, int], str]:
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
    if kind == "pattern" and name in ("id", "from"):
        return where, f"`{name}` {got!r} must be a slug: lower-case letters, digits, - and _"
    if kind == "pattern" and name == "output":
        return where, f"`output` must be a path ending in .mp4 (got {got!r})"
    if kind == "const":
        return where, f"`{name}` must be {expected!r} (got {got!r})"
    return where, f"`{name}`: {err.message}"


def _a(kind: Any) -> str:
    names = {"integer": "an integer", "string": "a string", "boolean": "true or false", "object": "a mapping",
             "array": "a list", "number": "a number", "null": "empty"}
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(names.get(k, k) for k in kinds)
