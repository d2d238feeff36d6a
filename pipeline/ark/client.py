"""Async client for the Ark video-generation tasks API (ark-api.md).

The client holds the policy (auth, retries, deadlines); the injected httpx.AsyncClient only moves
bytes (tests run it in-process, httpx.ASGITransport, or over real sockets).

Failures come in three kinds (storyfilm/errors.py): ApiRefused (the service answered 4xx, or 5xx
after every retry), TaskFailed (the task ended failed / expired / cancelled), TransportFailed
(no usable answer); a create's 404 naming no model is WrongTasksPath. Idempotent calls are retried
by the one `RetryPolicy` (retry.py) on connection errors, 408, 429, 500, 502, 503 and 504.

A create whose outcome is unknown (sent, then no answer, a 5xx, or a broken answer) is never
blindly sent again, since it could pay for a second task: `send_create` raises Unanswered, and
`create` asks the one lost-create resolver (lost_create.py) whether the task landed; it adopts
the task, creates anew only when the service surely has none, and raises CreateUnresolved when
that cannot be told.

A service never reached (connection refused, no such host, no answer to connect) is told apart
from one that stopped answering (reach.py): until the first answer comes, a connection that cannot
be made fails after a few quick tries with ServiceUnreachable, which names the host and
ARK_BASE_URL; after that, connection errors are retried by the policy. Downloads have a deadline
per attempt (`download_timeout`) whether or not bytes keep coming, and all attempts at one file
together have `DOWNLOAD_SPAN` times that; they follow redirects (a result's URL may point at a
CDN), which API calls never do (the key would go with them).

Every wait ends: an API answer must come whole within twice the request timeout and hold at most
16 MB (answer.py, which also reads a refusal's code and message); a call with all its retries has
`call_deadline`, a create with all its tries and looks `create_deadline` (deadlines.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from storyfilm.ark import deadlines
from storyfilm.ark.answer import Answer, ask
from storyfilm.ark.download import DOWNLOAD_TIMEOUT, download
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.lost_create import LostCreates, clock_offset
from storyfilm.ark.reach import NOT_SENT, Reach, no_answer
from storyfilm.ark.refusals import advice, lasting
from storyfilm.ark.retry import RETRY_STATUSES, RetryPolicy, retry_after
from storyfilm.ark.types import Task, TaskList
from storyfilm.errors import (ApiRefused, CreateUnresolved, ListUnreadable, NoTaskList, TakenWithoutId,
                              TransportFailed, Unanswered, WrongTasksPath)
from storyfilm.seedance import request_mark
from storyfilm.seedance.gateways import ARK, Gateway
from storyfilm.settings import redact

__all__ = ["ArkClient", "RetryPolicy", "LostCreates", "RETRY_STATUSES"]

REQUEST_TIMEOUT = 60.0  # seconds one answer is waited for, when the http client given has no read timeout


class ArkClient:
    def __init__(self, base_url: str, api_key: str, *, gateway: Gateway = ARK, tasks_path: str | None = None,
                 http: httpx.AsyncClient | None = None, retry: RetryPolicy = RetryPolicy(),
                 lost_creates: LostCreates = LostCreates(), download_timeout: float = DOWNLOAD_TIMEOUT,
                 call_deadline: float | None = None, create_deadline: float | None = None):
        self._base = base_url.rstrip("/")
        self.gateway = gateway  # its status words, model names, and whether it offers the list call
        self._tasks = self._base + "/" + (tasks_path or gateway.tasks_path).strip("/")
        self._key = api_key
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._owns_http = http is None
        self.retry, self.lost_creates, self.download_timeout = retry, lost_creates, download_timeout
        self.request_timeout = self._http.timeout.read or REQUEST_TIMEOUT  # seconds one answer may be waited for
        self.call_deadline = call_deadline or deadlines.CALL_SPAN * self.request_timeout
        self.create_deadline = create_deadline or deadlines.CREATE_SPAN * self.request_timeout
        self.reach = Reach(self._base)  # whether the service ever answered
        self.known: set[str] = set()  # ids this client created: never mistaken for a lost create
        self.clock_offset: float | None = None  # the service's clock minus ours (its Date header), once answered

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
        """POST a task; returns its id. Never creates a second task for one call; all its tries
        and looks end within `create_deadline` seconds (CreateUnresolved: the task may exist)."""
        body, tries = self._named(self.marked(body)), []
        try:
            async with asyncio.timeout(self.create_deadline) as limit:
                return await self._create(body, tries)
        except TimeoutError:
            if not limit.expired():
                raise
            raise CreateUnresolved(deadlines.create_overdue("create", self.create_deadline, tries, sent=True)) from None

    async def _create(self, body: dict[str, Any], tries: list[str]) -> str:
        first_sent: float | None = None  # a task any try of this call made is no older than this
        for attempt in range(self.retry.attempts):
            sent_at = time.time()
            first_sent = sent_at if first_sent is None else first_sent
            tries.append("sent, no answer yet")
            try:
                return await self.send_create(body)
            except Unanswered as lost:
                tries[-1] = lost.detail
                lost_at = time.time()
                await self.retry.pause(attempt, lost.retry_after)
                found = await self.lost_creates.resolve(self.list, Fingerprint.of(body), sent_at, lambda: self.known,
                                                        why=lost.detail, lost_at=lost_at,
                                                        since=first_sent, clock=lambda: self.clock_offset)
                task_id = found.only(lost.detail)
                if task_id is not None:
                    self.known.add(task_id)
                    return task_id
                if isinstance(lost, TakenWithoutId):
                    raise CreateUnresolved(deadlines.taken_without_id(lost.detail, self.lost_creates.settle))
                if attempt + 1 == self.retry.attempts:
                    raise TransportFailed(f"create failed {self.retry.attempts} times, no task was created "
                                          f"(last: {lost.detail})") from None
        raise AssertionError("unreachable")

    async def send_create(self, body: dict[str, Any]) -> str:
        """POST a task once (429 and unsent requests aside); Unanswered when it may have taken
        effect without its id reaching us: the caller must resolve it before creating again."""
        body = self._named(self.marked(body))
        try:
            data = await self._call("POST", self._tasks, json=body, may_repeat=False)
        except ApiRefused as exc:  # a 404 naming no model: the tasks' URL is wrong, for every shot
            raise WrongTasksPath.when_so(exc, self._tasks) from None
        task_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(task_id, int) and not isinstance(task_id, bool):
            task_id = str(task_id)  # read leniently: a number is an id too
        if not isinstance(task_id, str) or not task_id:
            raise TakenWithoutId(f"create answered without a task id: {redact(str(data)[:200], self._key)}")
        self.known.add(task_id)
        return task_id

    def marked(self, body: dict[str, Any]) -> dict[str, Any]:
        """Every create to a service with a task list (where a lost create is looked for) carries
        its mark (seedance/request_mark.py); marking a marked body changes nothing."""
        return request_mark.marked(body) if self.lists else body

    def _named(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body with the model named as the gateway names it (seed 004: doubao-seedance-2-0)."""
        model = body.get("model")
        if not isinstance(model, str) or self.gateway.model_name(model) == model:
            return body
        return {**body, "model": self.gateway.model_name(model)}

    def _task(self, task_id: str) -> str:
        """The task's URL: an id is one path segment, whatever it holds (a gateway's own ids)."""
        return f"{self._tasks}/{quote(task_id, safe='')}"

    async def get(self, task_id: str) -> Task:
        """The task (Task.asked: an answer naming another task is no usable answer, TransportFailed)."""
        data = await self._call("GET", self._task(task_id))
        try:
            return Task.asked(task_id, data if isinstance(data, dict) else {}, self.gateway)
        except ValueError as exc:
            raise TransportFailed(f"GET {self._task(task_id)}: {redact(str(exc), self._key)}") from None

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
        try:
            return TaskList.from_json(data if isinstance(data, dict) else {}, self.gateway)
        except ValueError as exc:
            raise ListUnreadable(f"GET {self._tasks}: {exc}") from None

    async def delete(self, task_id: str) -> None:
        """Cancel a queued task or delete a finished one (ark-api.md §8.2). A retry after a lost
        answer that finds the work already done (404, or now cancelled) counts as success."""
        try:
            await self._call("DELETE", self._task(task_id), may_repeat=False, body_read=False)
            return
        except Unanswered:
            pass
        try:
            await self._call("DELETE", self._task(task_id), body_read=False)
        except ApiRefused as exc:
            if exc.status == 404:
                return
            # refusing to cancel a cancelled task: 400 here, some other 4xx elsewhere (§8.2 names none)
            if 400 <= exc.status < 500 and exc.status != 401 and (await self.get(task_id)).status == "cancelled":
                return
            raise

    # -- downloading ---------------------------------------------------------------------

    async def download(self, url: str, dest: Path) -> int:
        """Stream a result file to dest, never sending the API key (download.py)."""
        return await download(self._http, url, dest, retry=self.retry, timeout=self.download_timeout)

    # -- one request, with the retry policy ----------------------------------------------

    async def _call(self, method: str, url: str, *, json: Any = None, params: Any = None,
                    may_repeat: bool = True, body_read: bool = True) -> Any:
        """Send with retries, all within `call_deadline` seconds. With may_repeat=False, an answer
        lost after sending (or a 5xx, which may come after the work was done) raises Unanswered
        instead of sending again; its caller's deadline holds (a create's). With body_read=False
        (a DELETE), any 2xx is the answer, whatever its body."""
        tries: list[str] = []
        if not may_repeat:
            return await self._tries(method, url, json, params, may_repeat, tries, body_read)
        try:
            async with asyncio.timeout(self.call_deadline) as limit:
                return await self._tries(method, url, json, params, may_repeat, tries, body_read)
        except TimeoutError:
            if not limit.expired():
                raise
            raise TransportFailed(deadlines.call_overdue(f"{method} {url}", self.call_deadline, tries)) from None

    async def _tries(self, method: str, url: str, json: Any, params: Any, may_repeat: bool, tries: list[str],
                     body_read: bool) -> Any:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        within = deadlines.WHOLE_ANSWER * self.request_timeout
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            request = self._http.build_request(method, url, json=json, params=params, headers=headers)
            try:
                answer = await ask(self._http, request, within)
            except NOT_SENT as exc:
                tries.append(f"{type(exc).__name__}, not sent")
                self.reach.not_sent(exc, last)
                await self.retry.pause(attempt)
                continue
            except (httpx.TransportError, TimeoutError) as exc:
                tries.append(no_answer(exc, within, self._http.timeout.read))
                detail = f"{method} {url}: sent, but no answer came ({tries[-1]})"
                if not may_repeat:
                    raise Unanswered(detail) from exc
                if last:
                    raise TransportFailed(detail) from exc
                await self.retry.pause(attempt)
                continue
            self.reach.answered()
            measured = clock_offset(answer.headers.get("date"), time.time())
            self.clock_offset = self.clock_offset if measured is None else measured
            status = answer.status
            tries.append(f"HTTP {status}")
            if (status >= 500 or status == 408) and not may_repeat:  # a gateway's 408 may follow the work
                raise Unanswered(f"{method} {url}: HTTP {status}", retry_after(answer.headers))
            if status in RETRY_STATUSES and not last and not lasting(status, answer.refusal()[0]):
                await self.retry.pause(attempt, retry_after(answer.headers))
                continue
            return {} if answer.is_success and not body_read else self._parse(answer, may_repeat)
        raise AssertionError("unreachable")

    def _parse(self, answer: Answer, may_repeat: bool) -> Any:
        if answer.is_success:
            data = answer.json()
            if data is None:
                detail = f"HTTP {answer.status} with a body {answer.unreadable}"
                raise TransportFailed(detail) if may_repeat else TakenWithoutId(detail)
            return data
        if 300 <= answer.status < 400:
            where = redact(answer.headers.get("location", "")[:200], self._key) or "nowhere"
            raise ApiRefused(answer.status, "Redirect", f"the service redirected the request to {where}; storyfilm "
                             f"follows no redirect with the API key: check ARK_BASE_URL (now {self._base})",
                             service=self.gateway.service)
        code, message, param = answer.refusal()
        raise ApiRefused(answer.status, code, redact(message, self._key), param, retry_after(answer.headers),
                         self.gateway.service, advice(code) if self.gateway is ARK else "")
