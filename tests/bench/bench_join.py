"""Smart joins: 200 chained 2 s clips joined with their repeated frames dropped, against a bare
`ffmpeg -f concat -c copy` of the same clips: as a film run joins them, the film's sound made as
each clip landed (sound_ahead.py), timed from the last clip's landing; from a cold join cache (none
of the film's sound cached: every shot's sound decoded, the film's AAC encoded) and again from the
cache the first join left; the same pictures without sound, cold; and a re-film after editing the last shot of a
20-shot slated chain, against one ffmpeg encode of that shot's clip: an edit that keeps the film's gain, and one that moves it (both encode
the same pieces of sound: the gain is written into the AAC frames, aac_pieces.py).

    python tests/bench/bench_join.py                  the figures (also `make bench`)
    python tests/bench/bench_join.py make DIR         make the clips in DIR, then time one of:
    python tests/bench/bench_join.py concat|filmrun|coldjoin|silentconcat|silentjoin|join|refilm|refilmgain|encode DIR
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from storyfilm.assembly import aac_pieces, smart_graph
from storyfilm.assembly.sound_ahead import SoundAhead
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.assembly.ffmpeg_graph import concat_list
from storyfilm.mediaio import runner

FPS, SECONDS = 24, 2
CHAIN_W, CHAIN_H, CHAIN = 320, 180, 200  # the long chain: small, so making it stays quick
EDIT_W, EDIT_H, EDITS, EDIT_SECONDS = 640, 360, 20, 5  # shots of Seedance's usual 5 s
# In a chain the last shot continues from the one before, so it lands at least one render after
# it (the local server takes 1-4 s a clip, the service tens of seconds): the film run's bench lets
# this much time pass before the last clip lands
RENDER_GAP = 2.5
# what the local server's clips look like: x264 with its own settings (B-frames), not the join's
OTHER = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p", "-threads", "1"]


def _join_encoding() -> list[str]:
    return [a for k, v in smart_graph.video_options(FPS).items() for a in (f"-{k}", str(v))]


def make(work: Path) -> None:
    """The 200-clip chain, in the join's own encoding (as the join cache holds normalised clips),
    cut from one encode at keyframes; the 20 slated clips in another encoding, and an edited last one."""
    chain = work / "chain"
    chain.mkdir(parents=True, exist_ok=True)
    frames = FPS * SECONDS
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={CHAIN_W}x{CHAIN_H}:r={FPS}:d={CHAIN * SECONDS}",
                "-f", "lavfi", "-i", f"sine=f=330:r=48000:d={CHAIN * SECONDS}", *_join_encoding(),
                "-x264-params", f"keyint={frames}:min-keyint={frames}:scenecut=0:bframes=0:threads=1",
                "-c:a", "aac", "-ac", "2", "-ar", "48000", "-f", "segment",
                "-segment_frames", ",".join(str(frames * k) for k in range(1, CHAIN)), "-reset_timestamps", "1",
                str(chain / "clip%03d.mp4")], what="make the chain", timeout=900)
    # the same pictures without sound (Seedance 1.0, or `generate_audio: false`): cut again at the same keyframes
    (work / "silent").mkdir(exist_ok=True)
    listing = work / "list.txt"
    listing.write_text(concat_list([c.path for c in _chain(work)]))
    runner.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-an", "-c", "copy", "-f", "segment",
                "-segment_frames", ",".join(str(frames * k) for k in range(1, CHAIN)), "-reset_timestamps", "1",
                str(work / "silent" / "clip%03d.mp4")], what="make the silent chain", timeout=900)
    edits = work / "edits"
    edits.mkdir(exist_ok=True)
    for k in range(EDITS + 1):
        _other_clip(edits / f"shot{k:02d}.mp4", 100 * k)
    _other_clip(edits / "louder.mp4", 100 * EDITS, volume=4)


def _other_clip(path: Path, offset: int, volume: float = 1) -> None:
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={EDIT_W}x{EDIT_H}:r={FPS},trim=start_frame={offset},setpts=N/{FPS}/TB",
                "-f", "lavfi", "-i", f"sine=f=440:r=48000,volume={volume}", "-frames:v", str(FPS * EDIT_SECONDS),
                "-t", str(EDIT_SECONDS), *OTHER, "-c:a", "aac", "-ac", "2", "-y", str(path)], what="make a clip")


def _chain(work: Path, folder: str = "chain") -> list[ClipIn]:
    return [ClipIn(p, p.stem, chained=i > 0) for i, p in enumerate(sorted((work / folder).glob("clip*.mp4")))]


def _edits(work: Path, *, edited: str | None) -> list[ClipIn]:
    paths = [work / "edits" / f"shot{k:02d}.mp4" for k in range(EDITS)]
    if edited:
        paths[-1] = work / "edits" / edited
    return [ClipIn(p, f"s{k}", chained=k > 0, slate=f"#{k + 1:02d}  s{k}  PREVIEW") for k, p in enumerate(paths)]


def concat(work: Path, folder: str = "chain") -> None:
    listing = work / f"{folder}.txt"
    listing.write_text(concat_list([c.path for c in _chain(work, folder)]))
    runner.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-y", str(work / "concat.mp4")],
               what="concat")


def filmrun(work: Path) -> tuple[float, float]:
    """A film run's join of the chain: the clips handed to SoundAhead as a render lands them, the
    last one RENDER_GAP after the others; the seconds from its landing to the film written, and
    the seconds the background spent on the sound before it."""
    cache = work / "run-cache"
    shutil.rmtree(cache, ignore_errors=True)
    clips, spec = _chain(work), FilmSpec(CHAIN_W, CHAIN_H, review=False)
    with SoundAhead(spec, cache, clips) as ahead:
        for clip in clips[:-1]:
            ahead.landed(clip.shot_id, clip.path, None)
        ahead.caught_up()
        background = ahead.seconds
        time.sleep(RENDER_GAP)
        started = time.perf_counter()
        ahead.landed(clips[-1].shot_id, clips[-1].path, None)
        ahead.finish()
        report = assemble(clips, spec, work / "chain.mp4", cache_dir=cache)
        took = time.perf_counter() - started
    assert report.join == "smart" and report.frames_encoded == 0, report.summary()
    assert (report.sound_shots_decoded, report.sound_pieces_encoded, report.sound_measured) == (0, 0, False)
    return took, background


def coldjoin(work: Path, folder: str = "chain") -> None:
    """The first join of the chain: nothing of its sound cached (the clips are in the join's encoding)."""
    shutil.rmtree(work / "cold-cache", ignore_errors=True)
    _join(work, work / "cold-cache", folder)


def silentconcat(work: Path) -> None:
    concat(work, "silent")


def silentjoin(work: Path) -> None:
    """The first join of the chain's pictures without sound, from a cold join cache."""
    coldjoin(work, "silent")


def join(work: Path) -> None:
    _join(work, work / "cache")


def _join(work: Path, cache: Path, folder: str = "chain") -> None:
    report = assemble(_chain(work, folder), FilmSpec(CHAIN_W, CHAIN_H, review=False), work / "chain.mp4",
                      cache_dir=cache)
    assert report.join == "smart" and report.frames_encoded == 0, report.summary()


def refilm(work: Path, edited: str = f"shot{EDITS:02d}.mp4", out: str = "after.mp4") -> None:
    """The film with its last shot edited, from the cache the unedited film left (copied afresh,
    so that every run encodes the edited shot anew). It encodes the sound of the last piece (and
    of the one before if its post-roll reaches into the edited shot), whether or not the edit
    moves the film's gain (written into the AAC frames: aac_pieces.py)."""
    warm, cache = work / "edit-cache-warm", work / "edit-cache"
    if not warm.exists():
        assemble(_edits(work, edited=None), FilmSpec(EDIT_W, EDIT_H, review=False), work / "before.mp4",
                 cache_dir=warm)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(warm, cache)
    report = assemble(_edits(work, edited=edited), FilmSpec(EDIT_W, EDIT_H, review=False), work / out,
                      cache_dir=cache)
    assert report.clips_normalised == 1, report.summary()
    channels = len(aac_pieces.CHANNELS)  # a piece is one cached file a channel
    pieces = len(list((warm / "aac").glob("*/*.aac"))) // channels
    encoded = len(list((cache / "aac").glob("*/*.aac"))) // channels - pieces
    assert 1 <= encoded <= 2, (encoded, pieces)


def refilmgain(work: Path) -> None:
    """As `refilm`, the last shot replaced by a louder one: the film's gain moves (`gain_moved`)."""
    refilm(work, "louder.mp4", out="louder.mp4")


def gain_moved(work: Path, edited: str) -> bool:
    """Do the films before and after an edit (the film `edited`) differ in the sound of their first
    shot, which the edit left as it was? Only if the gain moved: it is written into every frame."""
    def first_second(film: Path) -> bytes:
        return runner.run(["-i", str(film), "-map", "0:a:0", "-c:a", "copy", "-frames:a", "40", "-f", "adts", "-"],
                          what="read a film's sound").stdout
    return first_second(work / "before.mp4") != first_second(work / edited)


def encode(work: Path) -> None:
    """One ffmpeg encode of the edited shot's clip, as the local server makes it."""
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={EDIT_W}x{EDIT_H}:r={FPS}", "-f", "lavfi", "-i", "sine=f=440:r=48000",
                "-frames:v", str(FPS * EDIT_SECONDS), "-t", str(EDIT_SECONDS), *OTHER, "-c:a", "aac", "-ac", "2", "-y",
                str(work / "one.mp4")], what="encode one clip")


