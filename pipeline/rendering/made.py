"""The store's own record of what each content key rendered to: `made/<key>` holds the sha256 of
its video and of its last frame, written when the shot is done. It outlives the journal, so a
journal rebuilt from a lock file (`rebuild.py`) serves a key only the bytes this store made for
it: a lock file whose hashes were edited, swapped between shots or merged badly cannot put
another shot's clip under a key. Records are hints that only narrow what is trusted: one that is
missing or unreadable leaves the lock file's word, as before records were kept.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from storyfilm.rendering.trust import is_sha256


class MadeRecords:
    def __init__(self, root: Path):
        self.folder = root / "made"

    def record(self, key: str, video_sha: str, frame_sha: str) -> None:
        """Kept beside the journal; a store that cannot keep it only loses this extra check."""
        if not is_sha256(key):
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(exist_ok=True)
            partial = self.folder / f".{key}.{os.getpid()}"
            partial.write_text(f"{video_sha} {frame_sha}\n", encoding="ascii")
            os.replace(partial, self.folder / key)

    def recorded(self, key: str) -> tuple[str, str] | None:
        """(video sha256, frame sha256) this store made for `key`, None when it has no record."""
        if not is_sha256(key):
            return None
        try:
            video, frame = (self.folder / key).read_text(encoding="ascii").split()
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        return (video, frame) if is_sha256(video) and is_sha256(frame) else None

    def all(self) -> dict[str, tuple[str, str]]:
        """Every record: key → (video sha256, frame sha256)."""
        try:
            keys = [p.name for p in self.folder.iterdir() if is_sha256(p.name)]
        except OSError:
            return {}
        return {key: made for key in keys if (made := self.recorded(key)) is not None}

    def forget(self, key: str) -> None:
        if is_sha256(key):
            with contextlib.suppress(OSError):
                (self.folder / key).unlink(missing_ok=True)
