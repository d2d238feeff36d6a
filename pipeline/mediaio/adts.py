"""AAC in ADTS: a header per 1024-sample frame, so a stream splits into its frames without a decoder.

    frames(data) -> list of frames (header included), in order; None when `data` is not ADTS

The join encodes its sound in pieces and splices their frames (assembly/aac_pieces.py); ADTS is
the form in which ffmpeg writes AAC frames one after another with nothing in between.
"""

from __future__ import annotations

HEADER = 7  # bytes of a header without CRC


def frames(data: bytes) -> list[bytes] | None:
    """The frames of an ADTS stream; None if a header is missing or a frame runs past the end."""
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + HEADER > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
            return None
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < HEADER or pos + length > len(data):
            return None
        out.append(data[pos:pos + length])
        pos += length
    return out
