"""Content-addressed media store and the SQLite render journal.

Files enter the store only whole: written elsewhere, hashed, then renamed into
`objects/<sha256>` (a rename is atomic), so a killed process never leaves a partial object.
The journal commits a task id the moment the service returns it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS shots (
    key         TEXT PRIMARY KEY,
    shot_id     TEXT NOT NULL,
    task_id     TEXT,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    video_sha   TEXT,
    frame_sha   TEXT,
    seed        INTEGER,
    tokens      INTEGER,
    updated_at  REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    key: str
    shot_id: str
    task_id: str | None
    status: str
    attempts: int
    video_sha: str | None
    frame_sha: str | None
    seed: int | None
    tokens: int | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.incoming = root / "incoming"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(root / "state.sqlite", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- media ---------------------------------------------------------------------------

    def path(self, sha: str) -> Path:
        return self.objects / sha

    def has(self, sha: str | None) -> bool:
        return bool(sha) and self.path(sha).is_file()

    def scratch(self, name: str) -> Path:
        """A place to write a file before it is put into the store."""
        return self.incoming / f"{os.getpid()}-{time.monotonic_ns()}-{name}"

    def put(self, file: Path) -> str:
        """Move a finished file into the store; returns its sha256."""
        sha = sha256_file(file)
        target = self.path(sha)
        if target.exists():
            file.unlink()
        else:
            with file.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(file, target)
        return sha

    # -- journal -------------------------------------------------------------------------

    def entry(self, key: str) -> Entry | None:
        row = self._db.execute("SELECT key, shot_id, task_id, status, attempts, video_sha, frame_sha, seed, tokens "
                               "FROM shots WHERE key = ?", (key,)).fetchone()
        return Entry(*row) if row else None

    def task_created(self, key: str, shot_id: str, task_id: str) -> None:
        self._db.execute(
            "INSERT INTO shots (key, shot_id, task_id, status, attempts, updated_at) VALUES (?, ?, ?, 'created', 1, ?) "
            "ON CONFLICT(key) DO UPDATE SET task_id = excluded.task_id, status = 'created', "
            "attempts = attempts + 1, updated_at = excluded.updated_at",
            (key, shot_id, task_id, time.time()))

    def task_failed(self, key: str, status: str) -> None:
        self._db.execute("UPDATE shots SET status = ?, updated_at = ? WHERE key = ?", (status, time.time(), key))

    def shot_done(self, key: str, video_sha: str, frame_sha: str, seed: int | None, tokens: int | None) -> None:
        self._db.execute("UPDATE shots SET status = 'done', video_sha = ?, frame_sha = ?, seed = ?, tokens = ?, "
                         "updated_at = ? WHERE key = ?", (video_sha, frame_sha, seed, tokens, time.time(), key))
