"""The result files the local server serves under unguessable URLs (/files/<token>/<name>)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from starlette.responses import JSONResponse, Response, StreamingResponse

from storyfilm.errors import Refusal
from storyfilm.localark.answers import refusal_body, request_id

FILE_TYPES = {"video.mp4": "video/mp4", "video.mov": "video/quicktime", "last_frame.png": "image/png"}


def response(workdir: Path, token: str, name: str) -> Response:
    """The file streamed with its exact Content-Length, or the service's 404."""
    handle = None
    if name in FILE_TYPES and "/" not in token and not token.startswith("."):
        with contextlib.suppress(OSError):
            handle = (workdir / token / name).open("rb")  # open first: a retention sweep may unlink it while it streams
    if handle is None:
        rid = request_id()
        return JSONResponse(refusal_body(Refusal(404, "NotFound", "The specified file is not found or has expired."), rid),
                            status_code=404, headers={"X-Request-Id": rid})
    size = os.fstat(handle.fileno()).st_size

    def blocks() -> Iterator[bytes]:
        with handle:
            while block := handle.read(1 << 16):
                yield block

    return StreamingResponse(blocks(), media_type=FILE_TYPES[name], headers={"Content-Length": str(size)})
