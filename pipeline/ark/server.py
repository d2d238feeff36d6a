"""The local Ark-compatible server: the embedded default backend.

Same paths, shapes and errors as the real tasks API (ark-api.md); each task is rendered as a
preview clip by `render.py`. Files are served by the same app under unguessable URLs.
`python -m pipeline serve` runs it standalone; `local.py` embeds it in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import datetime as dt
import secrets
import string
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from pipeline import images, models
from pipeline.ark import render
from pipeline.ark.types import TERMINAL
from pipeline.errors import StoryfilmError
from pipeline.settings import TASKS_PATH

BEIJING = dt.timezone(dt.timedelta(hours=8))
MAX_BODY = 64 * 1024 * 1024
REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "BadRequest",
           429: "TooManyRequests", 500: "InternalServerError"}


class Refusal(Exception):
    """An error answer in the service's shape (ark-api.md §10.1)."""

    def __init__(self, status: int, code: str, message: str, param: str = ""):
        self.status, self.code, self.message, self.param = status, code, message, param


def invalid(param: str, reason: str) -> Refusal:
    return Refusal(400, "InvalidParameter",
                   f"The parameter `{param}` specified in the request is not valid: {reason}", param)


@dataclass
class LocalTask:
    id: str
    model: str
    body: dict[str, Any]
    width: int
    height: int
    frames: int
    resolution: str
    ratio: str
    seed: int
    first_frame: bytes | None
    image_size: tuple[int, int] | None
    status: str = "queued"
    created_at: int = field(default_factory=lambda: int(time.time()))
    updated_at: int = 0
    error: dict[str, str] | None = None
    files: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def as_json(self, base: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "model": self.model, "status": self.status, "error": self.error,
            "created_at": self.created_at, "updated_at": self.updated_at or self.created_at,
            "seed": self.seed, "resolution": self.resolution, "ratio": self.ratio,
            "framespersecond": models.FPS, "service_tier": "default",
            "execution_expires_after": self.body.get("execution_expires_after") or 172800,
        }
        if self.body.get("frames") is not None:
            data["frames"] = self.frames
        else:
            data["duration"] = (self.frames - 1) // models.FPS
        if self.status == "succeeded":
            content = {"video_url": f"{base}/files/{self.files}/video.mp4"}
            if self.body.get("return_last_frame"):
                content["last_frame_url"] = f"{base}/files/{self.files}/last_frame.png"
            tokens = models.tokens(self.width, self.height, self.frames)
            data["content"] = content
            data["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
        return data


class LocalArk:
    """Task state and the worker that renders queued tasks."""

    def __init__(self, workdir: Path | None = None, *, api_key: str | None = None, render_slots: int = 2):
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="storyfilm-ark-")
        self.workdir = Path(workdir or self._tmp.name)
        self.api_key = api_key
        self.tasks: dict[str, LocalTask] = {}
        self.stats: collections.Counter[str] = collections.Counter()
        self._render_slots = asyncio.Semaphore(render_slots)
        self._running: set[asyncio.Task[None]] = set()

    # -- create ----------------------------------------------------------------------

    async def create(self, body: Any) -> LocalTask:
        if not isinstance(body, dict):
            raise invalid("body", "the request body must be a JSON object")
        model = models.lookup(body.get("model") or "")
        if model is None:
            raise Refusal(404, "InvalidEndpointOrModel.NotFound",
                          f"The model or endpoint {body.get('model')} does not exist or you do not have access to it.",
                          "model")
        content = body.get("content")
        if not isinstance(content, list) or not content:
            raise Refusal(400, "MissingParameter", "The request failed because it is missing `content`.", "content")
        text = " ".join(i.get("text", "") for i in content if isinstance(i, dict) and i.get("type") == "text")
        image_items = [i for i in content if isinstance(i, dict) and i.get("type") == "image_url"]
        first = [i for i in image_items if i.get("role") in (None, "first_frame")]
        if len(first) > 1:
            raise invalid("content", "role must be specified for image contents")
        first_frame = await self._fetch_image(first[0]) if first else None
        info = images.sniff(first_frame) if first_frame else None
        if first_frame is not None and info is None:
            raise Refusal(400, "InvalidImageURL.InvalidFormat", "The image could not be decoded.", "content")

        resolution = _opt(body, "resolution", model.default_resolution)
        if resolution not in model.resolutions:
            raise invalid("resolution", f"{model.id} supports {', '.join(model.resolutions)}")
        ratio = _opt(body, "ratio", "adaptive" if (info or model.t2v_adaptive) else "16:9")
        if ratio == "adaptive":
            ratio = models.closest_ratio(info.width, info.height) if info else "16:9"
        if ratio not in models.RATIOS:
            raise invalid("ratio", f"must be one of {', '.join(models.RATIOS)} or adaptive")
        frames = _opt(body, "frames", None)
        if frames is not None:
            if not model.frames or not isinstance(frames, int) or not models.valid_frames(frames):
                raise invalid("frames", "must be 25+4n within [29, 289] on a model that takes frames")
        else:
            duration = _opt(body, "duration", model.default_duration)
            low, high = model.duration_range
            if not isinstance(duration, int) or not (low <= duration <= high or
                                                     (duration == -1 and model.model_chooses_duration)):
                raise invalid("duration", f"must be within [{low}, {high}]")
            frames = models.frames_for(duration if duration > 0 else 5)
        seed = _opt(body, "seed", -1)
        if not isinstance(seed, int) or not -1 <= seed <= 2**32 - 1:
            raise invalid("seed", "must be within [-1, 4294967295]")
        if seed == -1:
            seed = secrets.randbelow(2**31)
        width, height = model.size(resolution, ratio)
        task = LocalTask(id=_task_id(), model=model.id, body=body, width=width, height=height, frames=frames,
                         resolution=resolution, ratio=ratio, seed=seed, first_frame=first_frame,
                         image_size=(info.width, info.height) if info else None)
        task.body = {**body, "_text": text}
        self.tasks[task.id] = task
        self._spawn(self._run(task))
        return task

    async def _fetch_image(self, item: dict[str, Any]) -> bytes:
        url = (item.get("image_url") or {}).get("url") or ""
        if url.startswith("data:"):
            header, _, payload = url.partition(",")
            if not header.endswith(";base64") or not header[5:].startswith("image/"):
                raise Refusal(400, "InvalidImageURL.InvalidFormat", "The image data URL is not valid.", "content")
            try:
                return base64.b64decode(payload, validate=True)
            except binascii.Error:
                raise Refusal(400, "InvalidImageURL.InvalidFormat", "The image base64 is not valid.", "content")
        if url.startswith(("http://", "https://")):
            try:
                async with httpx.AsyncClient(timeout=30) as http:
                    response = await http.get(url)
                response.raise_for_status()
                return response.content
            except httpx.HTTPError as exc:
                raise Refusal(400, "InvalidImageURL.InvalidFormat", f"The image URL could not be fetched: {exc}",
                              "content")
        raise Refusal(400, "InvalidImageURL.EmptyURL" if not url else "InvalidImageURL.InvalidFormat",
                      "The image URL is empty or not supported.", "content")

    # -- the worker ------------------------------------------------------------------

    def _spawn(self, coro) -> None:
        job = asyncio.get_running_loop().create_task(coro)
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _run(self, task: LocalTask) -> None:
        async with self._render_slots:
            if task.status != "queued":
                return
            self._set(task, "running")
            folder = self.workdir / task.files
            folder.mkdir(parents=True, exist_ok=True)
            spec = render.ClipSpec(width=task.width, height=task.height, frames=task.frames, fps=models.FPS,
                                   seed=task.seed, text=task.body["_text"], first_frame=task.first_frame)
            last = folder / "last_frame.png" if task.body.get("return_last_frame") else None
            try:
                await asyncio.to_thread(render.render_clip, spec, folder / "video.mp4", last,
                                        image_size=task.image_size)
            except StoryfilmError as exc:
                task.error = {"code": "InternalServiceError", "message": str(exc)[:500]}
                self._set(task, "failed")
                return
            self._set(task, "succeeded")

    def _set(self, task: LocalTask, status: str) -> None:
        task.status = status
        task.updated_at = int(time.time())

    async def aclose(self) -> None:
        for job in list(self._running):
            job.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        if self._tmp:
            self._tmp.cleanup()

    # -- HTTP --------------------------------------------------------------------------

    def app(self, tasks_path: str = TASKS_PATH) -> Starlette:
        prefix = "/api/v3/" + tasks_path.strip("/")
        routes = [
            Route(prefix, self._http_create, methods=["POST"]),
            Route(prefix, self._http_list, methods=["GET"]),
            Route(prefix + "/{task_id}", self._http_get, methods=["GET"]),
            Route(prefix + "/{task_id}", self._http_delete, methods=["DELETE"]),
            Route("/files/{token}/{name}", self._http_file, methods=["GET"]),
            Route("/_local/stats", self._http_stats, methods=["GET"]),
        ]

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette):
            yield
            await self.aclose()

        return Starlette(routes=routes, lifespan=lifespan)

    async def _answer(self, request: Request, op: str, handler) -> Response:
        self.stats[op] += 1
        request_id = "02" + str(int(time.time() * 1000)) + secrets.token_hex(16)
        try:
            self._authorize(request)
            status, body = await handler()
        except Refusal as r:
            body = {"error": {"code": r.code, "message": f"{r.message} Request id: {request_id}",
                              "param": r.param, "type": REASONS.get(r.status, "BadRequest")}}
            status = r.status
        return JSONResponse(body, status_code=status, headers={"X-Request-Id": request_id})

    def _authorize(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or (self.api_key and token.strip() != self.api_key):
            raise Refusal(401, "AuthenticationError", "The API key or AK/SK in the request is missing or invalid.")

    def _base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def _http_create(self, request: Request) -> Response:
        async def handle():
            raw = await request.body()
            if len(raw) > MAX_BODY:
                raise Refusal(413, "InvalidParameter", "The request body is larger than 64 MB.")
            try:
                body = await request.json()
            except ValueError:
                raise invalid("body", "the request body is not valid JSON")
            task = await self.create(body)
            return 200, {"id": task.id}
        return await self._answer(request, "create", handle)

    async def _http_get(self, request: Request) -> Response:
        async def handle():
            return 200, self._find(request.path_params["task_id"]).as_json(self._base(request))
        return await self._answer(request, "get", handle)

    async def _http_list(self, request: Request) -> Response:
        async def handle():
            q = request.query_params
            found = sorted(self.tasks.values(), key=lambda t: (t.created_at, t.id), reverse=True)
            if ids := q.getlist("filter.task_ids"):
                found = [t for t in found if t.id in ids]
            if status := q.get("filter.status"):
                found = [t for t in found if t.status == status]
            if model := q.get("filter.model"):
                found = [t for t in found if t.model == model]
            num, size = _page(q.get("page_num"), "page_num"), _page(q.get("page_size"), "page_size")
            page = found[(num - 1) * size: num * size]
            return 200, {"total": len(found), "items": [t.as_json(self._base(request)) for t in page]}
        return await self._answer(request, "list", handle)

    async def _http_delete(self, request: Request) -> Response:
        async def handle():
            task = self._find(request.path_params["task_id"])
            if task.status == "queued":
                self._set(task, "cancelled")
            elif task.status in TERMINAL - {"cancelled"}:
                del self.tasks[task.id]
            else:
                raise Refusal(400, "InvalidParameter",
                              f"The task {task.id} is {task.status} and cannot be cancelled or deleted.", "id")
            return 200, {}
        return await self._answer(request, "delete", handle)

    async def _http_file(self, request: Request) -> Response:
        self.stats["download"] += 1
        token, name = request.path_params["token"], request.path_params["name"]
        path = self.workdir / token / name
        if name not in ("video.mp4", "last_frame.png") or not path.is_file():
            return JSONResponse({"error": {"code": "NotFound", "message": "no such file", "param": "",
                                           "type": "NotFound"}}, status_code=404)
        return FileResponse(path, media_type="video/mp4" if name.endswith(".mp4") else "image/png")

    async def _http_stats(self, request: Request) -> Response:
        return JSONResponse(dict(self.stats))

    def _find(self, task_id: str) -> LocalTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise Refusal(404, "NotFound.TaskId", f"The specified task {task_id} is not found.", "id")
        return task


def _opt(body: dict[str, Any], name: str, default: Any) -> Any:
    """An optional field: absent and explicit null both mean "not given" (ark-api.md §2.1)."""
    value = body.get(name)
    return default if value is None else value


def _page(value: str | None, name: str) -> int:
    if value is None:
        return 1 if name == "page_num" else 10
    if not value.isdigit() or not 1 <= int(value) <= 500:
        raise invalid(name, "must be an integer within [1, 500]")
    return int(value)


def _task_id() -> str:
    stamp = dt.datetime.now(BEIJING).strftime("%Y%m%d%H%M%S")
    return f"cgt-{stamp}-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
