"""`storyfilm verify STORY`: every object the storyboard's lock files and the store's journal refer
to, hashed in full; a damaged one is set aside (quarantine/), and the report says which shots a
`storyfilm film` will fetch or render again and what that may cost."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
import tempfile
from contextlib import ExitStack

from storyfilm.errors import StoreDamaged, UsageError
from storyfilm.rendering import lockfile, rebuild
from storyfilm.rendering.journal_entry import Entry
from storyfilm.rendering.store import Store


@dataclass
class Report:
    checked: int = 0
    megabytes: float = 0.0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)  # "shot video abc123..." lines
    damaged: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)  # what objects/ holds that is no file of the store's
    disagree: list[str] = field(default_factory=list)  # a shot whose lock file, journal and made/ differ
    cost: float = 0.0  # what rendering the affected shots again would cost, from the lock files
    paid: int = 0  # the missing or damaged objects the next film fetches or renders again

    def lines(self) -> list[str]:
        bad = [f"damaged: {line}" for line in self.damaged] + [f"missing: {line}" for line in self.missing]
        bad += [f"stray: {line}" for line in self.strays] + [f"disagree: {line}" for line in self.disagree]
        return bad + [f"{self.checked} objects checked ({self.megabytes:.1f} MB in {self.seconds:.2f} s): "
                      f"{self.checked - len(self.damaged) - len(self.missing)} whole, {len(self.damaged)} damaged, {len(self.missing)} missing"]


def references(story: Path, store: Store) -> dict[str, tuple[str, float]]:
    """sha256 → (what refers to it, the cost of its shot) from both lock files and the journal."""
    found: dict[str, tuple[str, float]] = {}
    for shot in _lock_shots(story):
        cost = shot.get("cost") if isinstance(shot.get("cost"), (int, float)) else 0.0
        for field_, what in (("video_sha256", "video"), ("last_frame_sha256", "last frame")):
            if isinstance(shot.get(field_), str):
                found.setdefault(shot[field_], (f"shot {shot.get('id')!r} {what}", cost))
    for entry in store.finished():
        for sha, what in ((entry.video_sha, "video"), (entry.frame_sha, "last frame")):
            if sha:
                found.setdefault(sha, (f"shot {entry.shot_id!r} {what} (journal)", entry.cost or 0.0))
    return found


def verify(story: Path, store_root: Path | None = None) -> Report:
    """Check every referenced object; raises StoreDamaged (with the report) when any is not whole."""
    if not story.is_file():
        raise UsageError(f"{story}: no such storyboard")
    root = store_root or story.parent / ".storyfilm"
    report = Report()
    started = time.perf_counter()
    with ExitStack() as stack:
        if not root.is_dir():  # never rendered here: whatever the lock files name is missing
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        store = stack.enter_context(Store(root))
        bad: dict[str, float] = {}  # sha256 → the cost of its shot
        for sha, (what, cost) in sorted(references(story, store).items(), key=lambda item: item[1][0]):
            report.checked += 1
            path = store.path(sha)
            if not path.is_file():
                report.missing.append(f"{what} {sha[:12]}")
            elif store.has(sha):  # hashes it in full: a fresh Store has checked nothing yet
                report.megabytes += path.stat().st_size / 1e6
                continue
            else:
                report.damaged.append(f"{what} {sha[:12]}")
            bad[sha] = cost
        report.strays = _strays(store.objects)  # before the rows are looked at: a folder there is set aside
        mended = _mended(story, store)  # rows the next film mends from whole objects: nothing paid for them
        spared = {sha for entry, _ in mended.values() for sha in (entry.video_sha, entry.frame_sha)}
        report.cost = sum(cost for sha, cost in bad.items() if sha not in spared)
        report.paid = len(set(bad) - spared)
        report.disagree = _disagreements(story, store, mended)
        report.seconds = time.perf_counter() - started
        notes = list(store.notes)
    if report.missing or report.damaged or report.strays or report.disagree:
        remedy = [_remedy(story, report)] if report.paid else []
        raise StoreDamaged("\n".join([*report.lines(), *notes, *remedy]))
    return report


def _lock_shots(story: Path) -> list[dict]:
    return [shot for preview in (False, True) for shot in (lockfile.read(story, preview=preview) or {}).get("shots", [])]


def _mended(story: Path, store: Store) -> dict[str, tuple[Entry, str]]:
    """key → (its journal row, what the next film does about it) for the finished rows the next film
    mends from whole objects (rebuild.mend_for)."""
    found = {}
    for shot in _lock_shots(story):
        key = shot.get("key")
        mend = rebuild.mend_for(store, key, (shot.get("video_sha256"), shot.get("last_frame_sha256"))) \
            if isinstance(key, str) else None
        if mend is not None:
            found[key] = (mend.entry, f"the journal names {' and '.join(mend.bad)}; the next film uses "
                                      f"{mend.whose}'s (video {mend.video[:12]}, whole), nothing paid")
    return found


def _disagreements(story: Path, store: Store, mended: dict[str, tuple[Entry, str]]) -> list[str]:
    """Shots whose clip and frame the lock file, the journal and the store's own record (made/)
    name differently (one was edited, or swapped between shots): which one the next film uses."""
    found = []
    for shot in _lock_shots(story):
        key = shot.get("key")
        entry = store.entry(key) if isinstance(key, str) else None
        said = {"the lock file": (shot.get("video_sha256"), shot.get("last_frame_sha256")),
                "the journal": (entry.video_sha, entry.frame_sha) if entry and entry.status == "done" else None,
                "the store's record": store.made.recorded(key) if isinstance(key, str) else None}
        said = {who: shas for who, shas in said.items() if shas is not None}
        if len(set(said.values())) > 1:
            used = "the journal" if "the journal" in said else "the store's record"
            found.append(f"shot {shot.get('id')!r} (key {key[:12]}): " + ", ".join(
                f"{who} names video {v[:12] if isinstance(v, str) else v} and last frame "
                f"{f[:12] if isinstance(f, str) else f}" for who, (v, f) in said.items())
                + "; " + (mended[key][1] if key in mended else _which_wins(said, used, store.made.folder / key)))
    return found


def _which_wins(said: dict[str, tuple], used: str, record: Path) -> str:
    if said["the lock file"] != said[used]:
        return f"the next film uses {used}'s and writes the lock file again, nothing paid"
    return f"the next film uses {used}'s; {record} names another clip (edited?): remove it if the journal is right"


def _strays(objects: Path) -> list[str]:
    """What objects/ holds besides the store's files (each a regular file named by its sha256): a
    symbolic link (its bytes live elsewhere, where they may change), a folder, a pipe."""
    found = []
    for path in sorted(objects.iterdir()) if objects.is_dir() else ():
        if path.is_symlink():
            found.append(f"{path} is a symbolic link to {os.readlink(path)}, not a file the store wrote: remove it")
        elif not path.is_file():
            found.append(f"{path} is {'a folder' if path.is_dir() else 'not a regular file'}, not a file the store "
                         "wrote: remove it")
    return found


def _remedy(story: Path, report: Report) -> str:
    return (f"`storyfilm film {story}` fetches their shots again from their tasks while the results are "
            f"kept, else renders them again (up to {report.cost:.2f} CNY)")


def summary(report: Report) -> str:
    return report.lines()[-1]
