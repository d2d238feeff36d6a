"""A lost or damaged journal costs nothing: the lock file names every finished shot (key, task id,
video and last-frame sha256, seed, tokens), and the store holds their objects, so the journal rows
are made again from it before anything is planned. `storyfilm verify` checks the same records.
Where this store recorded what a key made (`made.py`), its record is used, never the bytes of
another shot that an edited or badly merged lock file names. A journal row whose clip or frame is
not whole in the store (edited by hand) is mended the same way when the record (else the lock
file) names whole objects for its key: the shot is not paid for again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyfilm.rendering.journal_entry import Entry
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
        mended = _mend(store, shot["key"], (video, frame))
        if mended is not None:
            store.notes.append(f"shot {shot.get('id', '?')!r}: {mended}")
        if store.restore_done(shot["key"], str(shot.get("id", "?")), shot.get("task_id"), video, frame,
                              _int(shot.get("seed")), _int(shot.get("tokens")), shot.get("cost")):
            restored.append(str(shot.get("id", "?")))
    return restored


def whole_record(store: Store, key: str, lock: tuple[Any, Any]) -> tuple[str, tuple[str, str]] | None:
    """What the store's record (else the lock file: `lock`) names for `key`, when both its objects
    are whole in the store: (whose word it is, (video sha256, frame sha256)); None otherwise."""
    made = store.made.recorded(key)
    whose, shas = ("the store's record", made) if made is not None else ("the lock file", lock)
    if not all(isinstance(sha, str) for sha in shas):
        return None
    return (whose, shas) if store.has(shas[0]) and store.has(shas[1]) else None


def unwhole(store: Store, entry: Entry) -> list[str]:
    """What of a finished row's clip and frame the store does not hold whole: "video abc… (missing)"."""
    return [f"{what} {sha[:12] if sha else sha}, which is {'damaged' if sha and store.path(sha).exists() else 'missing'}"
            for what, sha in (("video", entry.video_sha), ("last frame", entry.frame_sha)) if not store.has(sha)]


@dataclass(frozen=True)
class Mend:
    """A finished row whose clip or frame is not whole, and the whole ones its record names."""

    entry: Entry
    bad: list[str]  # unwhole(...) of the row
    whose: str  # "the store's record" or "the lock file"
    video: str
    frame: str


def mend_for(store: Store, key: str, lock: tuple[Any, Any]) -> Mend | None:
    """What the finished row of `key` is mended to when it names objects that are not whole and its
    record (else the lock file: `lock`) names other, whole ones; None when it needs no mending."""
    entry = store.entry(key)
    if entry is None or entry.status != "done":
        return None
    bad = unwhole(store, entry)
    found = whole_record(store, key, lock) if bad else None
    if found is None or found[1] == (entry.video_sha, entry.frame_sha):
        return None
    whose, (video, frame) = found
    return Mend(entry, bad, whose, video, frame)


def _mend(store: Store, key: str, lock: tuple[Any, Any]) -> str | None:
    """The row of `key` set to the whole objects `mend_for` finds: what was done, for the user."""
    mend = mend_for(store, key, lock)
    if mend is None:
        return None
    store.shot_done(key, mend.video, mend.frame, mend.entry.seed, mend.entry.tokens)
    return (f"the journal names {' and '.join(mend.bad)}; {mend.whose} names video {mend.video[:12]} and last frame "
            f"{mend.frame[:12]}, both whole: they are used, nothing paid")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
