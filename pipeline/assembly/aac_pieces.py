"""The film's AAC made from pieces, each encoded once, without the film's gain, and cached.

    plan(shot_sounds, cache) -> [Piece]                  the film's sound cut into pieces of whole shots
    batches(pieces, film_pcm) -> [(targets, command)]    a few pieces per ffmpeg run (film_pcm: a file or URL)
    splice(pieces, out, gain_db) -> frames               the film's sound as one ADTS stream, gain applied

Independently encoded AAC streams do not join by cutting them: an encoder starts from silence (a
1024-sample priming frame) and every frame's MDCT window reaches into its neighbours' samples. So
a piece that holds film samples [start, end) is encoded from PRE_ROLL samples before `start` to
POST_ROLL samples after `end`, and only the frames that decode to [start, end) are kept: at every
cut the decoder overlaps two frames whose encoders both saw the true sound on either side of it.
Frame k of an encode that starts at film sample s decodes to s + (k - 1) * 1024 (frame 0 is the
priming); `start` and `end` lie on multiples of 1024, so the kept frames of consecutive pieces
tile the film's timeline. The first piece keeps its priming frame, which the MP4 edit list skips
as it does a whole-film encode's (smart_graph.mux_args).

A piece is two mono encodes, left and right, on the same frame grid (same settings); `splice`
pairs their frames into stereo frames and applies the film's gain in whole steps of
mediaio.aac_gain.STEP_DB by rewriting each channel's global_gain (aac_gain.py says why that is
exact). So a piece's key names only the shot sounds its encode reads (their cache keys and the
span read from each) and the encoder settings: an edit encodes again the pieces whose samples or
context changed, and none because it moved the film's gain. Noise substitution (PNS) is off: its
decoder draws noise from one generator for both channels, so a stereo frame of two mono ones would
not decode to what each decodes to alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from storyfilm.assembly.ffmpeg_graph import AUDIO, RATE, RAW_PCM_INPUT
from storyfilm.assembly.join_cache import JoinCache, outputs
from storyfilm.errors import FfmpegError, NotCopyable
from storyfilm.mediaio import aac_gain, adts, runner

FRAME = 1024  # samples per AAC frame
BYTES_PER_SAMPLE = 8  # stereo float
PRE_ROLL = 8 * FRAME  # measured: after 2 frames the error near a cut was up to 2 dB worse than a whole
# encode's (the encoder's rate control had not settled); after 8 it matched to within noise (with
# the stereo encode then used; the mono encodes below match it at every cut to 0.3 dB)
POST_ROLL = 2 * FRAME  # the last kept frame's window and the encoder's look-ahead reach into it
# Measured on the 400 s of 200 x 2 s shots (2 cores shared, load 6-10, so +-1 s): pieces of 10 s,
# four to a run, 6.3 s wall / 7.5 s CPU; 2 s x 8: 8.0 / 10.2 (more pre-roll, more runs); 40 s x 1:
# 5.5 / 6.5; the whole film as one piece: 10.7 / 7.6 (one core). 10 s keeps what an edit encodes
# again small (one or two pieces: 10-20 s of sound) at a pre- and post-roll cost of 2 %.
PIECE_SECONDS = 10
PIECES_PER_RUN = 4
CHANNELS = {"left": "c0", "right": "c1"}
# Constant quality with the fast coder, not the film's 192 kb/s halved. Measured on the join-sound
# test's tones: at 96 kb/s ffmpeg's rate control carries its state for seconds, so a mono piece was
# still 10-20 dB off a whole encode's error 64 frames after its start; at -q:a 2 the default coder
# (twoloop) still made a frame 30 dB worse than the whole encode's 8 frames into some pieces,
# whatever the pre-roll. The fast coder at -q:a 2 codes each frame from its own samples: a piece's
# frames after the pre-roll decode as the whole encode's, and it measured 46 kb/s a channel on
# tones (error -70 dB) and 92 kb/s on tones and noise (-27.8 dB, against -23.0 at 96 kb/s).
# (ffmpeg made the fast coder its default in 2018: it sounded better than twoloop at higher rates.)
ENCODER = ["-c:a", str(AUDIO["c:a"]), "-aac_coder", str(AUDIO["aac_coder"]), "-q:a", str(AUDIO["q:a"]),
           "-ar", str(AUDIO["ar"]), "-ac", "1",
           "-aac_pns", "0", "-fflags", "+bitexact", "-flags:a", "+bitexact"]  # +bitexact: no FIL naming the encoder


@dataclass(frozen=True)
class Piece:
    start: int  # film samples [start, end) its kept frames decode to
    end: int
    first: int  # film samples [first, last) its encode reads
    last: int
    targets: tuple[Path, ...]  # the cached mono ADTS streams (left, right), pre- and post-roll included


def plan(shot_sounds: list[Path], cache: JoinCache) -> list[Piece]:
    """Pieces of whole shots, at least PIECE_SECONDS long, each cut on the AAC frame grid."""
    lengths = [path.stat().st_size // BYTES_PER_SAMPLE for path in shot_sounds]
    starts = [sum(lengths[:i]) for i in range(len(lengths) + 1)]
    total, cuts = starts[-1], [0]
    for end in starts[1:-1]:
        cut = end // FRAME * FRAME
        if cut - cuts[-1] >= PIECE_SECONDS * RATE and total - cut >= FRAME:
            cuts.append(cut)
    cuts.append(total)
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        first, last = max(0, start - PRE_ROLL), min(total, end + POST_ROLL)
        spans = [(shot_sounds[i].stem, max(first, a) - a, min(last, b) - a)
                 for i, (a, b) in enumerate(zip(starts, starts[1:])) if a < last and b > first]
        key = cache.key(["aac piece", json.dumps([ENCODER, CHANNELS, start - first, end - start, spans])], [])
        targets = tuple(cache.entry("aac", key, f".{channel}.aac") for channel in CHANNELS)
        pieces.append(Piece(start, end, first, last, targets))
    return pieces


def batches(pieces: list[Piece], film_pcm: Path | str) -> list[tuple[list[Path], list[str]]]:
    """The pieces' encodes, PIECES_PER_RUN to a run: (targets, command naming output i `outputs(i)`)."""
    runs = []
    for at in range(0, len(pieces), PIECES_PER_RUN):
        batch = pieces[at:at + PIECES_PER_RUN]
        argv = ["-y"]
        for piece in batch:
            argv += [*RAW_PCM_INPUT, "-skip_initial_bytes", str(piece.first * BYTES_PER_SAMPLE), "-i", str(film_pcm)]
        for i, piece in enumerate(batch):
            for c, channel in enumerate(CHANNELS.values()):
                chain = f"atrim=end_sample={piece.last - piece.first},pan=mono|c0={channel}"
                argv += ["-map", f"{i}:a:0", "-filter:a", chain, *ENCODER, "-f", "adts", outputs(i * len(CHANNELS) + c)]
        runs.append(([target for piece in batch for target in piece.targets], argv))
    return runs


