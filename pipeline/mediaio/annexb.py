"""Copy a run of an MP4's H.264 frames out as an Annex B elementary stream, byte for byte: the
parts of a smart join that are not re-encoded. The sample table is read from the moov box alone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storyfilm.mediaio.mp4box import VISUAL_SAMPLE_ENTRY, _children, _find, _moov  # noqa: PLC2701 (one format, two readers)


@dataclass(frozen=True)
class VideoSamples:
    """Where each frame of an H.264 track lies in its file, in decode order."""

    offsets: list[int]
    sizes: list[int]
    keyframes: list[int]  # sample indices a decoder can start from (stss; every sample when absent)
    nal_length: int  # bytes of each NAL unit's length prefix
    parameter_sets: bytes  # the avcC's SPS and PPS, each behind an Annex B start code
    avcc: bytes = b""  # the avcC itself


def video_samples(path: Path) -> VideoSamples | None:
    """The sample table of the first H.264 video track, or None when there is none we can read."""
    try:
        with open(path, "rb") as f:
            moov = _moov(f)
        if not moov:
            return None
        for kind, start, end in _children(moov, 8):
            if kind == b"trak":
                table = _sample_table(moov, start, end)
                if table is not None:
                    # a truncated file (a download cut short) holds fewer frames than its index names
                    return table if _within(table, path.stat().st_size) else None
    except (OSError, struct.error, IndexError):
        return None
    return None


def framed(path: Path) -> bool | None:
    """Whether every frame of the first H.264 track is NAL units whose length prefixes fill it
    exactly, each header valid (forbidden bit clear, a unit type): what a decoder reads first. A
    file whose media were zeroed or overwritten where it was stored still reads whole by its boxes,
    and fails this without a decode. None: no H.264 track whose samples lie within the file."""
    table = video_samples(path)
    if table is None:
        return None
    n = table.nal_length
    try:
        with open(path, "rb") as f:
            for offset, size in zip(table.offsets, table.sizes):
                f.seek(offset)
                sample = f.read(size)
                pos = 0 if len(sample) == size > 0 else -1
                while 0 <= pos < size:
                    length = int.from_bytes(sample[pos:pos + n], "big")
                    header = sample[pos + n] if pos + n < size else 0x80
                    if not length or header & 0x80 or not header & 0x1F or pos + n + length > size:
                        return False
                    pos += n + length
                if pos != size:
                    return False
    except OSError:
        return None
    return True


def _sample_table(moov: bytes, start: int, end: int) -> VideoSamples | None:
    mdia = _find(moov, start, end, b"mdia")
    hdlr = mdia and _find(moov, *mdia, b"hdlr")
    if not hdlr or moov[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
        return None
    stbl = _find(moov, *_find(moov, *mdia, b"minf"), b"stbl")
    boxes = {k: (s, e) for k, s, e in _children(moov, *stbl)}
    stsd = boxes[b"stsd"]
    codec, e_start, e_end = next(_children(moov, stsd[0] + 8, stsd[1]))
    avcc = _find(moov, e_start + VISUAL_SAMPLE_ENTRY, e_end, b"avcC") if codec in (b"avc1", b"avc3") else None
    if avcc is None:
        return None
    sizes = _sizes(moov, boxes[b"stsz"])
    offsets = _offsets(moov, boxes, len(sizes))
    stss = boxes.get(b"stss")
    if stss:
        count = struct.unpack_from(">I", moov, stss[0] + 4)[0]
        keyframes = [n - 1 for n in struct.unpack_from(f">{count}I", moov, stss[0] + 8)]
    else:
        keyframes = list(range(len(sizes)))
    config = moov[avcc[0]:avcc[1]]
    return VideoSamples(offsets, sizes, keyframes, (config[4] & 3) + 1, _parameter_sets(config), config)


def _within(table: VideoSamples, size: int) -> bool:
    return all(offset + length <= size for offset, length in zip(table.offsets, table.sizes))


def _sizes(moov: bytes, stsz: tuple[int, int]) -> list[int]:
    size, count = struct.unpack_from(">II", moov, stsz[0] + 4)
    return [size] * count if size else list(struct.unpack_from(f">{count}I", moov, stsz[0] + 12))


def _offsets(moov: bytes, boxes: dict, samples: int) -> list[int]:
    """Each sample's file offset, from the chunk offsets (stco/co64) and samples per chunk (stsc)."""
    if b"co64" in boxes:
        s = boxes[b"co64"][0]
        chunks = list(struct.unpack_from(f">{struct.unpack_from('>I', moov, s + 4)[0]}Q", moov, s + 8))
    else:
        s = boxes[b"stco"][0]
        chunks = list(struct.unpack_from(f">{struct.unpack_from('>I', moov, s + 4)[0]}I", moov, s + 8))
    s = boxes[b"stsc"][0]
    runs = [struct.unpack_from(">III", moov, s + 8 + 12 * i)[:2] for i in range(struct.unpack_from(">I", moov, s + 4)[0])]
    per_chunk = []
    for i, (first, count) in enumerate(runs):
        last = runs[i + 1][0] - 1 if i + 1 < len(runs) else len(chunks)
        per_chunk += [count] * (last - first + 1)
    sizes = _sizes(moov, boxes[b"stsz"])
    offsets: list[int] = []
    for chunk, count in zip(chunks, per_chunk):
        pos = chunk
        for _ in range(count):
            if len(offsets) == samples:
                break
            offsets.append(pos)
            pos += sizes[len(offsets) - 1]
    if len(offsets) != samples:
        raise IndexError("sample table does not cover every sample")
    return offsets


def _parameter_sets(avcc: bytes) -> bytes:
    """The SPS and PPS NAL units of an avcC, each behind a start code."""
    out, pos = bytearray(), 5
    for mask in (0x1F, 0xFF):
        count, pos = avcc[pos] & mask, pos + 1
        for _ in range(count):
            size = int.from_bytes(avcc[pos:pos + 2], "big")
            out += b"\0\0\0\1" + avcc[pos + 2:pos + 2 + size]
            pos += 2 + size
    return bytes(out)


def write_annexb(path: Path, table: VideoSamples, first: int, end: int, out: BinaryIO) -> None:
    """Frames [first, end) of the track (decode order; `first` a keyframe) to `out` as Annex B, the
    parameter sets in front so the run decodes on its own."""
    out.write(table.parameter_sets)
    n = table.nal_length
    with open(path, "rb") as f:
        for i in range(first, end):
            f.seek(table.offsets[i])
            sample = f.read(table.sizes[i])
            if len(sample) != table.sizes[i]:
                raise OSError(f"{path}: frame {i} is cut short")
            pos = 0
            while pos + n <= len(sample):
                size = int.from_bytes(sample[pos:pos + n], "big")
                out.write(b"\0\0\0\1")
                out.write(sample[pos + n:pos + n + size])
                pos += n + size
