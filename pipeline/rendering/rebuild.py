"""A lost or damaged journal costs nothing: the lock file names every finished shot (key, task id,
video and last-frame sha256, seed, tokens), and the store holds their objects, so the journal rows
are made again from it before anything is planned. `storyfilm verify` checks the same records."""

from __future__ import annotations

from typing import Any

from storyfilm.rendering.store import Store


def from_lock(store: Store, lock: dict[str, Any] | None) -> list[str]:
    """Journal rows for the lock file's shots that the journal does not know: their shot ids."""
    restored = []
    for shot in (lock or {}).get("shots", []):
        video, frame = shot.get("video_sha256"), shot.get("last_frame_sha256")
        if not (isinstance(video, str) and isinstance(frame, str)):
            continue
        if store.restore_done(shot["key"], str(shot.get("id", "?")), shot.get("task_id"), video, frame,
                              _int(shot.get("seed")), _int(shot.get("tokens")), shot.get("cost")):
            restored.append(str(shot.get("id", "?")))
    return restored


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
