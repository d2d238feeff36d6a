"""Checking that a block of code is pure: the I/O it makes, and a media resolver that touches no file."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

_IO_EVENTS = ("open", "os.", "socket.", "subprocess.", "shutil.", "sqlite3.", "urllib.", "http.")

_io_watchers: dict[int, list[str]] = {}  # thread id → what that thread's watched block did


def _audit(event: str, args: tuple) -> None:
    seen = _io_watchers.get(threading.get_ident())
    if seen is not None and event.startswith(_IO_EVENTS):
        seen.append(f"{event} {args[0] if args else ''}")


@contextlib.contextmanager
def io_watch():
    """Yields a list of the file, directory, socket and process operations this thread makes inside
    the block: Python's audit events, plus os.stat/os.lstat, which raise none. A pure block leaves it
    empty. (Other threads, such as the session's local server, are not watched.)"""
    if not getattr(io_watch, "hooked", False):
        sys.addaudithook(_audit)  # cannot be removed: it records only while a block is watched
        io_watch.hooked = True  # type: ignore[attr-defined]
    seen: list[str] = []
    me = threading.get_ident()
    real = {name: getattr(os, name) for name in ("stat", "lstat")}

    def watched(name):
        def call(path, *args, **kwargs):
            if threading.get_ident() == me:
                seen.append(f"os.{name} {path}")
            return real[name](path, *args, **kwargs)
        return call

    _io_watchers[me] = seen
    for name in real:
        setattr(os, name, watched(name))
    try:
        yield seen
    finally:
        for name, function in real.items():
            setattr(os, name, function)
        del _io_watchers[me]


def memory_resolver(media: dict):
    """A storyboard media resolver over a dict (source as written → Media), touching no file; and the
    list of (source, folder) it was asked for."""
    from storyfilm.errors import MediaProblem

    asked: list[tuple[str, Path]] = []

    def resolve(source: str, folder: Path):
        asked.append((source, folder))
        if source not in media:
            raise MediaProblem(f"file not found: {source}")
        return media[source]

    return resolve, asked
