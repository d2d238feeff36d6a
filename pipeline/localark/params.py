"""Create-body parameters, strongly validated with the model's capabilities (ark-api.md §2, §5).

`RULES` is the table: per parameter its JSON type, its default, the values the service takes and
the reason it gives otherwise, then the constraints it has with the task's mode and the parameters
read before it. Rules are read in table order, so the first broken one is the error the caller sees.

Text commands (weak validation) are passed in already decoded: a value the model cannot take is
dropped; body fields win over commands.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

from storyfilm.seedance import models
from storyfilm.errors import Refusal
from storyfilm.localark.answers import invalid

SEED_MAX = 2**31 - 1  # DOC-2026-08; the older pages said 2^32-1 (ark-api.md §12.8): the newest figure holds
RATIOS = (*models.RATIOS, "adaptive")  # keep_ratio and 9:21 were Wan2.1's (seed 000), never Seedance's (§2)
REFERENCE_MODES = (models.REFERENCE_IMAGES, models.MULTIMODAL)
VIDEO_TASKS = ("edit", "extend")
TASK_TYPE = "InvalidParameter.TaskTypeConstraint"
TYPE_REASONS = {int: "must be an integer", bool: "must be a boolean", str: "must be a string"}


@dataclass(frozen=True)
class Read:
    """What a constraint sees: the model, the task's mode, the merged parameters as given, the
    values read so far (a rule's own value included) and the number of reference videos."""

    model: models.Model
    mode: str
    given: dict[str, Any]
    values: dict[str, Any]
    videos: int = 0

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(frozen=True)
class Constraint:
    broken: Callable[[Read], bool]
    reason: Callable[[Read], str]
    code: str = "InvalidParameter"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: type | None  # the JSON type (None: any value)
    default: Callable[[models.Model], Any]  # a default of None: the parameter is absent, nothing checked
    valid: Callable[[Any, models.Model], bool] = lambda value, model: True
    reason: Callable[[models.Model], str] = lambda model: ""
    constraints: tuple[Constraint, ...] = ()
    unless: Callable[[models.Model, dict[str, Any]], bool] = lambda model, given: False  # not read at all

    def read(self, model: models.Model, given: dict[str, Any]) -> Any:
        value = given.get(self.name, self.default(model))
        if value is None:
            return None
        if self.kind is not None and (not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool))):
            raise invalid(self.name, TYPE_REASONS[self.kind])
        if not self.valid(value, model):
            raise invalid(self.name, self.reason(model))
        return value


def _within(low: int, high: int) -> Callable[[Any, models.Model], bool]:
    return lambda value, model: low <= value <= high


def _one_of(*choices: Any) -> Callable[[Any, models.Model], bool]:
    return lambda value, model: value in choices


def _duration_ok(value: int, model: models.Model) -> bool:
    low, high = model.duration_range
    return low <= value <= high or (value == -1 and model.model_chooses_duration)


def _duration_reason(model: models.Model) -> str:
    low, high = model.duration_range
    return f"must be within [{low}, {high}]" + (" or -1" if model.model_chooses_duration else "")


def _fixed(value: Any) -> Callable[[models.Model], Any]:
    return lambda model: value


def _spoken(mode: str) -> str:
    return mode.replace("_", " ")


