"""`callback_url`: POST the task object on each status change (ark-api.md §8.3).

Deliveries for one task go out in order. `succeeded` and `failed` are tried up to three times,
each attempt waiting at most 5 s for a 2xx; other statuses once. `cancelled` is not sent (the
documentation never lists it).
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass
from typing import Any

import httpx

RETRIED = frozenset({"succeeded", "failed"})
SENT = frozenset({"queued", "running", "succeeded", "failed", "expired"})


@dataclass(frozen=True)
class CallbackPolicy:
    attempts: int = 3
    timeout: float = 5.0
    pause: float = 1.0  # between attempts (not documented)


class Notifier:
    def __init__(self, policy: CallbackPolicy, stats: collections.Counter[str]):
        self.policy, self.stats = policy, stats
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._http: httpx.AsyncClient | None = None

    def post(self, task_id: str, url: str, body: dict[str, Any]) -> None:
        if body.get("status") not in SENT:
            return
        before = self._chains.get(task_id)
        self._chains[task_id] = asyncio.get_running_loop().create_task(self._deliver(before, url, body))

    async def _deliver(self, before: asyncio.Task[None] | None, url: str, body: dict[str, Any]) -> None:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.policy.timeout)
        attempts = self.policy.attempts if body["status"] in RETRIED else 1
        for attempt in range(attempts):
            self.stats["callback"] += 1
            try:
                response = await self._http.post(url, json=body)
                if response.is_success:
                    return
            except httpx.HTTPError:
                pass
            if attempt + 1 < attempts:
                await asyncio.sleep(self.policy.pause)
        self.stats["callback_lost"] += 1

    async def aclose(self) -> None:
        chains = list(self._chains.values())
        for chain in chains:
            chain.cancel()
        await asyncio.gather(*chains, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
