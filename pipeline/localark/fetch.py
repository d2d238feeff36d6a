"""Fetching the media a create body names: data URLs, http(s) URLs; checked like the service."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import httpx

from storyfilm.errors import Refusal
from storyfilm.localark.answers import invalid
from storyfilm.mediaio import images
from storyfilm.seedance.media import AUDIO_MAX_BYTES, IMAGE_ASPECT, IMAGE_MAX_BYTES, IMAGE_SIDE


@dataclass(frozen=True)
class Image:
    data: bytes
    width: int
    height: int


async def fetch(url: object, kind: str, limit: int) -> bytes:
    """The bytes behind an item's url: `data:<kind>/<fmt>;base64,...` or http(s)."""
    if not isinstance(url, str) or not url.strip():
        raise Refusal(400, "InvalidImageURL.EmptyURL" if kind == "image" else "InvalidParameter",
                      f"The {kind} URL is empty.", "content")
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        if not header.endswith(";base64") or not header[5:].startswith(f"{kind}/"):
            raise _bad(kind, f"the {kind} data URL must look like data:{kind}/<format>;base64,...")
        try:
            data = base64.b64decode(payload, validate=True)
        except binascii.Error:
            raise _bad(kind, f"the {kind} base64 is not valid") from None
    elif url.startswith(("http://", "https://")):
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.get(url)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise _bad(kind, f"the {kind} URL could not be fetched ({type(exc).__name__})") from None
        data = response.content
    elif url.startswith("asset://"):
        raise invalid("content", "asset:// URIs name the service's asset library, which the local server lacks")
    else:
        raise _bad(kind, f"the {kind} URL must be http(s) or a base64 data URL")
    if len(data) > limit:
        raise invalid("content", f"each {kind} must be smaller than {limit // (1024 * 1024)} MB")
    return data


async def fetch_audio(url: object) -> bytes:
    return await fetch(url, "audio", AUDIO_MAX_BYTES)


async def fetch_image(url: object) -> Image:
    data = await fetch(url, "image", IMAGE_MAX_BYTES)
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
    return Image(data, info.width, info.height)


def _bad(kind: str, reason: str) -> Refusal:
    if kind == "image":
        return Refusal(400, "InvalidImageURL.InvalidFormat", f"The image is not valid: {reason}.", "content")
    return invalid("content", reason)
