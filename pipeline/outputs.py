"""What a finished render leaves beside the film and tells the user: the review page and the
timeline for an editor (a failure there is only a warning: the film is made), the last `--json`
event, and the summary printed after a film. All three read the shots' figures (planned, and what
each task returned) from the lock file, so they always agree with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

import networkx as nx

from storyfilm import planning, storyboard
from storyfilm.assembly import edit, review_ahead, review_page, side_files
from storyfilm.errors import AssemblyError, FfmpegError
from storyfilm.mediaio import probe
from storyfilm.rendering import lockfile
from storyfilm.rendering.executor import ShotResult
from storyfilm.settings import Settings

if TYPE_CHECKING:
    from storyfilm.film import FilmRun


def shot_records(run_: FilmRun) -> list[dict]:
    """Each shot's lock-file record (planned and returned), in film order; computed the same way
    when the run writes no lock file (--only, --until)."""
    if run_.lock_file is not None:
        try:
            return json.loads(run_.lock_file.read_text(encoding="utf-8"))["shots"]
        except (OSError, ValueError, KeyError):
            pass
    return lockfile.entries([r.job for r in run_.results.values()], run_.results, None)


def differences(record: dict) -> list[str]:
    """Where what the task returned differs from the plan: seconds, tokens, cost (CNY)."""
    planned, answer = record.get("planned") or {}, record.get("returned") or {}
    found = []
    for name, unit, form, close in (("seconds", " s", "{:.2f}", 0.02), ("tokens", " tokens", "{:,}", 0.5),
                                    ("cost", " CNY", "{:.2f}", 0.005)):
        want, got = planned.get(name), answer.get(name)
        if want is None or got is None or abs(got - want) < close:
            continue
        change = form.format(got - want)
        found.append(f"{name}: planned {form.format(want)}{unit}, returned {form.format(got)}{unit} "
                     f"({'' if change.startswith('-') else '+'}{change}{unit})")
    return found


def film_cost(run_: FilmRun, records: list[dict], which: str) -> float:
    """The film's cost, planned or returned: shots of one content key are one render, paid once
    (as `plan` prices them), so each key counts once."""
    once = {record.get("key") or record["id"]: record for record in reversed(records)}
    return sum(cost_of(run_, record, which) for record in once.values())


def cost_of(run_: FilmRun, record: dict, which: str) -> float:
    """A shot's cost, planned or from the tokens its task returned, unrounded (sums are rounded once)."""
    job = run_.results[record["id"]].job
    tokens = (record.get(which) or {}).get("tokens")
    return job.cost_of(tokens if tokens is not None else record.get("tokens") or job.tokens)


def film_event(run_: FilmRun, *, planned: float) -> dict:
    """The last `--json` line: the film and what making it took (render/progress_events.schema.json)."""
    info = probe.probe(run_.output, count_frames=False)
    contact_sheet, seam_strip = side_files.sheets(run_.output)
    review = {"srt": side_files.captions(run_.output), "page": side_files.page(run_.output),
              "timeline": side_files.cut(run_.output)[0], "contact_sheet": contact_sheet, "seam_strip": seam_strip}
    cached = sum(1 for r in run_.results.values() if r.cached)
    records = shot_records(run_)
    rendered = [r for r in records if not run_.results[r["id"]].cached]
    return {"event": "film", "path": str(run_.output), "duration": round(info.duration, 3),
            "size": run_.output.stat().st_size, "width": info.width, "height": info.height,
            "shots": len(run_.results), "cached": cached, "rendered": len(run_.results) - cached,
            "planned_cost": round(float(planned), 4),
            "actual_cost": round(sum(cost_of(run_, r, "returned") for r in rendered), 4), "currency": "CNY",
            "film_cost": {"planned": round(film_cost(run_, records, "planned"), 4),
                          "returned": round(film_cost(run_, records, "returned"), 4)},
            "per_shot": [{"shot": r["id"], "cached": run_.results[r["id"]].cached, "planned": r.get("planned"),
                          "returned": r.get("returned"), "seed_honoured": r.get("seed_honoured"),
                          "differences": differences(r)} for r in records],
            "preview": run_.preview, "lock": str(run_.lock_file) if run_.lock_file else None,
            "review": {name: str(path) for name, path in review.items() if path.is_file()},
            "warnings": list(run_.warnings)}


