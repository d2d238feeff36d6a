"""The one retry policy: how long to wait before trying an idempotent call again.

Every backoff in storyfilm is an instance of `RetryPolicy` (the client's calls and downloads, the
executor's creates and its pause after a 429, the poller's rounds), so the rules live here once:
exponential growth from `base_delay`, capped at `max_delay`, scaled down by a random jitter; a
`Retry-After` the service sent wins over the formula, capped at `max_retry_after`.

A policy object rather than a wrapping httpx transport: whether a call may be sent again depends
on what it does (a create that may have taken effect must not be repeated blindly), which the
client knows and a transport does not.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# 408: the request did not arrive whole in time (a front end's answer to a slow upload): nothing was
# done; the official SDK retries it too (ark-api.md §10.4)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.5  # a delay is scaled by a random factor in [1 - jitter, 1]

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry number attempt+1: Retry-After when given (capped), else
        base·2^attempt capped at max_delay, with jitter."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        full = min(self.base_delay * 2**attempt, self.max_delay)
        return full * (1 - self.jitter * random.random()) if self.jitter else full

    async def pause(self, attempt: int, retry_after: float | None = None) -> None:
        await asyncio.sleep(self.delay(attempt, retry_after))


def retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), None without one or
    with one that means nothing (negative, NaN, infinite): the policy's own backoff then applies."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        delta = float(value)
    except ValueError:
        pass
    else:
        return delta if math.isfinite(delta) and delta >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())
