"""One ffmpeg input that reads several files end to end (the film's sound from its shots' pieces,
in place): the bytes ffmpeg reads are the files' bytes in order, from any offset, and a run over
it keeps a deadline scaled to the files it reads."""

from __future__ import annotations

import random
from pathlib import Path

from storyfilm.mediaio import runner


def _pieces(folder: Path) -> list[Path]:
    rng = random.Random(7)
    paths = []
    for n, size in enumerate((8 * 1000, 0, 8 * 4321, 8 * 77)):  # whole stereo float samples; one empty piece
        path = folder / f"piece {n}.f32"  # a space in the name, as a store's folder may hold
        path.write_bytes(rng.randbytes(size))
        paths.append(path)
    return paths


def test_ffmpeg_reads_the_pieces_end_to_end_from_any_offset(tmp_path: Path) -> None:
    pieces = _pieces(tmp_path)
    whole = b"".join(p.read_bytes() for p in pieces)
    url = runner.concatenation(pieces, tmp_path / "list.txt")
    assert url is not None
    for skip in (0, 8 * 999, 8 * 1000, 8 * 5000):
        out = tmp_path / f"out{skip}.f32"
        runner.run(["-f", "f32le", "-ar", "48000", "-ac", "2", "-skip_initial_bytes", str(skip), "-i", url,
                    "-c:a", "pcm_f32le", "-f", "f32le", str(out)], what="read the pieces")
        assert out.read_bytes() == whole[skip:]


def test_a_run_over_the_pieces_has_a_deadline_scaled_to_their_size(tmp_path: Path) -> None:
    pieces = _pieces(tmp_path)
    url = runner.concatenation(pieces, tmp_path / "list.txt")
    assert url is not None
    size = sum(p.stat().st_size for p in pieces)
    expected = runner.BASE_TIMEOUT + runner.PER_INPUT_MB * size / 1e6
    assert runner.deadline(["-i", url, "-f", "null", "-"], None) == expected > runner.BASE_TIMEOUT


def test_no_input_is_offered_for_a_path_that_would_break_the_list(tmp_path: Path) -> None:
    odd = tmp_path / "line\nbreak.f32"
    odd.write_bytes(b"\0" * 8)
    assert runner.concatenation([odd], tmp_path / "list.txt") is None
