"""`storyfilm gc`: make the render cache smaller without losing anything a film needs.

What stays: every clip and frame a lock file names (the lock files in the folder, and beside every
storyboard the journal knows), each shot's newest `keep_takes` finished takes, whatever belongs to
a storyboard outside the collection, tasks still in flight, and the files of renders the store
made (made/) that its journal no longer knows (a replaced journal). The rest of the finished takes
go: their records and journal rows first, then their objects (a run killed between the two leaves only objects no
row names, which the next gc removes). It holds the store's render lock, so it never runs beside
a render; a journal row it cannot read is kept, never guessed at.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storyfilm.errors import StoreReadOnly, UsageError
from storyfilm.rendering import lockfile
from storyfilm.rendering.store import Entry, Store
from storyfilm.rendering.trust import is_sha256

LOCAL_PREVIEW = "local-preview"


@dataclass(frozen=True)
class Take:
    """A finished render of one shot that gc removes (or, with --dry-run, would)."""

    key: str
    shot_id: str
    stories: tuple[str, ...]
    updated_at: float
    cost: float
    preview: bool  # rendered by the local preview server: nothing was paid for it


@dataclass
class Collection:
    store: Path
    dry_run: bool
    removed: list[Take] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)  # sha256 of every object removed
    unnamed: list[str] = field(default_factory=list)  # of them, those no removed take names (no row names them)
    freed: int = 0  # bytes
    kept: int = 0  # finished takes kept
    locked: int = 0  # of them, named by a lock file
    notes: list[str] = field(default_factory=list)  # what was found damaged on the way
    found_cache: bool = True
    join_files: int = 0  # files of the join cache removed (whole folder only): time to remake, never money
    join_bytes: int = 0

    @property
    def cost(self) -> float:
        return sum(t.cost for t in self.removed)

    @property
    def paid(self) -> float:
        return sum(t.cost for t in self.removed if not t.preview)


def collect(paths: list[Path], *, store: Path | None = None, keep_takes: int = 1, dry_run: bool = False,
            wanted: Callable[[list[Path], Store], tuple[set[str], list[str]]] | None = None) -> Collection:
    """Remove (or, `dry_run`, only list) the takes no lock file needs from the store beside `paths`
    (one folder, or storyboards in one folder). `wanted(storyboards, journal)`: the keys the
    storyboards as they are now would film from the store (and notes): those takes stay too."""
    if keep_takes < 0:
        raise UsageError("--keep-takes must be 0 or more")
    folder, stories = _scope(paths)
    root = store or folder / ".storyfilm"
    found = Collection(root, dry_run)
    if not (root / "state.sqlite").is_file():
        if stories is None and store is None and not any(folder.glob("*.y*ml")):
            raise UsageError(f"{folder}: no storyboards (.yaml) and no render cache ({root}) here; give the folder "
                             "of your storyboards, or storyboards")
        found.found_cache = False
        return found
    with Store(root, look_only=dry_run) as journal:
        if not dry_run:
            if journal.read_only:
                raise StoreReadOnly(f"the store {root} is read-only: gc cannot remove anything from it")
            journal.exclusive()  # StoreBusy while a render or a film runs
        entries = journal.all_entries()
        links = journal.links()
        locked = _locked(folder, root, links)
        in_scope = _in_scope(folder, root, stories)
        if wanted is not None:
            keys, notes = wanted(_storyboards(stories, links, root, in_scope), journal)
            found.notes += notes
            locked |= {key: {} for key in keys if key not in locked}
        keep, drop = _choose(entries, links, locked, in_scope, keep_takes)
        found.kept, found.locked = len(keep), sum(e.key in locked for e in keep)
        found.removed = [_take(e, links) for e in drop]
        doomed = _files_to_remove(journal, entries, drop, locked, whole_folder=stories is None, notes=found.notes)
        found.objects = sorted(doomed)
        found.unnamed = sorted(doomed - {sha for e in drop for sha in (e.video_sha, e.frame_sha)})
        found.freed = sum(_size(journal.path(sha)) for sha in doomed)
        if not dry_run:
            journal.forget([e.key for e in drop])
            for sha in doomed:
                with contextlib.suppress(FileNotFoundError):
                    journal.path(sha).unlink()
        found.notes[:0] = journal.notes  # what it found damaged, also while the storyboards were read
        if stories is None:
            _empty_join_cache(root / "joins", found)
    return found


def _empty_join_cache(folder: Path, found: Collection) -> None:
    """The join cache (assembly/join_cache.py) holds encoded pieces and normalised clips: a film's
    next join remakes the ones it needs, byte for byte, in seconds and for free. No lock file names
    them, so a folder's gc removes them all, with what killed joins left half-written."""
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    found.join_files, found.join_bytes = len(files), sum(_size(p) for p in files)
    if not found.dry_run:
        for path in files:
            path.unlink(missing_ok=True)


