"""The media a Seedance request carries (first/last frames, references) and the service's limits
on them (ark-api.md §3.3). Pure: a `Media` is what the rim found out about a file or URL (by
decoding it), and the rules here judge those findings; nothing here opens a file or a socket.

    Media                          what one input is: kind, where, hash, and what decoding found
    image_problem(width, height)   the §3.3 limit a decoded image breaks, or None
    url_problem(url)               why the service could not fetch an https URL, or None
    address_problem(ip)            why an address is out of the service's reach (private, loopback...)
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

IMAGE = "image"
VIDEO = "video"
AUDIO = "audio"

KINDS = {".png": IMAGE, ".jpg": IMAGE, ".jpeg": IMAGE, ".webp": IMAGE, ".bmp": IMAGE, ".gif": IMAGE,
         ".tif": IMAGE, ".tiff": IMAGE, ".heic": IMAGE, ".heif": IMAGE,
         ".mp4": VIDEO, ".mov": VIDEO,
         ".wav": AUDIO, ".mp3": AUDIO, ".m4a": AUDIO, ".flac": AUDIO, ".ogg": AUDIO}
SERVICE_AUDIO = (".wav", ".mp3")  # what the service takes as reference audio; music may be more

IMAGE_FORMATS = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
# §3.3 does not say whether its MB is 10^6 or 2^20 bytes: strict writing takes the smaller reading
MB = 1_000_000
IMAGE_MAX_BYTES = 30 * MB
IMAGE_SIDE = (300, 6000)
IMAGE_ASPECT = (0.4, 2.5)
VIDEO_MAX_BYTES = 50 * MB
AUDIO_MAX_BYTES = 15 * MB
MUSIC_MAX_BYTES = 200 * MB  # a soundtrack is mixed locally, never sent: only a sanity bound
REQUEST_MAX_BYTES = 64 * MB
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


@dataclass(frozen=True)
class Media:
    kind: str  # image | video | audio
    source: str  # as written in the storyboard
    path: Path | None = None  # a local file
    url: str | None = None  # an https URL
    sha256: str = ""  # of the file's bytes, or of the URL
    width: int = 0  # images, as their header says (and decoding confirmed); a video URL: 0 (never fetched)
    height: int = 0
    size: int = 0  # bytes of the local file
    seconds: float = 0.0  # audio and video, as decoded (0: not known, e.g. a URL)

    @property
    def request_bytes(self) -> int:
        """How much this item adds to a request body (base64 is 4/3 of the file)."""
        if self.url or self.path is None:
            return len(self.url or "")
        return (self.size + 2) // 3 * 4


def max_bytes(kind: str) -> int:
    """The largest file of `kind` the rim reads (the service's limit; music is mixed locally)."""
    return {IMAGE: IMAGE_MAX_BYTES, VIDEO: VIDEO_MAX_BYTES}.get(kind, MUSIC_MAX_BYTES)


def image_problem(width: int, height: int) -> str | None:
    """The §3.3 limit an image of width × height breaks, in words; None when it keeps them all."""
    low, high = IMAGE_SIDE
    if not (low <= width <= high and low <= height <= high):
        return f"is {width}x{height}; each side must be {low}–{high} px"
    aspect = width / height
    if not IMAGE_ASPECT[0] <= aspect <= IMAGE_ASPECT[1]:
        return (f"is {width}x{height} (aspect {aspect:.2f}); the service takes width/height "
                f"from {IMAGE_ASPECT[0]} to {IMAGE_ASPECT[1]}")
    return None


def url_problem(url: str) -> str | None:
    """Why the service could not fetch this https URL, or None. Host names are judged by their
    name only (no DNS lookup: validation stays pure and offline); literal addresses by their
    range (ark-api.md: the service reaches only public addresses)."""
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        return "is not a valid URL: it contains spaces or control characters"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme != "https" or not host:
        return "is not a valid https URL: it names no host"
    if port == 0:
        return "is not a valid URL: port 0"
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return f"points at {host}, which the service cannot reach"
    address = literal_address(host)
    if address is not None:
        why = address_problem(address)
        if why is not None:
            return f"points at {host}, {why}"
    return None


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP literal names (dotted, or the integer and hex forms
    that URL parsers also take, like 2130706433 or 0x7f.1), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_number(p) is not None for p in parts):
        return None
    numbers = [_number(p) or 0 for p in parts]
    value = 0
    for n in numbers[:-1]:
        value = value * 256 + (n & 0xFF)
    value = value * 256 ** (5 - len(parts)) + numbers[-1] if len(parts) < 4 else value * 256 + numbers[-1]
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


def _number(part: str) -> int | None:
    try:
        if part.lower().startswith("0x"):
            return int(part, 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why the service cannot reach `address`, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address the service cannot reach"
    if address.is_link_local:
        return "a link-local address the service cannot reach"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "an address the service cannot reach"
    if address.is_private or not address.is_global:
        return "a private address the service cannot reach"
    return None
