"""The join's cache: normalised clips and encoded pieces, each under the hash of what made it.

A key is the sha256 of the ffmpeg command that makes the file, with every input file named by the
sha256 of its bytes and the ffmpeg binary by its path and size: the same command on the same bytes
gives the same file, so a later join (an edited storyboard, a re-film) takes it from here instead of
encoding it again. Files are written beside their final name and renamed into place, so a join
killed half-way leaves no half-written entry; each entry has a `.sha256` beside it naming its bytes'
sha256 and the entry's own name (as `sha256sum` writes it), and an entry whose bytes no longer match
(a damaged disk, a hand edit, another entry's file and sidecar copied over it) is made again, never
copied into a film.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from storyfilm.mediaio import runner, scratch

OUT = "{out}"  # where a command names its output, until it runs


# A file written again within one tick of the file system's clock keeps its mtime, so a file that
# changed this recently is hashed afresh each time it is asked for, never taken from memory.
RECENT_SECONDS = 2.0


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@functools.lru_cache(maxsize=4096)
def _remembered_sha(path: str, size: int, mtime_ns: int) -> str:
    return _sha(path)


def content_sha(path: Path) -> str:
    """The sha256 of a file's bytes, remembered while its size and mtime stay the same (for a file
    that last changed more than RECENT_SECONDS ago)."""
    stat = os.stat(path)
    if time.time() - stat.st_mtime < RECENT_SECONDS:
        return _sha(str(path))
    return _remembered_sha(str(path), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _tool() -> str:
    exe = runner.ffmpeg_exe()
    return f"{exe}:{os.stat(exe).st_size}"


class JoinCache:
    def __init__(self, folder: Path, spill: Path | None = None) -> None:
        """`spill`: where entries go when `folder` cannot be written (a read-only store): the
        entries `folder` holds are still used, the others made there, for this join only."""
        self.folder = folder
        self.spill = None if spill is None or _writable(folder) else spill

    def key(self, args: list[str], inputs: list[Path]) -> str:
        named = {str(p): content_sha(p) for p in inputs}
        return hashlib.sha256(json.dumps([_tool(), [named.get(a, a) for a in args]]).encode()).hexdigest()

    def entry(self, kind: str, key: str, suffix: str) -> Path:
        target = self.folder / kind / key[:2] / f"{key}{suffix}"
        if self.spill is None or _intact(target):
            return target
        return self.spill / kind / key[:2] / f"{key}{suffix}"

    def holds(self, target: Path) -> bool:
        """Is `target` there with the bytes it was written with? A damaged entry is removed."""
        if _intact(target):
            return True
        with contextlib.suppress(OSError):  # a read-only cache keeps it: `entry` then names another place
            target.unlink(missing_ok=True)
            target.with_name(target.name + ".sha256").unlink(missing_ok=True)
        return False

    def make(self, target: Path, args: list[str], *, what: str, progress: Callable[[int], None] | None = None) -> Path:
        """Run `args` (output `OUT`) into `target` unless it is held already."""
        if not self.holds(target):
            self._run({OUT: target}, args, what=what, progress=progress)
        return target

    def make_all(self, targets: list[Path], args: list[str], *, what: str) -> None:
        """Run `args` once to make several entries: output i is named `outputs(i)` in `args`."""
        if not all(self.holds(target) for target in targets):
            self._run({outputs(i): target for i, target in enumerate(targets)}, args, what=what)

    def _run(self, named: dict[str, Path], args: list[str], *, what: str,
             progress: Callable[[int], None] | None = None) -> None:
        """Run `args`, each placeholder in `named` writing beside its target, then keep them all."""
        partials = {name: scratch.partial_beside(target) for name, target in named.items()}
        for target in named.values():
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch.sweep_dead_partials(target.parent)
        try:
            runner.run([str(partials[a]) if a in partials else a for a in args], what=what, progress=progress)
            for name, target in named.items():
                _keep(partials[name], target)
        finally:
            for partial in partials.values():
                partial.unlink(missing_ok=True)

    def put(self, target: Path, data: bytes) -> None:
        """Keep `data` (a small result, not made by ffmpeg) as an entry."""
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.sweep_dead_partials(target.parent)
        partial = scratch.partial_beside(target)
        partial.write_bytes(data)
        _keep(partial, target)


def _intact(target: Path) -> bool:
    """Is `target` there with the bytes its sidecar names it by?"""
    try:
        return target.with_name(target.name + ".sha256").read_text() == _sidecar_text(content_sha(target), target)
    except (OSError, ValueError):  # ValueError: a sidecar that is not text
        return False


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _keep(partial: Path, target: Path) -> None:
    """A whole entry into place, with the sha256 `holds` checks it by beside it."""
    sidecar = target.with_name(target.name + ".sha256")
    scratch.replace_with(sidecar, _sidecar_text(content_sha(partial), target).encode(), durable=False)
    os.replace(partial, target)


def _sidecar_text(sha: str, target: Path) -> str:
    """The entry's sha256 and its name: a sidecar copied with another entry's bytes names that entry."""
    return f"{sha}  {target.name}\n"


def outputs(i: int) -> str:
    """Where a command that makes several entries names its output i, until it runs."""
    return "{out%d}" % i
