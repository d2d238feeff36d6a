"""The lock file beside a storyboard (`ad.yaml` → `ad.lock.json`): what each shot rendered to.

Stable order and no timestamps, so it diffs cleanly in git; it never holds a secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from storyfilm.errors import LockFileDamaged, StoreReadOnly
from storyfilm.mediaio.scratch import cannot_hold_files, holds
from storyfilm.rendering.executor import ShotResult
from storyfilm.rendering.results import clip_seconds
from storyfilm.planning.jobs import ShotJob
from storyfilm.seedance import models
from storyfilm.rendering.trust import READ_ONLY, disk_error, is_sha256


def lock_path(story: Path, *, preview: bool) -> Path:
    """`ad.lock.json` for real renders (commit it); `ad.preview.lock.json` for local previews."""
    return story.with_name(f"{story.stem}{'.preview' if preview else ''}.lock.json")


def check_writable(story: Path, *, preview: bool) -> None:
    """The lock file is written after the render: a folder that cannot take it (a read-only
    checkout or mount) is told now, before a shot is rendered or paid, not after."""
    path = lock_path(story, preview=preview)
    exc = cannot_hold_files(path.parent)
    if exc is None:
        return
    why = "is read-only" if exc.errno in READ_ONLY else f"cannot hold files ({exc.strerror or exc})"
    raise StoreReadOnly(f"cannot write the lock file {path}: its folder {path.parent} {why}; it is kept beside the "
                        "storyboard: make that folder writable (or film a copy of the storyboard in one that is) "
                        "and run the same command again; nothing was spent")


def shot_entry(job: ShotJob, result: ShotResult, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """A shot's record: what it rendered to, what was planned, and what its task returned (a cached
    shot keeps what the lock file `previous` recorded for the same key). `tokens` and `cost` are the
    returned figures when the task gave them, else the planned ones."""
    answer = _returned(job, result, previous)
    tokens = answer["tokens"] if answer.get("tokens") is not None else job.tokens
    entry = {
        "id": job.id,
        "key": result.key,
        "model": job.model.id,
        "seed": result.seed,
        "task_id": result.task_id,
        "video_sha256": result.video.name,
        "last_frame_sha256": result.frame_sha,
        "tokens": tokens,
        "cost": round(job.cost_of(tokens), 4),
        "planned": {"seconds": round(job.frames / models.FPS, 3), "tokens": job.tokens, "cost": round(job.cost, 4)},
        "returned": answer,
    }
    if "seed" in job.params() and result.seed is not None:
        entry["seed_honoured"] = result.seed == job.shot.seed  # False: the model refused it (not reproducible)
    return entry


RETURNED = ("seconds", "duration", "frames", "fps", "tokens", "seed")


def _returned(job: ShotJob, result: ShotResult, previous: dict[str, Any] | None) -> dict[str, Any]:
    answer = result.returned
    if answer is None and previous and previous.get("key") == result.key and isinstance(previous.get("returned"),
                                                                                        dict):
        answer = previous["returned"]  # read back from a file a person may have edited: only sound values kept
    if answer is None:  # cached, with no record of its task's answer (an older lock file): the clip says
        answer = {"seconds": _seconds(result.video), "tokens": result.tokens, "seed": result.seed}
    kept = {name: _figure(answer.get(name), whole=name != "seconds") for name in RETURNED}
    tokens = kept["tokens"]
    return {**kept, "cost": None if tokens is None else round(job.cost_of(tokens), 4)}


def _figure(value: Any, *, whole: bool) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return None
    return value if value >= 0 else None


def _seconds(video: Path) -> float | None:
    seconds = clip_seconds(video)
    return None if seconds is None else round(seconds, 3)


def entries(jobs: list[ShotJob], results: dict[str, ShotResult], previous: dict[str, Any] | None) -> list[dict]:
    """Every shot's record, in film order; `previous`: the lock file as it was before this render."""
    before = {s.get("id"): s for s in (previous or {}).get("shots", []) if isinstance(s, dict)}
    return [shot_entry(job, results[job.id], before.get(job.id)) for job in jobs]


def film_key(results: list[ShotResult], edit: Any) -> str:
    """A hash of the whole film: its shots' keys in order and how they are joined (the assembly's
    inputs: format, trims, transitions, captions, music)."""
    material = {"shots": [r.key for r in results], "format": repr(edit)}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def write(story: Path, jobs: list[ShotJob], results: dict[str, ShotResult], film: Path, film_sha: str, *,
          preview: bool, key: str = "", report: dict[str, Any] | None = None,
          previous: dict[str, Any] | None = None) -> Path:
    """`report`: the assembly's summary (duration, seam scores, warnings, chapters); `previous`: the
    lock file before this render (what its cached shots' tasks returned)."""
    try:
        shown = os.path.relpath(film, story.parent)
    except ValueError:  # another drive
        shown = str(film)
    data = {
        "storyboard": story.name,
        "film": {"path": shown, "key": key, "sha256": film_sha,
                 **{k: v for k, v in (report or {}).items() if k not in ("path", "srt", "contact_sheet", "seam_strip")}},
        "shots": entries(jobs, results, previous),
    }
    path = lock_path(story, preview=preview)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if holds(path, text.encode("utf-8")):  # an unchanged film leaves its lock file as it was, its time too (make, git)
        return path
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the rename must never publish a file whose bytes are not on disk
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        failure = disk_error(exc, path.parent)
        if failure is None:
            raise
        raise failure from exc
    return path


def read(story: Path, *, preview: bool) -> dict[str, Any] | None:
    """The lock file's content, None when there is none; LockFileDamaged when it cannot be read
    (empty, half-written, not JSON, not the shape written here)."""
    path = lock_path(story, preview=preview)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"line {exc.lineno} column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) \
            else "not UTF-8 text"
        problem = "it is empty" if not path.read_bytes().strip() else f"it is not valid JSON ({where})"
        raise _damaged(path, problem) from exc
    shots = data.get("shots") if isinstance(data, dict) else None
    if not isinstance(shots, list) or not all(isinstance(s, dict) and isinstance(s.get("key"), str) for s in shots):
        raise _damaged(path, "it does not hold a list of shots, each with its key")
    for shot in shots:
        for name in ("video_sha256", "last_frame_sha256"):
            if shot.get(name) is not None and not (isinstance(shot[name], str) and is_sha256(shot[name])):
                raise _damaged(path, f"shot {shot.get('id')!r}: {name} is not a sha256")
    return data


def _damaged(path: Path, problem: str) -> LockFileDamaged:
    return LockFileDamaged(f"{path}: the lock file cannot be read: {problem}. Restore it (git checkout -- "
                           f"{path.name}) or delete it; nothing was spent, and the render journal and the store "
                           "still hold every finished shot")
