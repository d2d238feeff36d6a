"""Content-addressed media store and the SQLite render journal.

Files enter the store only whole: written under `incoming/`, verified, hashed, then renamed into
`objects/<sha256>` (a rename is atomic), so a killed process never leaves a partial object. What
it serves is checked against its name first (`trust.py`): a damaged object is set aside in
`quarantine/` and counts as missing, so its shot is fetched or rendered again.

The journal has one row per content key. Its life: `creating` (the intent, written before the
create request, with the request's fingerprint so an orphaned task can be found again) →
`created` (the task id, committed the moment create returns) → `done` (video and last-frame
hashes) or `failed` / `expired`. Each row also keeps the key's material as JSON, which is how
`explain` tells why a shot will render again. A store opened for a storyboard (`story=`) links the
keys it renders or finds in its lock file to that storyboard (`story_shots`), and reads only its
own history: two storyboards with a shot `pour` each share media, never explanations. A lost or damaged journal is rebuilt from the lock
file (`rebuild.py`); its file is opened in `journal_file.py`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from storyfilm.errors import StoreReadOnly
from storyfilm.mediaio.scratch import move_into_place, sweep_dead_partials
from storyfilm.rendering.boot_clock import reading
from storyfilm.rendering.journal_entry import COLUMNS, Entry
from storyfilm.rendering.journal_file import open_journal, replaced, story_id, write_error
from storyfilm.rendering.made import MadeRecords
from storyfilm.rendering.store_locks import StoreLocks
from storyfilm.rendering.trust import (READ_ONLY, Objects, disk_error, in_the_way, made_folder, sha256_file,
                                      sweep, unusable_root, writable)

__all__ = ["Entry", "Store", "sha256_file", "story_id"]

class Store:
    """`read_only`: the store cannot be written (a read-only mount, no permission): what it holds is
    served, and a render that must store something fails with one message. `notes`: what was found
    damaged and set aside, for the user."""

    def __init__(self, root: Path, story: Path | None = None, *, look_only: bool = False):
        self.root = root
        self.story = story_id(story, root) if story is not None else None
        self.objects = root / "objects"
        self.incoming = root / "incoming"
        unusable = unusable_root(root)
        if unusable is not None:
            raise unusable
        try:
            for folder in () if look_only else (self.objects, self.incoming):  # looking makes no folder
                folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder must be
            raise in_the_way(Path(exc.filename or root), "folder") from exc
        except OSError as exc:
            if exc.errno not in READ_ONLY or not self.objects.is_dir():  # a read-only store is served as it is
                raise made_folder(exc, root) from exc
        self.look_only = look_only  # nothing on disk changes; what is rebuilt stays in memory
        self.read_only = look_only or not (writable(root) and writable(self.objects))
        self.media = Objects(root, look_only=look_only)
        self.made = MadeRecords(root)  # what each key rendered to, kept beside the journal
        self.notes = self.media.notes
        self._db = open_journal(root / "state.sqlite", read_only=self.read_only, notes=self.notes)
        # the journal was deleted, emptied or set aside, and with it the tasks a stopped run had
        # created and not finished: each is looked for on the service before its shot is created
        # (creates.py), among the tasks made since `history_since` (the lock file's last write)
        self.history_lost = not self.read_only and replaced(self._db, root / "state.sqlite")
        self.history_since: float | None = None
        self.locks = StoreLocks(root)
        if not self.read_only:
            self.sweep_incoming()

    def close(self) -> None:
        self._db.close()
        self.locks.release()

    def rendered(self) -> None:
        """Every shot of a render is done: a replaced journal (`history_lost`) is this store's again."""
        if self.history_lost:
            self._write("DELETE FROM meta WHERE name = 'replaced'", ())
            self.history_lost = False

    def claim(self) -> None:
        """Make this process the only one rendering with this store (see store_locks)."""
        self._writable_or_stop("shots must render into it")
        self.locks.claim()

    def share(self) -> None:
        """Read this store's objects for a film: `gc` waits until the film has ended."""
        if not self.read_only:
            self.locks.share()

    def exclusive(self) -> None:
        """Remove objects (`gc`): no render and no film may use the store meanwhile."""
        self._writable_or_stop("gc must remove objects from it")
        self.locks.exclusive()

    def _writable_or_stop(self, why: str) -> None:
        if self.read_only:
            raise StoreReadOnly(f"the store {self.root} is read-only, and {why}: make it "
                                "writable (or choose another with --store) and run the same command again")

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- media ---------------------------------------------------------------------------

    def path(self, sha: str) -> Path:
        return self.objects / sha

    def has(self, sha: str | None) -> bool:
        """The object is there and whole (its sha256 checked); a damaged one is set aside and missing."""
        return self.media.trusted(sha)

    def scratch(self, name: str) -> Path:
        """A place to write a file before it is put into the store."""
        return self.incoming / f"{os.getpid()}-{time.monotonic_ns()}-{name}"

    def sweep_incoming(self, *, mine: bool = False) -> int:
        """Delete what killed runs left half-written in `incoming/` (`trust.sweep`), and the copies they
        left in `objects/` when it is another disk (`move_into_place`)."""
        sweep_dead_partials(self.objects)
        return sweep(self.incoming, mine=mine)

    def put(self, file: Path) -> str:
        """Move a finished, verified file into the store; returns its sha256."""
        try:
            sha = sha256_file(file)
            if self.has(sha):  # a damaged copy was set aside by has(): this one replaces it
                file.unlink()
            else:
                move_into_place(file, self.path(sha))  # objects/ may be another disk than incoming/
        except OSError as exc:
            failure = disk_error(exc, self.root)
            if failure is None:
                raise
            raise failure from exc
        return sha

    # -- journal -------------------------------------------------------------------------

    def _write(self, sql: str, args: tuple) -> None:
        try:
            self._db.execute(sql, args)
        except sqlite3.Error as exc:
            failure = write_error(exc, self.root / "state.sqlite")
            if failure is None:
                raise
            raise failure from exc

    def _select(self, where: str, args: tuple) -> list[Entry]:
        rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM shots WHERE {where}", args).fetchall()
        return [Entry(*row) for row in rows]

    def entry(self, key: str) -> Entry | None:
        found = self._select("key = ?", (key,))
        return found[0] if found else None

    def last_done(self, shot_id: str, *, backend: str | None = None) -> Entry | None:
        """The most recent finished render of a shot id (whatever its key): what `explain` compares to.
        With a storyboard: its own renders, else rows no storyboard claims (journals older than the
        link); never another storyboard's."""
        where, args = "shot_id = ? AND status = 'done'", (shot_id,)
        if backend is not None:
            where, args = where + " AND json_extract(material, '$.backend') = ?", (shot_id, backend)
        scopes = [("", ())]
        if self.story is not None:
            scopes = [(" AND key IN (SELECT key FROM story_shots WHERE story = ? AND shot_id = ?)", (self.story, shot_id)),
                      (" AND key NOT IN (SELECT key FROM story_shots)", ())]
        for scope, more in scopes:
            found = self._select(where + scope + " ORDER BY updated_at DESC LIMIT 1", args + more)
            if found:
                return found[0]
        return None

    def links(self) -> dict[str, set[tuple[str, str]]]:
        """Every key a storyboard rendered or locked: key → {(story, shot id)}."""
        linked: dict[str, set[tuple[str, str]]] = {}
        for story, shot_id, key in self._db.execute("SELECT story, shot_id, key FROM story_shots"):
            linked.setdefault(key, set()).add((story, shot_id))
        return linked

    def _link(self, key: str, shot_id: str) -> None:
        if self.story is not None:
            self._write("INSERT INTO story_shots (story, shot_id, key, at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(story, shot_id, key) DO UPDATE SET at = excluded.at", (self.story, shot_id, key, time.time()))

    def forget(self, keys: list[str]) -> None:
        """Drop journal rows (and their links) whose media `gc` removed."""
        for key in keys:  # its record first: a record without a row is a lost journal's, and gc keeps its files
            self.made.forget(key)
            self._write("DELETE FROM story_shots WHERE key = ?", (key,))
            self._write("DELETE FROM shots WHERE key = ?", (key,))

    def all_entries(self) -> list[Entry]:
        return self._select("1", ())

    def finished(self) -> list[Entry]:
        return self._select("status = 'done'", ())

    def restore_done(self, key: str, shot_id: str, task_id: str | None, video_sha: str, frame_sha: str,
                     seed: int | None, tokens: int | None, cost: float | None) -> bool:
        """A finished shot the journal lost, from the lock file; False when the journal knows the key.
        Either way the key is this storyboard's (its lock file names it)."""
        self._link(key, shot_id)
        if self.entry(key) is not None:
            return False
        self._write("INSERT INTO shots (key, shot_id, task_id, status, attempts, video_sha, frame_sha, seed, tokens, "
                    "cost, updated_at) VALUES (?, ?, ?, 'done', 1, ?, ?, ?, ?, ?, ?)",
                    (key, shot_id, task_id, video_sha, frame_sha, seed, tokens, cost, time.time()))
        return True

    def claimed_task_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT task_id FROM shots WHERE task_id IS NOT NULL")}

    def create_intent(self, key: str, shot_id: str, material: dict[str, Any], fingerprint: dict[str, Any],
                      cost: float) -> None:
        """Written before a create request: if the answer is lost, resume looks for the task it made."""
        self._link(key, shot_id)
        now, boot, boot_id = reading()
        self._write(
            "INSERT INTO shots (key, shot_id, status, attempts, material, fingerprint, intent_at, cost, updated_at, "
            "since, intent_boot, boot_id) VALUES (?, ?, 'creating', 0, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO "
            "UPDATE SET status = 'creating', "
            "task_id = NULL, material = excluded.material, fingerprint = excluded.fingerprint, "
            "intent_at = excluded.intent_at, cost = excluded.cost, error = NULL, updated_at = excluded.updated_at, "
            "since = CASE WHEN shots.status IN ('creating', 'refused') AND shots.intent_at > excluded.intent_at - "
            "3600 THEN COALESCE(shots.since, shots.intent_at, excluded.since) ELSE excluded.since END, "
            "intent_boot = excluded.intent_boot, created_boot = NULL, boot_id = excluded.boot_id",
            (key, shot_id, json.dumps(material, sort_keys=True), json.dumps(fingerprint, sort_keys=True),
             now, cost, now, now, boot, boot_id))

    def rivals(self, key: str, shot_id: str, fingerprint: str, before: float) -> list[Entry]:
        """Unsettled creates of other keys for this shot, or with this fingerprint (another version
        of the shot, maybe renamed)."""
        return self._select("status = 'creating' AND (shot_id = ? OR fingerprint = ?) AND key != ? AND intent_at < ?",
                            (shot_id, fingerprint, key, before))

    def intent_unfound(self, key: str) -> None:
        """A create looked for over its whole settle window and not found: no longer pending."""
        self._write("UPDATE shots SET status = 'unfound', updated_at = ? WHERE key = ? AND status = 'creating'",
                    (time.time(), key))

    def task_created(self, key: str, shot_id: str, task_id: str) -> None:
        self._link(key, shot_id)
        now, boot, boot_id = reading()
        # an intent_boot of another boot tells nothing in this one
        self._write(
            "INSERT INTO shots (key, shot_id, task_id, status, attempts, task_created_at, updated_at, created_boot, "
            "boot_id) VALUES (?, ?, ?, 'created', 1, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "task_id = excluded.task_id, status = 'created', attempts = attempts + 1, "
            "task_created_at = excluded.task_created_at, updated_at = excluded.updated_at, "
            "created_boot = excluded.created_boot, intent_boot = CASE WHEN shots.boot_id IS excluded.boot_id "
            "THEN shots.intent_boot END, boot_id = excluded.boot_id",
            (key, shot_id, task_id, now, now, boot, boot_id))

    def create_abandoned(self, key: str) -> None:
        """The create was refused: nothing was made, so no intent is pending."""
        self._write("UPDATE shots SET status = 'refused', updated_at = ? WHERE key = ? AND status = 'creating'",
                         (time.time(), key))

    def task_failed(self, key: str, status: str, error: str = "") -> None:
        self._write("UPDATE shots SET status = ?, error = ?, updated_at = ? WHERE key = ?",
                         (status, error[:500], time.time(), key))

    def shot_done(self, key: str, video_sha: str, frame_sha: str, seed: int | None, tokens: int | None) -> None:
        self._write("UPDATE shots SET status = 'done', video_sha = ?, frame_sha = ?, seed = ?, tokens = ?, "
                         "error = NULL, updated_at = ? WHERE key = ?",
                         (video_sha, frame_sha, seed, tokens, time.time(), key))
        if not self.look_only:
            self.made.record(key, video_sha, frame_sha)
