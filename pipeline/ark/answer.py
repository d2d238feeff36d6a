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
    damaged: str = ""  # the content encoding its body could not be decoded from: its body is not read

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return "" if self.too_big or self.damaged else self.content.decode("utf-8", errors="replace")

    @property
    def unreadable(self) -> str:
        """Why the body is not JSON, in words ("a body that is over 16 MB")."""
        if self.damaged:
            return f"in a damaged {self.damaged} encoding"
        return "that is over 16 MB" if self.too_big else "that is not JSON"

    def json(self) -> Any:
        """The body as JSON ({} when empty); None when it is not JSON (or too big, or damaged)."""
        if self.too_big or self.damaged:
            return None
        if not self.content:
            return {}
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError):
            return None

    def refusal(self) -> tuple[str, str, str]:
        """A refused request's (code, message, param) as the service wrote them: §10.1's error
        object, a bare one, a gateway's {"error": "why"}, or a body that is not JSON at all."""
        data = self.json()
        err = data.get("error", data) if isinstance(data, dict) else {}
        said = self.text[:300] if data is None else ""  # a body that is not JSON may still say why
        if not isinstance(err, dict):
            said, err = (err[:300] if isinstance(err, str) else said), {}
        message = str(err.get("message") or said or self.reason or f"HTTP {self.status}")
        return str(err.get("code") or self.reason), message, str(err.get("param") or "")


async def ask(http: httpx.AsyncClient, request: httpx.Request, within: float) -> Answer:
    """Send `request` and read its whole answer within `within` seconds (TimeoutError otherwise)."""
    async with asyncio.timeout(within if math.isfinite(within) else None):
        response = await http.send(request, stream=True)
        body, too_big, damaged = bytearray(), False, ""
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    too_big = True
                    break
        except httpx.DecodingError:  # a gzip answer cut or mangled: as unreadable as a body that is not JSON
            damaged = response.headers.get("content-encoding", "content")[:40]
        finally:
            await response.aclose()
    return Answer(response.status_code, response.reason_phrase, response.headers, bytes(body), too_big, damaged)
