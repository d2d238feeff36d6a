"""What became of a request that got no answer. A service never reached (connection refused, no
such host, no answer to connect) is told apart from one that stopped answering: until the first
answer comes, a connection that cannot be made fails after `UNREACHED_TRIES` quick tries (a connect
timeout: at once) with ServiceUnreachable, which names the host and ARK_BASE_URL; after that,
connection errors are retried by the client's policy. A request sent that got no answer is told as
how long its answer was waited for."""

from __future__ import annotations

import httpx

from storyfilm.errors import ServiceUnreachable, TransportFailed

# raised before a byte of the request reached the service: always safe to send again
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
UNREACHED_TRIES = 3  # connection attempts before a service that never answered is called unreachable


class Reach:
    """What one client has learned of its service: whether it ever answered."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.reached = False  # an answer came from the service: connection errors are now transient
        self._not_connected = 0  # connections that could not be made before the first answer

    def answered(self) -> None:
        self.reached = True

    def not_sent(self, exc: Exception, last: bool) -> None:
        """Raise when a connection that could not be made is the end: the last try, or a service
        that never answered (refused, unknown host: a few quick tries; a connect timeout: one)."""
        reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
        never = not self.reached and not isinstance(exc, httpx.PoolTimeout)
        self._not_connected += never
        if never and (self._not_connected >= UNREACHED_TRIES or isinstance(exc, httpx.ConnectTimeout)):
            host = httpx.URL(self.base_url).host
            raise ServiceUnreachable(f"cannot reach the video service at {host} ({reason}); nothing was sent, "
                                     f"nothing was spent. Check the network, or ARK_BASE_URL (now {self.base_url}).")
        if last:
            raise TransportFailed(f"cannot reach {self.base_url}: {reason}") from exc


def no_answer(exc: Exception, within: float, read_timeout: float | None) -> str:
    """What became of a sent request: a timeout says how long the answer was waited for (`within`
    for the whole answer, `read_timeout` for the next bytes)."""
    if isinstance(exc, TimeoutError):
        return f"the answer was still not whole after {within:g} s"
    waited = read_timeout if isinstance(exc, httpx.ReadTimeout) else None
    return type(exc).__name__ + (f" after {waited:g} s" if waited is not None else "")
