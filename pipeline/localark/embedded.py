"""Run the local Ark server in a background thread (uvicorn, 127.0.0.1, an ephemeral port)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import uvicorn

from storyfilm.localark.app import LocalArk
from storyfilm.errors import StoryfilmError
from storyfilm.seedance.gateways import ARK

LOCAL_KEY = "local-preview"  # the local server takes any bearer token; the client must send one


class LocalServer:
    """`with LocalServer() as server:` gives `server.base_url` and the `server.ark` state (stats, tasks).
    Paths default to the `gateway` option's profile (Ark: /api/v3/contents/generations/tasks)."""

    def __init__(self, workdir: Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 tasks_path: str | None = None, api_prefix: str | None = None, **options: Any):
        self.host, self.port = host, port
        gateway = options.get("gateway", ARK)
        self.tasks_path = tasks_path or gateway.tasks_path
        self.api_prefix = gateway.prefix if api_prefix is None else api_prefix
        self.ark: LocalArk | None = None
        self._workdir, self._options = workdir, options
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.api_prefix}"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "LocalServer":
        self.ark = LocalArk(self._workdir, **self._options)  # here, so a bad option raises in the caller
        self._thread = threading.Thread(target=self._serve, name="storyfilm-local-ark", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30) or self._server is None or not self._server.started:
            raise StoryfilmError("the local Ark server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self._ready.set()

    async def _main(self) -> None:
        assert self.ark is not None
        config = uvicorn.Config(self.ark.app(self.tasks_path, self.api_prefix), host=self.host, port=self.port,
                                log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve())
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.01)
        if self._server.started:
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        self._ready.set()
        await serving
