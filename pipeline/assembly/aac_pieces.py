"""The film's AAC made from pieces, each encoded once and cached by what it holds.

    plan(shot_sounds, gain_db, cache) -> [Piece]        the film's sound cut into pieces of whole shots
    batches(pieces, film_pcm, gain_db) -> [(targets, command)]   a few pieces per ffmpeg run
    splice(pieces, out) -> frames                        the film's sound as one ADTS stream

Independently encoded AAC streams do not join by cutting them: an encoder starts from silence (a
1024-sample priming frame) and every frame's MDCT window reaches into its neighbours' samples. So
a piece that holds film samples [start, end) is encoded from PRE_ROLL samples before `start` to
POST_ROLL samples after `end`, gain applied, and only the frames that decode to [start, end) are
kept: at every cut the decoder overlaps two frames whose encoders both saw the true sound on
either side of it. Frame k of an encode that starts at film sample s decodes to s + (k - 1) * 1024
(frame 0 is the priming); `start` and `end` lie on multiples of 1024, so the kept frames of
consecutive pieces tile the film's timeline. The first piece keeps its priming frame, which the
MP4 edit list skips as it does a whole-film encode's (smart_graph.mux_args).

A piece's key names the shot sounds its encode reads (their cache keys and the span read from
each), the gain and the encoder settings: an edit encodes again the pieces whose samples or
context changed, and all of them when it moves the film's gain (sound.GAIN_STEP keeps most edits
from doing so).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from storyfilm.assembly.ffmpeg_graph import AUDIO, RATE, RAW_PCM_INPUT
from storyfilm.assembly.join_cache import JoinCache, outputs
from storyfilm.errors import NotCopyable
from storyfilm.mediaio import adts

FRAME = 1024  # samples per AAC frame
BYTES_PER_SAMPLE = 8  # stereo float
PRE_ROLL = 8 * FRAME  # measured: after 2 frames the error near a cut was up to 2 dB worse than a whole
# encode's (the encoder's rate control had not settled); after 8 it matched to within noise
POST_ROLL = 2 * FRAME  # the last kept frame's window and the encoder's look-ahead reach into it
# Measured on the 400 s of 200 x 2 s shots (2 cores shared, load 6-10, so +-1 s): pieces of 10 s,
# four to a run, 6.3 s wall / 7.5 s CPU; 2 s x 8: 8.0 / 10.2 (more pre-roll, more runs); 40 s x 1:
# 5.5 / 6.5; the whole film as one piece: 10.7 / 7.6 (one core). 10 s keeps what an edit encodes
# again small (one or two pieces: 10-20 s of sound) at a pre- and post-roll cost of 2 %.
PIECE_SECONDS = 10
PIECES_PER_RUN = 4
ENCODER = [a for k, v in AUDIO.items() for a in (f"-{k}", str(v))] + ["-fflags", "+bitexact", "-flags:a", "+bitexact"]


@dataclass(frozen=True)
class Piece:
    start: int  # film samples [start, end) its kept frames decode to
    end: int
    first: int  # film samples [first, last) its encode reads
    last: int
    target: Path  # the cached ADTS stream of the whole encode, pre- and post-roll included


def plan(shot_sounds: list[Path], gain_db: float | None, cache: JoinCache) -> list[Piece]:
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
        key = cache.key(["aac piece", json.dumps([ENCODER, _gain(gain_db), start - first, end - start, spans])], [])
        pieces.append(Piece(start, end, first, last, cache.entry("aac", key, ".aac")))
    return pieces


def batches(pieces: list[Piece], film_pcm: Path, gain_db: float | None) -> list[tuple[list[Path], list[str]]]:
    """The pieces' encodes, PIECES_PER_RUN to a run: (targets, command naming output i `outputs(i)`)."""
    runs = []
    for at in range(0, len(pieces), PIECES_PER_RUN):
        batch = pieces[at:at + PIECES_PER_RUN]
        argv = ["-y"]
        for piece in batch:
            argv += [*RAW_PCM_INPUT, "-skip_initial_bytes", str(piece.first * BYTES_PER_SAMPLE), "-i", str(film_pcm)]
        for i, piece in enumerate(batch):
            chain = f"atrim=end_sample={piece.last - piece.first}" + _gain(gain_db)
            argv += ["-map", f"{i}:a:0", "-filter:a", chain, *ENCODER, "-f", "adts", outputs(i)]
        runs.append(([piece.target for piece in batch], argv))
    return runs


def splice(pieces: list[Piece], out: Path) -> int:
    """Write the kept frames of every piece, in film order, to `out`; the number of frames."""
    count = 0
    with open(out, "wb") as film:
        for n, piece in enumerate(pieces):
            frames = adts.frames(piece.target.read_bytes())
            keep_from = 0 if n == 0 else (piece.start - piece.first) // FRAME + 1
            keep_to = -(-(piece.end - piece.first) // FRAME) + 1
            if frames is None or len(frames) < keep_to:
                raise NotCopyable(f"the sound of film samples {piece.start}-{piece.end} is not the AAC it should be")
            film.write(b"".join(frames[keep_from:keep_to]))
            count += keep_to - keep_from
    return count


def _gain(gain_db: float | None) -> str:
    return "" if gain_db is None else f",volume={gain_db:.2f}dB"
