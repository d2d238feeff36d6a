"""Review sheets beside the film, and the continuity checks behind them.

- contact sheet: first, middle and last frame of every shot as it plays in the film, labelled;
- seam strip: for every chained join, the outgoing clip's last frame beside the incoming clip's
  first frame (the one that should repeat it), labelled with their SSIM;
- warnings when a chained join scores low (continuity broke) or the mean colour drifts along a
  chain of chained shots by more than the spec allows.

At most three ffmpeg runs whatever the number of shots: taking the frames (review_frames.py: each
frame once, none when all are cached), scoring the joins (all at once, none when cached), then
drawing both sheets. In a film run the render took the frames and scored the joins already, as
each clip landed (review_ahead.py): the review only draws. Each sheet's frames are one input (the
concat demuxer) and `tile` lays them out: one input per frame cost more than the drawing.
The joins are scored on the thumbnails: a broken join differs in its whole picture, which a 320
pixel wide frame shows as well as the full one (SSIM below 0.6, PSNR below 20 dB), while the
encoder's own noise, which a full-size score would also weigh, is averaged away.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg as ff

from storyfilm.mediaio import runner, scratch
from storyfilm.assembly import review_frames
from storyfilm.assembly.side_files import sheets
from storyfilm.assembly.spec import FilmSpec, Seam
from storyfilm.assembly.ffmpeg_graph import Source, concat_list
from storyfilm.assembly.timeline import Segment

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/TTF/DejaVuSans.ttf", "/System/Library/Fonts/Helvetica.ttc")
_SSIM_ALL = re.compile(r"All:([\d.]+|inf)")
_PSNR_AVG = re.compile(r"psnr_avg:([\d.]+|inf)")
_FRAME_NUMBER = re.compile(r"^n:(\d+)")
PSNR_CAP = 100.0
SHEET_COMPRESSION = 1  # zlib level of the sheets: 9 % larger files than the default 6, written in half the time


@dataclass
class Review:
    seams: list[Seam] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    contact_sheet: Path | None = None
    seam_strip: Path | None = None


@dataclass(frozen=True)
class _Frames:
    """Where a segment's review frames are in its clip (frame numbers at the film's fps)."""

    seam_in: int  # the clip's first frame before any repeated frame was dropped
    first: int
    middle: int
    last: int

    @property
    def wanted(self) -> list[int]:
        return sorted({self.seam_in, self.first, self.middle, self.last})


def marks_of(seg: Segment) -> _Frames:
    return _Frames(seg.start - 1 if seg.dropped_repeat else seg.start, seg.start, seg.start + seg.frames // 2,
                   seg.start + seg.frames - 1)


def wanted(seg: Segment) -> list[int]:
    """Every frame of a segment's clip the review and the review page show."""
    return sorted({*marks_of(seg).wanted, *review_frames.page_frames(seg)})


def review(segments: list[Segment], sources: list[Source], spec: FilmSpec, out: Path,
           cache: Path | None = None) -> Review:
    """`cache`: a folder keeping the frames taken, by the clip's bytes, for the next review."""
    result = Review()
    with scratch.work_folder("review") as work:
        marks = [marks_of(s) for s in segments]
        pngs, means = review_frames.take(segments, sources, [wanted(s) for s in segments], spec, work, cache)
        pairs = [(pngs[i][marks[i].last], pngs[i + 1][marks[i + 1].seam_in]) for i in range(len(segments) - 1)]
        for (a, b), (score, psnr) in zip(zip(segments, segments[1:]), _similarity(pairs, work, cache)):
            result.seams.append(Seam(a.clip.shot_id, b.clip.shot_id, b.clip.chained, score, psnr))
            if b.clip.chained and (score < spec.seam_warn_below or psnr < spec.seam_warn_below_db):
                result.warnings.append(
                    f"chained join {a.clip.shot_id} → {b.clip.shot_id}: SSIM {score:.3f}, PSNR {psnr:.1f} dB "
                    f"(warn below {spec.seam_warn_below} or {spec.seam_warn_below_db} dB): "
                    "the shot does not start where the previous one ended")
        result.warnings += _drift_warnings(segments, marks, means, spec)
        sheet, strip = sheets(out)
        drawn = [_contact_sheet(segments, marks, pngs, spec, _partial(sheet), work)]
        result.contact_sheet = sheet
        chained = [(i, s) for i, s in enumerate(result.seams) if s.chained]
        if chained:
            drawn.append(_seam_strip([(pairs[i], s) for i, s in chained], _partial(strip), work))
            result.seam_strip = strip
        else:
            strip.unlink(missing_ok=True)  # from an earlier cut that had chained joins
        _draw(drawn, [p for p in (sheet, result.seam_strip) if p is not None])
    return result


def _partial(sheet: Path) -> Path:
    """This process's own: two films made to one path at once each draw their own sheets."""
    return scratch.partial_beside(sheet, keep_suffix=True)


def _draw(drawn: list, names: list[Path]) -> None:
    """Draw the sheets beside their names, then put them in place: a draw that fails or is killed
    never leaves a half-written PNG under a sheet's name."""
    try:
        runner.run(ff.merge_outputs(*drawn).overwrite_output().get_args(), what="draw the review sheets")
        for sheet in names:
            scratch.move_into_place(_partial(sheet), sheet)
    finally:
        for sheet in names:
            with contextlib.suppress(OSError):  # a clean-up must not hide why the draw failed
                _partial(sheet).unlink(missing_ok=True)


def scores(pairs: list[tuple[Path, Path]], cache: Path) -> list[tuple[float, float]]:
    """(SSIM, PSNR dB) of each pair of cached frames, kept in the cache for the review."""
    with scratch.work_folder("scores") as work:
        return _similarity(pairs, work, cache)


