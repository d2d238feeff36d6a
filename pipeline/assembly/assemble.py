"""Film assembly: probe the clips, lay them on the timeline, make the film, then write the review
sheets beside it. The film is made the cheapest way that is exact: a stream copy of whole clips
when nothing changes them (copy_join.py: the picture copied, the shots' sound encoded once);
else a smart join (smart.py: copy what can be copied, encode only the pieces that change, cache
them); a whole encode only for burned captions or when asked.

    assemble(clips, spec, out, cache_dir=None, join_progress=None) -> FilmReport

The types live in spec.py, the frame arithmetic in timeline.py, the ffmpeg commands in
ffmpeg_graph.py (sound: sound.py; text tracks: captions.py, chapters.py), the sheets and seam
scores in review.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from storyfilm.assembly import chapters as chapter_file
from storyfilm.assembly import captions
from storyfilm.mediaio import probe, runner, scratch
from storyfilm.assembly import copy_join, review, side_files, smart
from storyfilm.assembly import timeline
from storyfilm.errors import FfmpegError, FilmNotWritten, NotCopyable, UsageError
from storyfilm.assembly.spec import (AssemblyError, ClipIn, FilmReport, FilmSpec, Seam, Soundtrack,  # noqa: F401
                                     Transition, Trim)
from storyfilm.assembly.ffmpeg_graph import Extras, Source, encode_args
from storyfilm.assembly.timeline import Segment

SILENCE_DB = -90.0

__all__ = ["assemble", "ClipIn", "FilmSpec", "FilmReport", "Seam", "Soundtrack", "Transition", "Trim",
           "AssemblyError"]


def assemble(clips: list[ClipIn], spec: FilmSpec, out: Path, *, cache_dir: Path | None = None,
             join_progress: Callable[[float], None] | None = None,
             before_review: Callable[[], None] | None = None) -> FilmReport:
    """Write the film to `out` (replaced atomically) with its SRT and review PNGs beside it.
    `cache_dir` keeps the smart join's normalised clips and encoded pieces for the next join (a
    temporary folder when None); `join_progress` hears the fraction of the join done, 0 to 1;
    `before_review` is called between the join and the review (frames still being taken into the
    review's cache in the background, review_ahead, are waited for there, not before the join)."""
    _check_files(clips, spec)
    if join_progress is not None:
        join_progress(0.0)
    segments, sources, fast = _lay_out(clips, spec)
    chapters, cues = timeline.chapters(segments, spec.fps), timeline.cues(segments, spec.fps)
    frames = timeline.film_frames(segments)
    report = FilmReport(path=out, duration=frames / spec.fps, frames=frames, fast_path=fast,
                        srt=side_files.captions(out) if cues else None, chapters=chapters)
    _make_film(segments, sources, spec, out, report, chapters=chapters, cues=cues, cache_dir=cache_dir,
               progress=join_progress)
    if join_progress is not None:
        join_progress(1.0)
    if before_review is not None:
        before_review()
    _review(report, segments, sources, spec, cache_dir)
    return report


def _check_files(clips: list[ClipIn], spec: FilmSpec) -> None:
    if not clips:
        raise AssemblyError("no clips to assemble")
    for clip in clips:
        if not Path(clip.path).is_file():
            raise AssemblyError(f"shot {clip.shot_id!r}: clip {clip.path} does not exist")
    if spec.soundtrack and not Path(spec.soundtrack.path).is_file():
        raise AssemblyError(f"soundtrack {spec.soundtrack.path} does not exist")


def _lay_out(clips: list[ClipIn], spec: FilmSpec) -> tuple[list[Segment], list[Source], bool]:
    """The film's segments, its sources, and whether a stream copy can join them."""
    lengths, sources, copyable = measure(clips, spec)
    return timeline.segments(clips, lengths, spec), sources, copyable


def measure(clips: list[ClipIn], spec: FilmSpec) -> tuple[list[int], list[Source], bool]:
    """Each clip's length in film frames and its source, and whether a stream copy can join them."""
    lengths = copy_join.copyable_lengths(clips, spec)
    if lengths is not None:  # read from the MP4 boxes: no ffmpeg run before the join itself
        return lengths, [Source(Path(c.path), float(spec.fps), True) for c in clips], True
    infos = probe.probe_many([Path(c.path) for c in clips])
    for clip, info in zip(clips, infos):
        if not info.width or not info.frames:
            raise AssemblyError(f"shot {clip.shot_id!r}: {clip.path} has no video frames")
    lengths = [timeline.source_frames(i.frames, i.duration, i.fps, spec.fps) for i in infos]
    return lengths, [Source(Path(c.path), i.fps, i.has_audio) for c, i in zip(clips, infos)], False


def _make_film(segments: list[Segment], sources: list[Source], spec: FilmSpec, out: Path, report: FilmReport, *,
               chapters: list[tuple[str, float, float]], cues: list[tuple[float, float, str]],
               cache_dir: Path | None, progress: Callable[[float], None] | None) -> None:
    """Write the film to `out` and its captions beside it; say in `report` how it was joined."""
    film = _film_file(out)
    partial = _writable_partial(out, film)
    srt_partial = scratch.partial_beside(side_files.captions(out))
    try:
        with scratch.work_folder("assemble") as work:
            extras = _side_files(work, chapters, cues)
            _join(segments, sources, spec, partial, extras, work, report, len(cues), cache_dir, progress)
            _put_in_place(partial, film, extras, srt_partial, out)
    except FfmpegError as exc:
        if "No space left on device" not in str(exc):
            raise
        raise FilmNotWritten(f"cannot write the film {out}: no space left on its disk (or the temporary "
                             f"folder's); free some space and run the same command again\n{exc}") from exc
    except OSError as exc:  # a full disk, a read-only folder, a file size limit (ulimit -f)
        if exc.errno == errno.ENOENT:  # removed under the join (by hand: `gc` waits for a film to end)
            raise FilmNotWritten(f"the film {out} was not made: {_what(exc)}: a file of the join was removed "
                                 "while it ran; run the same command again") from exc
        raise FilmNotWritten(f"cannot write the film {out}: {_what(exc)}; free some space or make it "
                             "writable and run the same command again") from exc
    finally:
        for left in (partial, srt_partial):
            with contextlib.suppress(OSError):  # a read-only folder refuses this too: the error above says why
                left.unlink(missing_ok=True)


def _film_file(out: Path) -> Path:
    """Where the film's bytes go: through a symlink, to the file it names (renaming over the link
    would leave that file, in a shared folder say, holding the last cut while the link held the new)."""
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _put_in_place(partial: Path, film: Path, extras: Extras, srt_partial: Path, out: Path) -> None:
    """The film and its captions into place, each whole: the captions are written beside theirs
    first, so a write that fails (a full disk) leaves the last film and its captions. Then the
    last film's side files go, and the film replaces it: a kill at any moment leaves the last film
    with its side files, or the new one with none (not yet) or with its own, never a film beside
    another film's captions, sheets, page or timeline."""
    if extras.srt:
        srt_partial.write_bytes(extras.srt.read_bytes())
    side_files.remove(side_files.all_of(out))
    scratch.move_into_place(partial, film)
    if extras.srt:
        scratch.move_into_place(srt_partial, side_files.captions(out))


def side_files_present(out: Path, clips: list[ClipIn], report: dict) -> bool:
    """Are the captions and review sheets of a film made of `clips` (`report`: its lock-file
    record) beside it? An unchanged film missing one (removed, or not written) is made again."""
    contact, strip = side_files.sheets(out)
    wanted = [contact, *([strip] if any(s.get("chained") for s in report.get("seams", [])) else []),
              *([side_files.captions(out)] if any(captions.lines(c.caption) for c in clips) else [])]
    return all(path.is_file() for path in wanted)


def check_output(out: Path, store: Path | None = None) -> None:
    """Can `out` name a film? Asked before anything is rendered, so a wrong `-o` (a folder, a path
    through a file or into the render `store`, a read-only folder with no film in it yet) stops the
    run before it spends, not after. (A read-only folder that holds the film is met when the film is
    written: an unchanged film needs no writing.)"""
    if store is not None and Path(os.path.realpath(out)).is_relative_to(os.path.realpath(store)):  # a link too
        raise UsageError(f"the film's path {out} is inside the render store {store}, which holds only what "
                         "storyfilm keeps there (gc and verify tidy it); choose a path outside it (-o, or `output:`)")
    if out.is_dir():
        raise AssemblyError(f"the film's path {out} is a folder: name a file (-o film.mp4)")
    if out.suffix.lower() != ".mp4":  # ffmpeg chooses the film's format by its name
        raise AssemblyError(f"the film's path {out} does not end in .mp4: the film is an MP4 (-o film.mp4)")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise AssemblyError(f"cannot make the folder for the film {out}: {folder} is a file")
    if not out.exists():
        _check_holds_files(folder, out)


def _check_holds_files(folder: Path, out: Path) -> None:
    exc = scratch.cannot_hold_files(folder)
    if exc is None:
        return
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        raise FilmNotWritten(f"cannot write the film {out}: {folder} is read-only; make it writable (or "
                             "choose another path with -o)")
    raise AssemblyError(f"the film's path {out} is in {folder}, which cannot hold files "
                        f"({exc.strerror or exc}): choose another path with -o")


def _writable_partial(out: Path, film: Path) -> Path:
    """Where the film is written before it replaces `film` (`out`, or the file a link at `out`
    names), made now: a folder that cannot hold the film stops the join before it starts, not after."""
    check_output(out)
    # this join's own: two joins into one path at once (two terminals, a watch and a film) would
    # otherwise write one file together, and one of them rename the other's half-written film into
    # place; named .mp4 whatever the link's file is called (ffmpeg chooses the format by the name)
    partial = scratch.partial_beside(film.with_suffix(out.suffix), keep_suffix=True)
    try:
        for folder in {out.parent, film.parent}:
            folder.mkdir(parents=True, exist_ok=True)
            scratch.sweep_dead_partials(folder)
        partial.touch()
    except OSError as exc:
        raise FilmNotWritten(f"cannot write the film {out}: {_what(exc)}; make its folder writable "
                             "(or choose another path with -o)") from exc
    return partial


def _what(exc: OSError) -> str:
    """What failed, and where: a failed write names no file (the film's folder, the join cache or
    the temporary folder, where the join writes its work)."""
    where = exc.filename or f"the film's folder, the join cache or the temporary folder {tempfile.gettempdir()}"
    return f"{exc.strerror or exc} ({where})"


def _join(segments: list[Segment], sources: list[Source], spec: FilmSpec, partial: Path, extras: Extras,
          work: Path, report: FilmReport, cues: int, cache_dir: Path | None,
          progress: Callable[[float], None] | None) -> None:
    frames = report.frames
    if report.fast_path:  # the picture copied; the clips' own sound as it is (not normalised)
        sound = copy_join.sound(segments, sources, spec, work, cache_dir)
        runner.run_first(copy_join.commands(segments, sources, spec, extras, partial, work, cues, sound),
                         what="assemble the film")
        report.join, report.frames_copied = "copy", frames
        return
    if spec.smart_join and not spec.burn_captions:  # burned captions change every frame they cover
        try:
            joined = smart.join(segments, sources, spec, partial, extras, work, cache_dir=cache_dir,
                                progress=progress)
            report.join, report.frames_copied = "smart", joined.copied
            report.frames_encoded, report.frames_reused = joined.encoded, joined.reused
            report.clips_normalised, report.loudness_normalised = joined.normalised, joined.gain_db is not None
            report.sound_shots_decoded, report.sound_pieces_encoded = joined.sound_decoded, joined.sound_encoded
            report.sound_measured = joined.sound_measured
            return
        except NotCopyable as exc:
            report.warnings.append(f"smart join not possible ({exc}): the whole film was encoded")
    audible = _audible(sources, spec)
    report.loudness_normalised = audible and spec.loudness is not None
    heard = (lambda n: progress(min(1.0, n / frames))) if progress else None
    runner.run(encode_args(segments, sources, spec, partial, extras, audible=audible), what="assemble the film",
               progress=heard)
    report.join, report.frames_encoded = "encode", frames


def _side_files(work: Path, chapters: list[tuple[str, float, float]], cues: list[tuple[float, float, str]]) -> Extras:
    """The chapters (FFMETADATA) and, when any shot has a caption, the SRT the muxer reads."""
    extras = Extras(chapters=work / "chapters.txt", srt=work / "captions.srt" if cues else None)
    extras.chapters.write_text(chapter_file.ffmetadata(chapters), encoding="utf-8")
    if extras.srt:
        extras.srt.write_text(captions.srt(cues), encoding="utf-8")
    return extras


def _review(report: FilmReport, segments: list[Segment], sources: list[Source], spec: FilmSpec,
            cache_dir: Path | None) -> None:
    """Score the joins and write the sheets into the report; a join is only listed when review is off."""
    if not spec.review:
        report.seams = [Seam(a.clip.shot_id, b.clip.shot_id, b.clip.chained, None)
                        for a, b in zip(segments, segments[1:])]
        return
    try:
        result = review.review(segments, sources, spec, report.path,
                               cache=cache_dir / "review" if cache_dir else None)
    except FfmpegError as exc:  # the film is made; missing review sheets must not undo it
        report.warnings.append(f"review sheets not written: {exc}")
        side_files.remove(list(side_files.sheets(report.path)))  # an earlier cut's would show another film
        return
    report.seams, report.contact_sheet, report.seam_strip = result.seams, result.contact_sheet, result.seam_strip
    report.warnings += result.warnings


def _audible(sources: list[Source], spec: FilmSpec) -> bool:
    """Does any clip, or the music, make a sound (peak above the 16-bit noise floor)?"""
    if spec.loudness is None:
        return True  # nothing to protect from a silent mix
    sounding = [s.path for s in sources if s.has_audio] + ([spec.soundtrack.path] if spec.soundtrack else [])
    return any(peak > SILENCE_DB for peak in probe.peak_levels(sounding))
