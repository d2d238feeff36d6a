"""One row of the render journal (one content key), as read back: what it says, and its moments
on the wall clock as it reads now (boot_clock.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storyfilm.rendering.boot_clock import on_the_wall_now

COLUMNS = ("key", "shot_id", "task_id", "status", "attempts", "video_sha", "frame_sha", "seed", "tokens",
           "updated_at", "material", "fingerprint", "intent_at", "cost", "error", "task_created_at", "since",
           "intent_boot", "created_boot", "boot_id")


@dataclass(frozen=True)
class Entry:
    key: str
    shot_id: str
    task_id: str | None
    status: str  # creating | created | done | failed | expired | cancelled
    attempts: int
    video_sha: str | None
    frame_sha: str | None
    seed: int | None
    tokens: int | None
    updated_at: float
    material: str | None  # JSON of what the key hashes
    fingerprint: str | None  # JSON: what identifies our task in a list of the service's tasks
    intent_at: float | None  # when the last create was about to be sent (unix time)
    cost: float | None
    error: str | None
    task_created_at: float | None
    since: float | None = None  # when the first unsettled create of the last hour was sent: its task is no older
    intent_boot: float | None = None  # the boot clock at intent_at, in boot `boot_id` (boot_clock.py)
    created_boot: float | None = None  # the boot clock at task_created_at
    boot_id: str | None = None

    @property
    def sent_at(self) -> float | None:
        """intent_at on the wall clock as it reads now, however it was set since (boot_clock.py)."""
        return on_the_wall_now(self.intent_at, self.intent_boot, self.boot_id)

    @property
    def created_at(self) -> float | None:
        """task_created_at on the wall clock as it reads now."""
        return on_the_wall_now(self.task_created_at, self.created_boot, self.boot_id)

    @property
    def doubt_since(self) -> float | None:
        """The first unsettled create's sending, on the wall clock as it reads now (moved as the
        last intent's: the wall clock seldom steps between creates of one shot)."""
        if self.since is None or self.intent_at is None or self.sent_at is None:
            return self.since or self.sent_at
        return self.since + (self.sent_at - self.intent_at)

    def material_dict(self) -> dict[str, Any] | None:
        return json.loads(self.material) if self.material else None
