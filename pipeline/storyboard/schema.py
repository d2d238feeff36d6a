"""JSON Schema faults in a storyboard, told the way a person would fix them.

The schema ships inside the package (`storyboard.schema.json`, read with importlib.resources);
`schemas/storyboard.schema.json` at the top of the repository links to it for editors. This module turns
each jsonschema error into one message at the exact line and column, with a did-you-mean hint
for unknown keys. Two rules JSON Schema cannot say are checked first: numbers are finite (YAML's
`.nan` and `.inf` pass every `minimum`), and names and paths hold no control characters (Python's
`$` matches before a final newline, so a pattern alone lets `"a\n"` through).
"""

from __future__ import annotations

import difflib
import functools
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema

from storyfilm.storyboard import yaml_source

SCHEMA = resources.files("storyfilm.storyboard") / "storyboard.schema.json"
NAMES = frozenset({"id", "from", "output", "first_frame", "last_frame", "references", "file", "model", "assets"})


@dataclass(frozen=True)
class Fault:
    """One schema fault: the YAML path of the value at fault, where it is written, and why."""

    path: yaml_source.Path
    where: tuple[int, int]
    message: str


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def problems(data: Any, pos: yaml_source.Positions) -> list[Fault]:
    """Every schema fault, once; none inside a value already found at fault. A non-finite number
    where the schema takes a number is told as such; inside a value of another kind (`style:
    [.nan]`), the value's own fault is told, and the meaning pass never reads it."""
    unusual = {f.path: f for f in _unusual_values(data, (), pos)}
    found: dict[yaml_source.Path, Fault] = {}
    for error in _validator().iter_errors(data):
        for err in _leaves(error):
            path, where, message = _describe(err, pos)
            if any(path[:len(p)] == p for p in found):
                continue  # inside a value told already
            inside = [p for p in unusual if p[:len(path)] == path]
            if inside and err.validator not in _KIND_FAULTS and not isinstance(err.instance, list):
                continue  # misread because of the number inside (`.inf` fails `maximum`): its own fault says so
            for p in inside:  # in a value of the wrong kind, a list, or under a key no storyboard has
                del unusual[p]
            found[path] = Fault(path, where, pos.hinted(path, message))
    found |= {p: f for p, f in unusual.items() if not any(p[:len(q)] == q for q in found)}
    return sorted(found.values(), key=lambda f: (f.where, f.message))


# faults a value has whatever numbers are inside it (no storyboard value is a list of numbers): of
# the wrong kind, or not one of the values allowed there (`type: [.nan]`, `version: .nan`)
_KIND_FAULTS = ("type", "additionalProperties", "propertyNames", "enum", "const")


def _shown(value: Any) -> str:
    """A value as YAML writes it (flow style): "text", true, null, [1, 2], and `.nan`, `.inf` for
    the numbers JSON would show as NaN, Infinity. Every message quotes values through this."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, list):
        return "[" + ", ".join(map(_shown, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_shown(k)}: {_shown(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False, default=str)


def _unusual_values(value: Any, path: yaml_source.Path, pos: yaml_source.Positions) -> list[Fault]:
    """Non-finite numbers anywhere; control characters in names, paths and URLs."""
    if isinstance(value, float) and not math.isfinite(value):
        return [Fault(path, pos.of(path), f"{_label(path)} must be a finite number (got {_shown(value)})")]
    if isinstance(value, str) and NAMES.intersection(p for p in path if isinstance(p, str)) \
            and any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return [Fault(path, pos.of(path), f"{_label(path)} must not contain control characters (got {_shown(value)})")]
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _unusual_values(v, path + (k,), pos)]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _unusual_values(v, path + (i,), pos)]
    return []


def _label(path: yaml_source.Path) -> str:
    """`name`, or `trim` `in` for a key inside a mapping that gives it meaning."""
    names = [p for p in path if isinstance(p, str)]
    if len(names) >= 2 and names[-2] in ("trim", "transition", "soundtrack", "assembly", "defaults"):
        return f"{names[-2]} `{names[-1]}`"
    return f"`{_field(path)}`"


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors: for anyOf/oneOf, those of the one alternative of the value's own
    kind (a mapping's, for `{type: [.nan]}`), else of the alternative that went furthest."""
    if not error.context:
        return [error]
    alternatives: dict[Any, list[jsonschema.ValidationError]] = {}
    for err in error.context:
        alternatives.setdefault(err.relative_schema_path[0], []).append(err)
    own = [errs for index, errs in alternatives.items() if _takes_kind(error.validator_value[index], error.instance)]
    if len(own) == 1:
        return [leaf for err in own[0] for leaf in _leaves(err)]
    best = jsonschema.exceptions.best_match(error.context)
    return _leaves(best) if best is not None else [error]


