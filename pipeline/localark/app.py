"""LocalArk: the local server's state and its HTTP handlers.

Same paths, shapes and errors as the real tasks API (ark-api.md): a create body is checked by
`checks`, the task lives in the `queue`, its clip is rendered by `preview`; `faultgate` wraps the
app to count requests and inject faults. Files are served by the same app under unguessable URLs.
`python -m storyfilm serve` runs it standalone; `embedded.LocalServer` runs it in a thread.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import logging
import tempfile
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storyfilm.errors import Refusal
from storyfilm.localark import assets, checks, fetch, files
from storyfilm.localark.answers import error_body, invalid, no_such_route, not_found, refusal_body, request_id
from storyfilm.localark.callbacks import CallbackPolicy, Notifier
from storyfilm.localark.faultgate import FaultGate
from storyfilm.localark.faults import Dice, Faults
from storyfilm.localark.listing import ListQuery
from storyfilm.localark.queue import Clock, Limits, TaskQueue
from storyfilm.localark.tasks import LocalTask
from storyfilm.seedance.gateways import ARK, Gateway
from storyfilm.seedance.media import REQUEST_MAX_BYTES

log = logging.getLogger(__name__)
MAX_BODY = REQUEST_MAX_BYTES
MAX_DEPTH = 32  # nesting of a request body (a create needs 4)


class LocalArk:
    """The server's state and HTTP handlers. Options: api_key (None: any bearer token; else also
    required by /_local/stats), faults (a spec or Faults; None: none; the CLI passes Settings.faults),
    max_body, allow_local_media (fetch media from, and call back, private, loopback and link-local
    addresses, which the real service cannot reach: refused by default), refuse_seed (model families,
    e.g. {"2.0"}, that answer a seed with 400 InvalidParameter), render_slots, callbacks, and the
    Limits fields (concurrency, rpm, flex_delay, retention, record_retention, min_run, max_queued,
    flex_tpd);
    endpoints maps Endpoint IDs to model IDs (the task reports the model, list filters by either);
    gateway: the profile whose paths, answer shapes and status words it serves (seedance/gateways.py);
    assets: the folder asset://NAME URIs are read from (assets.py); record: keep every create body
    received, in order, in `self.created` (tests pin them)."""

    def __init__(self, workdir: Path | None = None, *, api_key: str | None = None, faults: Faults | str | None = None,
                 max_body: int = MAX_BODY, render_slots: int = 2, callbacks: CallbackPolicy = CallbackPolicy(),
                 sweep_interval: float = 0.5, endpoints: dict[str, str] | None = None,
                 allow_local_media: bool = False, refuse_seed: Collection[str] = (), gateway: Gateway = ARK,
                 assets: Path | None = None, record: bool = False, **limits: Any):
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="storyfilm-ark-", ignore_cleanup_errors=True)
        self.workdir = Path(workdir or self._tmp.name)  # type: ignore[union-attr]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.api_key, self.max_body, self.sweep_interval = api_key, max_body, sweep_interval
        self.allow_local_media = allow_local_media
        self.refuse_seed = frozenset(refuse_seed)  # model families that answer a seed with 400 (§12.6)
        self.endpoints = dict(endpoints or {})  # Endpoint ID (`ep-...`) → model ID
        self.gateway, self.assets = gateway, assets
        self.created: list[Any] | None = [] if record else None
        self.stats: collections.Counter[str] = collections.Counter()
        self.clock = Clock()
        self.faults = Faults.parse("") if faults is None else faults
        self.notifier = Notifier(callbacks, self.stats)
        self.limits, self._render_slots = Limits(**limits), render_slots  # adjustable while serving
        self._queue: TaskQueue | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # -- faults: assignable per test (`server.ark.faults = Faults.parse(...)`) ------------

    @property
    def faults(self) -> Faults:
        return self._dice.faults

    @faults.setter
    def faults(self, value: Faults | str) -> None:
        self._dice = Dice(Faults.parse(value) if isinstance(value, str) else value)

    @property
    def queue(self) -> TaskQueue:
        if self._queue is None:  # made inside the server's event loop
            self._queue = TaskQueue(self.workdir, limits=self.limits, dice=lambda: self._dice, notify=self._notify,
                                render_slots=self._render_slots, clock=self.clock)
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        return self._queue

    @property
    def tasks(self) -> dict[str, LocalTask]:
        return self.queue.tasks if self._queue else {}

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward; expiry and retention apply at the next sweep."""
        self.clock.offset += seconds

    def _notify(self, task: LocalTask) -> None:
        if task.spec.callback_url:
            self.notifier.post(task.id, task.spec.callback_url, task.as_json(task.base))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            if self._queue is not None:
                self._queue.sweep()

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._queue is not None:
            await self._queue.aclose()
        await self.notifier.aclose()
        if self._tmp:
            self._tmp.cleanup()

    # -- HTTP --------------------------------------------------------------------------

    def app(self, tasks_path: str | None = None, api_prefix: str | None = None) -> Any:
        """The ASGI app: the tasks API at api_prefix + tasks_path (default: the gateway profile's;
        the list call only where the profile has it), files under /files/."""
        parts = (self.gateway.prefix if api_prefix is None else api_prefix, tasks_path or self.gateway.tasks_path)
        prefix = "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))
        listing = [Route(prefix, self._http_list, methods=["GET"])] if self.gateway.lists else []
        routes = [
            Route(prefix, self._http_create, methods=["POST"]),
            *listing,
            Route(prefix + "/{task_id}", self._http_get, methods=["GET"]),
            Route(prefix + "/{task_id}", self._http_delete, methods=["DELETE"]),
            Route("/files/{token}/{name}", self._http_file, methods=["GET"]),
            Route("/_local/stats", self._http_stats, methods=["GET"]),
        ]

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette):
            yield
            await self.aclose()

        def operation(method: str, path: str) -> str | None:
            if path.startswith("/files/"):
                return "download"
            if path == prefix:
                return {"POST": "create", "GET": "list"}.get(method)
            if path.startswith(prefix + "/"):
                return {"GET": "get", "DELETE": "delete"}.get(method)
            return None

        app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: no_such_route, 405: no_such_route})
        return FaultGate(app, operation=operation, dice=lambda: self._dice, stats=self.stats)

    async def _answer(self, request: Request, handler: Callable[[], Awaitable[tuple[int, Any]]]) -> Response:
        rid = request_id()
        headers = {"X-Request-Id": rid}
        try:
            self._authorize(request)
            status, body = await handler()
        except Refusal as r:
            status, body = r.status, refusal_body(r, rid)
            headers.update(r.headers)
        except ClientDisconnect:  # nobody is left to answer
            return Response(status_code=499)
        except Exception:  # a bug of ours: the service's 500, the details in the server log only
            log.exception("request %s failed", rid)
            status, body = 500, error_body(500, "InternalServiceError", "The service encountered an unexpected "
                                           "internal error. Please retry later.", rid)
        return JSONResponse(body, status_code=status, headers=headers)

    def _authorize(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or (self.api_key and token.strip() != self.api_key):
            raise Refusal(401, "AuthenticationError", "The API key or AK/SK in the request is missing or invalid.")

    async def _http_create(self, request: Request) -> Response:
        async def handle() -> tuple[int, Any]:
            body = await self._read_json(request)
            if self.created is not None:
                self.created.append(body)
            library = assets.LIBRARY.set(self.assets)
            try:
                spec = await checks.parse(body, self._draft, self.endpoints, allow_local=self.allow_local_media,
                                          refuse_seed=self.refuse_seed)
            finally:
                assets.LIBRARY.reset(library)
            if spec.callback_url and not self.allow_local_media:
                spec = await self._reachable_callback(spec)
            task = self.queue.admit(spec, str(request.base_url).rstrip("/"))
            answer = {"id": task.id, "status": self.gateway.writes(task.status),
                      "safety_identifier": spec.safety_identifier}
            return 200, {k: v for k, v in answer.items() if k in self.gateway.create_answer and v is not None}
        return await self._answer(request, handle)

    async def _read_json(self, request: Request) -> Any:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":  # ark-api.md §1: a request body is sent as application/json
            raise invalid("Content-Type", f"must be application/json, not {media_type[:60] or 'absent'}")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise self._too_large()
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > self.max_body:
                raise self._too_large()
        too_deep = invalid("body", f"the request body nests deeper than {MAX_DEPTH} levels")
        try:
            body = json.loads(raw)
        except RecursionError:
            raise too_deep from None
        except ValueError:
            raise invalid("body", "the request body is not valid JSON") from None
        if checks.deeper_than(body, MAX_DEPTH):
            raise too_deep
        return body

    async def _reachable_callback(self, spec: checks.TaskSpec) -> checks.TaskSpec:
        """The spec, without its callback_url when that points where the service could not post
        (a private, loopback or link-local address): the task runs, nobody is called."""
        try:
            await fetch.check_reachable(spec.callback_url or "", "callback_url", "callback_url")
        except Refusal as refused:
            self.stats["callback_refused"] += 1
            log.warning("callback_url not called: %s (serve --allow-local-media calls it)", refused.message)
            return dataclasses.replace(spec, callback_url=None)
        return spec

    def _too_large(self) -> Refusal:
        return Refusal(413, "InvalidParameter", f"The request body is larger than {self.max_body} bytes.", "body")

    async def _http_get(self, request: Request) -> Response:
        async def handle() -> tuple[int, Any]:
            return 200, self._shown(self._find(request.path_params["task_id"]), str(request.base_url).rstrip("/"))
        return await self._answer(request, handle)

    async def _http_list(self, request: Request) -> Response:
        async def handle() -> tuple[int, Any]:
            query = ListQuery.parse(request.query_params)
            found = [t for t in self.tasks.values() if self._visible(t) and query.lets_through(t)]
            base = str(request.base_url).rstrip("/")
            return 200, {"total": len(found), "items": [self._shown(t, base) for t in query.page(found)]}
        return await self._answer(request, handle)

    async def _http_delete(self, request: Request) -> Response:
        async def handle() -> tuple[int, Any]:
            self.queue.delete(self._find(request.path_params["task_id"]))
            return 200, {}
        return await self._answer(request, handle)

    async def _http_file(self, request: Request) -> Response:
        return files.response(self.workdir, request.path_params["token"], request.path_params["name"])

    async def _http_stats(self, request: Request) -> Response:
        if self.api_key:
            async def handle() -> tuple[int, Any]:
                return 200, dict(self.stats)
            return await self._answer(request, handle)
        return JSONResponse(dict(self.stats))

    def _shown(self, task: LocalTask, base: str) -> dict[str, Any]:
        """The task's JSON with the gateway's status word ("submitted" for a queued task on a proxy)."""
        data = task.as_json(base)
        data["status"] = self.gateway.writes(task.status)
        return data

    def _draft(self, task_id: str) -> checks.TaskSpec | None:
        task = self.tasks.get(task_id)
        return task.spec if task is not None and task.status == "succeeded" and task.spec.draft else None

    def _find(self, task_id: str) -> LocalTask:
        task = self.tasks.get(task_id)
        if task is None or not self._visible(task):
            raise not_found(task_id)
        return task

    def _visible(self, task: LocalTask) -> bool:  # reads see it yet (the `lag` fault)
        return time.monotonic() - task.admitted >= self.faults.lag

