"""A download has a deadline whether or not bytes keep coming: a stalled answer is given up and
fetched again, and one that never comes in time ends in one clear failure."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from pathlib import Path

import pytest

from helpers import counted, server_counts, text_task, wait_status
from storyfilm.ark.client import ArkClient, RetryPolicy
from storyfilm.errors import TransportFailed
from storyfilm.localark.faults import Faults

QUICK = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0)


def fetch(server, dest: Path, spec: str) -> tuple[int, dict[str, int]]:
    """Download a finished task's video with `spec` faults on: its size, and the requests seen."""
    seen: dict[str, int] = {}

    async def main() -> int:
        async with ArkClient(server.base_url, "sk-test", retry=QUICK, download_timeout=0.5) as client:
            task_id = await client.create(text_task())
            url = wait_status(server, task_id, {"succeeded"})["content"]["video_url"]
            before = server_counts(server)
            server.ark.faults = Faults.parse(spec)
            try:
                return await client.download(url, dest)
            finally:
                server.ark.faults = Faults.parse("")
                seen.update(counted(before, server))

    size = asyncio.run(main())
    return size, seen


def test_a_stalled_download_is_given_up_and_fetched_again(tmp_path: Path, ark_server) -> None:
    size, seen = fetch(ark_server, tmp_path / "clip.mp4", "slow@download=1#1,delay=1.5")
    assert seen == {"download": 2, "fault:slow": 1}
    assert size == (tmp_path / "clip.mp4").stat().st_size > 0 and list(tmp_path.iterdir()) == [tmp_path / "clip.mp4"]


def test_a_download_that_never_comes_in_time_fails_clearly(tmp_path: Path, ark_server) -> None:
    with pytest.raises(TransportFailed, match=r"^download of http://\S+ failed: not finished after 1 s in all "
                                              r"\(2 tries\)$"):
        fetch(ark_server, tmp_path / "clip.mp4", "slow@download=1,delay=1.5")
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_a_trickle_of_bytes_cannot_stretch_a_download(tmp_path: Path) -> None:
    """A server that sends one byte every 0.2 s of a 1000-byte file: each attempt is cut after
    0.5 s, and all of them together after twice that, with no partial file left behind."""
    server = socket.create_server(("127.0.0.1", 0))
    tries: list[socket.socket] = []

    def trickle() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            tries.append(conn)
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                conn.sendall(b"x")
                time.sleep(0.2)

    threading.Thread(target=trickle, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/clip.mp4"

    async def main() -> None:
        async with ArkClient(url, "sk-test", retry=RetryPolicy(attempts=5, base_delay=0.0, max_delay=0.0),
                             download_timeout=0.5) as client:
            await client.download(url, tmp_path / "clip.mp4")

    with server, pytest.raises(TransportFailed, match=r"^download of http://\S+ failed: not finished after 1 s in "
                                                      r"all \(2 tries\)$"):
        asyncio.run(main())
    assert len(tries) == 2 and list(tmp_path.iterdir()) == []
