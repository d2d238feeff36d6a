"""Typed task objects, read leniently from what the service returns (ark-api.md §7, §9)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from storyfilm.seedance.gateways import ARK, Gateway

Status = Literal["queued", "running", "succeeded", "failed", "cancelled", "expired"]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "expired"})
KNOWN: frozenset[str] = TERMINAL | {"queued", "running"}


def _int(value: Any) -> int | None:
    """A whole number, also written as a float (5.0); None for anything else (7.5, "7", true)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


MILLISECONDS_FROM = 10**11  # seconds since 1970 reach this in the year 5138; milliseconds passed it in 1973


def _time(value: Any) -> int | None:
    """A unix time in seconds, also written as a float with a fraction, or in milliseconds (§7.1
    says seconds; a gateway may send Java's milliseconds). A lost create's task is found by it:
    read as "no time", or 1000 times too late, it would be created again and paid twice."""
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    seconds = _int(value)
    return seconds // 1000 if seconds is not None and seconds > MILLISECONDS_FROM else seconds


def _error(value: Any) -> "TaskError | None":
    """The task's error: an object with code and message (§7.1), or a gateway's plain string."""
    if isinstance(value, dict):
        return TaskError(str(value.get("code") or ""), str(value.get("message") or ""))
    return TaskError("", value) if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class TaskError:
    code: str
    message: str


@dataclass(frozen=True)
class Task:
    id: str
    model: str
    status: Status
    created_at: int | None = None
    updated_at: int | None = None
    video_url: str | None = None
    last_frame_url: str | None = None
    error: TaskError | None = None
    seed: int | None = None
    resolution: str | None = None
    ratio: str | None = None
    duration: int | None = None
    frames: int | None = None
    framespersecond: int | None = None
    service_tier: str | None = None
    execution_expires_after: int | None = None
    generate_audio: bool | None = None
    draft: bool | None = None
    draft_task_id: str | None = None
    priority: int | None = None
    safety_identifier: str | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    unknown_status: str | None = None  # the service's status word when it is none we know (read as queued)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def from_json(cls, data: dict[str, Any], gateway: Gateway = ARK) -> "Task":
        """`gateway`: whose status words to read ("submitted" → queued); an unknown status is read
        as queued: keep polling (every wait has its deadline)."""
        word = data.get("status")
        status = gateway.status(word)
        unknown = None if status else "(none)" if word is None else str(word)[:40]
        content = data.get("content") if isinstance(data.get("content"), dict) else {}
        if not content.get("video_url") and isinstance(data.get("video_url"), str):  # a flatter gateway answer
            content = {**content, "video_url": data["video_url"]}
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        error = _error(data.get("error") or data.get("failure_reason"))
        return cls(
            id=str(data.get("id", "")), model=str(data.get("model", "")), status=status or "queued",
            created_at=_time(data.get("created_at")), updated_at=_time(data.get("updated_at")),
            video_url=_str(content.get("video_url")), last_frame_url=_str(content.get("last_frame_url")),
            error=error, seed=_int(data.get("seed")), resolution=_str(data.get("resolution")), ratio=_str(data.get("ratio")),
            duration=_int(data.get("duration")), frames=_int(data.get("frames")),
            framespersecond=_int(data.get("framespersecond")), service_tier=_str(data.get("service_tier")),
            execution_expires_after=_int(data.get("execution_expires_after")),
            generate_audio=_bool(data.get("generate_audio")), draft=_bool(data.get("draft")),
            draft_task_id=_str(data.get("draft_task_id")), priority=_int(data.get("priority")),
            safety_identifier=_str(data.get("safety_identifier")),
            completion_tokens=_int(usage.get("completion_tokens")), total_tokens=_int(usage.get("total_tokens")),
            unknown_status=unknown, raw=data,
        )

    @classmethod
    def asked(cls, task_id: str, data: dict[str, Any], gateway: Gateway = ARK) -> "Task":
        """The answer to GET for `task_id`: one without an id (a gateway's) is of that task; ValueError
        when it names another, whose status and video must never be taken for this task's."""
        answered = data.get("id")
        if answered is None or answered == "":
            return cls.from_json({**data, "id": task_id}, gateway)
        if str(answered) != task_id:
            raise ValueError(f"the answer is of task {str(answered)[:100]}, not {task_id}: not taken as its answer")
        return cls.from_json(data, gateway)


@dataclass(frozen=True)
class TaskList:
    total: int
    items: tuple[Task, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any], gateway: Gateway = ARK) -> "TaskList":
        """ValueError when the answer holds no `items` array (null or absent only beside a `total` of
        0, as a Go service writes an empty list): a list that cannot be read must never read as "no
        tasks", which would let a lost create be sent again."""
        found, total = data.get("items"), _int(data.get("total"))
        if not isinstance(found, list):
            if found is not None or total != 0:
                raise ValueError(f"a task list answer without an `items` array (items: {type(found).__name__}, "
                                 f"total: {data.get('total')!r})")
            found = []
        items = tuple(Task.from_json(i, gateway) for i in found if isinstance(i, dict))
        return cls(total=total or len(items), items=items)
