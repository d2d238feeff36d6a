"""A service that accepts the connection and never answers: `film` ends by itself within one
deadline for the whole look for its lost create, says how long it waited and what to do, and
never sends the create a second time (the task may exist and be paid for)."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

from helpers import one_shot, run_cli

REQUEST_LINE = re.compile(rb"(?m)^(GET|POST|DELETE) (\S+) HTTP/1\.1\r$")


class SilentService:
    """A socket on 127.0.0.1 that accepts every connection, reads what comes, answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v3"
        self.received: list[bytes] = []  # all bytes read, one item per connection
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed: the test is over
                return
            with self.lock:
                self.received.append(b"")
                index = len(self.received) - 1
            threading.Thread(target=self._read, args=(conn, index), daemon=True).start()

    def _read(self, conn: socket.socket, index: int) -> None:
        with conn:
            while chunk := conn.recv(65536):
                with self.lock:
                    self.received[index] += chunk

    def requests(self) -> list[str]:
        """`METHOD path` of every request received, without the query."""
        with self.lock:
            return [f"{m.group(1).decode()} {m.group(2).decode().split('?')[0]}"
                    for data in self.received for m in REQUEST_LINE.finditer(data)]

    def __enter__(self) -> "SilentService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_a_silent_service_ends_the_film_within_the_lost_create_deadline(tmp_path: Path) -> None:
    one_shot(tmp_path / "one.yaml", "one", "a", "a red ball rolls")
    with SilentService() as service:
        done = run_cli("film", str(tmp_path / "one.yaml"), cwd=tmp_path, env={
            "ARK_API_KEY": "x", "ARK_BASE_URL": service.base_url, "STORYFILM_REQUEST_TIMEOUT": "1",
            "STORYFILM_SETTLE": "0", "STORYFILM_LOST_CREATE_DEADLINE": "0.5"})
        tasks = "/api/v3/contents/generations/tasks"
        # one create, one look (cut by the deadline before its own 1 s timeout); never a second create
        assert service.requests() == [f"POST {tasks}", f"GET {tasks}"]
    assert done.returncode == 1
    assert done.stderr == (
        f"create sent but unanswered (POST {service.base_url}/contents/generations/tasks: sent, but no answer came "
        "(ReadTimeout after 1 s)); looked for its task on the service for 0.5 s, the deadline for that "
        "(STORYFILM_LOST_CREATE_DEADLINE), and the task list did not answer. The task may exist and be paid for: "
        "check the tasks on the service (its task list, or a gateway's console) before creating again; "
        "`storyfilm film` run again looks for it first and creates it only when the service shows none.\n")
    assert "Traceback" not in done.stdout + done.stderr


def test_a_deadline_shorter_than_the_settle_window_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    one_shot(tmp_path / "one.yaml", "one", "a", "a red ball rolls")
    with SilentService() as service:
        done = run_cli("film", str(tmp_path / "one.yaml"), cwd=tmp_path, env={
            "ARK_API_KEY": "x", "ARK_BASE_URL": service.base_url, "STORYFILM_LOST_CREATE_DEADLINE": "5"})
        assert service.requests() == []
    assert done.returncode == 2
    assert done.stderr == ("STORYFILM_LOST_CREATE_DEADLINE=5 is shorter than the settle window (12 s, "
                           "STORYFILM_SETTLE): give it at least that\n")
