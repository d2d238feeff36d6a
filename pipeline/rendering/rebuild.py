"""A lost or damaged journal costs nothing: the lock file names every finished shot (key, task id,
video and last-frame sha256, seed, tokens), and the store holds their objects, so the journal rows
are made again from it before anything is planned. `storyfilm verify` checks the same records.
Where this store recorded what a key made (`made.py`), its record is used, never the bytes of
another shot that an edited or badly merged lock file names."""

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
        made = store.made.recorded(shot["key"])
        if made is not None and made != (video, frame):  # the store's own record wins over the file's
            store.notes.append(f"the lock file names video {video[:12]} and last frame {frame[:12]} for shot "
                               f"{shot.get('id', '?')!r}, but this store made video {made[0][:12]} and last frame "
                               f"{made[1][:12]} for its key {shot['key'][:12]}: the store's record is used (was the "
                               "lock file edited or merged?)")
            video, frame = made
        if store.restore_done(shot["key"], str(shot.get("id", "?")), shot.get("task_id"), video, frame,
                              _int(shot.get("seed")), _int(shot.get("tokens")), shot.get("cost")):
            restored.append(str(shot.get("id", "?")))
    return restored


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
