"""Just enough of the MP4 box structure to read a video track's frame count and H.264 setup.

Reading the `moov` box (kilobytes) instead of stream-copying the whole file (megabytes) is what
keeps the stream-copy join close to a bare concat. Anything unexpected returns None and the
caller falls back on ffmpeg.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

MAX_MOOV = 64 << 20
VISUAL_SAMPLE_ENTRY = 78  # bytes of fixed fields before a visual sample entry's child boxes


@dataclass(frozen=True)
class VideoTrack:
    frames: int  # samples in the track (one per frame)
    avcc: bytes | None  # the avcC payload for H.264, else None
    codec: str  # the sample entry type: avc1, hev1, ...
    width: int = 0
    height: int = 0
    fps: float | None = None  # None unless every sample lasts the same time
    square_pixels: bool = True
    edited: bool = False  # an edit list hides samples: a player shows fewer frames than `frames`


@dataclass(frozen=True)
class AudioTrack:
    codec: str  # the sample entry type: mp4a, ...
    rate: int
    channels: int
    config: bytes | None  # the AAC AudioSpecificConfig: equal configs concatenate cleanly


@dataclass(frozen=True)
class Mp4:
    video: VideoTrack | None
    audio: AudioTrack | None


def _children(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes laid end to end in data[start:end]."""
    pos, end = start, len(data) if end is None else end
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _find(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _children(data, start, end) if k == kind), None)


def _moov(f: BinaryIO) -> bytes | None:
    pos = 0
    while True:
        f.seek(pos)
        head = f.read(16)
        if len(head) < 8:
            return None
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1 and len(head) == 16:
            size, header = struct.unpack_from(">Q", head, 8)[0], 16
        if size < header:
            return None
        if kind == b"moov":
            if size > MAX_MOOV:
                return None
            f.seek(pos)
            return f.read(size)
        pos += size


def is_whole(path: Path) -> bool:
    """Whether the file's top-level boxes tile it exactly: a download cut short leaves its last box
    (the media data) claiming bytes the file does not have."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            pos = 0
            while pos < size:
                f.seek(pos)
                head = f.read(16)
                if len(head) < 8:
                    return False
                box = struct.unpack_from(">I", head)[0]
                if box == 0:  # the last box, to the end of the file
                    return True
                if box == 1:
                    if len(head) < 16:
                        return False
                    box = struct.unpack_from(">Q", head, 8)[0]
                if box < 8:
                    return False
                pos += box
    except OSError:
        return False
    return pos == size and size > 0


def video_track(path: Path) -> VideoTrack | None:
    """The first video track of an MP4/MOV file, or None when the file is not one we can read."""
    info = describe(path)
    return info.video if info else None


def describe(path: Path) -> Mp4 | None:
    """The first video and audio tracks of an MP4/MOV file, read from its moov box alone."""
    try:
        with open(path, "rb") as f:
            moov = _moov(f)
    except OSError:
        return None
    if not moov:
        return None
    video = audio = None
    try:
        for kind, start, end in _children(moov, 8):
            if kind != b"trak":
                continue
            track = _track(moov, start, end, _timescale(moov, _find(moov, 8, len(moov), b"mvhd")))
            if isinstance(track, VideoTrack) and video is None:
                video = track
            elif isinstance(track, AudioTrack) and audio is None:
                audio = track
    except (struct.error, IndexError):
        return None
    return Mp4(video, audio)


def _track(moov: bytes, start: int, end: int, movie_timescale: int) -> VideoTrack | AudioTrack | None:
    mdia = _find(moov, start, end, b"mdia")
    hdlr = mdia and _find(moov, *mdia, b"hdlr")
    mdhd = mdia and _find(moov, *mdia, b"mdhd")
    minf = mdia and _find(moov, *mdia, b"minf")
    stbl = minf and _find(moov, *minf, b"stbl")
    stsd = stbl and _find(moov, *stbl, b"stsd")
    if not (hdlr and mdhd and stsd):
        return None
    handler = moov[hdlr[0] + 8:hdlr[0] + 12]
    entry = next(_children(moov, stsd[0] + 8, stsd[1]), None)
    if entry is None:
        return None
    codec, e_start, e_end = entry
    if handler == b"soun":
        channels, _, _, _, rate = struct.unpack_from(">HHHHI", moov, e_start + 16)
        esds = _find(moov, e_start + 28, e_end, b"esds") if codec == b"mp4a" else None
        return AudioTrack(codec.decode("latin-1"), rate >> 16, channels,
                          _audio_config(moov[esds[0] + 4:esds[1]]) if esds else None)
    if handler != b"vide":
        return None
    stsz = _find(moov, *stbl, b"stsz")
    if not stsz:
        return None
    frames = struct.unpack_from(">I", moov, stsz[0] + 8)[0]
    width, height = struct.unpack_from(">HH", moov, e_start + 24)
    children = {k: (s, e) for k, s, e in _children(moov, e_start + VISUAL_SAMPLE_ENTRY, e_end)}
    avcc = children.get(b"avcC") if codec in (b"avc1", b"avc3") else None
    pasp = children.get(b"pasp")
    square = not pasp or len(set(struct.unpack_from(">II", moov, pasp[0]))) == 1
    stts = _find(moov, *stbl, b"stts")
    edts = _find(moov, start, end, b"edts")
    elst = edts and _find(moov, *edts, b"elst")
    shown = _shown_seconds(moov, elst, movie_timescale) if elst else None
    # hidden: the edit shows less than all but half a frame of what the samples last
    edited = shown is not None and (not frames or shown < _media_seconds(moov, mdhd, stts) * (1 - 0.5 / frames))
    return VideoTrack(frames, moov[avcc[0]:avcc[1]] if avcc else None, codec.decode("latin-1"), width, height,
                      _fps(moov, mdhd, stts), square, edited)


def _media_seconds(moov: bytes, mdhd: tuple[int, int], stts: tuple[int, int] | None) -> float:
    """How long the track's samples last together (0.0 when that cannot be read)."""
    timescale = _timescale(moov, mdhd)
    if not stts or not timescale:
        return 0.0
    runs = struct.unpack_from(">I", moov, stts[0] + 4)[0]
    return sum(count * delta for count, delta in (struct.unpack_from(">II", moov, stts[0] + 8 + 8 * i)
                                                   for i in range(runs))) / timescale


