"""Async client for the Ark video-generation tasks API (ark-api.md).

The client holds the policy (auth, retries, deadlines); the injected httpx.AsyncClient only moves
bytes, so tests can run it against the local server in-process or over real sockets.

Failures come in three kinds (pipeline/errors.py): ApiRefused (the service answered 4xx, or 5xx
after every retry), TaskFailed (the task ended failed / expired / cancelled), TransportFailed
(no usable answer). Retried: connection errors, 429, 500, 502, 503, 504; exponential backoff
with jitter, or the Retry-After the service sends.

A create whose outcome is unknown (sent, then no answer, a 5xx, or a broken answer) is never
blindly sent again, since it could pay for a second task: the client first looks for the task
with list (`find_created`) and adopts it; when the answer was lost in transit (timeout, dropped
connection, 502/504 from a gateway) it looks again `settle` seconds later, as the create may
still land; it creates anew only when the task is absent both times (after a 500/503, once),
and raises CreateUnresolved naming the candidates when list cannot decide.
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

from storyfilm.seedance import commands
from storyfilm.ark.types import Task, TaskList
from storyfilm.errors import ApiRefused, CreateUnresolved, TaskFailed, TransportFailed, Unanswered
from storyfilm.settings import TASKS_PATH, redact

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# raised before a byte of the request reached the service: always safe to send again
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.5  # a delay is scaled by a random factor in [1 - jitter, 1]
    match_slack: float = 120.0  # seconds of clock skew allowed when matching a lost create
    settle: float = 5.0  # a lost create may still land: look again this much later before creating anew

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry number attempt+1: Retry-After when given (capped), else
        base·2^attempt capped at max_delay, with jitter."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return min(self.base_delay * 2**attempt, self.max_delay) * (1 - self.jitter * random.random())


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class ArkClient:
    def __init__(self, base_url: str, api_key: str, *, tasks_path: str = TASKS_PATH,
                 http: httpx.AsyncClient | None = None, retry: RetryPolicy = RetryPolicy()):
        self._base = base_url.rstrip("/")
        self._tasks = self._base + "/" + tasks_path.strip("/")
        self._key = api_key
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._owns_http = http is None
        self.retry = retry
        self.known: set[str] = set()  # ids this client created: never mistaken for a lost create

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
        """POST a task; returns its id. Never creates a second task for one call."""
        for attempt in range(self.retry.attempts):
            sent_at = time.time()
            try:
                data = await self._call("POST", self._tasks, json=body, may_repeat=False)
            except Unanswered as lost:
                await asyncio.sleep(self.retry.delay(attempt, lost.retry_after))
                found = await self.find_created(body, sent_at, lost.detail)
                if found is None and not lost.settled:  # a slow create may land after our first look
                    await asyncio.sleep(self.retry.settle)
                    found = await self.find_created(body, sent_at, lost.detail)
                if found is not None:
                    self.known.add(found)
                    return found
                if attempt + 1 == self.retry.attempts:
                    raise TransportFailed(f"create failed {self.retry.attempts} times, no task was created "
                                          f"(last: {lost.detail})") from None
                continue
            task_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(task_id, str) or not task_id:
                raise TransportFailed(f"create answered without a task id: {redact(str(data)[:200], self._key)}")
            self.known.add(task_id)
            return task_id
        raise AssertionError("unreachable")

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
        """Cancel a queued task or delete a finished one (ark-api.md §8.2). A retry after a lost
        answer that finds the work already done (404, or now cancelled) counts as success."""
        try:
            await self._call("DELETE", f"{self._tasks}/{task_id}", may_repeat=False)
            return
        except Unanswered:
            pass
        try:
            await self._call("DELETE", f"{self._tasks}/{task_id}")
        except ApiRefused as exc:
            if exc.status == 404:
                return
            if exc.status == 400 and (await self.get(task_id)).status == "cancelled":
                return
            raise

    # -- a create whose answer was lost --------------------------------------------------

    async def find_created(self, body: dict[str, Any], sent_at: float, why: str = "") -> str | None:
        """The id of the task a lost create made, None if surely none; CreateUnresolved otherwise.

        A candidate is a task of the same model and tier, created within the send window
        (± match_slack for clock skew), not known to this client, whose echoed parameters
        (seed, resolution, ratio, duration or frames, generate_audio, expiry) match the body."""
        model = str(body.get("model") or "")
        wanted = _echoes(body)
        low, high = sent_at - self.retry.match_slack, time.time() + self.retry.match_slack
        candidates: list[str] = []
        try:
            for page in range(1, 11):
                found = await self.list(page_num=page, page_size=100, model=model,
                                        service_tier=body.get("service_tier") or "default")
                for task in found.items:
                    if (task.id not in self.known and task.created_at is not None
                            and low <= task.created_at <= high and _matches(task, wanted)):
                        candidates.append(task.id)
                oldest = min((t.created_at or 0 for t in found.items), default=0)
                if len(found.items) < 100 or oldest < low:
                    break
        except (ApiRefused, TransportFailed) as exc:
            raise CreateUnresolved(f"create sent but unanswered ({why}); looking for the task with list "
                                   f"failed too: {exc}. Check the task list before creating again.") from None
        if len(candidates) > 1:
            raise CreateUnresolved(f"create sent but unanswered ({why}); {len(candidates)} tasks match it: "
                                   f"{', '.join(candidates)}. Check them before creating again.", tuple(candidates))
        return candidates[0] if candidates else None

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
                status = getattr(exc, "status", None)
                if attempt + 1 == self.retry.attempts or (status is not None and status not in RETRY_STATUSES):
                    raise TransportFailed(f"download of {url.split('?')[0]} failed: {exc}", status=status) from exc
                await asyncio.sleep(self.retry.delay(attempt, None))
        raise AssertionError("unreachable")

    async def _download_once(self, url: str, part: Path) -> int:
        async with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise TransportFailed(f"download answered HTTP {response.status_code}", status=response.status_code)
            expected = response.headers.get("content-length")
            size = 0
            with part.open("wb") as out:
                async for chunk in response.aiter_raw(1 << 16):
                    out.write(chunk)
                    size += len(chunk)
        if expected is not None and int(expected) != size:
            raise TransportFailed(f"download truncated: {size} of {expected} bytes")
        return size

    # -- one request, with the retry policy ----------------------------------------------

    async def _call(self, method: str, url: str, *, json: Any = None, params: Any = None,
                    may_repeat: bool = True) -> Any:
        """Send with retries. With may_repeat=False, an answer lost after sending (or a 5xx,
        which may come after the work was done) raises Unanswered instead of sending again."""
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            try:
                response = await self._http.request(method, url, json=json, params=params, headers=headers)
            except NOT_SENT as exc:
                if last:
                    raise TransportFailed(f"cannot reach {self._base}: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            except httpx.TransportError as exc:
                detail = f"{method} {url}: sent, but no answer came ({type(exc).__name__})"
                if not may_repeat:
                    raise Unanswered(detail) from exc
                if last:
                    raise TransportFailed(detail) from exc
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            status = response.status_code
            if status >= 500 and not may_repeat:
                raise Unanswered(f"{method} {url}: HTTP {status}", _retry_after(response), status in (500, 503))
            if status in RETRY_STATUSES and not last:
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


_ECHOED = ("seed", "resolution", "ratio", "duration", "frames", "generate_audio", "execution_expires_after")


def _echoes(body: dict[str, Any]) -> dict[str, Any]:
    """The request values a task echoes back, whether sent as body fields or text commands."""
    text = " ".join(str(i.get("text") or "") for i in body.get("content") or []
                    if isinstance(i, dict) and i.get("type") == "text")
    _, from_text = commands.decode(text)
    merged = {**from_text, **{k: v for k, v in body.items() if v is not None}}
    wanted = {k: merged[k] for k in _ECHOED if k in merged}
    if wanted.get("seed") == -1:
        del wanted["seed"]
    if wanted.get("ratio") in ("adaptive", "keep_ratio"):
        del wanted["ratio"]
    if wanted.get("duration") == -1 or "frames" in wanted:
        wanted.pop("duration", None)
    return wanted


def _matches(task: Task, wanted: dict[str, Any]) -> bool:
    return all(getattr(task, name) is None or getattr(task, name) == value for name, value in wanted.items())