def splice(pieces: list[Piece], out: Path, gain_db: float | None) -> int:
    """Write the kept frames of every piece, in film order, to `out` as stereo frames with the
    film's gain (`gain_db`, a whole number of aac_gain.STEP_DB) applied; the number of frames."""
    steps = 0 if gain_db is None else round(gain_db / aac_gain.STEP_DB)
    made: list[bytes] = []
    unsure: list[bytes] = []
    for n, piece in enumerate(pieces):
        left, right = (adts.frames(target.read_bytes()) for target in piece.targets)
        keep_from = 0 if n == 0 else (piece.start - piece.first) // FRAME + 1
        keep_to = -(-(piece.end - piece.first) // FRAME) + 1
        if left is None or right is None or min(len(left), len(right)) < keep_to:
            raise NotCopyable(f"the sound of film samples {piece.start}-{piece.end} is not the AAC it should be")
        for pair in zip(left[keep_from:keep_to], right[keep_from:keep_to]):
            frame = aac_gain.stereo(*pair, steps)
            if frame is None:
                raise NotCopyable(f"the sound of film samples {piece.start}-{piece.end}: a frame is not the mono AAC "
                                  f"the splice pairs, or cannot take a gain of {gain_db} dB")
            made.append(frame.data)
            if not frame.sure:
                unsure.append(frame.data)
    if unsure:
        _check_decodes(unsure, out)
    out.write_bytes(b"".join(made))
    return len(made)


def _check_decodes(frames: list[bytes], out: Path) -> None:
    """Decode the frames whose rewritten gain may have pushed a scalefactor out of 0..255 (a
    decoder refuses such a frame): NotCopyable if one does not decode."""
    check = out.with_name(out.name + ".check.aac")
    check.write_bytes(b"".join(frames))
    try:
        runner.run(["-v", "error", "-xerror", "-f", "aac", "-i", str(check), "-f", "null", "-"],
                   what="check the film's sound decodes")
    except FfmpegError as exc:
        raise NotCopyable(f"the film's gain takes a scalefactor of its sound out of range ({exc})") from exc
    finally:
        check.unlink(missing_ok=True)
