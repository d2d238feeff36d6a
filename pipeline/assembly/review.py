"""Review sheets beside the film, and the continuity checks behind them.

- contact sheet: first, middle and last frame of every shot as it plays in the film, labelled;
- seam strip: for every chained join, the outgoing clip's last frame beside the incoming clip's
  first frame (the one that should repeat it), labelled with their SSIM;
- warnings when a chained join scores low (continuity broke) or the mean colour drifts along a
  chain of chained shots by more than the spec allows.

At most three ffmpeg runs whatever the number of shots: taking the frames (review_frames.py: each
frame once, none when all are cached), scoring the joins (all at once), then drawing both sheets.
The joins are scored on the thumbnails: a broken join differs in its whole picture, which a 320
pixel wide frame shows as well as the full one (SSIM below 0.6, PSNR below 20 dB), while the
encoder's own noise, which a full-size score would also weigh, is averaged away.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg as ff

from storyfilm.mediaio import runner
from storyfilm.assembly import review_frames
from storyfilm.assembly.spec import FilmSpec, Seam
from storyfilm.assembly.ffmpeg_graph import Source, unique_input
from storyfilm.assembly.timeline import Segment

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/TTF/DejaVuSans.ttf", "/System/Library/Fonts/Helvetica.ttc")
_SSIM_ALL = re.compile(r"All:([\d.]+|inf)")
_PSNR_AVG = re.compile(r"psnr_avg:([\d.]+|inf)")
PSNR_CAP = 100.0


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


def review(segments: list[Segment], sources: list[Source], spec: FilmSpec, out: Path,
           cache: Path | None = None) -> Review:
    """`cache`: a folder keeping the frames taken, by the clip's bytes, for the next review."""
    result = Review()
    with tempfile.TemporaryDirectory(prefix="storyfilm-review-") as tmp:
        work = Path(tmp)
        marks = [_Frames(s.start - 1 if s.dropped_repeat else s.start, s.start, s.start + s.frames // 2,
                         s.start + s.frames - 1) for s in segments]
        pngs, means = review_frames.take(segments, sources, [m.wanted for m in marks], spec, work, cache)
        pairs = [(pngs[i][marks[i].last], pngs[i + 1][marks[i + 1].seam_in]) for i in range(len(segments) - 1)]
        for (a, b), (score, psnr) in zip(zip(segments, segments[1:]), _similarity(pairs, work, cache)):
            result.seams.append(Seam(a.clip.shot_id, b.clip.shot_id, b.clip.chained, score, psnr))
            if b.clip.chained and (score < spec.seam_warn_below or psnr < spec.seam_warn_below_db):
                result.warnings.append(
                    f"chained join {a.clip.shot_id} → {b.clip.shot_id}: SSIM {score:.3f}, PSNR {psnr:.1f} dB "
                    f"(warn below {spec.seam_warn_below} or {spec.seam_warn_below_db} dB): "
                    "the shot does not start where the previous one ended")
        result.warnings += _drift_warnings(segments, marks, means, spec)
        sheet = out.with_name(f"{out.stem}.contact.png")
        drawn = [_contact_sheet(segments, marks, pngs, spec, sheet, work)]
        result.contact_sheet = sheet
        chained = [(i, s) for i, s in enumerate(result.seams) if s.chained]
        strip = out.with_name(f"{out.stem}.seams.png")
        if chained:
            drawn.append(_seam_strip([(pairs[i], s) for i, s in chained], strip, work, 3 * len(segments)))
            result.seam_strip = strip
        else:
            strip.unlink(missing_ok=True)  # from an earlier cut that had chained joins
        runner.run(ff.merge_outputs(*drawn).overwrite_output().get_args(), what="draw the review sheets")
    return result


def _similarity(pairs: list[tuple[Path, Path]], work: Path, cache: Path | None) -> list[tuple[float, float]]:
    """(SSIM, PSNR dB) of each pair of frames: from the cache, or all the others in one ffmpeg run.
    SSIM alone is lenient on smooth pictures (two unrelated gradients score ~0.9), PSNR is not;
    identical frames give PSNR inf, reported as PSNR_CAP."""
    known = [review_frames.cached_score(cache, a, b) for a, b in pairs]
    todo = [i for i, (_, score) in enumerate(known) if score is None]
    outputs = []
    for i in todo:
        a, b = pairs[i]
        # distinct inputs even when a one-frame clip makes one PNG both sides of two joins
        left = unique_input(str(a), 2 * i).filter("format", "yuv444p").filter_multi_output("split", 2)
        right = unique_input(str(b), 2 * i + 1).filter("format", "yuv444p").filter_multi_output("split", 2)
        for k, metric in enumerate(("ssim", "psnr")):
            node = ff.filter([left[k], right[k]], metric, stats_file=str(work / f"{metric}{i}.txt"))
            outputs.append(node.output("-", f="null"))
    if outputs:
        runner.run(ff.merge_outputs(*outputs).get_args(), what="score the joins")
    scores = [score for _, score in known]
    for i in todo:
        ssim = _SSIM_ALL.search((work / f"ssim{i}.txt").read_text())
        psnr = _PSNR_AVG.search((work / f"psnr{i}.txt").read_text())
        scores[i] = (1.0 if not ssim or ssim[1] == "inf" else float(ssim[1]),
                     PSNR_CAP if not psnr or psnr[1] == "inf" else min(PSNR_CAP, float(psnr[1])))
        if known[i][0] is not None:
            review_frames.keep_score(known[i][0], scores[i])
    return scores


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


def _label(stream, text: str, work: Path, name: str):
    font = _font()
    if font is None:
        return stream
    textfile = work / f"label-{name}.txt"
    textfile.write_text(text, encoding="utf-8")
    return stream.filter("drawtext", fontfile=font, textfile=str(textfile), expansion="none", fontsize=14,
                         fontcolor="white", box=1, boxcolor="black@0.6", boxborderw=4, x=6, y=6)


def _stack(streams: list, how: str):
    return streams[0] if len(streams) == 1 else ff.filter(streams, how, inputs=len(streams))


def _contact_sheet(segments, marks, pngs, spec: FilmSpec, sheet: Path, work: Path):
    rows = []
    for seg, mark in zip(segments, marks):
        cells = []
        for k, (name, n) in enumerate((("first", mark.first), ("middle", mark.middle), ("last", mark.last))):
            at = (seg.film_start + n - seg.start) / spec.fps
            png = unique_input(str(pngs[seg.index][n]), 3 * seg.index + k)  # a short clip reuses a PNG
            cell = _label(png, f"{seg.clip.shot_id}  {name}  {at:.2f}s",
                          work, f"s{seg.index}{name}")
            cells.append(cell)
        rows.append(_stack(cells, "hstack"))
    return _stack(rows, "vstack").output(str(sheet), frames=1, update=1)


def _seam_strip(joins: list[tuple[tuple[Path, Path], Seam]], strip: Path, work: Path, tags: int):
    """`tags`: where its inputs' tags start (the contact sheet, drawn in the same run, has those below)."""
    rows = []
    for k, ((a, b), seam) in enumerate(joins):
        left = _label(unique_input(str(a), tags + 2 * k), f"{seam.from_shot}  last", work, f"j{k}a")
        right = _label(unique_input(str(b), tags + 2 * k + 1),
                       f"{seam.to_shot}  first   SSIM {seam.score:.3f}  {seam.psnr:.1f} dB", work, f"j{k}b")
        rows.append(_stack([left, right], "hstack"))
    return _stack(rows, "vstack").output(str(strip), frames=1, update=1)
