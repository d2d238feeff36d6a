"""One request to the service and its whole answer, bounded in time and in size.

httpx's read timeout bounds each wait for a byte, not the answer: a service that sends an endless
chunked body, or one byte a second, would hold a call for ever and fill the memory. Here the whole
answer must come within `within` seconds (else TimeoutError, as for a silent service) and hold at
most `MAX_ANSWER` bytes (a list of 100 tasks is well under 1 MB); a bigger one is read no further
and its body counts as unreadable.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any

import httpx

MAX_ANSWER = 16 * 1024 * 1024  # bytes an API answer may hold (never a video: downloads stream to disk)


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    too_big: bool = False  # cut at MAX_ANSWER bytes: its body is not read

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return "" if self.too_big else self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON ({} when empty); None when it is not JSON (or too big to read). Numbers
        JSON does not have (NaN, Infinity) count as not JSON."""
        if self.too_big:
            return None
        if not self.content:
            return {}
        try:
            return json.loads(self.content, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


async def ask(http: httpx.AsyncClient, request: httpx.Request, within: float) -> Answer:
    """Send `request` and read its whole answer within `within` seconds (TimeoutError otherwise)."""
    async with asyncio.timeout(within if math.isfinite(within) else None):
        response = await http.send(request, stream=True)
        try:
            body, too_big = bytearray(), False
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    too_big = True
                    break
        finally:
            await response.aclose()
    return Answer(response.status_code, response.reason_phrase, response.headers, bytes(body), too_big)