def _timed(fn, work: Path, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn(work)
        best = min(best, time.perf_counter() - started)
    return best


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-join-") as tmp:
        work = Path(tmp)
        make(work)
        raw, cold = _timed(concat, work), _timed(coldjoin, work)
        run, background = min(filmrun(work) for _ in range(3))
        silent_raw, silent = _timed(silentconcat, work), _timed(silentjoin, work)
        join(work)  # warm: the cache the first join leaves
        smart = _timed(join, work)
        refilm(work)  # warm: the unedited film's cache
        again, moved, one = _timed(refilm, work), _timed(refilmgain, work), _timed(encode, work)
        assert gain_moved(work, "louder.mp4") and not gain_moved(work, "after.mp4")
    return [
        (f"concat -c copy, {CHAIN} x {SECONDS} s {CHAIN_H}p (min of 3)", f"{raw:.2f} s", ""),
        ("a film run's join: the sound made as the clips landed; from the last one's landing (min of 3)",
         f"{run:.2f} s", ""),
        ("a film run's join / concat", f"{run / raw:.2f}x", "<= 2"),
        ("  the sound made in the background as the first 199 clips landed", f"{background:.1f} s", ""),
        ("first smart join, cold cache: every shot's sound decoded, the AAC encoded (min of 3)", f"{cold:.2f} s", ""),
        ("first smart join / concat", f"{cold / raw:.2f}x", "<= 2"),
        (f"concat -c copy, the same {CHAIN} clips without sound (min of 3)", f"{silent_raw:.2f} s", ""),
        ("first smart join of the clips without sound, cold cache (min of 3)", f"{silent:.2f} s", ""),
        ("first smart join / concat, without sound", f"{silent / silent_raw:.2f}x", "<= 2"),
        ("smart join again, from its cache (min of 3)", f"{smart:.2f} s", ""),
        ("smart join again / concat", f"{smart / raw:.2f}x", "<= 2"),
        (f"re-film, last of {EDITS} slated {EDIT_SECONDS} s {EDIT_H}p shots edited, gain kept (min of 3)",
         f"{again:.2f} s", ""),
        ("re-film, the edit moves the film's gain: written into the AAC frames (min of 3)", f"{moved:.2f} s", ""),
        ("one ffmpeg encode of that clip", f"{one:.2f} s", ""),
        ("re-film / one encode", f"{again / one:.2f}x", "<= 3"),
        ("re-film moving the gain / one encode", f"{moved / one:.2f}x", "<= 3"),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 3:
        commands = {"make": make, "concat": concat, "filmrun": filmrun, "coldjoin": coldjoin, "silentconcat": silentconcat,
                    "silentjoin": silentjoin, "join": join, "refilm": refilm,
                    "refilmgain": refilmgain, "encode": encode}
        commands[sys.argv[1]](Path(sys.argv[2]))
    else:
        for row in run():
            print(*row, sep="  |  ")