RULES: tuple[Rule, ...] = (
    Rule("draft", bool, lambda m: False if m.accepts("draft") else None),
    Rule("resolution", str, lambda m: m.default_resolution, lambda v, m: v in m.resolutions,
         lambda m: f"{m.id} supports {', '.join(m.resolutions)}", constraints=(
             Constraint(lambda r: bool(r["draft"]) and "resolution" in r.given and r["resolution"] != "480p",
                        lambda r: "a draft task is rendered at 480p only"),
             Constraint(lambda r: not r["draft"] and r.mode == models.REFERENCE_IMAGES and r["resolution"] == "1080p",
                        lambda r: "1080p is not available in reference-image mode"))),
    Rule("ratio", str, _fixed(None), _one_of(*RATIOS), lambda m: f"must be one of {', '.join(RATIOS)}", constraints=(
        Constraint(lambda r: r["ratio"] == "adaptive" and (r.mode == models.REFERENCE_IMAGES
                                                          or (r.mode == models.TEXT and not r.model.t2v_adaptive)),
                   lambda r: f"adaptive is not available for {_spoken(r.mode)} tasks on {r.model.id}"),)),
    Rule("frames", int, _fixed(None), lambda v, m: models.valid_frames(v), lambda m: "must be 25+4n within [29, 289]"),
    Rule("duration", int, lambda m: m.default_duration, _duration_ok, _duration_reason,
         unless=lambda m, given: "frames" in given),
    Rule("seed", int, _fixed(-1), _within(-1, SEED_MAX), lambda m: f"must be within [-1, {SEED_MAX}]"),
    Rule("camera_fixed", bool, _fixed(False), constraints=(
        Constraint(lambda r: r["camera_fixed"] and r.mode in REFERENCE_MODES,
                   lambda r: "is not available in reference mode"),)),
    Rule("watermark", bool, _fixed(False)),
    Rule("return_last_frame", bool, _fixed(False), constraints=(
        Constraint(lambda r: bool(r["draft"]) and r["return_last_frame"],
                   lambda r: "a draft task returns no last frame"),)),
    Rule("service_tier", str, _fixed("default"), _one_of("default", "flex"), lambda m: "must be default or flex",
         constraints=(Constraint(lambda r: r["service_tier"] == "flex" and (not r.model.flex or bool(r["draft"])),
                                 lambda r: f"flex is not available for {'draft tasks' if r['draft'] else r.model.id}"),)),
    Rule("execution_expires_after", int, _fixed(models.DEFAULT_EXPIRY), _within(3600, 259200),
         lambda m: "must be within [3600, 259200]"),
    Rule("generate_audio", bool, _fixed(True), unless=lambda m, given: not m.generates_audio),
    Rule("priority", int, _fixed(0), _within(0, 9), lambda m: "must be within [0, 9]", constraints=(
        Constraint(lambda r: r["priority"] != 0 and r["service_tier"] == "flex",
                   lambda r: "is not available with service_tier flex"),)),
    Rule("callback_url", str, _fixed(None), lambda v, m: v.startswith(("http://", "https://")),
         lambda m: "must be an http(s) URL"),
    Rule("safety_identifier", str, _fixed(None), lambda v, m: len(v) <= 64, lambda m: "must be at most 64 characters"),
    Rule("tools", None, _fixed(None), lambda v, m: isinstance(v, list) and all(t == {"type": "web_search"} for t in v),
         lambda m: 'only [{"type": "web_search"}] is supported', constraints=(
             Constraint(lambda r: bool(r["tools"]) and r.mode != models.TEXT,  # DOC-2.0 (ark-api.md §2)
                        lambda r: f"web_search is available for text-to-video tasks only, not {_spoken(r.mode)}"),)),
    Rule("output_format", str, _fixed("mp4"), _one_of("mp4", "mov"), lambda m: "must be mp4 or mov"),
    # an explicit task type is held to its rules at create (ark-api.md §3.4; `auto` fails later, if at all)
    Rule("omni_reference_task_type", None, _fixed("auto"), _one_of("auto", "reference", "edit", "extend"),
         lambda m: "must be auto, reference, edit or extend", constraints=(
             Constraint(lambda r: r["omni_reference_task_type"] in VIDEO_TASKS and not r.videos,
                        lambda r: f"{r['omni_reference_task_type']} needs at least one reference_video",
                        TASK_TYPE),
             Constraint(lambda r: r["omni_reference_task_type"] in VIDEO_TASKS and r["ratio"] not in (None, "adaptive"),
                        lambda r: f"{r['omni_reference_task_type']} takes only ratio adaptive", TASK_TYPE),
             Constraint(lambda r: r["omni_reference_task_type"] == "edit" and r["duration"] != -1,
                        lambda r: "edit takes only duration -1", TASK_TYPE))),
)
OUTPUT = ("draft", "resolution", "ratio", "seed", "camera_fixed", "watermark", "return_last_frame", "service_tier",
          "execution_expires_after", "generate_audio", "priority", "callback_url", "safety_identifier",
          "output_format")  # and frames, frames_given; tools and omni_reference_task_type are only checked
_ALL_PARAMS = frozenset().union(*(m.params for m in models.MODELS.values())) | {"draft", "frames", "camera_fixed"}


def check_params(model: models.Model, mode: str, body: dict[str, Any], commands: dict[str, Any],
                 videos: int = 0) -> dict[str, Any]:
    """The task's parameters, every default applied (`videos`: the reference videos the content
    holds); a Refusal names the first parameter the service would refuse."""
    given = {k: v for k, v in body.items() if v is not None and k not in ("model", "content")}
    for name, value in given.items():
        if name not in _ALL_PARAMS:
            raise invalid(name, "is not a parameter of the video generation API (ark-api.md §2)")
        if name in _ALL_PARAMS and not model.accepts(name) and not (name == "service_tier" and value == "default"):
            raise invalid(name, f"is not supported by {model.id}")
    values = _read(model, mode, {**_weak(model, mode, body, commands), **given}, videos)
    out = {name: values.get(name) for name in OUTPUT}
    if out["draft"]:
        out["resolution"] = "480p"
    if out["seed"] == -1:
        out["seed"] = secrets.randbelow(2**31)
    out["frames_given"] = values.get("frames") is not None
    duration = values.get("duration")
    out["frames"] = values["frames"] if out["frames_given"] else models.frames_for(duration if duration > 0 else 5)
    return out


def _weak(model: models.Model, mode: str, body: dict[str, Any], commands: dict[str, Any]) -> dict[str, Any]:
    """The text commands the model can take, each as valid on its own as a body field would be."""
    kept = {}
    for name, value in commands.items():
        if name == "framespersecond" or not model.accepts(name) or body.get(name) is not None:
            continue
        try:
            check_params(model, mode, {name: value}, {})
        except Refusal:
            continue
        kept[name] = value
    return kept


def _read(model: models.Model, mode: str, given: dict[str, Any], videos: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    read = Read(model, mode, given, values, videos)
    for rule in RULES:
        if rule.unless(model, given):
            continue
        values[rule.name] = rule.read(model, given)
        for constraint in rule.constraints:
            if constraint.broken(read):
                raise invalid(rule.name, constraint.reason(read), constraint.code)
    return values
