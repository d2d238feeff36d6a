"""Two mono AAC frames into one stereo frame, with a gain applied by rewriting `global_gain`.

    ics(frame) -> (bits, length) | None     the channel's individual_channel_stream of a mono ADTS frame
    stereo(left, right, steps) -> Stereo | None  one ADTS frame: a CPE of both, `steps` added to their gain
    STEP_DB                                  the gain of one step (2^(1/4) in amplitude)

In AAC-LC every scalefactor of a channel is coded as a difference chain that starts from its
8-bit `global_gain` (the noise energies of PNS bands from global_gain - 90), and a band decodes at
2^((sf - 100) / 4) times its quantised values: adding d to global_gain scales the channel's decoded
sound by exactly 2^(d/4), with nothing encoded again (what aacgain does to AAC files).

global_gain is the first field of an individual_channel_stream (ICS). In a single channel element
(SCE) the ICS begins at a fixed bit: id_syn_ele (3 bits, 0) and element_instance_tag (4). In a
channel pair element it does for the first ICS only, so a stereo stream is made of two mono
encodes instead: each frame the encoder writes is SCE + ID_END (111) + zero bits to the byte, and
with +bitexact nothing else (no FIL element), so the ICS is bit 7 up to the END that ends on the
frame's last set bit. A CPE with common_window = 0 is id_syn_ele 1, tag, common_window 0, then
two such ICS as they are: a conforming decoder decodes it as the left and right channels.
Anything that does not look like that gives None, and the caller makes the sound another way.
"""

from __future__ import annotations

from typing import NamedTuple

HEADER = 7  # ADTS header without CRC
STEP_DB = 20 * 0.25 * 0.3010299956639812  # one global_gain step: 2^(1/4) in amplitude, 1.505 dB
_SCE_TAG0, _CPE_TAG0_NO_COMMON_WINDOW = 0b0000000, 0b00100000  # 7 bits; 8 bits with common_window
_END = 0b111
# ffmpeg's encoder keeps a channel's scalefactors within 60 of each other (SCALE_MAX_DIFF) and
# global_gain is one of them, so a global_gain in SAFE keeps every one of them in 0..255; outside
# it a scalefactor may pass 255 (measured: 96 steps up, global_gains at most 234, a later band's
# scalefactor 256) and the frame must be decoded to know. Digital silence (every band zero) is
# written with global_gain 140 and decodes to silence whatever its global_gain: it is rewritten
# like any other frame.
SAFE = range(60, 196)


def ics(frame: bytes) -> tuple[int, int] | None:
    """The ICS of a mono ADTS frame (CRC-less, one raw_data_block, an SCE of tag 0, then END) as an
    integer and its length in bits; None when the frame is not that."""
    found = _mono(frame)
    return None if found is None else found[1:]


class Stereo(NamedTuple):
    data: bytes  # the ADTS frame
    sure: bool  # False: a rewritten global_gain left the range that keeps every scalefactor valid
    # for sure (SAFE), so the frame is only known to be valid once a decoder has taken it


def stereo(left: bytes, right: bytes, steps: int) -> Stereo | None:
    """One stereo ADTS frame whose CPE holds `left`'s ICS then `right`'s, each with `steps` added to
    its global_gain; None if a frame is not a mono frame (`ics`) or a global_gain would leave 0..255."""
    found_left, found_right = _mono(left), _mono(right)
    if found_left is None or found_right is None:
        return None
    header, a, a_len = found_left
    _, b, b_len = found_right
    sure = True
    if steps:
        gain_a, gain_b = (a >> (a_len - 8)) + steps, (b >> (b_len - 8)) + steps
        if not (0 <= gain_a <= 255 and 0 <= gain_b <= 255):
            return None
        sure = gain_a in SAFE and gain_b in SAFE
        a += steps << (a_len - 8)
        b += steps << (b_len - 8)
    total = 8 + a_len + b_len + 3
    pad = -total % 8
    size = (total + pad) // 8
    body = ((((_CPE_TAG0_NO_COMMON_WINDOW << a_len | a) << b_len | b) << 3 | _END) << pad).to_bytes(size, "big")
    header = header & ~(_CHANNELS_MASK | _LENGTH_MASK) | 2 << _CHANNELS_AT | (HEADER + size) << _LENGTH_AT
    return Stereo(header.to_bytes(HEADER, "big") + body, sure)


# fields of the 56-bit ADTS header (without CRC), counted from its last bit
_CHANNELS_AT, _CHANNELS_MASK = 30, 0b111 << 30
_LENGTH_AT, _LENGTH_MASK = 13, 0x1FFF << 13
_PROTECTION_ABSENT = 1 << 40
_RAW_BLOCKS_MASK = 0b11  # raw_data_blocks in the frame, minus one


def _mono(frame: bytes) -> tuple[int, int, int] | None:
    """(the ADTS header, the ICS, its length in bits) of a mono frame; None when it is not one."""
    if len(frame) <= HEADER:
        return None
    header = int.from_bytes(frame[:HEADER], "big")
    if (not header & _PROTECTION_ABSENT or header & _RAW_BLOCKS_MASK
            or (header & _CHANNELS_MASK) >> _CHANNELS_AT != 1):
        return None
    bits = int.from_bytes(frame[HEADER:], "big")
    if bits == 0:
        return None
    size = (len(frame) - HEADER) * 8
    pad = (bits & -bits).bit_length() - 1  # zero bits after END, to the byte
    length = size - pad - 3 - 7
    if pad > 7 or length < 8 or (bits >> pad) & 0b111 != _END or bits >> (size - 7) != _SCE_TAG0:
        return None
    return header, bits >> (pad + 3), length  # the top 7 bits (SCE, tag 0) are zero: the rest is the ICS
