"""A create whose answer was lost: did the task land on the service?

One resolver for both places that meet the question: the client, when a create it sent got no
usable answer, and resume, when the journal holds a create intent without a task id (the process
died while the create was on its way). Both look for the task among the service's tasks by the
request's `Fingerprint`; when none is found and the create may still be on its way, they wait
`settle` seconds and look again. The answer is the one task id, None (surely not created: safe
to create), or CreateUnresolved when list fails or several tasks fit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from typing import Any

from storyfilm.ark.types import Task, TaskList
from storyfilm.errors import ApiRefused, CreateUnresolved, TransportFailed
from storyfilm.seedance import commands

# what a task echoes of its request, whether sent as body fields or as text commands
ECHOED = ("seed", "resolution", "ratio", "duration", "frames", "generate_audio", "execution_expires_after")
# a task that ended without a result costs nothing and is of no use: never the one to adopt
UNPAID_ENDS = frozenset({"failed", "cancelled", "expired"})

Lister = Callable[..., Awaitable[TaskList]]


@dataclass(frozen=True)
class Fingerprint:
    """What identifies our task among the service's tasks: model (or endpoint id), service tier
    (None: any), and the request values a task echoes back, left out where the service chooses."""

    model: str
    service_tier: str | None
    echoes: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, body: dict[str, Any]) -> "Fingerprint":
        text = " ".join(str(i.get("text") or "") for i in body.get("content") or []
                        if isinstance(i, dict) and i.get("type") == "text")
        _, from_text = commands.decode(text)
        merged = {**from_text, **{k: v for k, v in body.items() if v is not None}}
        return cls._made(str(merged.get("model") or ""), merged.get("service_tier") or "default", merged)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fingerprint":
        """From the journal (`as_dict`); intents written before the tier was kept match any tier."""
        return cls._made(str(data.get("model") or ""), data.get("service_tier"), data)

    @classmethod
    def _made(cls, model: str, tier: str | None, values: dict[str, Any]) -> "Fingerprint":
        wanted = {k: values[k] for k in ECHOED if values.get(k) is not None}
        if wanted.get("seed") == -1:
            del wanted["seed"]
        if wanted.get("ratio") in ("adaptive", "keep_ratio"):
            del wanted["ratio"]
        if wanted.get("duration") == -1 or "frames" in wanted:
            wanted.pop("duration", None)
        return cls(model, tier, tuple(sorted(wanted.items())))

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "service_tier": self.service_tier, **dict(self.echoes)}

    def matches(self, task: Task) -> bool:
        """A value the task does not echo cannot rule it out; one it echoes differently does."""
        return all(getattr(task, name) is None or getattr(task, name) == value for name, value in self.echoes)


@dataclass(frozen=True)
class LostCreates:
    settle: float = 5.0  # a lost create may still land: look again this much later before creating anew
    match_slack: float = 120.0  # seconds of clock skew allowed between our clock and the service's
    pages: int = 10
    page_size: int = 100

    async def resolve(self, list_tasks: Lister, fingerprint: Fingerprint, sent_at: float,
                      claimed: Callable[[], Container[str]], *, settled: bool = False, why: str = "") -> str | None:
        """The id of the task the create made, None if surely none, CreateUnresolved otherwise.
        `claimed`: ids already ours (never mistaken for the lost one). `settled`: the service itself
        answered (500, 503), so the create is not still on its way and one look is enough."""
        found = await self._look(list_tasks, fingerprint, sent_at, claimed(), why)
        if found is None and not settled:
            await asyncio.sleep(self.settle)
            found = await self._look(list_tasks, fingerprint, sent_at, claimed(), why)
        return found

    async def _look(self, list_tasks: Lister, fingerprint: Fingerprint, sent_at: float,
                    claimed: Container[str], why: str) -> str | None:
        low, high = sent_at - self.match_slack, time.time() + self.match_slack
        candidates: list[str] = []
        try:
            for page in range(1, self.pages + 1):
                found = await list_tasks(page_num=page, page_size=self.page_size, model=fingerprint.model,
                                         service_tier=fingerprint.service_tier)
                candidates += [task.id for task in found.items
                               if task.id not in claimed and task.status not in UNPAID_ENDS
                               and task.created_at is not None and low <= task.created_at <= high
                               and fingerprint.matches(task)]
                oldest = min((t.created_at or 0 for t in found.items), default=0)
                if len(found.items) < self.page_size or oldest < low:
                    break
        except (ApiRefused, TransportFailed) as exc:
            raise CreateUnresolved(f"create sent but unanswered ({why}); looking for the task with list "
                                   f"failed too: {exc}. Check the task list before creating again.") from None
        if len(candidates) > 1:
            raise CreateUnresolved(f"create sent but unanswered ({why}); {len(candidates)} tasks match it: "
                                   f"{', '.join(candidates)}. Check them before creating again.", tuple(candidates))
        return candidates[0] if candidates else None
