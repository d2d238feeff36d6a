"""Fetching the media a create body names: data URLs, http(s) URLs, asset:// names (from the
local asset library, assets.py); checked like the service.

The service fetches media from the public internet only, so a URL whose host is, or resolves to,
a private, loopback or link-local address is refused, as is any scheme but http(s) (a 400
`InvalidParameter`); the operator of a local server may allow local media (`allow_local`).
A download is streamed and stopped at the kind's size limit, follows no redirect, and has one
deadline for the whole of it. Host names are resolved here (the server does I/O anyway); the
connection then resolves them again, so a name that changes its answer in between is not caught:
the check guards against mistakes and plain requests, not against a resolver an attacker runs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

import httpx

from storyfilm.errors import Refusal
from storyfilm.localark import assets
from storyfilm.localark.answers import invalid
from storyfilm.mediaio import images
from storyfilm.seedance.media import (AUDIO_MAX_BYTES, IMAGE_ASPECT, IMAGE_MAX_BYTES, IMAGE_SIDE, LOCAL_NAMES, MB,
                                      address_problem, literal_address)

DEADLINE = 30.0  # seconds for one download, all told
RESOLVE_DEADLINE = 5.0
# what `data:<kind>/<format>;base64,` may name, lower-case only (ark-api.md §3.1, §3.3)
DATA_FORMATS = {"image": ("jpeg", "png", "webp", "bmp", "tiff", "gif", "heic", "heif"),
                "audio": ("wav", "mp3")}


@dataclass(frozen=True)
class Image:
    data: bytes
    width: int
    height: int
    format: str = "png"  # as its header says: png, jpeg, webp, gif, bmp, tiff, heic


async def fetch(url: object, kind: str, limit: int, *, where: str = "content", allow_local: bool = False) -> bytes:
    """The bytes behind an item's url: `data:<kind>/<fmt>;base64,...` or http(s). `where` names the
    item in messages (`content[1].image_url.url`)."""
    if not isinstance(url, str) or not url.strip():
        raise Refusal(400, "InvalidImageURL.EmptyURL" if kind == "image" else "InvalidParameter",
                      f"The {kind} URL is empty.", "content")
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        if not header.endswith(";base64") or not header[5:].startswith(f"{kind}/"):
            raise _bad(kind, f"the {kind} data URL must look like data:{kind}/<format>;base64,...")
        written = header[len(f"data:{kind}/"):-len(";base64")]
        if written not in DATA_FORMATS[kind]:
            raise _bad(kind, f"the {kind} data URL names the format {written[:20]!r}; it must be one of "
                             f"{', '.join(DATA_FORMATS[kind])}, in lower case")
        try:
            data = base64.b64decode(payload, validate=True)
        except binascii.Error:
            raise _bad(kind, f"the {kind} base64 is not valid") from None
    elif url.startswith(("http://", "https://")):
        if not allow_local:
            await check_reachable(url, where)
        data = await download(url, kind, limit)
    elif url.startswith("asset://"):
        data = assets.read(url, kind, limit, where)
    else:
        raise invalid("content", f"{where} must be an http(s) URL or a base64 data URL")
    if _over(kind, len(data), limit):
        raise _too_big(kind, limit)
    return data


async def check_reachable(url: str, where: str, param: str = "content") -> None:
    """Refuse a URL the service could not fetch: no host, or a host that is or resolves to a
    private, loopback or link-local address. `param` is the request field the answer names."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = (parts.hostname or "").rstrip("."), parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise invalid(param, f"{where} is not a valid URL") from None
    if not host:
        raise invalid(param, f"{where} names no host")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        raise invalid(param, f"{where} points at {host}, which the service cannot reach")
    literal = literal_address(host)
    for address in [literal] if literal is not None else await _resolve(host, port, where, param):
        why = address_problem(address)
        if why is not None:
            raise invalid(param, f"{where} points at {address}, {why}")


async def _resolve(host: str, port: int, where: str, param: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        async with asyncio.timeout(RESOLVE_DEADLINE):
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        raise invalid(param, f"{where}: the host {host} could not be resolved") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


async def download(url: str, kind: str, limit: int) -> bytes:
    """The body at `url`, streamed: refused as soon as it (or its Content-Length) passes `limit`."""
    data = bytearray()
    try:
        async with asyncio.timeout(DEADLINE), httpx.AsyncClient(timeout=DEADLINE) as http, \
                http.stream("GET", url) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and _over(kind, int(declared), limit):
                raise _too_big(kind, limit)
            async for chunk in response.aiter_bytes():
                data += chunk
                if _over(kind, len(data), limit):
                    raise _too_big(kind, limit)
    except httpx.HTTPError as exc:
        raise _bad(kind, f"the {kind} URL could not be fetched ({type(exc).__name__})") from None
    except TimeoutError:
        raise _bad(kind, f"the {kind} URL was not fetched within {DEADLINE:g} s") from None
    return bytes(data)


async def fetch_audio(url: object, *, where: str = "content", allow_local: bool = False) -> bytes:
    """Reference audio: wav or mp3 only (ark-api.md §3.3), whatever its URL or data URL says."""
    data = await fetch(url, "audio", AUDIO_MAX_BYTES, where=where, allow_local=allow_local)
    if audio_format(data) is None:
        raise invalid("content", f"{where}: the audio is not wav or mp3")
    return data


def audio_format(data: bytes) -> str | None:
    """wav (a RIFF WAVE file) or mp3 (an ID3 tag, or an MPEG audio frame header), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE6 in (0xE2, 0xE4, 0xE6)):
        return "mp3"  # frame sync, then layer III, II or I (the 0 layer bits are reserved)
    return None


async def fetch_image(url: object, *, where: str = "content", allow_local: bool = False) -> Image:
    data = await fetch(url, "image", IMAGE_MAX_BYTES, where=where, allow_local=allow_local)
    info = images.sniff(data)
    if info is None:
        raise _bad("image", "the image could not be decoded")
    if info.width and info.height:  # heic carries no size in its header
        low, high = IMAGE_SIDE
        if not (low <= info.width <= high and low <= info.height <= high):
            raise invalid("content", f"image sides must be within [{low}, {high}] px, got {info.width}x{info.height}")
        if not IMAGE_ASPECT[0] <= info.width / info.height <= IMAGE_ASPECT[1]:
            raise invalid("content", f"image aspect ratio (width/height) must be within "
                                     f"[{IMAGE_ASPECT[0]}, {IMAGE_ASPECT[1]}]")
    return Image(data, info.width, info.height, info.format)


def _over(kind: str, size: int, limit: int) -> bool:
    """Past the kind's limit: an image must be smaller than 30 MB, audio at most 15 MB (ark-api.md §3.3)."""
    return size >= limit if kind == "image" else size > limit


def _too_big(kind: str, limit: int) -> Refusal:
    return invalid("content", f"each {kind} must be smaller than {limit // MB} MB")


def _bad(kind: str, reason: str) -> Refusal:
    if kind == "image":
        return Refusal(400, "InvalidImageURL.InvalidFormat", f"The image is not valid: {reason}.", "content")
    return invalid("content", reason)