def _takes_kind(alternative: Any, instance: Any) -> bool:
    """The alternative names a JSON type (`type`) and the value is of it."""
    kind = alternative.get("type") if isinstance(alternative, dict) else None
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    return any(_validator().is_type(instance, k) for k in kinds)


def _field(path: tuple) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else "storyboard"


def _describe(err: jsonschema.ValidationError, pos: yaml_source.Positions) -> tuple[yaml_source.Path,
                                                                                   tuple[int, int], str]:
    """(the path at fault, where it is written, the message)."""
    path = tuple(err.absolute_path)
    where, message = _place(err, pos)
    if err.validator == "additionalProperties":
        path += (min(k for k in err.instance if k not in err.schema.get("properties", {})),)
    elif err.validator == "required":
        path += (next(k for k in err.validator_value if k not in err.instance),)
    elif "propertyNames" in err.absolute_schema_path:
        path += (err.instance,)
    return path, where, message


def _place(err: jsonschema.ValidationError, pos: yaml_source.Positions) -> tuple[tuple[int, int], str]:
    path = tuple(err.absolute_path)
    name = _field(path)
    where = pos.of(path)
    kind, expected, got = err.validator, err.validator_value, err.instance
    if "propertyNames" in err.absolute_schema_path:  # the name of an asset, not its value
        return pos.of(path + (got,), key=True), f"asset name {_shown(got)} must be a slug: lower-case letters, " \
                                                f"digits, - and _"
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
        return where, f"`{name}` must be one of {', '.join(map(str, expected))} (got {_shown(got)})"
    if kind == "type":
        item = path and isinstance(path[-1], int)
        owner = (f"shot {path[-1] + 1}" if path[-2:-1] == ("shots",) else f"item {path[-1] + 1} of `{name}`") \
            if item else f"`{name}`"
        return where, f"{owner} must be {_a(expected)} (got {_shown(got)})"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                "exclusiveMaximum": "less than"}[kind]
        return where, f"`{name}` must be {word} {expected} (got {got})"
    if kind == "minLength" and expected == 1:
        return where, f"`{name}` must not be empty"
    if kind == "maxLength":
        return where, f"`{name}` is {len(got)} characters long; at most {expected}"
    if kind == "minItems":
        return where, f"`{name}` needs at least {expected} item{'s' if expected != 1 else ''}"
    if kind == "pattern" and name in ("id", "from"):
        return where, f"`{name}` {_shown(got)} must be a slug: lower-case letters, digits, - and _"
    if kind == "pattern" and name == "output":
        return where, f"`output` must be a path ending in .mp4 (got {_shown(got)})"
    if kind == "const":
        return where, f"`{name}` must be {_shown(expected)} (got {_shown(got)})"
    return where, f"`{name}`: {err.message}"


def _a(kind: Any) -> str:
    names = {"integer": "an integer", "string": "a string", "boolean": "true or false", "object": "a mapping",
             "array": "a list", "number": "a number", "null": "empty"}
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(names.get(k, k) for k in kinds)
