"""Async client for the Ark video-generation tasks API (ark-api.md).

The client holds the policy (auth, retries, deadlines); the injected httpx.AsyncClient only moves
bytes, so tests can run it against the local server in-process or over real sockets.
A create whose outcome is unknown is never blindly sent again: it could pay for a second task.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pipeline.ark.types import Task, TaskList
from pipeline.errors import ApiRefused, TaskFailed, TransportFailed
from pipeline.settings import TASKS_PATH, redact

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return min(self.base_delay * 2**attempt, self.max_delay) * (0.5 + random.random() / 2)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


class ArkClient:
    def __init__(self, base_url: str, api_key: str, *, tasks_path: str = TASKS_PATH,
                 http: httpx.AsyncClient | None = None, retry: RetryPolicy = RetryPolicy()):
        self._base = base_url.rstrip("/")
        self._tasks = self._base + "/" + tasks_path.strip("/")
        self._key = api_key
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._owns_http = http is None
        self.retry = retry

    def __repr__(self) -> str:
        return f"ArkClient(base_url={self._base!r}, api_key=***)"

    async def __aenter__(self) -> "ArkClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- the four operations -------------------------------------------------------------

    async def create(self, body: dict[str, Any]) -> str:
        """POST a task; returns its id. Retried only where the service surely created nothing."""
        data = await self._call("POST", self._tasks, json=body, idempotent=False)
        task_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise TransportFailed(f"create answered without a task id: {redact(str(data)[:200], self._key)}")
        return task_id

    async def get(self, task_id: str) -> Task:
        return Task.from_json(await self._call("GET", f"{self._tasks}/{task_id}"))

    async def list(self, *, page_num: int | None = None, page_size: int | None = None, status: str | None = None,
                   model: str | None = None, service_tier: str | None = None,
                   task_ids: list[str] | None = None) -> TaskList:
        params: list[tuple[str, str | int]] = []
        for name, value in (("page_num", page_num), ("page_size", page_size), ("filter.status", status),
                            ("filter.model", model), ("filter.service_tier", service_tier)):
            if value:
                params.append((name, value))
        params += [("filter.task_ids", t) for t in task_ids or []]
        return TaskList.from_json(await self._call("GET", self._tasks, params=params))

    async def delete(self, task_id: str) -> None:
        await self._call("DELETE", f"{self._tasks}/{task_id}")

    # -- waiting and downloading ---------------------------------------------------------

    async def wait(self, task_id: str, *, timeout: float, interval: float = 2.0, max_interval: float = 10.0) -> Task:
        """Poll until the task is terminal; raise TaskFailed unless it succeeded."""
        deadline = time.monotonic() + timeout
        while True:
            task = await self.get(task_id)
            if task.done:
                if task.status != "succeeded":
                    err = task.error
                    raise TaskFailed(task.id, task.status, err.code if err else "", err.message if err else "")
                return task
            if time.monotonic() + interval > deadline:
                raise TransportFailed(f"task {task_id} still {task.status} after {timeout:.0f} s")
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, max_interval)

    async def download(self, url: str, dest: Path) -> int:
        """Stream a result file to dest (never sending the API key); a partial file never stays at dest."""
        part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        for attempt in range(self.retry.attempts):
            try:
                size = await self._download_once(url, part)
                os.replace(part, dest)
                return size
            except (httpx.TransportError, TransportFailed) as exc:
                part.unlink(missing_ok=True)
                if attempt + 1 == self.retry.attempts:
                    raise TransportFailed(f"download failed: {exc}") from exc
                await asyncio.sleep(self.retry.delay(attempt, None))
        raise AssertionError("unreachable")

    async def _download_once(self, url: str, part: Path) -> int:
        async with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise TransportFailed(f"download answered HTTP {response.status_code}")
            expected = response.headers.get("content-length")
            size = 0
            with part.open("wb") as out:
                async for chunk in response.aiter_bytes(1 << 16):
                    out.write(chunk)
                    size += len(chunk)
        if expected is not None and int(expected) != size:
            raise TransportFailed(f"download truncated: {size} of {expected} bytes")
        return size

    # -- one request, with the retry policy ----------------------------------------------

    async def _call(self, method: str, url: str, *, json: Any = None, params: Any = None,
                    idempotent: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            try:
                response = await self._http.request(method, url, json=json, params=params, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing reached the service
                if last:
                    raise TransportFailed(f"cannot reach {self._base}: {exc}") from exc
                await asyncio.sleep(self.retry.delay(attempt, None))
                continue
            except httpx.TransportError as exc:
                if not idempotent:
                    raise TransportFailed(f"{method} {url}: sent, but no answer came ({type(exc).__name__}); "
                                          f"outcome unknown") from exc
                if last:
                    raise TransportFailed(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(self.retry.delay(attempt, None))
                continue
            retriable = response.status_code == 429 or (idempotent and response.status_code in RETRY_STATUSES)
            if retriable and not last:
                await asyncio.sleep(self.retry.delay(attempt, _retry_after(response)))
                continue
            return self._parse(response)
        raise AssertionError("unreachable")

    def _parse(self, response: httpx.Response) -> Any:
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = None
        if response.is_success:
            if data is None:
                raise TransportFailed(f"HTTP {response.status_code} with a body that is not JSON")
            return data
        err = data.get("error", data) if isinstance(data, dict) else {}
        if not isinstance(err, dict):
            err = {}
        message = redact(str(err.get("message") or response.text[:300] or response.reason_phrase), self._key)
        raise ApiRefused(response.status_code, str(err.get("code") or response.reason_phrase), message,
                         str(err.get("param") or ""))
