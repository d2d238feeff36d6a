"""What a finished render leaves beside the film and tells the user: the review page and the
timeline for an editor (a failure there is only a warning: the film is made), the last `--json`
event, and the summary printed after a film."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

import networkx as nx

from storyfilm import planning, storyboard
from storyfilm.assembly import edit, otio_export, review_page
from storyfilm.errors import FfmpegError
from storyfilm.mediaio import probe
from storyfilm.planning import explain
from storyfilm.rendering.executor import ShotResult
from storyfilm.settings import Settings

if TYPE_CHECKING:
    from storyfilm.film import FilmRun


def film_event(run_: FilmRun, *, planned: float) -> dict:
    """The last `--json` line: the film and what making it took (render/progress_events.schema.json)."""
    info = probe.probe(run_.output, count_frames=False)
    review = {"srt": run_.output.with_suffix(".srt"), "page": run_.output.with_suffix(".html"),
              "timeline": run_.output.with_suffix(".otio"),
              "contact_sheet": run_.output.with_name(f"{run_.output.stem}.contact.png"),
              "seam_strip": run_.output.with_name(f"{run_.output.stem}.seams.png")}
    cached = sum(1 for r in run_.results.values() if r.cached)
    return {"event": "film", "path": str(run_.output), "duration": round(info.duration, 3),
            "size": run_.output.stat().st_size, "width": info.width, "height": info.height,
            "shots": len(run_.results), "cached": cached, "rendered": len(run_.results) - cached,
            "planned_cost": round(float(planned), 4), "actual_cost": round(float(run_.spent), 4), "currency": "CNY",
            "preview": run_.preview, "lock": str(run_.lock_file) if run_.lock_file else None,
            "review": {name: str(path) for name, path in review.items() if path.is_file()},
            "warnings": list(run_.warnings)}


def write_review_page(board: storyboard.Storyboard, jobs: list[planning.ShotJob], results: dict[str, ShotResult],
                       statuses: dict[str, explain.ShotStatus], output: Path, lock_file: Path, settings: Settings,
                       note, warnings: list[str]) -> None:
    """build/<name>.html beside the film; the film is made, so a failure here is only a warning."""
    cards = [review_page.ShotCard(
        id=j.id, prompt=j.shot.prompt, model=j.model.id, size=f"{j.width}x{j.height}", seconds=j.frames / 24,
        take=j.shot.take, planned_tokens=j.tokens, planned_cost=j.cost,
        why="cached" if results[j.id].cached else statuses[j.id].describe(), video=results[j.id].video,
        last_frame=results[j.id].last_frame) for j in jobs]
    page = output.with_suffix(".html")
    try:
        lock = json.loads(lock_file.read_text(encoding="utf-8"))
        review_page.write(page, output, board.title or board.name, cards, lock, preview=settings.uses_local_backend)
        note(f"review page: {page}")
    except (FfmpegError, OSError) as exc:
        warnings.append(f"review page not written: {exc}")


def write_cut(board: storyboard.Storyboard, graph: nx.DiGraph, jobs: list[planning.ShotJob],
               results: dict[str, ShotResult], output: Path, lock_file: Path, note, warnings: list[str]) -> None:
    """build/<name>.otio beside the film, for an editor; a failure here is only a warning."""
    clips = edit.clips(graph, {j.id: results[j.id].video for j in jobs})
    entries = {s["id"]: s for s in json.loads(lock_file.read_text(encoding="utf-8"))["shots"]}
    for job in jobs:
        entries.setdefault(job.id, {})["prompt"] = job.shot.prompt
    cut = output.with_suffix(".otio")
    try:
        otio_export.write(cut, clips, edit.film_spec(board, graph), board.title or board.name, entries)
        note(f"timeline for an editor: {cut}")
    except (FfmpegError, OSError) as exc:
        warnings.append(f"timeline not written: {exc}")


def summary(run_: FilmRun, out: IO[str]) -> None:
    info = probe.probe(run_.output, count_frames=False)
    shots = len(run_.results)
    print(f"\n{run_.output}  {info.duration:.2f} s  {info.width}x{info.height}  {shots} shots"
          + (f"  preview: nothing spent (on Seedance {run_.spent:.2f} CNY)" if run_.preview
             else f"  spent {run_.spent:.2f} CNY") + (f"  (lock: {run_.lock_file})" if run_.lock_file else ""), file=out)
    for shot, r in run_.results.items():
        how = "cached" if r.cached else f"task {r.task_id}"
        print(f"  {shot:<16} {r.job.frames / 24:5.2f} s  {r.job.width}x{r.job.height}  seed {r.seed}  "
              f"{r.tokens or 0:>8,} tokens  {how}", file=out)
    for warning in run_.warnings:
        print(f"warning: {warning}", file=out)
