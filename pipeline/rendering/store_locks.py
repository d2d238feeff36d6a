"""Who may use a store at once, held with flock (the OS drops a lock when its process dies, even by
SIGKILL, so a killed run never leaves the store locked).

    render.lock  exclusive: the one process creating tasks with this store (a render, `cancel`,
                 `gc`); two renders of one storyboard would create its tasks twice
    use.lock     shared by every film that reads the store's objects, cached or rendering;
                 exclusive for `gc`, which removes objects and must never do it under a film
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from storyfilm.errors import StoreBusy
from storyfilm.rendering.trust import in_the_way


class StoreLocks:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._held: dict[str, IO[str]] = {}

    def claim(self) -> None:
        """This process is the only one rendering with the store."""
        self._take("render.lock", fcntl.LOCK_EX, "another storyfilm render is using {root}; wait for it or stop it")

    def share(self) -> None:
        """A film reads the store's objects: no `gc` may remove any until it ends."""
        self._take("use.lock", fcntl.LOCK_SH, "storyfilm gc is cleaning {root}; run the film again when it is done")

    def exclusive(self) -> None:
        """No film is reading the store, and none may start until this process ends (`gc`)."""
        self.claim()
        self._take("use.lock", fcntl.LOCK_EX, "a storyfilm film is reading {root}; run gc again when it is done")

    def release(self) -> None:
        for handle in self._held.values():
            handle.close()
        self._held.clear()

    def _take(self, name: str, mode: int, busy: str) -> None:
        if name in self._held:
            return
        try:
            handle = (self.root / name).open("a")
        except IsADirectoryError as exc:
            raise in_the_way(self.root / name, "file (a lock it holds while in use)") from exc
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreBusy(busy.format(root=self.root)) from None
        self._held[name] = handle
