"""The local server refuses what Seedance would refuse, and protects itself (issue 12), over real
sockets: media URLs the service could not reach, a body that never ends, JSON nested too deep,
the stats behind the key, callbacks to loopback. A small HTTP server on 127.0.0.1 plays the
media host and counts what it was asked and what it sent."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from helpers import PRO, ark_http, error_of, make_image, serve_process, text_task, wait_status
from storyfilm.localark.embedded import LocalServer

CHUNK = b"\0" * (1 << 16)


class _MediaHost(BaseHTTPRequestHandler):
    png = b""
    asked: list[str] = []
    sent = 0  # bytes of the endless body written before the reader hung up

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        if self.path == "/frame.png":
            self._send(200, self.png)
        elif self.path == "/endless.png":  # a valid header, then no end and no length
            self.send_response(200)
            self.end_headers()
            self._endless(self.png[:64])
        elif self.path == "/huge.png":  # says 400 MB up front
            self.send_response(200)
            self.send_header("content-length", str(400 * 2**20))
            self.end_headers()
            self._endless(self.png[:64])
        else:
            self._send(404, b"")

    def do_POST(self) -> None:
        type(self).asked.append("POST " + self.path)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._send(200, b"")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _endless(self, head: bytes) -> None:
        try:
            self.wfile.write(head)
            while type(self).sent < 2**31:
                self.wfile.write(CHUNK)
                type(self).sent += len(CHUNK)
        except OSError:
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def media_host(tmp_path_factory):
    _MediaHost.png = make_image(tmp_path_factory.mktemp("host") / "frame.png", 640, 360).read_bytes()
    host = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHost)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{host.server_address[1]}"
    host.shutdown()


@pytest.fixture(scope="module")
def guarded():
    with LocalServer(api_key="the-key") as server:
        yield server


@pytest.fixture(scope="module")
def open_server():
    with LocalServer(allow_local_media=True) as server:
        yield server


def _first_frame(url: str) -> dict:
    return {"model": PRO, "resolution": "480p", "duration": 2,
            "content": [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": url}}]}


def _invalid(param: str, reason: str) -> str:
    return f"The parameter `{param}` specified in the request is not valid: {reason}."


@pytest.mark.parametrize("url, reason", [
    ("{host}/frame.png", "content[1].image_url.url points at 127.0.0.1, a loopback address the service cannot reach"),
    ("http://localhost:9/frame.png", "content[1].image_url.url points at localhost, which the service cannot reach"),
    ("http://[::1]:9/frame.png", "content[1].image_url.url points at ::1, a loopback address the service cannot reach"),
    ("https://169.254.169.254/latest", "content[1].image_url.url points at 169.254.169.254, a link-local address "
                                       "the service cannot reach"),
    ("https://10.0.0.8/frame.png", "content[1].image_url.url points at 10.0.0.8, a private address the service "
                                   "cannot reach"),
    ("http://2130706433/frame.png", "content[1].image_url.url points at 127.0.0.1, a loopback address the service "
                                    "cannot reach"),
    ("https:///frame.png", "content[1].image_url.url names no host"),
    ("file:///etc/passwd", "content[1].image_url.url must be an http(s) URL or a base64 data URL"),
    ("ftp://example.com/frame.png", "content[1].image_url.url must be an http(s) URL or a base64 data URL"),
])
def test_media_the_service_could_not_fetch_is_refused(guarded, media_host, url: str, reason: str) -> None:
    asked = len(_MediaHost.asked)
    response = ark_http(guarded, "POST", key="the-key", json=_first_frame(url.format(host=media_host)))
    error_of(response, 400, "InvalidParameter", "content", _invalid("content", reason))
    assert len(_MediaHost.asked) == asked  # not one request reached the media host


def test_local_media_when_the_operator_allows_it(open_server, media_host) -> None:
    response = ark_http(open_server, "POST", json=_first_frame(f"{media_host}/frame.png"))
    assert response.status_code == 200, response.text
    assert _MediaHost.asked[-1] == "/frame.png"


@pytest.mark.parametrize("name", ["endless.png", "huge.png"])
def test_a_download_stops_at_the_limit(open_server, media_host, name: str) -> None:
    _MediaHost.sent = 0
    response = ark_http(open_server, "POST", json=_first_frame(f"{media_host}/{name}"))
    error_of(response, 400, "InvalidParameter", "content", _invalid("content", "each image must be smaller than 30 MB"))
    limit = 30 * 2**20 if name == "endless.png" else 0
    assert _MediaHost.sent <= limit + 16 * 2**20  # socket buffers aside, nothing past the limit was read


@pytest.mark.parametrize("depth", [33, 100_000])
def test_a_body_nested_too_deep_is_a_400(guarded, depth: int) -> None:
    body = '{"model": "%s", "content": %s1%s}' % (PRO, "[" * depth, "]" * depth)
    response = ark_http(guarded, "POST", key="the-key", content=body, headers={"content-type": "application/json"})
    error_of(response, 400, "InvalidParameter", "body",
             _invalid("body", "the request body nests deeper than 32 levels"))


def test_stats_need_the_key_when_the_server_has_one(guarded) -> None:
    stats = guarded.root_url + "/_local/stats"
    refused = httpx.get(stats)
    error_of(refused, 401, "AuthenticationError", "", "The API key or AK/SK in the request is missing or invalid.")
    assert httpx.get(stats, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = httpx.get(stats, headers={"Authorization": "Bearer the-key"})
    assert (answer.status_code, answer.json()) == (200, dict(guarded.ark.stats))


def test_a_callback_to_loopback_is_not_called(media_host) -> None:
    asked = len(_MediaHost.asked)
    with LocalServer() as server:
        task_id = ark_http(server, "POST", json=text_task(callback_url=f"{media_host}/hook")).json()["id"]
        assert wait_status(server, task_id, {"succeeded"})["status"] == "succeeded"
        assert server.ark.stats["callback_refused"] == 1 and server.ark.stats["callback"] == 0
    assert _MediaHost.asked[asked:] == []


def test_serve_option_allows_local_media(media_host) -> None:
    """`storyfilm serve` refuses local media by default; `--allow-local-media` fetches it."""
    body = _first_frame(f"{media_host}/frame.png")
    headers = {"Authorization": "Bearer k"}
    parked = {"STORYFILM_FAULTS": "queue=600"}  # nothing renders: the answer to create is all we need
    with serve_process(env=parked) as root:
        refused = httpx.post(root + "/api/v3/contents/generations/tasks", json=body, headers=headers, timeout=30)
    with serve_process("--allow-local-media", env=parked) as root:
        taken = httpx.post(root + "/api/v3/contents/generations/tasks", json=body, headers=headers, timeout=30)
    assert (refused.status_code, refused.json()["error"]["param"]) == (400, "content")
    assert taken.status_code == 200, taken.text
