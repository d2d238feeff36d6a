"""A result file arrives byte for byte whatever the file host does with content encodings (ark-api.md
§7.2: the video is a pre-signed object-store URL, often behind a CDN): the client asks for the bytes as
they are, and undoes an encoding sent anyway. Real HTTP to a raw-socket host."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from pathlib import Path

import httpx
import pytest

from helpers import HostileService, http_reply
from storyfilm.ark.client import ArkClient
from storyfilm.ark.retry import RetryPolicy
from storyfilm.errors import TransportFailed

VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 400  # compresses well, like a still clip's boxes
QUICK = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0)


def fetch(service: HostileService, dest: Path) -> int:
    async def main():
        async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0)) as http:
            client = ArkClient(service.base_url, "sk-contract-0123456789", http=http, retry=QUICK)
            return await asyncio.wait_for(client.download(f"http://127.0.0.1:{service.port}/v.mp4?sig=1", dest), 20)
    return asyncio.run(main())


def asked_for_gzip(service: HostileService) -> bool:
    with service.lock:
        head = service.raw[-1].split(b"\r\n\r\n")[0].lower()
    return b"accept-encoding:" in head and b"gzip" in head.split(b"accept-encoding:")[1].split(b"\r\n")[0]


def test_a_host_that_compresses_when_asked_sends_the_file_as_it_is(tmp_path: Path) -> None:
    """A CDN gzips what the client accepts gzipped; the compressed bytes were saved as the video."""
    def answer(method: str, path: str) -> bytes:
        if asked_for_gzip(service):
            return http_reply(200, gzip.compress(VIDEO), {"Content-Type": "video/mp4", "Content-Encoding": "gzip"})
        return http_reply(200, VIDEO, {"Content-Type": "video/mp4"})

    with HostileService(answer) as service:
        size = fetch(service, tmp_path / "v.mp4")
    assert (size, hashlib.sha256((tmp_path / "v.mp4").read_bytes()).digest()) == \
           (len(VIDEO), hashlib.sha256(VIDEO).digest())


def test_a_file_gzipped_unasked_is_undone_and_its_length_checked_as_sent(tmp_path: Path) -> None:
    packed = gzip.compress(VIDEO)
    with HostileService(lambda m, p: http_reply(200, packed, {"Content-Encoding": "gzip"})) as service:
        assert fetch(service, tmp_path / "v.mp4") == len(VIDEO)
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO


def test_a_damaged_encoding_is_a_failed_download_not_a_traceback_and_leaves_no_file(tmp_path: Path) -> None:
    broken = gzip.compress(VIDEO)[:40] + b"\xff" * 200
    with HostileService(lambda m, p: http_reply(200, broken, {"Content-Encoding": "gzip"})) as service:
        with pytest.raises(TransportFailed, match=r"^download of http://127\.0\.0\.1:\d+/v\.mp4 failed: the file "
                                                  r"came in a damaged gzip encoding"):
            fetch(service, tmp_path / "v.mp4")
        assert service.requests.count("GET /v.mp4") == QUICK.attempts
    assert list(tmp_path.iterdir()) == []
