"""When shots may start.

- `remaining_chain`: a shot's priority, the longest chain of work that still hangs on it, so the
  critical path starts first.
- `ModelGate`: per model, how many tasks may be in flight (AIMD: halve on 429, grow back by one
  per window of successes) and how many creates a minute may be sent (the account's RPM).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import Callable

import networkx as nx


class CreatesStopped(Exception):
    """The render creates no more tasks (`ModelGate.stop`); `failed`: the shot whose failure stopped it."""

    def __init__(self, failed: str):
        super().__init__(failed)
        self.failed = failed


def remaining_chain(graph: nx.DiGraph, weight: Callable[[str], float]) -> dict[str, float]:
    """For every shot: its own weight plus the heaviest chain of shots that wait on it."""
    longest: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        longest[node] = weight(node) + max((longest[s] for s in graph.successors(node)), default=0.0)
    return longest


class ModelGate:
    """Admission for one model: a priority queue of shots waiting for an in-flight slot, AIMD on the
    slot count, and a sliding one-minute window of creates for the RPM limit."""

    def __init__(self, name: str, limit: int, rpm: int, *, clock: Callable[[], float] = time.monotonic):
        self.name, self.max_limit, self.rpm, self.clock = name, max(1, limit), max(1, rpm), clock
        self.limit = float(self.max_limit)
        self.in_flight = 0
        self.throttled_until = 0.0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._creates: deque[float] = deque()
        self.stopped: str | None = None  # the shot whose failure stopped its creates

    def stop(self, failed: str) -> None:
        """Admit no more shots and send no more creates (`failed` stopped the render's creating);
        the shots waiting for a slot are told at once."""
        self.stopped = failed
        waiters, self._waiters = self._waiters, []
        for _, _, future in waiters:
            if not future.done():
                future.set_exception(CreatesStopped(failed))

    def describe(self) -> str:
        return f"{self.name}: {self.in_flight}/{int(self.limit)} tasks in flight"

    async def acquire(self, priority: float) -> None:
        """Wait for an in-flight slot; the waiter with the highest priority goes first."""
        if self.stopped is not None:
            raise CreatesStopped(self.stopped)
        if self.in_flight < int(self.limit) and not self._waiters:
            self.in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._seq), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # a slot was handed over just as we were cancelled
            raise

    def occupy(self) -> None:
        """Count a task that is already in flight (resumed) without waiting."""
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.in_flight += 1
                future.set_result(None)

    def throttled(self, pause: float) -> None:
        """The service said 429: halve the concurrency and pause new creates for a while."""
        self.limit = max(1.0, math.floor(self.limit / 2))
        self.throttled_until = max(self.throttled_until, self.clock() + pause)

    def succeeded(self) -> None:
        """A create went through: grow back by one slot per `limit` successes (additive increase)."""
        if self.limit < self.max_limit:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)
            self._wake()

    def rate_wait(self) -> tuple[float, str]:
        """Seconds to wait before the next create may be sent, and why ("" when it may go now)."""
        now = self.clock()
        while self._creates and self._creates[0] <= now - 60.0:
            self._creates.popleft()
        if self.throttled_until > now:
            return self.throttled_until - now, f"{self.name}: backing off after 429 Too Many Requests"
        if len(self._creates) >= self.rpm:
            return self._creates[0] + 60.0 - now, f"{self.name}: {self.rpm} creates/min limit"
        return 0.0, ""

    async def rate_slot(self, waiting: Callable[[str], None]) -> None:
        """Wait until a create is allowed by the RPM window and any 429 back-off, then record it."""
        while True:
            if self.stopped is not None:
                raise CreatesStopped(self.stopped)
            delay, why = self.rate_wait()
            if delay <= 0:
                self._creates.append(self.clock())
                return
            waiting(why)
            await asyncio.sleep(delay)
