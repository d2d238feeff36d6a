"""Create-body parameters, strongly validated with the model's capabilities (ark-api.md §2, §5).

Text commands (weak validation) are passed in already decoded: a value the model cannot take is
dropped; body fields win over commands.
"""

from __future__ import annotations

import secrets
from typing import Any

from storyfilm.seedance import models
from storyfilm.errors import Refusal
from storyfilm.localark.answers import invalid

SEED_MAX = 2**32 - 1
DEFAULT_EXPIRY = 172800
KEEP_RATIO = "keep_ratio"


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "must be an integer")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, "must be a boolean")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(name, "must be a string")
    return value


def check_params(model: models.Model, mode: str, body: dict[str, Any], commands: dict[str, Any]) -> dict[str, Any]:
    # text commands: weak validation; a value the model cannot take is dropped (body fields win)
    for name, value in list(commands.items()):
        if name == "framespersecond" or not model.accepts(name) or body.get(name) is not None:
            commands.pop(name)
            continue
        try:
            check_params(model, mode, {name: value}, {})
        except Refusal:
            commands.pop(name)
    given = {k: v for k, v in body.items() if v is not None and k not in ("model", "content")}
    merged = {**commands, **given}
    for name in given:
        if name in _ALL_PARAMS and not model.accepts(name) and not (name == "service_tier" and given[name] == "default"):
            raise invalid(name, f"is not supported by {model.id}")

    out: dict[str, Any] = {}
    draft = _bool("draft", merged["draft"]) if "draft" in merged else (False if model.accepts("draft") else None)
    resolution = _str("resolution", merged.get("resolution", model.default_resolution))
    if resolution not in model.resolutions:
        raise invalid("resolution", f"{model.id} supports {', '.join(model.resolutions)}")
    if draft and "resolution" in merged and resolution != "480p":
        raise invalid("resolution", "a draft task is rendered at 480p only")
    if draft:
        resolution = "480p"
    if mode == models.REFERENCE_IMAGES and resolution == "1080p":
        raise invalid("resolution", "1080p is not available in reference-image mode")
    out["resolution"] = resolution
    ratio = merged.get("ratio")
    if ratio is not None:
        ratio = _str("ratio", ratio)
        allowed = (*models.RATIOS, "adaptive", KEEP_RATIO)
        if ratio not in allowed:
            raise invalid("ratio", f"must be one of {', '.join(allowed)}")
        if ratio == "adaptive" and (mode == models.REFERENCE_IMAGES or (mode == models.TEXT and not model.t2v_adaptive)):
            raise invalid("ratio", f"adaptive is not available for {mode.replace('_', ' ')} tasks on {model.id}")
        if ratio == KEEP_RATIO and mode not in (models.FIRST_FRAME, models.FIRST_LAST_FRAME):
            raise invalid("ratio", "keep_ratio needs a first-frame image")
    out["ratio"] = ratio
    if "frames" in merged:
        frames = _int("frames", merged["frames"])
        if not models.valid_frames(frames):
            raise invalid("frames", "must be 25+4n within [29, 289]")
        out["frames"], out["frames_given"] = frames, True
    else:
        duration = _int("duration", merged.get("duration", model.default_duration))
        low, high = model.duration_range
        if not (low <= duration <= high or (duration == -1 and model.model_chooses_duration)):
            extra = " or -1" if model.model_chooses_duration else ""
            raise invalid("duration", f"must be within [{low}, {high}]{extra}")
        out["frames"], out["frames_given"] = models.frames_for(duration if duration > 0 else 5), False
    seed = _int("seed", merged.get("seed", -1))
    if not -1 <= seed <= SEED_MAX:
        raise invalid("seed", f"must be within [-1, {SEED_MAX}]")
    out["seed"] = secrets.randbelow(2**31) if seed == -1 else seed
    out["camera_fixed"] = _bool("camera_fixed", merged.get("camera_fixed", False))
    if out["camera_fixed"] and mode in (models.REFERENCE_IMAGES, models.MULTIMODAL):
        raise invalid("camera_fixed", "is not available in reference mode")
    out["watermark"] = _bool("watermark", merged.get("watermark", False))
    out["return_last_frame"] = _bool("return_last_frame", merged.get("return_last_frame", False))
    if draft and out["return_last_frame"]:
        raise invalid("return_last_frame", "a draft task returns no last frame")
    tier = _str("service_tier", merged.get("service_tier", "default"))
    if tier not in ("default", "flex"):
        raise invalid("service_tier", "must be default or flex")
    if tier == "flex" and (not model.flex or draft):
        raise invalid("service_tier", f"flex is not available for {'draft tasks' if draft else model.id}")
    out["service_tier"] = tier
    expiry = _int("execution_expires_after", merged.get("execution_expires_after", DEFAULT_EXPIRY))
    if not 3600 <= expiry <= 259200:
        raise invalid("execution_expires_after", "must be within [3600, 259200]")
    out["execution_expires_after"] = expiry
    out["generate_audio"] = (_bool("generate_audio", merged.get("generate_audio", True))
                             if model.generates_audio else None)
    out["draft"] = draft
    priority = _int("priority", merged.get("priority", 0))
    if not 0 <= priority <= 9:
        raise invalid("priority", "must be within [0, 9]")
    if priority and tier == "flex":
        raise invalid("priority", "is not available with service_tier flex")
    out["priority"] = priority
    callback = merged.get("callback_url")
    if callback is not None and not _str("callback_url", callback).startswith(("http://", "https://")):
        raise invalid("callback_url", "must be an http(s) URL")
    out["callback_url"] = callback
    ident = merged.get("safety_identifier")
    if ident is not None and len(_str("safety_identifier", ident)) > 64:
        raise invalid("safety_identifier", "must be at most 64 characters")
    out["safety_identifier"] = ident
    tools = merged.get("tools")
    if tools is not None and (not isinstance(tools, list) or any(t != {"type": "web_search"} for t in tools)):
        raise invalid("tools", 'only [{"type": "web_search"}] is supported')
    fmt = _str("output_format", merged.get("output_format", "mp4"))
    if fmt not in ("mp4", "mov"):
        raise invalid("output_format", "must be mp4 or mov")
    out["output_format"] = fmt
    task_type = merged.get("omni_reference_task_type", "auto")
    if task_type not in ("auto", "reference", "edit", "extend"):
        raise invalid("omni_reference_task_type", "must be auto, reference, edit or extend")
    return out


_ALL_PARAMS = frozenset().union(*(m.params for m in models.MODELS.values())) | {"draft", "frames", "camera_fixed"}