def _files_to_remove(journal: Store, entries: list[Entry], drop: list[Entry], locked: dict[str, dict], *,
                     whole_folder: bool, notes: list[str]) -> set[str]:
    """The dropped takes' objects no kept row or lock file also names; for a whole folder, also the
    objects no row names at all (unless a journal set aside may name them)."""
    dropped = {e.key for e in drop}
    needed = {sha for e in entries if e.key not in dropped for sha in (e.video_sha, e.frame_sha)}
    needed |= locked_shas(locked)
    known = {e.key for e in entries}
    lost = {key: made for key, made in journal.made.all().items() if key not in known}
    if lost:  # rows a new or emptied journal lost: a lock file the journal no longer knows may name them
        needed |= {sha for made in lost.values() for sha in made}
        notes.append(f"{_count(lost, 'render')} this store made {'is' if len(lost) == 1 else 'are'} not in its journal "
                     "(a new or emptied one): kept, with their files, until a film of their storyboard puts them "
                     "back in it")
    doomed = {sha for e in drop for sha in (e.video_sha, e.frame_sha) if _is_sha(sha) and sha not in needed}
    aside = sorted(p.name for p in journal.root.glob("state.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm")))
    if whole_folder and not aside:
        doomed |= {p.name for p in journal.objects.iterdir() if is_sha256(p.name) and p.name not in needed}
    elif whole_folder:
        notes.append(f"files no journal row names are kept while {journal.root / aside[-1]} is there (it may name "
                     "them); delete it to let gc remove them")
    return doomed


def _scope(paths: list[Path]) -> tuple[Path, set[Path] | None]:
    """The folder whose cache is collected, and the storyboards it is limited to (None: all of them)."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], None
    for path in paths:
        if path.is_dir():
            raise UsageError(f"{path}: give one folder, or storyboards, not both")
        if not path.is_file():
            raise UsageError(f"{path}: no such storyboard or folder")
    folders = {p.resolve().parent for p in paths}
    if len(folders) > 1:
        raise UsageError("gc: the storyboards are in different folders; collect each folder's cache on its own")
    return paths[0].parent, {p.resolve() for p in paths}


def _storyboards(stories: set[Path] | None, links, root: Path, in_scope) -> list[Path]:
    """The storyboards collected: those named, else those of the folder the journal knows."""
    if stories is not None:
        return sorted(stories)
    known = {story for pairs in links.values() for story, _ in pairs if in_scope(story)}
    return sorted(path for path in (_story_path(story, root) for story in known) if path.is_file())


def _story_path(name: str, root: Path) -> Path:
    return (root.resolve().parent / name) if not Path(name).is_absolute() else Path(name)


def _in_scope(folder: Path, root: Path, stories: set[Path] | None):
    inside = folder.resolve()

    def check(name: str) -> bool:
        path = _story_path(name, root).resolve()
        return path in stories if stories is not None else path.is_relative_to(inside)
    return check


def _locked(folder: Path, root: Path, links: dict[str, set[tuple[str, str]]]) -> dict[str, dict]:
    """key → its lock file shot entry, from every lock file in the folder and beside every
    storyboard the journal knows; a lock file that cannot be read stops gc (LockFileDamaged)."""
    files = set(folder.glob("*.lock.json"))
    for story in {s for pairs in links.values() for s, _ in pairs}:
        for preview in (False, True):
            files.add(lockfile.lock_path(_story_path(story, root), preview=preview))
    locked: dict[str, dict] = {}
    for file in sorted(f for f in files if f.is_file()):
        preview = file.name.endswith(".preview.lock.json")
        stem = file.name.removesuffix(".preview.lock.json" if preview else ".lock.json")
        for shot in (lockfile.read(file.with_name(f"{stem}.yaml"), preview=preview) or {}).get("shots", []):
            locked[shot["key"]] = shot
    return locked


def locked_shas(locked: dict[str, dict]) -> set[str]:
    return {shot[name] for shot in locked.values() for name in ("video_sha256", "last_frame_sha256")
            if isinstance(shot.get(name), str)}


def _choose(entries: list[Entry], links, locked: dict[str, dict], in_scope, keep_takes: int):
    """(kept finished takes, takes to drop): per storyboard and shot, the newest `keep_takes`; a
    take any lock names, or that a storyboard outside the collection uses, always stays."""
    done = [e for e in entries if e.status == "done"]
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in done:
        for story, shot_id in links.get(entry.key) or {("", entry.shot_id)}:
            groups.setdefault((story, shot_id), []).append(entry)
    keep = {e.key for e in done if e.key in locked
            or any(story and not in_scope(story) for story, _ in links.get(e.key, ()))}
    for takes in groups.values():
        keep |= {e.key for e in sorted(takes, key=_when, reverse=True)[:keep_takes]}
    return [e for e in done if e.key in keep], [e for e in done if e.key not in keep]


def _when(entry: Entry) -> float:
    """A damaged row's time (not a number) counts as the oldest."""
    return float(entry.updated_at) if isinstance(entry.updated_at, (int, float)) else 0.0


