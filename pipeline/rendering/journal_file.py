"""The render journal's SQLite file: opened, checked and migrated; a damaged one set aside (never
deleted) and replaced by an empty one, which `rebuild` fills again from the lock file; opened
read-only from a store that cannot be written. SQLite's write errors become store errors here.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from pathlib import Path

from storyfilm.errors import StoreError, StoreFull, StoreReadOnly
from storyfilm.rendering.trust import in_the_way

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
CREATE TABLE IF NOT EXISTS meta (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS story_shots (
    story       TEXT NOT NULL,
    shot_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    at          REAL NOT NULL,
    PRIMARY KEY (story, shot_id, key)
);
"""
# `story_shots`: which storyboard rendered (or locked) which key, so each storyboard's history is
# its own while the media stay shared. Journals older than it get the table empty: their rows belong
# to no storyboard until a lock file names them (`rebuild.from_lock`), and are read as before.
# columns added after the walking skeleton; old journals are migrated in place
EXTRA_COLUMNS = {"material": "TEXT", "fingerprint": "TEXT", "intent_at": "REAL", "cost": "REAL",
                 "error": "TEXT", "task_created_at": "REAL", "since": "REAL",
                 # the boot clock beside intent_at and task_created_at, and its boot (rendering/boot_clock.py)
                 "intent_boot": "REAL", "created_boot": "REAL", "boot_id": "TEXT"}
# primary result codes (sqlite3 exceptions carry them); only a journal that is surely damaged is set
# aside, never one that a full disk or an I/O error kept from opening
SQLITE_BUSY, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = \
    5, 8, 10, 11, 13, 14, 26
BUSY_TIMEOUT = 30.0  # seconds a run waits for another that holds the journal
DAMAGED = {0, SQLITE_CORRUPT, SQLITE_NOTADB}  # 0: our own integrity check failed


def story_id(story: Path, root: Path) -> str:
    """How the journal names a storyboard: its path from the folder that holds the store (so a
    clone or a moved folder keeps its history), else its resolved path."""
    resolved = story.resolve()
    try:
        return resolved.relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return resolved.as_posix()


def open_journal(path: Path, *, read_only: bool, notes: list[str]) -> sqlite3.Connection:
    """The journal at `path`; what was wrong with it (and where it went) is added to `notes`."""
    if read_only:
        return _read_only(path, notes)
    if path.exists() and not path.is_file():
        raise in_the_way(path, "file (its render journal)")
    try:
        return _open(path)
    except sqlite3.DatabaseError as exc:
        failure = write_error(exc, path)
        if failure is not None:
            raise failure from exc
        if _code(exc) not in DAMAGED:  # e.g. locked: the journal may be fine, so it stays where it is
            raise StoreError(f"the render journal {path} cannot be opened ({exc}); nothing was changed") from exc
        aside = set_aside(path)
        notes.append(f"the render journal {path} cannot be read ({exc}): set aside as {aside.name}; "
                     "a new one is rebuilt from the lock file and the store")
        return _open(path)


def replaced(db: sqlite3.Connection, path: Path) -> bool:
    """Whether this journal is a new one in place of one that held renders (until a render ends:
    `Store.rendered`). Each journal has an id, also kept beside it in `state.sqlite.id`: a journal
    without it (new, emptied, or set aside and made again) while that file names one replaced it."""
    marker = path.with_name(path.name + ".id")
    try:
        before = marker.read_text(encoding="utf-8").strip() if marker.is_file() else None
    except (OSError, UnicodeDecodeError):
        before = None
    try:  # only a hint: a journal or store that cannot keep it just warns less
        db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('id', ?)", (uuid.uuid4().hex,))
        ident = db.execute("SELECT value FROM meta WHERE name = 'id'").fetchone()[0]
        if before is not None and before != ident:
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('replaced', ?)", (before,))
        if before != ident:
            with contextlib.suppress(OSError):
                marker.write_text(ident + "\n", encoding="utf-8")
        return db.execute("SELECT 1 FROM meta WHERE name = 'replaced'").fetchone() is not None
    except sqlite3.Error:
        return False


def _code(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def write_error(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """The store error a failed SQLite read or write means (disk full, read-only, I/O), else None."""
    code = _code(exc)
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return StoreError(f"the render journal {path} cannot be read or written ({exc}): check the disk (is it "
                          "full?) and run the same command again; finished shots are kept")
    if code == SQLITE_FULL:
        return StoreFull(f"no space left for the render journal {path} ({exc}): free some space and run the "
                         "same command again; finished shots are kept")
    if code == SQLITE_READONLY:
        return StoreReadOnly(f"cannot write the render journal {path} ({exc}): make the store writable and run "
                             "the same command again")
    return None


def set_aside(path: Path) -> Path:
    """Rename the journal (and its -wal/-shm files) to `state.sqlite.damaged-<time>`."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    return aside


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    try:
        check = db.execute("PRAGMA quick_check(1)").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
        _write_ahead(db)
        db.execute("PRAGMA synchronous=FULL")
        # one write transaction: two runs opening one new store at once must not both add a column
        db.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        have = {row[1] for row in db.execute("PRAGMA table_info(shots)")}
        for name, kind in EXTRA_COLUMNS.items():
            if name not in have:
                db.execute(f"ALTER TABLE shots ADD COLUMN {name} {kind}")
        db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _write_ahead(db: sqlite3.Connection) -> None:
    """WAL mode. Switching a new journal meets another run switching it at once with "locked"
    without waiting (SQLite's busy handler does not cover it): tried again, within BUSY_TIMEOUT."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if _code(exc) != SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _read_only(path: Path, notes: list[str]) -> sqlite3.Connection:
    """The journal of a store that cannot be written, copied into memory: read as it is, and what
    is rebuilt from the lock file stays in memory. (A WAL journal left by a killed run needs its
    -shm file, which cannot be made here: then it is read as immutable. Without a -wal file all of
    it is in the journal's own file, read as immutable: a store only looked at gets no -wal or -shm.)"""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    if path.is_file():
        logged = path.with_name(path.name + "-wal").exists()
        for mode in ("mode=ro", "immutable=1") if logged else ("immutable=1",):
            db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None)
            try:
                db.backup(memory)
                break
            except sqlite3.DatabaseError:
                pass
            finally:
                db.close()
        else:
            notes.append(f"the render journal {path} cannot be read, and the store is read-only: it is not used")
    memory.executescript(SCHEMA)
    have = {row[1] for row in memory.execute("PRAGMA table_info(shots)")}
    for name, kind in EXTRA_COLUMNS.items():
        if name not in have:
            memory.execute(f"ALTER TABLE shots ADD COLUMN {name} {kind}")
    return memory
