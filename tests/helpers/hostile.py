"""Services that misbehave: a raw-socket HTTP server answering whatever a test chooses, and the
local server refusing the requests a test picks."""

from __future__ import annotations

import re
import threading

from storyfilm.localark.app import LocalArk


class HostileService:
    """A raw-socket HTTP/1.1 server on 127.0.0.1 whose every answer is chosen by `answer(method,
    path)`: bytes are sent as they are and the connection closed; None answers nothing (reads until
    the test ends); a callable gets the socket (to stream, or to close at once). Records every
    request: `requests` as `METHOD path` (no query), `raw` as the bytes read, to look for a key."""

    def __init__(self, answer) -> None:
        import socket

        self.answer = answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/v3"
        self.requests: list[str] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def count(self, request: str) -> int:
        with self.lock:
            return self.requests.count(request)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            method, target = head.split(b" ")[:2]
            path = target.decode().split("?")[0]
            with self.lock:
                self.requests.append(f"{method.decode()} {path}")
                self.raw.append(head + b"\r\n\r\n" + body)
            reply = self.answer(method.decode(), path)
            try:
                if reply is None:
                    self.closed.wait()
                elif callable(reply):
                    reply(conn)
                else:
                    conn.sendall(reply)
            except OSError:  # the client gave up: that is what the test is about
                pass

    def __enter__(self) -> "HostileService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.sock.close()


def http_reply(status: int, body: bytes | str = b"", headers: dict[str, str] | None = None) -> bytes:
    """One whole HTTP/1.1 answer (JSON unless told), closing the connection."""
    body = body.encode() if isinstance(body, str) else body
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
              **(headers or {})}
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v is not None)
    return head.encode() + b"\r\n" + body


class RefusingArk(LocalArk):
    """The local server, but the requests `refuses(scope)` picks are answered `status` with the JSON
    `body` and counted in stats[`counted`]: a gateway without a route, files behind a key."""

    status, body, counted = 404, {"error": "route not found"}, "refused"

    def refuses(self, scope) -> bool:
        raise NotImplementedError

    def app(self, *args, **kwargs):
        from starlette.responses import JSONResponse

        served = super().app(*args, **kwargs)

        async def app(scope, receive, send):
            if scope["type"] == "http" and self.refuses(scope):
                self.stats[self.counted] += 1
                await JSONResponse(self.body, status_code=self.status)(scope, receive, send)
                return
            await served(scope, receive, send)
        return app
