"""The two ways parameters travel in a create body (ark-api.md §4).

Body fields (`"resolution": "720p"`) or legacy text commands appended to the prompt
(`"... --rs 720p --rt 16:9 --dur 5"`). `encode` writes the style a model needs; `decode` reads
commands back out of a prompt (the local server's side: weak validation, a bad value is dropped).
"""

from __future__ import annotations

import copy
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