def _is_sha(value: object) -> bool:
    return isinstance(value, str) and is_sha256(value)


def _take(entry: Entry, links) -> Take:
    try:
        backend = str((entry.material_dict() or {}).get("backend", ""))
    except (ValueError, AttributeError):  # a damaged row's material
        backend = ""
    cost = float(entry.cost) if isinstance(entry.cost, (int, float)) else 0.0
    stories = tuple(sorted({s for s, _ in links.get(entry.key, ())}))
    return Take(entry.key, str(entry.shot_id), stories, _when(entry), cost, backend.startswith(LOCAL_PREVIEW))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def human(size: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def summary(found: Collection) -> list[str]:
    """What gc did (or would do), for people."""
    if not found.found_cache:
        return [f"no render cache at {found.store}: nothing to remove"]
    verb = "would remove" if found.dry_run else "removed"
    lines = [f"warning: {note}" for note in found.notes]
    for take in sorted(found.removed, key=lambda t: (t.stories, t.shot_id, -t.updated_at)):
        owner = ", ".join(take.stories) or "(no storyboard recorded)"
        lines.append(f"  {verb} {owner} {take.shot_id}: take {take.key[:12]}  {take.cost:.2f} CNY"
                     + ("  (preview)" if take.preview else ""))
    for sha in found.unnamed:
        lines.append(f"  {verb} {found.store / 'objects' / sha}  (no journal row names it)")
    paid = f"{found.paid:.2f} CNY of it paid" if found.paid else "nothing of it paid: local previews"
    size = human(found.freed) + (f" ({found.freed:,} bytes)" if found.freed >= 1024 else "")
    lines.append(f"{found.store}: {verb} {_count(found.removed, 'take')} and {_count(found.objects, 'file')}, "
                 f"{'would free' if found.dry_run else 'freed'} {size}; the removed takes cost {found.cost:.2f} CNY "
                 "to render" + (f" ({paid})" if found.removed else "")
                 + f"; kept {_count(range(found.kept), 'take')} ({found.locked} named by lock files or needed by the "
                 "storyboards as they are now)")
    if found.join_files:
        lines.append(f"{found.store / 'joins'}: {verb} the join cache, {_count(range(found.join_files), 'file')}, "
                     f"{human(found.join_bytes)} (the next film re-encodes the pieces it needs, at no cost)")
    return lines


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
