"""The two ways parameters travel in a create body (ark-api.md §4).

Body fields (`"resolution": "720p"`) or legacy text commands appended to the prompt
(`"... --rs 720p --rt 16:9 --dur 5"`). `encode` writes the style a model needs; `decode` reads
commands back out of a prompt (the local server's side: weak validation, a bad value is dropped).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

# body field → short command, in the order they are written
SHORT = {"resolution": "rs", "ratio": "rt", "duration": "dur", "frames": "frames", "framespersecond": "fps",
         "watermark": "wm", "seed": "seed", "camera_fixed": "cf"}
LONG = {"resolution": "resolution", "ratio": "ratio", "duration": "duration", "frames": "frames",
        "framespersecond": "framespersecond", "watermark": "watermark", "seed": "seed",
        "camera_fixed": "camerafixed"}
FIELD_OF = {**{v: k for k, v in SHORT.items()}, **{v: k for k, v in LONG.items()}}
_INTS = {"duration", "frames", "framespersecond", "seed"}
_BOOLS = {"watermark", "camera_fixed"}
STYLES = ("body", "text")


def encode(body: dict[str, Any], style: str) -> dict[str, Any]:
    """The create body with its parameters in `style`: "body" (unchanged) or "text" (commands).

    Pure: `body` is not modified. Fields without a text command (return_last_frame,
    callback_url, service_tier, ...) stay body fields in both styles."""
    if style not in STYLES:
        raise ValueError(f"parameter style {style!r} is not one of {', '.join(STYLES)}")
    out = copy.deepcopy(body)
    if style == "body":
        return out
    commands = []
    for name, short in SHORT.items():
        value = out.pop(name, None)
        if value is None:
            continue
        commands.append(f"--{short} {_text(value)}")
    if not commands:
        return out
    content = out.setdefault("content", [])
    text_item = next((i for i in content if isinstance(i, dict) and i.get("type") == "text"), None)
    if text_item is None:
        text_item = {"type": "text", "text": ""}
        content.insert(0, text_item)
    text_item["text"] = " ".join(p for p in (str(text_item.get("text") or "").rstrip(), *commands) if p)
    return out


def decode(text: str) -> tuple[str, dict[str, Any]]:
    """Split a prompt into its words and its trailing `--key value` commands (as body fields).

    Unknown keys and values that do not parse are dropped, as the service's weak validation does."""
    tokens = text.split()
    start = len(tokens)
    i = len(tokens) - 2
    while i >= 0 and tokens[i].startswith("--") and tokens[i][2:].lower() in FIELD_OF:
        start = i
        i -= 2
    params: dict[str, Any] = {}
    for key, raw in zip(tokens[start::2], tokens[start + 1::2]):
        name = FIELD_OF[key[2:].lower()]
        value = _value(name, raw)
        if value is not None:
            params[name] = value
    if start == len(tokens):
        return text.strip(), {}
    return " ".join(tokens[:start]), params


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value(name: str, raw: str) -> Any:
    if name in _BOOLS:
        return {"true": True, "false": False}.get(raw.lower())
    if name in _INTS:
        try:
            return int(raw)
        except ValueError:
            return None
    return raw


RESOLUTIONS = ("480p", "720p", "1080p", "4k")
RATIO_WORDS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")


@dataclass(frozen=True)
class Read:
    """A storyboard prompt read strictly: the text to send, the commands as body fields, and what
    could not be read (`bad`: errors; `unknown`: `--word`s left in the text, worth a warning)."""

    prompt: str
    params: dict[str, Any]
    bad: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


def read(text: str) -> Read:
    """The trailing `--key value` commands of a storyboard prompt (the client's side: strict).

    Every trailing `--word value` pair is looked at; known commands become body fields and leave
    the text, unknown ones stay in the text and are reported, a value that does not parse is bad."""
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    tokens = [text[a:b] for a, b in spans]
    start = len(tokens)
    if tokens and tokens[-1].startswith("--") and tokens[-1][2:].lower() in FIELD_OF:
        return Read(text.strip(), {}, (f"`{tokens[-1]}` at the end of the prompt needs a value",))
    while start >= 2 and tokens[start - 2].startswith("--") and len(tokens[start - 2]) > 2:
        start -= 2
    head = text[:spans[start][0]].strip() if start < len(tokens) else text.strip()
    kept, params, bad, unknown = [head] if head else [], {}, [], []
    for key, raw in zip(tokens[start::2], tokens[start + 1::2]):
        name = FIELD_OF.get(key[2:].lower())
        if name is None:
            kept += [key, raw]
            unknown.append(key)
            continue
        value = _strict(name, raw)
        if value is None:
            shown = raw if len(raw) <= 24 else raw[:24] + "…"
            bad.append(f"`{key} {shown}`: {_EXPECTED[name]}")
        elif name in params and params[name] != value:
            bad.append(f"`{key} {raw}` contradicts an earlier `{key}` in the same prompt")
        else:
            params[name] = value
    return Read(" ".join(kept) if params or bad else text.strip(), params, tuple(bad), tuple(unknown))


_EXPECTED = {"resolution": f"the resolution is one of {', '.join(RESOLUTIONS)}",
             "ratio": f"the ratio is one of {', '.join(RATIO_WORDS)}",
             "duration": "the duration is a whole number of seconds", "frames": "frames is a whole number",
             "framespersecond": "fps is a whole number", "seed": "the seed is a whole number 0–2147483647",
             "watermark": "watermark is true or false", "camera_fixed": "camera_fixed is true or false"}


def _strict(name: str, raw: str) -> Any:
    if name in _INTS and not re.fullmatch(r"[-+]?[0-9]{1,18}", raw):  # int() also takes 1_0 and 4300 digits
        return None
    value = _value(name, raw)
    if name == "resolution":
        return raw.lower() if raw.lower() in RESOLUTIONS else None
    if name == "ratio":
        return raw if raw in RATIO_WORDS else None
    if name == "seed" and value is not None and not 0 <= value <= 2**31 - 1:
        return None
    return value
