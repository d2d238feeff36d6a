"""A cut-only film's AAC is two mono encodes spliced into stereo frames, its gain written into each
channel's global_gain (mediaio/aac_gain.py, aac_pieces.splice): the spliced stream decodes as the
two mono streams do, sample for sample; d steps of gain decode as 2^(d/4) times the sound; digital
silence stays silent; and a frame that is not what the splice expects, or a gain that would take
a scalefactor out of range, is refused (NotCopyable: the film is then encoded whole)."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import pytest

from storyfilm.assembly import aac_pieces
from storyfilm.errors import NotCopyable
from storyfilm.mediaio import aac_gain, adts, runner

SECONDS = 2
# left: tones, noise (no PNS: it is coded as it is) and a click; right: another tone, then silence
LEFT = "0.2*sin(2*PI*330*t)+0.05*sin(2*PI*4321*t)+0.05*(random(0)-0.5)+0.7*between(n\\,40000\\,40003)"
RIGHT = "0.3*sin(2*PI*550*t)*lt(t\\,1.2)"
QUIET_LOW_LOUD_HIGH = "0.0003*sin(2*PI*60*t)+0.8*sin(2*PI*9000*t)"  # a first band far below a later one


def _mono_encodes(work: Path, left: str, right: str) -> tuple[Path, Path]:
    """Both channels encoded as aac_pieces encodes a piece's (one run, same settings and frame grid)."""
    paths = (work / "left.aac", work / "right.aac")
    argv = ["-f", "lavfi", "-i", f"aevalsrc=exprs={left}|{right}:s=48000:d={SECONDS}"]
    for path, channel in zip(paths, aac_pieces.CHANNELS.values()):
        argv += ["-map", "0:a:0", "-filter:a", f"pan=mono|c0={channel}", *aac_pieces.ENCODER, "-f", "adts", "-y",
                 str(path)]
    runner.run(argv, what="encode two mono streams")
    return paths


def _decoded(path: Path) -> array:
    return array("f", runner.run(["-i", str(path), "-f", "f32le", "-"], what="decode").stdout)


def _spliced(left: Path, right: Path, steps: int, out: Path) -> list[aac_gain.Stereo]:
    frames = [aac_gain.stereo(a, b, steps) for a, b in zip(adts.frames(left.read_bytes()),
                                                         adts.frames(right.read_bytes()), strict=True)]
    assert all(frames)
    out.write_bytes(b"".join(frame.data for frame in frames))
    return frames


@pytest.fixture(scope="module")
def mono(tmp_path_factory) -> tuple[Path, Path]:
    return _mono_encodes(tmp_path_factory.mktemp("mono"), LEFT, RIGHT)


def test_two_mono_encodes_spliced_decode_as_left_and_right_sample_for_sample(mono, tmp_path: Path) -> None:
    _spliced(*mono, 0, tmp_path / "stereo.aac")
    stereo, left, right = _decoded(tmp_path / "stereo.aac"), _decoded(mono[0]), _decoded(mono[1])
    assert len(stereo) == 2 * len(left) == 2 * len(right) > 2 * SECONDS * 48_000
    assert stereo[0::2] == left and stereo[1::2] == right
    assert max(map(abs, right[-20_000:])) == 0 < max(map(abs, left[-20_000:]))  # the silence came through


@pytest.mark.parametrize("steps", [-3, 2])
def test_d_steps_of_gain_decode_as_2_to_the_d_over_4_times_the_sound(mono, steps: int, tmp_path: Path) -> None:
    _spliced(*mono, 0, tmp_path / "plain.aac")
    frames = _spliced(*mono, steps, tmp_path / "gained.aac")
    assert all(frame.sure for frame in frames)
    plain, gained = _decoded(tmp_path / "plain.aac"), _decoded(tmp_path / "gained.aac")
    factor, peak = 2 ** (steps / 4), max(map(abs, plain))
    assert len(plain) == len(gained) and peak > 0.3
    assert max(abs(g - factor * p) for g, p in zip(gained, plain)) < 1e-6 * peak  # float rounding only
    assert abs(aac_gain.STEP_DB * steps - 20 * math.log10(factor)) < 1e-9


def _global_gains(path: Path) -> list[int]:
    return [bits >> (length - 8) for bits, length in map(aac_gain.ics, adts.frames(path.read_bytes()))]


@pytest.mark.parametrize("steps", [-3, 2])
def test_digital_silence_stays_silent_whatever_the_gain(steps: int, tmp_path: Path) -> None:
    mono = _mono_encodes(tmp_path, "0", "0")
    assert set(_global_gains(mono[0])) == {140}  # what ffmpeg's encoder writes when every band is zero
    frames = _spliced(*mono, steps, tmp_path / "silence.aac")
    assert all(frame.sure for frame in frames)
    decoded = _decoded(tmp_path / "silence.aac")
    assert len(decoded) > 2 * SECONDS * 48_000 and not any(decoded)


def _piece(mono: tuple[Path, Path]) -> aac_pieces.Piece:
    """The whole encode as one piece: every frame kept."""
    samples = SECONDS * 48_000
    return aac_pieces.Piece(0, samples, 0, samples, mono)


def test_a_gain_that_takes_a_scalefactor_out_of_range_is_refused(tmp_path: Path) -> None:
    mono = _mono_encodes(tmp_path, QUIET_LOW_LOUD_HIGH, QUIET_LOW_LOUD_HIGH)
    left, right = adts.frames(mono[0].read_bytes()), adts.frames(mono[1].read_bytes())
    gains = _global_gains(mono[0])
    assert aac_gain.stereo(left[5], right[5], 256 - gains[5]) is None  # a global_gain past 255: no frame
    assert aac_gain.stereo(left[5], right[5], -1 - gains[5]) is None  # below 0
    # global_gain still <= 255 but past SAFE, a later band's scalefactor past 255 (measured: 256 from
    # +96 steps): the frames are decoded, the decoder refuses one, and the splice gives up
    assert max(gains) + 100 <= 255
    with pytest.raises(NotCopyable, match="out of range"):
        aac_pieces.splice([_piece(mono)], tmp_path / "film.aac", 100 * aac_gain.STEP_DB)
    # past SAFE but every scalefactor still valid: the decode check passes and the film is written
    steps = 200 - max(gains)
    assert not aac_gain.stereo(left[gains.index(max(gains))], right[gains.index(max(gains))], steps).sure
    frames = aac_pieces.splice([_piece(mono)], tmp_path / "film.aac", steps * aac_gain.STEP_DB)
    assert frames == len(adts.frames(mono[0].read_bytes())) and not list(tmp_path.glob("*.check.aac"))
    assert len(_decoded(tmp_path / "film.aac")) == 2 * frames * 1024


def test_a_frame_the_splice_does_not_expect_is_refused(mono, tmp_path: Path) -> None:
    # without +bitexact ffmpeg's first frame carries a FIL element naming the encoder; a stereo
    # encode's frames are CPEs whose second channel cannot be found without a full parse
    for extra in (["-c:a", "aac", "-ac", "1"], ["-c:a", "aac", "-ac", "2", "-flags:a", "+bitexact"]):
        other = tmp_path / "other.aac"
        runner.run(["-f", "lavfi", "-i", "sine=f=440:d=1", *extra, "-f", "adts", "-y", str(other)], what="encode")
        first = adts.frames(other.read_bytes())[0]
        assert aac_gain.ics(first) is None and aac_gain.stereo(first, first, 0) is None
        with pytest.raises(NotCopyable):
            aac_pieces.splice([aac_pieces.Piece(0, 1024, 0, 1024, (other, mono[1]))], tmp_path / "film.aac", None)
