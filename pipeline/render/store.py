"""Content-addressed media store and the SQLite render journal.

Files enter the store only whole: written under `incoming/`, verified, hashed, then renamed into
`objects/<sha256>` (a rename is atomic), so a killed process never leaves a partial object.

The journal has one row per content key. Its life: `creating` (the intent, written before the
create request, with the request's fingerprint so an orphaned task can be found again) →
`created` (the task id, committed the moment create returns) → `done` (video and last-frame
hashes) or `failed` / `expired`. Each row also keeps the key's material as JSON, which is how
`explain` tells why a shot will render again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from storyfilm.errors import StoreBusy

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
# columns added after the walking skeleton; old journals are migrated in place
EXTRA_COLUMNS = {"material": "TEXT", "fingerprint": "TEXT", "intent_at": "REAL", "cost": "REAL",
                 "error": "TEXT", "task_created_at": "REAL"}
COLUMNS = ("key", "shot_id", "task_id", "status", "attempts", "video_sha", "frame_sha", "seed", "tokens",
           "updated_at", "material", "fingerprint", "intent_at", "cost", "error", "task_created_at")


@dataclass(frozen=True)
class Entry:
    key: str
    shot_id: str
    task_id: str | None
    status: str  # creating | created | done | failed | expired | cancelled
    attempts: int
    video_sha: str | None
    frame_sha: str | None
    seed: int | None
    tokens: int | None
    updated_at: float
    material: str | None  # JSON of what the key hashes
    fingerprint: str | None  # JSON: what identifies our task in a list of the service's tasks
    intent_at: float | None  # when the last create was about to be sent (unix time)
    cost: float | None
    error: str | None
    task_created_at: float | None

    def material_dict(self) -> dict[str, Any] | None:
        return json.loads(self.material) if self.material else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.incoming = root / "incoming"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(root / "state.sqlite", isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock: IO[str] | None = None
        have = {row[1] for row in self._db.execute("PRAGMA table_info(shots)")}
        for name, kind in EXTRA_COLUMNS.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE shots ADD COLUMN {name} {kind}")
        self.sweep_incoming()

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()

    def claim(self) -> None:
        """Make this process the only one rendering with this store (the OS drops the claim when the
        process dies, even by SIGKILL): two renders of one storyboard would create its tasks twice."""
        self._lock = (self.root / "render.lock").open("a")
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise StoreBusy(f"another storyfilm render is using {self.root}; wait for it or stop it") from None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- media ---------------------------------------------------------------------------

    def path(self, sha: str) -> Path:
        return self.objects / sha

    def has(self, sha: str | None) -> bool:
        return bool(sha) and self.path(sha).is_file()

    def scratch(self, name: str) -> Path:
        """A place to write a file before it is put into the store."""
        return self.incoming / f"{os.getpid()}-{time.monotonic_ns()}-{name}"

    def sweep_incoming(self) -> int:
        """Delete what killed runs left half-written in `incoming/` (files of live processes stay)."""
        removed = 0
        for file in self.incoming.iterdir():
            pid = file.name.lstrip(".").split("-", 1)[0]
            if pid.isdigit() and (int(pid) == os.getpid() or _alive(int(pid))):
                continue
            file.unlink(missing_ok=True)
            removed += 1
        return removed

    def put(self, file: Path) -> str:
        """Move a finished, verified file into the store; returns its sha256."""
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

    def _select(self, where: str, args: tuple) -> list[Entry]:
        rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM shots WHERE {where}", args).fetchall()
        return [Entry(*row) for row in rows]

    def entry(self, key: str) -> Entry | None:
        found = self._select("key = ?", (key,))
        return found[0] if found else None

    def last_done(self, shot_id: str, *, backend: str | None = None) -> Entry | None:
        """The most recent finished render of a shot id (whatever its key): what `explain` compares to."""
        where, args = "shot_id = ? AND status = 'done'", (shot_id,)
        if backend is not None:
            where, args = where + " AND json_extract(material, '$.backend') = ?", (shot_id, backend)
        found = self._select(where + " ORDER BY updated_at DESC LIMIT 1", args)
        return found[0] if found else None

    def claimed_task_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT task_id FROM shots WHERE task_id IS NOT NULL")}

    def create_intent(self, key: str, shot_id: str, material: dict[str, Any], fingerprint: dict[str, Any],
                      cost: float) -> None:
        """Written before a create request: if the answer is lost, resume looks for the task it made."""
        self._db.execute(
            "INSERT INTO shots (key, shot_id, status, attempts, material, fingerprint, intent_at, cost, updated_at) "
            "VALUES (?, ?, 'creating', 0, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET status = 'creating', "
            "task_id = NULL, material = excluded.material, fingerprint = excluded.fingerprint, "
            "intent_at = excluded.intent_at, cost = excluded.cost, error = NULL, updated_at = excluded.updated_at",
            (key, shot_id, json.dumps(material, sort_keys=True), json.dumps(fingerprint, sort_keys=True),
             time.time(), cost, time.time()))

    def task_created(self, key: str, shot_id: str, task_id: str) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO shots (key, shot_id, task_id, status, attempts, task_created_at, updated_at) "
            "VALUES (?, ?, ?, 'created', 1, ?, ?) ON CONFLICT(key) DO UPDATE SET task_id = excluded.task_id, "
            "status = 'created', attempts = attempts + 1, task_created_at = excluded.task_created_at, "
            "updated_at = excluded.updated_at", (key, shot_id, task_id, now, now))

    def create_abandoned(self, key: str) -> None:
        """The create was refused: nothing was made, so no intent is pending."""
        self._db.execute("UPDATE shots SET status = 'refused', updated_at = ? WHERE key = ? AND status = 'creating'",
                         (time.time(), key))

    def task_failed(self, key: str, status: str, error: str = "") -> None:
        self._db.execute("UPDATE shots SET status = ?, error = ?, updated_at = ? WHERE key = ?",
                         (status, error[:500], time.time(), key))

    def shot_done(self, key: str, video_sha: str, frame_sha: str, seed: int | None, tokens: int | None) -> None:
        self._db.execute("UPDATE shots SET status = 'done', video_sha = ?, frame_sha = ?, seed = ?, tokens = ?, "
                         "error = NULL, updated_at = ? WHERE key = ?",
                         (video_sha, frame_sha, seed, tokens, time.time(), key))
