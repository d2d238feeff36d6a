"""One task on the local server and its JSON, field for field as the service writes it (ark-api.md §7)."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from storyfilm.seedance import models
from storyfilm.localark.checks import TaskSpec

BEIJING = dt.timezone(dt.timedelta(hours=8))
ACTIVE = frozenset({"queued", "running"})
_order = itertools.count()


def new_task_id(now: float) -> str:
    """`cgt-<Beijing time YYYYmmddHHMMSS>-<5 of [a-z0-9]>` (ark-api.md §1.1)."""
    stamp = dt.datetime.fromtimestamp(now, BEIJING).strftime("%Y%m%d%H%M%S")
    return f"cgt-{stamp}-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))


def task_tokens(spec: TaskSpec) -> int:
    """usage.completion_tokens of a succeeded task (ark-api.md §11.1); a draft costs a fraction."""
    tokens = models.tokens(spec.width, spec.height, spec.frames)
    return int(tokens * (0.6 if spec.audio else 0.7)) if spec.draft else tokens


@dataclass
class LocalTask:
    id: str
    spec: TaskSpec
    created_at: int
    updated_at: int
    status: str = "queued"
    error: dict[str, str] | None = None
    finished_at: float | None = None
    base: str = ""  # the server's URL as the creator reached it: where the files are served
    files: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # the unguessable file folder
    order: int = field(default_factory=lambda: next(_order))
    no_last_frame: bool = False  # the `nolast` fault: succeed without content.last_frame_url
    admitted: float = field(default_factory=time.monotonic)  # when the create was taken (the `lag` fault)

    @property
    def model(self) -> str:
        return self.spec.model.id

    @property
    def tokens(self) -> int:
        return task_tokens(self.spec)

    @property
    def video_name(self) -> str:
        return "video." + self.spec.output_format

    def as_json(self, base: str) -> dict[str, Any]:
        spec = self.spec
        data: dict[str, Any] = {
            "id": self.id, "model": self.model, "status": self.status, "error": self.error,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }
        if self.status == "succeeded":
            content = {"video_url": f"{base}/files/{self.files}/{self.video_name}"}
            if spec.return_last_frame and not self.no_last_frame:
                content["last_frame_url"] = f"{base}/files/{self.files}/last_frame.png"
            data["content"] = content
        data.update({"seed": spec.seed, "resolution": spec.resolution, "ratio": spec.ratio})
        if spec.frames_given:
            data["frames"] = spec.frames
        else:
            data["duration"] = spec.duration
        data["framespersecond"] = models.FPS
        if spec.generate_audio is not None:
            data["generate_audio"] = spec.generate_audio
        if spec.draft is not None:
            data["draft"] = spec.draft
        if spec.draft_task_id is not None:
            data["draft_task_id"] = spec.draft_task_id
        data["service_tier"] = spec.service_tier
        data["execution_expires_after"] = spec.execution_expires_after
        if spec.model.accepts("priority"):
            data["priority"] = spec.priority
        if spec.safety_identifier is not None:
            data["safety_identifier"] = spec.safety_identifier
        if self.status == "succeeded":
            data["usage"] = {"completion_tokens": self.tokens, "total_tokens": self.tokens}
        elif self.status == "failed":  # failed tasks are not billed (ark-api.md §11.1)
            data["usage"] = {"completion_tokens": 0, "total_tokens": 0}
        return data
