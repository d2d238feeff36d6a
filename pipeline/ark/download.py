"""Downloading a task's result file (its video, its last frame) to disk.

The API key is never sent: result URLs are signed. Redirects are followed (a result may be served
from a CDN), at most `MAX_REDIRECTS`. The file is asked for unencoded and an encoding sent anyway is
undone: a gzipped video saved as it came would never decode. A partial file never stays at the
destination. A trickle of bytes cannot stretch a download: each attempt ends after `timeout` seconds
whether or not bytes keep coming, and all attempts at one file together after `DOWNLOAD_SPAN` times that.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx

from storyfilm.ark.retry import RETRY_STATUSES, RetryPolicy
from storyfilm.errors import TransportFailed

DOWNLOAD_TIMEOUT = 300.0  # seconds one attempt at downloading a result may take, all told
DOWNLOAD_SPAN = 2  # all attempts at one download together may take this many attempts' time
MAX_REDIRECTS = 20  # httpx's own limit, which the shared client keeps
# a CDN may gzip what the client accepts gzipped: a result is asked for as it is stored
AS_IT_IS = {"Accept-Encoding": "identity"}


async def download(http: httpx.AsyncClient, url: str, dest: Path, *, retry: RetryPolicy,
                   timeout: float = DOWNLOAD_TIMEOUT) -> int:
    """The file at `url` into `dest`, whole; its size. TransportFailed (with the HTTP status when one
    came) once the retries or the time are spent, or at once for an answer no retry can change."""
    part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    what, span = f"download of {url.split('?')[0]} failed", DOWNLOAD_SPAN * timeout
    ends = time.monotonic() + span
    for attempt in range(retry.attempts):
        last = attempt + 1 == retry.attempts
        try:
            async with asyncio.timeout(min(timeout, max(0.0, ends - time.monotonic()))):
                size = await _download_once(http, url, part)
            os.replace(part, dest)
            return size
        except TimeoutError:
            part.unlink(missing_ok=True)
            if ends - time.monotonic() <= 0:
                raise TransportFailed(f"{what}: not finished after {span:g} s in all "
                                      f"({attempt + 1} tr{'ies' if attempt else 'y'})") from None
            if last:
                raise TransportFailed(f"{what}: not finished after {timeout:g} s") from None
        except httpx.TooManyRedirects:
            part.unlink(missing_ok=True)
            raise TransportFailed(f"{what}: more than {MAX_REDIRECTS} redirects (a redirect loop?)") from None
        except httpx.InvalidURL as exc:  # the service gave a URL no retry can mend
            raise TransportFailed(f"{what}: not a URL ({exc})") from None
        except (httpx.TransportError, TransportFailed) as exc:
            part.unlink(missing_ok=True)
            status = getattr(exc, "status", None)
            if last or (status is not None and status not in RETRY_STATUSES):
                raise TransportFailed(f"{what}: {exc}", status=status) from exc
        await retry.pause(attempt)
    raise AssertionError("unreachable")


async def _download_once(http: httpx.AsyncClient, url: str, part: Path) -> int:
    """One try: the file's own bytes (asked for unencoded; an encoding sent anyway is undone, and
    Content-Length checked against the bytes as they came)."""
    async with http.stream("GET", url, follow_redirects=True, headers=AS_IT_IS) as response:
        if response.status_code != 200:
            raise TransportFailed(f"download answered HTTP {response.status_code}", status=response.status_code)
        expected = response.headers.get("content-length")
        size = 0
        with part.open("wb") as out:
            try:
                async for chunk in response.aiter_bytes(1 << 16):
                    out.write(chunk)
                    size += len(chunk)
            except httpx.DecodingError:
                encoding = response.headers.get("content-encoding", "")[:40]
                raise TransportFailed(f"the file came in a damaged {encoding} encoding") from None
        came = response.num_bytes_downloaded
    if expected is not None and expected.strip().isdigit() and int(expected) != came:
        raise TransportFailed(f"download truncated: {came} of {expected} bytes")
    return size
