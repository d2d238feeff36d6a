"""Settings read from the environment once, in one place."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storyfilm.errors import UsageError

ARK_BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
ARK_API_PATH = "/api/v3"  # on Ark's own hosts (ark.<region>.volces.com, BytePlus: ark.<region>.bytepluses.com)
_ARK_HOST = re.compile(r"ark\.[a-z0-9-]+\.(volces|bytepluses)\.com", re.IGNORECASE)
TASKS_PATH = "/contents/generations/tasks"
REQUEST_TIMEOUT = 60.0  # seconds a request to the video service may wait for its answer
MAX_SECONDS = 86400  # the longest any STORYFILM_* wait may be set to: a day
MIN_SECONDS = 0.1  # the shortest a request's timeout or a deadline may be


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    tasks_path: str | None = None  # ARK_TASKS_PATH; None: the gateway profile's (Ark: TASKS_PATH)
    gateway: str | None = None  # ARK_GATEWAY: a gateway profile's name (seedance/gateways.py)
    faults: str | None = None  # STORYFILM_FAULTS: the local server's fault spec (localark/faults.py)
    settle: float | None = None  # STORYFILM_SETTLE: seconds a lost create may take to land (None: the default)
    # STORYFILM_LOST_CREATE_DEADLINE: seconds the whole look for a lost create may take (None: settle + slack)
    lost_create_deadline: float | None = None
    request_timeout: float = REQUEST_TIMEOUT  # STORYFILM_REQUEST_TIMEOUT: seconds one request waits for its answer
    # STORYFILM_CALL_DEADLINE / STORYFILM_CREATE_DEADLINE: seconds one call (GET, list, DELETE) with all
    # its retries, and one create with all its tries and looks, may take (None: scaled from request_timeout)
    call_deadline: float | None = None
    create_deadline: float | None = None

    @property
    def uses_local_backend(self) -> bool:
        return not self.api_key

    @property
    def ark_base_url(self) -> str:
        """ARK_BASE_URL, else the Ark v3 data plane."""
        return self.base_url or ARK_BASE_URL

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        _check_ffmpeg(env.get("FFMPEG"))
        return cls(
            api_key=_api_key(env.get("ARK_API_KEY")),
            base_url=_base_url(env.get("ARK_BASE_URL")),
            tasks_path=_tasks_path(env.get("ARK_TASKS_PATH")),
            gateway=env.get("ARK_GATEWAY") or None,
            faults=env.get("STORYFILM_FAULTS") or None,
            settle=_seconds(env.get("STORYFILM_SETTLE"), "STORYFILM_SETTLE"),
            lost_create_deadline=_seconds(env.get("STORYFILM_LOST_CREATE_DEADLINE"), "STORYFILM_LOST_CREATE_DEADLINE"),
            request_timeout=_seconds(env.get("STORYFILM_REQUEST_TIMEOUT"), "STORYFILM_REQUEST_TIMEOUT",
                                     positive=True) or REQUEST_TIMEOUT,
            call_deadline=_seconds(env.get("STORYFILM_CALL_DEADLINE"), "STORYFILM_CALL_DEADLINE", positive=True),
            create_deadline=_seconds(env.get("STORYFILM_CREATE_DEADLINE"), "STORYFILM_CREATE_DEADLINE",
                                     positive=True),
        )

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return (f"Settings(api_key=<{key}>, base_url={self.base_url!r}, tasks_path={self.tasks_path!r}, "
                f"gateway={self.gateway!r}, faults={self.faults!r}, settle={self.settle!r}, "
                f"lost_create_deadline={self.lost_create_deadline!r}, request_timeout={self.request_timeout!r}, "
                f"call_deadline={self.call_deadline!r}, create_deadline={self.create_deadline!r})")


def _seconds(value: str | None, name: str, *, positive: bool = False) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        raise UsageError(f"{name}={value!r}: give a number of seconds, {'more than 0' if positive else '0 or more'}")
    if seconds > MAX_SECONDS:  # every wait has a deadline: 1e300 s is none
        raise UsageError(f"{name}={value!r}: more than a day; give a number of seconds up to {MAX_SECONDS}")
    if positive and seconds < MIN_SECONDS:  # 0.001: every create would be sent, then its answer given up on
        raise UsageError(f"{name}={value!r}: under {MIN_SECONDS} s, no answer could come in time; give a number of "
                         f"seconds, {MIN_SECONDS} or more")
    return seconds


def _api_key(value: str | None) -> str | None:
    """The key as an HTTP header carries it: printable ASCII without spaces. Never shown, even in part."""
    if not value:
        return None
    if any(not ("!" <= c <= "~") for c in value):
        raise UsageError("ARK_API_KEY holds a space, a line break or a non-ASCII character, which no HTTP header "
                         "carries: set the key alone (a key read from a file: export ARK_API_KEY=\"$(tr -d '[:space:]' "
                         "< FILE)\")")
    return value


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    problem = "give an http or https URL, e.g. " + ARK_BASE_URL
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError for a port out of range
    except ValueError:
        raise UsageError(f"ARK_BASE_URL={value!r}: {problem}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or _unprintable(value):
        raise UsageError(f"ARK_BASE_URL={value!r}: {problem}")
    if parts.query or parts.fragment or value.endswith(("?", "#")):  # the tasks path goes after it: a 404
        shown = value.split("?", 1)[0].split("#", 1)[0] + "?…"  # a query may carry a key: never echoed
        raise UsageError(f"ARK_BASE_URL={shown!r}: a base URL has no ?query or #fragment; {problem}")
    if parts.username is not None or parts.password is not None:  # never echoed: it may hold a password
        raise UsageError("ARK_BASE_URL holds a user name or password (user:password@): remove it; storyfilm "
                         "authenticates with ARK_API_KEY, and would show the URL in its messages")
    if _ARK_HOST.fullmatch(parts.hostname) and parts.path.rstrip("/") != ARK_API_PATH:  # every create: a 404
        raise UsageError(f"ARK_BASE_URL={value!r}: Ark's tasks API is under {ARK_API_PATH} on {parts.hostname}; "
                         f"give {parts.scheme}://{parts.netloc}{ARK_API_PATH}")
    return value


def _tasks_path(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith("/") and not value.strip("/"):
        raise UsageError(f"ARK_TASKS_PATH={value!r} names no path: give the tasks' path under the base, "
                         f"e.g. {TASKS_PATH}")
    if not value.startswith("/") or _unprintable(value) or any(c in value for c in "?#"):
        raise UsageError(f"ARK_TASKS_PATH={value!r}: give a path starting with /, e.g. {TASKS_PATH}")
    return value


def _unprintable(text: str) -> bool:
    return any(c.isspace() or not c.isprintable() for c in text)


def _check_ffmpeg(value: str | None) -> None:
    """FFMPEG, when set, names an executable file: told once, before any storyboard media is decoded."""
    if value and not (os.path.isfile(value) and os.access(value, os.X_OK)):  # isfile: no OSError on a long name
        raise UsageError(f"FFMPEG={value} is not an executable file")


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text that may reach a log, an error or a file.

    Keys shorter than 6 characters are test stand-ins; masking them would garble every message."""
    if not secret or len(secret) < 6:
        return text
    return text.replace(secret, "***")