def write_review_page(board: storyboard.Storyboard, graph: nx.DiGraph, jobs: list[planning.ShotJob],
                      results: dict[str, ShotResult], output: Path,
                      lock_file: Path, settings: Settings, note, warnings: list[str], *, frames: Path) -> None:
    """build/<name>.html beside the film; the film is made, so a failure here is only a warning.
    `frames`: the review's frame cache, where each shot's first and last frame already are."""
    returned = {s["id"]: s.get("returned") or {} for s in _lock_shots(lock_file)}
    cards = [review_page.ShotCard(
        id=j.id, prompt=j.shot.prompt, model=j.model.id, size=f"{j.width}x{j.height}",
        seconds=returned.get(j.id, {}).get("seconds") or j.frames / 24,
        take=j.shot.take, planned_tokens=j.tokens, planned_cost=j.cost) for j in jobs]
    clips = [dataclasses.replace(c, last_frame=results[c.shot_id].last_frame)
             for c in edit.clips(graph, {j.id: results[j.id].video for j in jobs})]
    page = side_files.page(output)
    try:
        thumbs = review_ahead.page_thumbnails(clips, edit.film_spec(board, graph), frames)
        lock = json.loads(lock_file.read_text(encoding="utf-8"))
        review_page.write(page, output, board.title or board.name, cards, lock, preview=settings.uses_local_backend,
                          thumbs=thumbs)
        note(f"review page: {page}")
    except (FfmpegError, AssemblyError, OSError) as exc:
        warnings.append(f"review page not written: {exc}")
        side_files.remove([page])


def write_cut(board: storyboard.Storyboard, graph: nx.DiGraph, jobs: list[planning.ShotJob],
               results: dict[str, ShotResult], output: Path, lock_file: Path, note, warnings: list[str]) -> None:
    """build/<name>.otio beside the film, for an editor; a failure here is only a warning."""
    # OpenTimelineIO is loaded here, after the join: 10 MB the film's renders and join do without
    from storyfilm.assembly import otio_export

    clips = edit.clips(graph, {j.id: results[j.id].video for j in jobs})
    entries = {s["id"]: s for s in json.loads(lock_file.read_text(encoding="utf-8"))["shots"]}
    for job in jobs:
        entries.setdefault(job.id, {})["prompt"] = job.shot.prompt
    cut = side_files.cut(output)
    try:
        otio_export.write(cut[0], clips, edit.film_spec(board, graph), board.title or board.name, entries)
        note(f"timeline for an editor: {cut[0]}")
    except (FfmpegError, OSError) as exc:
        warnings.append(f"timeline not written: {exc}")
        side_files.remove(cut)  # an earlier cut's, or only some of this one's: they would disagree


def _lock_shots(lock_file: Path) -> list[dict]:
    try:
        return json.loads(lock_file.read_text(encoding="utf-8"))["shots"]
    except (OSError, ValueError, KeyError):
        return []


def summary(run_: FilmRun, out: IO[str]) -> None:
    """The film, then per shot what its task returned (seconds, seed, tokens, cost) and, where it
    differs, what was planned; then the film's cost planned and returned."""
    info = probe.probe(run_.output, count_frames=False)
    records = shot_records(run_)
    spent = sum(cost_of(run_, r, "returned") for r in records if not run_.results[r["id"]].cached)
    print(f"\n{run_.output}  {info.duration:.2f} s  {info.width}x{info.height}  {len(records)} shots"
          + (f"  preview: nothing spent (on Seedance {spent:.2f} CNY)" if run_.preview
             else f"  spent {spent:.2f} CNY") + (f"  (lock: {run_.lock_file})" if run_.lock_file else ""), file=out)
    for record in records:
        r = run_.results[record["id"]]
        answer = record.get("returned") or {}
        seconds = answer.get("seconds") or (record.get("planned") or {}).get("seconds") or r.job.frames / 24
        honoured = "" if record.get("seed_honoured", True) else " (not honoured)"
        how = "cached" if r.cached else f"task {r.task_id}"
        cost = cost_of(run_, record, "returned")
        print(f"  {r.job.id:<16} {seconds:5.2f} s  {r.job.width}x{r.job.height}  seed {record.get('seed')}{honoured}  "
              f"{cost:.2f} CNY  {record.get('tokens') or 0:>8,} tokens  {how}", file=out)
        for line in differences(record):
            print(f"  {'':<16} {line}", file=out)
    planned, actual = film_cost(run_, records, "planned"), film_cost(run_, records, "returned")
    change = f" ({actual - planned:+.2f} CNY)" if abs(actual - planned) >= 0.005 else ""
    print(f"  {'film':<16} planned {planned:.2f} CNY, returned {actual:.2f} CNY{change}", file=out)
    for warning in run_.warnings:
        print(f"warning: {warning}", file=out)
