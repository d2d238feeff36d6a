"""Async client for the Ark video-generation tasks API (ark-api.md).

The client holds the policy (auth, retries, deadlines); the injected httpx.AsyncClient only moves
bytes, so tests can run it against the local server in-process (httpx.ASGITransport) or over real
sockets.

Failures come in three kinds (storyfilm/errors.py): ApiRefused (the service answered 4xx, or 5xx
after every retry), TaskFailed (the task ended failed / expired / cancelled), TransportFailed
(no usable answer). Idempotent calls are retried by the one `RetryPolicy` (retry.py) on connection
errors, 429, 500, 502, 503 and 504.

A create whose outcome is unknown (sent, then no answer, a 5xx, or a broken answer) is never
blindly sent again, since it could pay for a second task: `send_create` raises Unanswered, and
`create` asks the one lost-create resolver (lost_create.py) whether the task landed; it adopts
the task, creates anew only when the service surely has none, and raises CreateUnresolved when
that cannot be told.

A service never reached (connection refused, no such host, no answer to connect) is told apart
from one that stopped answering: until the first answer comes, a connection that cannot be made
fails after `UNREACHED_TRIES` quick tries with ServiceUnreachable, which names the host and
ARK_BASE_URL; after that, connection errors are retried by the policy. Downloads have a deadline
per attempt (`download_timeout`) whether or not bytes keep coming, and all attempts at one file
together have `DOWNLOAD_SPAN` times that.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from storyfilm.ark.lost_create import Fingerprint, LostCreates
from storyfilm.ark.retry import RETRY_STATUSES, RetryPolicy, retry_after
from storyfilm.ark.types import Task, TaskList
from storyfilm.errors import ApiRefused, NoTaskList, ServiceUnreachable, TransportFailed, Unanswered
from storyfilm.seedance.gateways import ARK, Gateway
from storyfilm.settings import redact

__all__ = ["ArkClient", "RetryPolicy", "LostCreates", "RETRY_STATUSES"]

# raised before a byte of the request reached the service: always safe to send again
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
UNREACHED_TRIES = 3  # connection attempts before a service that never answered is called unreachable
DOWNLOAD_TIMEOUT = 300.0  # seconds one attempt at downloading a result may take, all told
DOWNLOAD_SPAN = 2  # all attempts at one download together may take this many attempts' time


class ArkClient:
    def __init__(self, base_url: str, api_key: str, *, gateway: Gateway = ARK, tasks_path: str | None = None,
                 http: httpx.AsyncClient | None = None, retry: RetryPolicy = RetryPolicy(),
                 lost_creates: LostCreates = LostCreates(), download_timeout: float = DOWNLOAD_TIMEOUT):
        self._base = base_url.rstrip("/")
        self.gateway = gateway  # its status words, model names, and whether it offers the list call
        self._tasks = self._base + "/" + (tasks_path or gateway.tasks_path).strip("/")
        self._key = api_key
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._owns_http = http is None
        self.retry, self.lost_creates, self.download_timeout = retry, lost_creates, download_timeout
        self.reached = False  # an answer came from the service: connection errors are now transient
        self._not_connected = 0  # connections that could not be made before the first answer
        self.known: set[str] = set()  # ids this client created: never mistaken for a lost create

    def __repr__(self) -> str:
        return f"ArkClient(base_url={self._base!r}, api_key=***)"

    @property
    def on_this_machine(self) -> bool:
        """Whether the service is on a loopback address (the local preview server, `storyfilm serve`)."""
        return httpx.URL(self._base).host in ("127.0.0.1", "localhost", "::1")

    async def __aenter__(self) -> "ArkClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- the four operations -------------------------------------------------------------

    @property
    def lists(self) -> bool:
        """The service offers the batched list call (else tasks are read one GET each)."""
        return self.gateway.lists

    async def create(self, body: dict[str, Any]) -> str:
        """POST a task; returns its id. Never creates a second task for one call."""
        body = self._named(body)
        for attempt in range(self.retry.attempts):
            sent_at = time.time()
            try:
                return await self.send_create(body)
            except Unanswered as lost:
                lost_at = time.time()
                await self.retry.pause(attempt, lost.retry_after)
                found = await self.lost_creates.resolve(self.list, Fingerprint.of(body), sent_at, lambda: self.known,
                                                        settled=lost.settled, why=lost.detail, lost_at=lost_at)
                task_id = found.only(lost.detail)
                if task_id is not None:
                    self.known.add(task_id)
                    return task_id
                if attempt + 1 == self.retry.attempts:
                    raise TransportFailed(f"create failed {self.retry.attempts} times, no task was created "
                                          f"(last: {lost.detail})") from None
        raise AssertionError("unreachable")

    async def send_create(self, body: dict[str, Any]) -> str:
        """POST a task once (429 and unsent requests aside); Unanswered when it may have taken
        effect without its id reaching us: the caller must resolve it before creating again."""
        body = self._named(body)
        data = await self._call("POST", self._tasks, json=body, may_repeat=False)
        task_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise Unanswered(f"create answered without a task id: {redact(str(data)[:200], self._key)}", settled=True)
        self.known.add(task_id)
        return task_id

    def _named(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body with the model named as the gateway names it (seed 004: doubao-seedance-2-0)."""
        model = body.get("model")
        if not isinstance(model, str) or self.gateway.model_name(model) == model:
            return body
        return {**body, "model": self.gateway.model_name(model)}

    async def get(self, task_id: str) -> Task:
        data = await self._call("GET", f"{self._tasks}/{task_id}")
        return Task.from_json(data if isinstance(data, dict) else {}, self.gateway)

    async def list(self, *, page_num: int | None = None, page_size: int | None = None, status: str | None = None,
                   model: str | None = None, service_tier: str | None = None,
                   task_ids: list[str] | None = None) -> TaskList:
        if not self.lists:  # nothing is sent: a lost create cannot be looked for there
            raise NoTaskList(f"gateway {self.gateway.name} offers no task list")
        params: list[tuple[str, str | int]] = []
        for name, value in (("page_num", page_num), ("page_size", page_size), ("filter.status", status),
                            ("filter.model", model), ("filter.service_tier", service_tier)):
            if value:
                params.append((name, value))
        params += [("filter.task_ids", t) for t in task_ids or []]
        data = await self._call("GET", self._tasks, params=params)
        return TaskList.from_json(data if isinstance(data, dict) else {}, self.gateway)

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

    # -- downloading ---------------------------------------------------------------------

    async def download(self, url: str, dest: Path) -> int:
        """Stream a result file to dest (never sending the API key); a partial file never stays at dest.
        A trickle of bytes cannot stretch it: each attempt ends after `download_timeout` seconds,
        all of them together after `DOWNLOAD_SPAN` times that."""
        part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        what, span = f"download of {url.split('?')[0]} failed", DOWNLOAD_SPAN * self.download_timeout
        ends = time.monotonic() + span
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            try:
                async with asyncio.timeout(min(self.download_timeout, max(0.0, ends - time.monotonic()))):
                    size = await self._download_once(url, part)
                os.replace(part, dest)
                return size
            except TimeoutError:
                part.unlink(missing_ok=True)
                if ends - time.monotonic() <= 0:
                    raise TransportFailed(f"{what}: not finished after {span:g} s in all "
                                          f"({attempt + 1} tr{'ies' if attempt else 'y'})") from None
                if last:
                    raise TransportFailed(f"{what}: not finished after {self.download_timeout:g} s") from None
            except (httpx.TransportError, TransportFailed) as exc:
                part.unlink(missing_ok=True)
                status = getattr(exc, "status", None)
                if last or (status is not None and status not in RETRY_STATUSES):
                    raise TransportFailed(f"{what}: {exc}", status=status) from exc
            await self.retry.pause(attempt)
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
                self._unreachable(exc, last)
                await self.retry.pause(attempt)
                continue
            except httpx.TransportError as exc:
                detail = f"{method} {url}: sent, but no answer came ({self._no_answer(exc)})"
                if not may_repeat:
                    raise Unanswered(detail) from exc
                if last:
                    raise TransportFailed(detail) from exc
                await self.retry.pause(attempt)
                continue
            self.reached = True
            status = response.status_code
            if status >= 500 and not may_repeat:
                raise Unanswered(f"{method} {url}: HTTP {status}", retry_after(response.headers), status in (500, 503))
            if status in RETRY_STATUSES and not last:
                await self.retry.pause(attempt, retry_after(response.headers))
                continue
            return self._parse(response, may_repeat)
        raise AssertionError("unreachable")

    def _no_answer(self, exc: httpx.TransportError) -> str:
        """What became of a sent request: a read timeout says how long the answer was waited for."""
        waited = self._http.timeout.read if isinstance(exc, httpx.ReadTimeout) else None
        return type(exc).__name__ + (f" after {waited:g} s" if waited is not None else "")

    def _unreachable(self, exc: Exception, last: bool) -> None:
        """Raise when a connection that could not be made is the end: the last try, or a service
        that never answered (refused, unknown host: a few quick tries; a connect timeout: one)."""
        reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
        never = not self.reached and not isinstance(exc, httpx.PoolTimeout)
        self._not_connected += never
        if never and (self._not_connected >= UNREACHED_TRIES or isinstance(exc, httpx.ConnectTimeout)):
            host = httpx.URL(self._base).host
            raise ServiceUnreachable(f"cannot reach the video service at {host} ({reason}); nothing was sent, "
                                     f"nothing was spent. Check the network, or ARK_BASE_URL (now {self._base}).")
        if last:
            raise TransportFailed(f"cannot reach {self._base}: {reason}") from exc

    def _parse(self, response: httpx.Response, may_repeat: bool) -> Any:
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = None
        if response.is_success:
            if data is None:
                detail = f"HTTP {response.status_code} with a body that is not JSON"
                raise TransportFailed(detail) if may_repeat else Unanswered(detail, settled=True)
            return data
        err = data.get("error", data) if isinstance(data, dict) else {}
        if not isinstance(err, dict):
            err = {}
        message = redact(str(err.get("message") or response.text[:300] or response.reason_phrase), self._key)
        raise ApiRefused(response.status_code, str(err.get("code") or response.reason_phrase), message,
                         str(err.get("param") or ""))
