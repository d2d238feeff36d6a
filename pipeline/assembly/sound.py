"""The film's sound, as ffmpeg-python graph pieces: music under the shots' audio, then loudness.

Pure functions over ffmpeg-python streams (and the reading of a loudness meter's summary);
nothing runs here.
"""

from __future__ import annotations

import math
import re

import ffmpeg as ff

from storyfilm.assembly.spec import Soundtrack
from storyfilm.mediaio import aac_gain

RATE = 48_000
BLOCK = 1024
# a cut-only film's gain is written into its AAC frames' global_gain (aac_pieces.py), which moves
# in steps of 2^(1/4): within ±0.75 LU of the film's loudness (EBU R 128's production tolerance is
# ±1 LU), and no piece of sound is encoded again when an edit moves it
GAIN_STEP = aac_gain.STEP_DB
# the music dips under the shots' own sound: fast attack, slow release so speech is not pumped
DUCK = {"threshold": 0.02, "ratio": 20, "attack": 20, "release": 400, "makeup": 1}


def conform(audio, *, samples: int | None = None):
    """Any audio → 48 kHz stereo float, cut or padded to exactly `samples` when given."""
    audio = audio.filter("aresample", RATE).filter("aformat", sample_fmts="fltp", sample_rates=RATE,
                                                    channel_layouts="stereo")
    if samples is not None:
        audio = audio.filter("apad").filter("atrim", end_sample=samples)
    return audio.filter("asetpts", "PTS-STARTPTS")


def music_input(track: Soundtrack):
    """The music file as an input, looped for ever when asked (the graph trims it)."""
    # a queue size no clip input uses, so the music stays its own node even if it is a clip too
    options = {"thread_queue_size": 63, **({"stream_loop": -1} if track.loop else {})}
    return ff.input(str(track.path), **options)


def music(source, track: Soundtrack, samples: int):
    """The music at its volume, faded in and out, exactly as long as the film."""
    seconds = samples / RATE
    audio = conform(source.audio, samples=samples)
    if track.volume_db:
        audio = audio.filter("volume", f"{track.volume_db}dB")
    if track.fade_in > 0:
        audio = audio.filter("afade", t="in", st=0, d=min(track.fade_in, seconds))
    if track.fade_out > 0:
        fade = min(track.fade_out, seconds)
        audio = audio.filter("afade", t="out", st=seconds - fade, d=fade)
    return audio


def _blocks(audio):
    """Fixed-size frames. Two-input filters take whatever both inputs have ready, which depends on
    thread timing; sidechaincompress's output depends on that chunking, so pin it."""
    return audio.filter("asetnsamples", n=BLOCK)


def duck_and_mix(shots, music_stream):
    """The music compressed whenever the shots make sound, then both summed at full level."""
    split = _blocks(shots).filter_multi_output("asplit", 2)
    ducked = ff.filter([_blocks(music_stream), split[1]], "sidechaincompress", **DUCK)
    return ff.filter([split[0], _blocks(ducked)], "amix", inputs=2, duration="first", normalize=0)


def master(audio, loudness: float | None, samples: int):
    """The whole mix brought to `loudness` LUFS (EBU R128), at 48 kHz stereo, `samples` long."""
    if loudness is not None:
        audio = _blocks(audio).filter("loudnorm", I=loudness, TP=-1.5, LRA=11)
    return conform(audio, samples=samples)


def measured(audio, samples: int):
    """The mix at 48 kHz stereo, `samples` long, passed through an EBU R128 meter (integrated
    loudness and sample peak, printed when the run ends) for a two-pass, one-gain normalisation."""
    return conform(audio, samples=samples).filter("ebur128", peak="sample")


def gain_db(summary: str, loudness: float | None, ceiling: float = -1.5, *, step: float | None = None) -> float | None:
    """The one gain (dB) that brings the measured mix to `loudness` LUFS without its peak passing
    `ceiling` dBFS, from ebur128's summary; None to leave it as it is (no target, or silence).
    With `step`, the gain is a multiple of it (nearest for the loudness, below for the peak)."""
    found = re.search(r"Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Sample peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if loudness is None or not found or float(found[1]) <= -70.0:
        return None
    gain = loudness - float(found[1])
    headroom = ceiling - float(peak[1]) if peak and peak[1] != "-inf" else None
    if step:
        gain = round(gain / step) * step
        headroom = None if headroom is None else math.floor(headroom / step + 1e-9) * step
    if headroom is not None:
        gain = min(gain, headroom)
    return round(gain, 2)