def _similarity(pairs: list[tuple[Path, Path]], work: Path, cache: Path | None) -> list[tuple[float, float]]:
    """(SSIM, PSNR dB) of each pair of frames: from the cache, or all the others in one ffmpeg run
    (the left frames as one input, the right ones as another: one line of scores per pair).
    SSIM alone is lenient on smooth pictures (two unrelated gradients score ~0.9), PSNR is not;
    identical frames give PSNR inf, reported as PSNR_CAP."""
    known = [review_frames.cached_score(cache, a, b) for a, b in pairs]
    todo = [i for i, (_, score) in enumerate(known) if score is None]
    found = [score for _, score in known]
    if not todo:
        return found
    left, right = (_sequence([pairs[i][side] for i in todo], work, name).filter("format", "yuv444p")
                   .filter_multi_output("split", 2) for side, name in ((0, "left"), (1, "right")))
    outputs = [ff.filter([left[k], right[k]], metric, stats_file=str(work / f"{metric}.txt")).output("-", f="null")
               for k, metric in enumerate(("ssim", "psnr"))]
    runner.run(ff.merge_outputs(*outputs).get_args(), what="score the joins")
    ssims = _per_frame(work / "ssim.txt", _SSIM_ALL)
    psnrs = _per_frame(work / "psnr.txt", _PSNR_AVG)
    for k, i in enumerate(todo):
        ssim, psnr = ssims.get(k + 1), psnrs.get(k + 1)
        found[i] = (1.0 if ssim is None or ssim == "inf" else float(ssim),
                    PSNR_CAP if psnr is None or psnr == "inf" else min(PSNR_CAP, float(psnr)))
        if known[i][0] is not None:
            review_frames.keep_score(known[i][0], found[i])
    return found


def _per_frame(stats: Path, value: re.Pattern) -> dict[int, str]:
    """A metric's stats file: frame number (from 1) → its value."""
    found = {}
    for line in stats.read_text().splitlines() if stats.is_file() else []:
        number, got = _FRAME_NUMBER.search(line), value.search(line)
        if number and got:
            found[int(number[1])] = got[1]
    return found


def _sequence(pngs: list[Path], work: Path, name: str):
    """The PNGs, in order, as the frames of one input (one input whatever their number: opening
    one input per frame cost more than everything drawn from them)."""
    listing = work / f"{name}.txt"
    listing.write_text(concat_list(pngs), encoding="utf-8")
    return ff.input(str(listing), f="concat", safe=0).video


def _drift_warnings(segments, marks, means, spec: FilmSpec) -> list[str]:
    """Along each run of chained shots, how far the mean colour of a shot's last frame wanders
    from the chain's first hand-off, the last frame of its first shot (Euclidean distance in 8-bit
    Y, U, V): what the continued shots changed, not the first shot's own motion."""
    warnings = []
    i = 0
    while i < len(segments):
        j = i
        while j + 1 < len(segments) and segments[j + 1].clip.chained:
            j += 1
        start = means[i].get(marks[i].last)
        ends = [(means[k][marks[k].last], k) for k in range(i + 1, j + 1) if marks[k].last in means[k]]
        if j > i and start and ends:
            drift, where = max((math.dist(start, end), k) for end, k in ends)
            if drift > spec.drift_warn_above:
                warnings.append(
                    f"colour drifts by {drift:.1f} levels along the chain {segments[i].clip.shot_id} → "
                    f"{segments[where].clip.shot_id} (more than {spec.drift_warn_above})")
        i = j + 1
    return warnings


def _font() -> str | None:
    return next((f for f in FONTS if Path(f).is_file()), None)


def _sheet(cells: list[tuple[Path, str]], columns: int, out: Path, work: Path, name: str):
    """The cells, each labelled, laid left to right and top to bottom in `columns` columns: the
    frames come as one input, each label is drawn on its own frame only, and `tile` lays them out."""
    stream = _sequence([png for png, _ in cells], work, name)
    font = _font()
    for k, (_, text) in enumerate(cells if font else []):
        textfile = work / f"label-{name}{k}.txt"
        textfile.write_text(text, encoding="utf-8")
        stream = stream.filter("drawtext", fontfile=font, textfile=str(textfile), expansion="none", fontsize=14,
                               fontcolor="white", box=1, boxcolor="black@0.6", boxborderw=4, x=6, y=6,
                               enable=f"not(n-{k})")  # no commas: they would split the graph
    return stream.filter("tile", f"{columns}x{len(cells) // columns}").output(
        str(out), frames=1, update=1, compression_level=SHEET_COMPRESSION)


def _contact_sheet(segments, marks, pngs, spec: FilmSpec, sheet: Path, work: Path):
    cells = []
    for seg, mark in zip(segments, marks):
        for name, n in (("first", mark.first), ("middle", mark.middle), ("last", mark.last)):
            at = (seg.film_start + n - seg.start) / spec.fps
            cells.append((pngs[seg.index][n], f"{seg.clip.shot_id}  {name}  {at:.2f}s"))
    return _sheet(cells, 3, sheet, work, "contact")


def _seam_strip(joins: list[tuple[tuple[Path, Path], Seam]], strip: Path, work: Path):
    cells = []
    for (a, b), seam in joins:
        cells += [(a, f"{seam.from_shot}  last"),
                  (b, f"{seam.to_shot}  first   SSIM {seam.score:.3f}  {seam.psnr:.1f} dB")]
    return _sheet(cells, 2, strip, work, "seams")