def _shown_seconds(moov: bytes, elst: tuple[int, int], movie_timescale: int) -> float | None:
    """How long the edit list shows the track for: None when it shows all of it (one edit from
    the start, or from the composition delay B-frames add, with no length given); 0.0 for any list
    we do not read (several edits, an empty edit), so the caller lets ffmpeg, which reads them, decide."""
    version, count = moov[elst[0]], struct.unpack_from(">I", moov, elst[0] + 4)[0]
    if count != 1 or not movie_timescale:
        return 0.0
    duration, media_time = struct.unpack_from(">Qq" if version == 1 else ">Ii", moov, elst[0] + 8)
    if media_time < 0:
        return 0.0
    return duration / movie_timescale if duration else None


def _timescale(moov: bytes, header: tuple[int, int] | None) -> int:
    """The timescale of an mvhd or mdhd box (0 when missing)."""
    if header is None:
        return 0
    return struct.unpack_from(">I", moov, header[0] + (20 if moov[header[0]] == 1 else 12))[0]


def _fps(moov: bytes, mdhd: tuple[int, int], stts: tuple[int, int] | None) -> float | None:
    """Frames per second when every sample has the same duration (one stts run)."""
    timescale = _timescale(moov, mdhd)
    if not stts or not timescale:
        return None
    runs = struct.unpack_from(">I", moov, stts[0] + 4)[0]
    deltas = {struct.unpack_from(">I", moov, stts[0] + 12 + 8 * i)[0] for i in range(runs)}
    return timescale / deltas.pop() if len(deltas) == 1 and 0 not in deltas else None


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, payload start, payload end) of an MPEG-4 descriptor (variable-length size)."""
    tag, pos, size = data[pos], pos + 1, 0
    for _ in range(4):
        byte, pos = data[pos], pos + 1
        size = size << 7 | byte & 0x7F
        if not byte & 0x80:
            break
    return tag, pos, pos + size


def _audio_config(esds: bytes) -> bytes | None:
    """The DecoderSpecificInfo inside an esds box's ES descriptor, if it is where it should be."""
    tag, pos, end = _descriptor(esds, 0)
    if tag != 0x03:
        return None
    flags = esds[pos + 2]
    pos += 3 + (2 if flags & 0x80 else 0) + (1 + esds[pos + 3] if flags & 0x40 else 0) + (2 if flags & 0x20 else 0)
    tag, pos, end = _descriptor(esds, pos)
    if tag != 0x04:
        return None
    tag, pos, end = _descriptor(esds, pos + 13)
    return esds[pos:end] if tag == 0x05 else None


def avc_is_yuv420p(avcc: bytes) -> bool:
    """Is this H.264 configuration 8-bit 4:2:0? High profiles say so in an avcC extension."""
    profile = avcc[1]
    if profile not in (100, 110, 122, 144, 244, 44, 83, 86, 118, 128, 134, 135, 138, 139):
        return True  # Baseline, Main, Extended: always 8-bit 4:2:0
    pos = 6
    for count_at_bits in (0x1F, 0xFF):
        count = avcc[pos - 1] & count_at_bits
        for _ in range(count):
            pos += 2 + int.from_bytes(avcc[pos:pos + 2], "big")
        pos += 1
    pos -= 1
    if pos + 3 > len(avcc):
        return False  # no extension: cannot tell, so do not claim it
    return avcc[pos] & 3 == 1 and avcc[pos + 1] & 7 == 0 and avcc[pos + 2] & 7 == 0
