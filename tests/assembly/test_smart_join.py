"""The smart join is frame-exact: the same frames as a whole re-encode of the same edit, copied
bit for bit where it copies, within encoder tolerance where it encodes; its pieces are cached, so
an edit of one shot encodes only what changed; and it reports its progress."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest

from helpers import flip_byte
from storyfilm.assembly import smart_graph
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Transition, Trim, assemble
from storyfilm.mediaio import runner

W, H, FPS = 160, 96, 24
FRAME = W * H * 3 // 2  # bytes of a yuv420p frame


def _clip(path: Path, first: int, frames: int, *, join_encoding: bool = True) -> Path:
    """Frames [first, first + frames) of one moving test picture, with a tone; in the join's own
    encoding (copied as it is), or in another (x264 with B-frames: normalised)."""
    opts = smart_graph.video_options(FPS) if join_encoding else {"c:v": "libx264", "preset": "ultrafast", "crf": 20,
                                                                    "pix_fmt": "yuv420p", "threads": 1, "bf": 2}
    video = [a for k, v in opts.items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS},trim=start_frame={first},setpts=PTS-STARTPTS",
                "-f", "lavfi", "-i", "sine=f=440:r=48000", "-frames:v", str(frames), "-t", f"{frames / FPS}",
                *video, "-c:a", "aac", "-ac", "2", "-y", str(path)], what="make a test clip")
    return path


def frames_of(video: Path) -> list[bytes]:
    raw = runner.run(["-i", str(video), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                     what="decode").stdout
    return [raw[i:i + FRAME] for i in range(0, len(raw), FRAME)]


def psnr(a: bytes, b: bytes) -> float:
    mse = sum((x - y) ** 2 for x, y in zip(a, b)) / len(a)
    return 100.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> list[ClipIn]:
    """a → b chained (b's first frame is a's last picture), a crossfade into c, c trimmed at its
    end; d in another encoding, trimmed at its head, entered by a cut."""
    work = tmp_path_factory.mktemp("smart")
    a = _clip(work / "a.mp4", 0, 48)
    b = _clip(work / "b.mp4", 47, 48)
    c = _clip(work / "c.mp4", 200, 48)
    d = _clip(work / "d.mp4", 300, 48, join_encoding=False)
    return [ClipIn(a, "a"), ClipIn(b, "b", chained=True), ClipIn(c, "c", transition=Transition("crossfade", 0.25),
                                                                  trim=Trim(0, 1.5)),
            ClipIn(d, "d", trim=Trim(0.5))]


def test_smart_join_matches_a_whole_re_encode_frame_for_frame(chain, tmp_path: Path) -> None:
    smart, whole = tmp_path / "smart.mp4", tmp_path / "whole.mp4"
    report = assemble(chain, FilmSpec(W, H, review=False), smart, cache_dir=tmp_path / "cache")
    reference = assemble(chain, FilmSpec(W, H, review=False, smart_join=False), whole)
    assert (report.join, reference.join) == ("smart", "encode")
    # 48 + 47 (b's repeated frame dropped) + 36 (c to 1.5 s) - 6 (crossfade) + 36 (d from 0.5 s)
    assert report.frames == reference.frames == 161
    ours, theirs = frames_of(smart), frames_of(whole)
    assert len(ours) == len(theirs) == 161
    # the source picture of every film frame outside the crossfade, decoded from the clips
    a, b, c = (frames_of(clip.path) for clip in chain[:3])
    normalised = list((tmp_path / "cache" / "normalised").glob("*/*.mp4"))
    assert len(normalised) == 1  # d, in another encoding, normalised once; a, b, c copied as they are
    d = frames_of(normalised[0])
    source = [*a, *b[1:42], *[None] * 6, *c[6:36], *d[12:]]  # b's last 6 frames are in the crossfade
    assert len(source) == 161
    copied = [i for i, (mine, src) in enumerate(zip(ours, source)) if src is not None and mine == src]
    # a and b are copied whole but for the repeated frame, which now comes from b's first frame;
    # c after the crossfade up to its second keyframe (24) is encoded, then copied; d is normalised
    # (another encoding) and copied from its first keyframe after 0.5 s (frame 24)
    assert len(copied) == report.frames_copied - 1 and report.frames_copied == 125
    for i in copied:
        assert ours[i] == source[i]  # bit for bit where copied
    # where encoded, each frame is the whole re-encode's frame at the same place, within encoder
    # tolerance: two crf 18 encodes of this busy picture differ by 34-39 dB, a frame off by one by 14-26
    for i in sorted(set(range(161)) - set(copied)):
        same = psnr(ours[i], theirs[i])
        assert same > 32, (i, same)
        neighbours = [psnr(ours[i], theirs[j]) for j in (i - 1, i + 1) if 0 <= j < 161]
        assert all(same > n + 5 for n in neighbours), (i, same, neighbours)
    info = runner.run(["-i", str(smart), "-map", "0:a:0", "-f", "null", "-"], what="decode the sound").stderr
    assert b"time=00:00:06.70" in info  # 161 frames of sound


def test_a_second_join_reuses_every_piece_and_an_edit_encodes_only_its_shot(chain, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = assemble(chain, FilmSpec(W, H, review=False), tmp_path / "one.mp4", cache_dir=cache)
    again = assemble(chain, FilmSpec(W, H, review=False), tmp_path / "two.mp4", cache_dir=cache)
    assert (first.frames_encoded, first.clips_normalised) == (36, 1)  # 6 crossfade + 18 of c + 12 of d
    assert (again.frames_encoded, again.clips_normalised) == (0, 0)
    assert again.frames_reused == first.frames_encoded + first.frames_reused
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "one.mp4", tmp_path / "two.mp4")]
    assert digest[0] == digest[1]  # same bytes from the cache as from the encoder
    # a damaged cache entry is made again, never copied into the film
    piece = sorted((cache / "pieces").glob("*/*.h264"))[0]
    flip_byte(piece, piece.stat().st_size // 2)
    mended = assemble(chain, FilmSpec(W, H, review=False), tmp_path / "mended.mp4", cache_dir=cache)
    assert mended.frames_encoded > 0 and hashlib.sha256((tmp_path / "mended.mp4").read_bytes()).hexdigest() == digest[0]
    # edit the last shot: a new clip d; only d's pieces (its normalisation, its head) are encoded
    edited = [*chain[:3], ClipIn(_clip(tmp_path / "d2.mp4", 400, 48, join_encoding=False), "d", trim=Trim(0.5))]
    third = assemble(edited, FilmSpec(W, H, review=False), tmp_path / "three.mp4", cache_dir=cache)
    assert (third.frames_encoded, third.clips_normalised) == (12, 1)  # d2 normalised, its 12 frames to a keyframe
    assert third.frames_reused == first.frames_encoded + first.frames_reused - 12


def test_join_progress_rises_to_one(chain, tmp_path: Path) -> None:
    heard: list[float] = []
    assemble(chain, FilmSpec(W, H, review=False), tmp_path / "film.mp4", join_progress=heard.append)
    assert heard and heard[-1] == 1.0
    assert heard == sorted(heard)  # the frames done only grow
    assert all(0 <= x <= 1 for x in heard)
    whole: list[float] = []
    assemble(chain, FilmSpec(W, H, review=False, smart_join=False), tmp_path / "whole.mp4", join_progress=whole.append)
    assert whole and 0 < whole[-1] <= 1.0


def test_what_a_killed_join_left_half_written_goes_when_the_entry_is_made(chain, tmp_path: Path) -> None:
    """A join killed by SIGKILL leaves `.NAME.PID.partial` files; the next join that makes the same
    entry removes them (a live process's stays: it may still be writing)."""
    import subprocess

    cache = tmp_path / "cache"
    assemble(chain, FilmSpec(W, H, review=False), tmp_path / "one.mp4", cache_dir=cache)
    entries = sorted(p for p in cache.rglob("*") if p.is_file() and not p.name.startswith(".")
                     and not p.name.endswith(".sha256"))
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = [e.with_name(f".{e.name}.{dead.pid}.partial") for e in entries]
    live = entries[0].with_name(f".{entries[0].name}.1.partial")  # pid 1 never ends
    for partial in [*left, live]:
        partial.write_bytes(b"\0" * 4096)
    for entry in entries:  # every entry must be made again: damaged, as after a crash
        entry.write_bytes(b"damaged")
    again = assemble(chain, FilmSpec(W, H, review=False), tmp_path / "two.mp4", cache_dir=cache)
    assert again.frames_encoded > 0
    assert [p for p in left if p.exists()] == [] and live.exists()
    assert hashlib.sha256((tmp_path / "one.mp4").read_bytes()).digest() == \
        hashlib.sha256((tmp_path / "two.mp4").read_bytes()).digest()


def test_a_file_rewritten_within_one_clock_tick_is_hashed_afresh(tmp_path: Path) -> None:
    """The join cache remembers a file's sha256 by its size and mtime; a file rewritten within one
    tick of the file system's clock keeps both, so a recently changed file is never taken from memory
    (a damaged piece would pass as whole)."""
    import os

    from storyfilm.assembly.join_cache import content_sha

    piece = tmp_path / "piece.f32"
    piece.write_bytes(b"\1" * 4096)
    stat = piece.stat()
    before = content_sha(piece)
    flip_byte(piece)
    os.utime(piece, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same tick: the same mtime
    assert piece.stat().st_size == stat.st_size
    assert content_sha(piece) == hashlib.sha256(piece.read_bytes()).hexdigest() != before
