"""What the store may trust: objects are named by their sha256, so every one is checked (the whole
file hashed, ~1.5 ms per MB) before it is served; a damaged one is set aside in `quarantine/`,
never deleted, and counts as missing. And the OS errors of a store that cannot be written,
translated once into one clear message each.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from pathlib import Path

from storyfilm.errors import StoreError, StoreFull, StorePathUnusable, StoreReadOnly
from storyfilm.mediaio.scratch import move_into_place, process_alive

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
# the kernel's own file systems: no store can be kept there (/dev/shm is a tmpfs for files, and may be)
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
CHOOSE = "choose another store with --store; nothing was spent"


def is_sha256(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Objects:
    """The files under `objects/`, each checked against its name once per process (again if the
    file changes: its inode, size or mtime); `notes` says what was set aside and why. A symbolic
    link there is no object of the store's, whatever it points to."""

    def __init__(self, root: Path, *, look_only: bool = False):
        self.objects, self.quarantine = root / "objects", root / "quarantine"
        self.look_only = look_only  # a damaged object is told, never moved (a dry run changes nothing)
        self._checked: dict[str, tuple[int, int, int]] = {}
        self.notes: list[str] = []

    def path(self, sha: str) -> Path:
        return self.objects / sha

    def trusted(self, sha: str | None) -> bool:
        """The object exists and its bytes hash to its name. A damaged object is set aside."""
        if not sha or not is_sha256(sha):  # never a path outside objects/ (a lock file names these)
            return False
        path = self.path(sha)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        if path.is_symlink():  # its bytes live elsewhere, where they may change or go: not the store's
            self.set_aside(sha, f"it is a symbolic link to {os.readlink(path)}, not a file the store wrote")
            return False
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if self._checked.get(sha) == seen:
            return True
        try:
            whole = sha256_file(path) == sha
        except OSError as exc:  # a directory, an unreadable file, a bad sector
            self.set_aside(sha, f"it cannot be read: {exc.strerror}")
            return False
        if whole:
            self._checked[sha] = seen
            return True
        self.set_aside(sha, "its bytes do not match its sha256")
        return False

    def set_aside(self, sha: str, why: str) -> Path | None:
        """Move a damaged object into `quarantine/` (kept for inspection); None when it cannot move."""
        self._checked.pop(sha, None)
        if self.look_only:
            note = f"object {sha[:12]} is damaged ({why}): left in place; a film or gc sets it aside in {self.quarantine}"
            if note not in self.notes:
                self.notes.append(note)
            return None
        target = self.quarantine / f"{sha}.{time.strftime('%Y%m%dT%H%M%S')}"
        try:
            self.quarantine.mkdir(exist_ok=True)
            if self.path(sha).is_dir() and not self.path(sha).is_symlink():  # a folder in its place: no bytes to copy
                os.replace(self.path(sha), target)
            else:
                move_into_place(self.path(sha), target)  # objects/ may be another disk than quarantine/
        except OSError as exc:
            self.notes.append(f"object {sha[:12]} is damaged ({why}) and could not be set aside: {exc.strerror}")
            return None
        self.notes.append(f"object {sha[:12]} is damaged ({why}): set aside as {target}; it is fetched or "
                          "rendered again")
        return target


def writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def disk_error(exc: OSError, root: Path) -> StoreError | None:
    """The store error an OSError means (disk full, read-only), else None: the caller re-raises."""
    where = exc.filename or root
    if exc.errno in FULL:
        return StoreFull(f"no space left for {where} ({exc.strerror}): free some space (or move the store with "
                         "--store) and run the same command again; finished shots are kept")
    if exc.errno == errno.EROFS or (exc.errno in READ_ONLY and exc.filename):
        return StoreReadOnly(f"cannot write {where} ({exc.strerror}): make it writable (or choose another store "
                             "with --store) and run the same command again")
    return None


def in_the_way(path: Path, needed: str) -> StoreError:
    """The store error for a path that is not what the store needs there (a file where its folder
    goes, a folder where its journal goes)."""
    blocker = next((part for part in (path, *path.parents) if part.exists()), path)
    found = "a folder" if blocker.is_dir() else "a file"
    return StoreError(f"{blocker} is {found}, where the store needs a {needed}: move it away (or choose another "
                      "store with --store) and run the same command again; nothing was spent")


def unusable_root(root: Path) -> StorePathUnusable | None:
    """Why `root` can never hold a store (told before anything is made or sent), else None."""
    if root.is_symlink() and not root.exists():
        return StorePathUnusable(f"the store {root} is a symbolic link to {os.readlink(root)}, which does not exist: "
                                 f"make its target, or {CHOOSE}")
    real = root.resolve()
    system = next((top for top in SYSTEM_FOLDERS if real.is_relative_to(top)), None)
    if system is not None and not real.is_relative_to("/dev/shm"):
        return StorePathUnusable(f"the store {root} is under {system}, the kernel's own files, where no store can be "
                                 f"kept: {CHOOSE}")
    entered = next((part for part in (real, *real.parents) if part.is_dir()), None)
    if entered is not None and not os.access(entered, os.X_OK):
        return StorePathUnusable(f"the store {root} cannot be reached: the folder {entered} cannot be entered (no "
                                 f"x permission): give it that permission, or {CHOOSE}")
    return None


def made_folder(exc: OSError, root: Path) -> StoreError:
    """The error of a store folder that could not be made (the disk full, no permission, a path
    the file system refuses)."""
    failure = disk_error(exc, root)
    if isinstance(failure, StoreFull):
        return failure
    where = exc.filename or root
    return StorePathUnusable(f"cannot make the store folder {where} ({exc.strerror}): make it writable, or {CHOOSE}")


def sweep(incoming: Path, *, mine: bool = False) -> int:
    """Delete what killed runs left half-written in `incoming/` (files of live processes stay;
    `mine`: this process's too, once its render has ended)."""
    removed = 0
    for file in incoming.iterdir():
        pid = file.name.lstrip(".").split("-", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() and not mine or int(pid) != os.getpid() and process_alive(int(pid))):
            continue
        file.unlink(missing_ok=True)
        removed += 1
    return removed
