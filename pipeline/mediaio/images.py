"""Image format and pixel size read from the file header, without decoding the image."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    format: str  # png, jpeg, webp, gif, bmp, tiff, heic
    width: int
    height: int

    @property
    def mime(self) -> str:
        return f"image/{self.format}"


def sniff(data: bytes) -> ImageInfo | None:
    """Format and size of an image, or None when the bytes are no image we know."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            w, h = struct.unpack(">II", data[16:24])
            return ImageInfo("png", w, h)
        if data.startswith(b"\xff\xd8"):
            return _jpeg(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", data[6:10])
            return ImageInfo("gif", w, h)
        if data[:2] == b"BM":
            w, h = struct.unpack("<ii", data[18:26])
            return ImageInfo("bmp", w, abs(h))
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff(data)
        if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
            return ImageInfo("heic", 0, 0)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg(data: bytes) -> ImageInfo | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return ImageInfo("jpeg", w, h)
        i += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", w & 0x3FFF, h & 0x3FFF)
    if chunk == b"VP8L":
        b = data[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return ImageInfo("webp", w, h)
    if chunk == b"VP8X":
        w = 1 + int.from_bytes(data[24:27], "little")
        h = 1 + int.from_bytes(data[27:30], "little")
        return ImageInfo("webp", w, h)
    return None


def _tiff(data: bytes) -> ImageInfo | None:
    end = "<" if data[:2] == b"II" else ">"
    offset = struct.unpack(end + "I", data[4:8])[0]
    count = struct.unpack(end + "H", data[offset:offset + 2])[0]
    size: dict[int, int] = {}
    for n in range(count):
        entry = data[offset + 2 + 12 * n: offset + 14 + 12 * n]
        tag, kind = struct.unpack(end + "HH", entry[:4])
        if tag in (256, 257):
            size[tag] = struct.unpack(end + ("H" if kind == 3 else "I"), entry[8:10] if kind == 3 else entry[8:12])[0]
    if 256 in size and 257 in size:
        return ImageInfo("tiff", size[256], size[257])
    return None
