"""The ASGI layer that counts every request and injects the faults of `faults.py` on the wire.

A dropped answer and a truncated download both close the connection mid-response: uvicorn
closes the socket when an app returns without completing its response (status line and headers
may have gone out, the body never completes), which the client sees as a broken connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from starlette.responses import JSONResponse

from storyfilm.localark.answers import error_body, request_id
from storyfilm.localark.faults import Dice

Scope = dict[str, Any]
SERVER_ERRORS = (500, 502, 503, 504)
REFUSALS = ((400, "InvalidParameter", "A parameter specified in the request is not valid."),
            (401, "AuthenticationError", "The API key or AK/SK in the request is missing or invalid."))


class _QuietIncomplete(logging.Filter):
    """Our own cut-short answers are intended; uvicorn need not log them as errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietIncomplete())


class FaultGate:
    def __init__(self, app: Any, *, operation: Callable[[str, str], str | None], dice: Callable[[], Dice],
                 stats: Any):
        self.app, self.operation, self.dice, self.stats = app, operation, dice, stats

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        op = self.operation(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if op is None:
            return await self.app(scope, receive, send)
        self.stats[op] += 1
        dice = self.dice()
        if dice.hit("429", op):
            self.stats["fault:429"] += 1
            headers = {"X-Request-Id": (rid := request_id())}
            if dice.faults.retry_after is not None:
                headers["Retry-After"] = f"{dice.faults.retry_after:g}"
            code = "ModelAccountRpmRateLimitExceeded" if op == "create" else "APIAccountRpmRateLimitExceeded"
            body = error_body(429, code, "The request has exceeded the rate limit.", rid)
            return await JSONResponse(body, 429, headers=headers)(scope, receive, send)
        for status, code, said in REFUSALS:
            if dice.hit(str(status), op):  # refused before it takes effect, as the service refuses
                self.stats[f"fault:{status}"] += 1
                rid = request_id()
                return await JSONResponse(error_body(status, code, said, rid), status,
                                          headers={"X-Request-Id": rid})(scope, receive, send)
        if dice.hit("5xx", op):
            self.stats["fault:5xx"] += 1
            status = dice.choice(SERVER_ERRORS)
            rid = request_id()
            body = error_body(status, "InternalServiceError",
                              "The service encountered an unexpected internal error. Please retry later.", rid)
            return await JSONResponse(body, status, headers={"X-Request-Id": rid})(scope, receive, send)
        if dice.hit("crash", op):  # the work is done, then the service fails to say so
            self.stats["fault:crash"] += 1
            await self.app(scope, receive, _swallowed)
            rid = request_id()
            body = error_body(500, "InternalServiceError",
                              "The service encountered an unexpected internal error. Please retry later.", rid)
            return await JSONResponse(body, 500, headers={"X-Request-Id": rid})(scope, receive, send)
        drop = dice.hit("drop", op)
        truncate = op == "download" and dice.hit("truncate", op)
        if dice.hit("slow", op):  # the request has arrived whole; the answer takes its time
            self.stats["fault:slow"] += 1
            receive = await _buffered(receive)
            await asyncio.sleep(dice.faults.delay)
        if drop:
            self.stats["fault:drop"] += 1
            return await self.app(scope, receive, _headers_only(send))
        if truncate:
            self.stats["fault:truncate"] += 1
            return await self.app(scope, receive, _half_body(send))
        if op == "download" and scope["path"].rsplit("/", 1)[-1].startswith("video.") and dice.hit("garble", op):
            self.stats["fault:garble"] += 1
            return await self.app(scope, receive, _zeroed_body(send))
        return await self.app(scope, receive, send)


async def _buffered(receive: Any) -> Any:
    """Read the whole request body now; replay it to the app later (even if the client left)."""
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break

    async def replay() -> dict[str, Any]:
        return messages.pop(0) if messages else await receive()
    return replay


async def _swallowed(message: dict[str, Any]) -> None:
    """The app's own answer, never sent."""


def _headers_only(send: Any) -> Any:
    """The request takes effect; its answer is lost after the status line."""
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            await send(message)
    return wrapped


def _half_body(send: Any) -> Any:
    """Content-Length promises the whole file; half of it is sent, then the connection closes."""
    state = {"budget": 0}

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            length = dict(message.get("headers") or []).get(b"content-length", b"0")
            state["budget"] = int(length) // 2
            await send(message)
        elif message["type"] == "http.response.body" and state["budget"] > 0:
            chunk = message.get("body", b"")[: state["budget"]]
            state["budget"] -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    return wrapped


def _zeroed_body(send: Any) -> Any:
    """The whole body, its length kept, every byte zero: a file damaged where it is stored."""
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": bytes(len(message.get("body", b"")))}
        await send(message)
    return wrapped
