"""What a render would do now, without rendering: each shot's state and why (`storyfilm plan`), and
whether the film and its lock file are current (`storyfilm status`, like `make -q`). The film's
clips and key are made here the way `film` makes them, so the two can never disagree."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from storyfilm import planning, storyboard
from storyfilm.assembly import assemble, edit, slate
from storyfilm.mediaio.inputs import load_storyboard
from storyfilm.planning import explain
from storyfilm.rendering import lockfile, rebuild
from storyfilm.rendering.executor import Executor, ShotResult
from storyfilm.rendering.store import Store, sha256_file
from storyfilm.settings import ARK_BASE_URL, Settings

LOCAL_BACKEND = "local-preview"


def backend_name(settings: Settings, base_url: str | None = None) -> str:
    if base_url:
        return base_url
    if settings.uses_local_backend:
        from storyfilm.localark.preview import RENDERER_VERSION

        return f"{LOCAL_BACKEND}/{RENDERER_VERSION}"
    return settings.base_url or ARK_BASE_URL


def plan_status(graph: nx.DiGraph, story: Path, settings: Settings,
                store: Path | None = None) -> dict[str, explain.ShotStatus]:
    """What a render would do with each shot now (cached, resume or render, why, and its cost), from
    the render journal (`store`, default .storyfilm beside the storyboard); a storyboard never
    rendered gets no journal folder."""
    with _existing_store(story, store, settings) as journal:
        return explain.status(graph, journal, backend_name(settings))


@contextmanager
def _existing_store(story: Path, store: Path | None, settings: Settings) -> Iterator[Store]:
    folder = store or story.parent / ".storyfilm"
    with ExitStack() as stack:
        if not folder.is_dir():
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        # looked at, never changed: a damaged object stays where it is, the rows rebuilt from the lock
        # file stay in memory; what they tell is what the next film would find and do
        journal = stack.enter_context(Store(folder, story=story, look_only=True))
        rebuild.from_lock(journal, lockfile.read(story, preview=settings.uses_local_backend))
        yield journal


@dataclass
class FilmStatus:
    """`storyfilm status`: is the film current? `stale` says why not, one line each."""

    statuses: dict[str, explain.ShotStatus]
    lock_file: Path
    film: Path | None
    stale: list[str]
    cost: float  # what rendering it now would spend
    upper_bound: bool = False  # `cost` is the most it may spend: a shot's model chooses its length

    @property
    def current(self) -> bool:
        return not self.stale


def film_path(board: storyboard.Storyboard, output: Path | None = None) -> Path:
    """Where `storyfilm film` writes the whole film: -o, else the storyboard's `output:`, else
    build/<name>.mp4 (relative ones from the current folder)."""
    return output or board.output or Path("build") / f"{board.name}.mp4"


def status(story: Path, settings: Settings, store: Path | None = None, output: Path | None = None) -> FilmStatus:
    """Like `make -q`: every shot cached, the lock file there, and the film it names present at the
    path `film` (with the same -o) writes, with the sha256 and film key (shots and edit) a render now
    would give. Nothing is rendered or sent."""
    board = load_storyboard(story)
    graph = planning.compile_plan(board)
    preview = settings.uses_local_backend
    lock_file = lockfile.lock_path(story, preview=preview)
    backend = backend_name(settings)
    with _existing_store(story, store, settings) as journal:
        statuses = explain.status(graph, journal, backend)
        stale = [f"{n}: {s.describe()}  ({_at_most(graph, n)}{s.cost:.2f} CNY)" for n, s in statuses.items()
                 if s.state != explain.CACHED]
        lock = lockfile.read(story, preview=preview) or {}
        film_entry = lock.get("film", {})
        film = story.parent / film_entry["path"] if film_entry.get("path") else None
        if not stale:
            stale += _film_staleness(board, graph, journal, settings, film, lock, lock_file)
        if not stale and not _same_file(film, film_path(board, output)):
            stale.append(f"film: `storyfilm film` writes {film_path(board, output)}, not the film {lock_file.name} "
                         f"records ({film}): it would be joined there")
    bound = explain.spend_is_upper_bound(graph, statuses)
    return FilmStatus(statuses, lock_file, film, stale, sum(s.cost for s in statuses.values()), bound)


def _film_staleness(board: storyboard.Storyboard, graph: nx.DiGraph, journal: Store, settings: Settings,
                    film: Path | None, lock: dict, lock_file: Path) -> list[str]:
    """Every shot is cached: is the joined film the one a render now would make?"""
    film_entry, lock_shots = lock.get("film", {}), lock.get("shots", [])
    if not film_entry:
        return [f"film: no lock file {lock_file}: the film was never assembled"]
    if film is None or _sha256(film) != film_entry.get("sha256"):
        return [f"film: {film} is missing or not the film {lock_file.name} records"]
    whole = list(graph.nodes)  # storyboard order, the order `film` joins them in
    results = asyncio.run(Executor(None, journal, backend=backend_name(settings)).run(graph, set(whole)))
    jobs = [graph.nodes[n]["job"] for n in whole]
    clips = film_clips(graph, jobs, results, settings)
    if film_key(board, graph, jobs, results, clips) == film_entry.get("key"):
        if not assemble.side_files_present(film, clips, film_entry):  # as `film` asks before it joins again
            return [f"film: the captions or review sheets beside {film} are missing: it would be joined again"]
        return []
    joined = {shot.get("id"): shot.get("key") for shot in lock_shots}
    newer = [j.id for j in jobs if j.id in joined and joined[j.id] != results[j.id].key]
    if newer:
        return [f"film: it holds another render of {', '.join(newer)} than `film` would join now (one made since "
                "with --only or --until, or an earlier take): it would be joined again"]
    return ["film: the edit changed (order, trims, transitions, captions or music): it would be joined again"]


def _at_most(graph: nx.DiGraph, shot: str) -> str:
    return "up to " if graph.nodes[shot]["job"].cost_is_upper_bound else ""


def _same_file(recorded: Path | None, wanted: Path) -> bool:
    return recorded is not None and os.path.realpath(recorded) == os.path.realpath(wanted)


def _sha256(film: Path) -> str | None:
    """The film's sha256; None when there is no such file to read (the lock file's path is a name too
    long, a folder, a FIFO: the film is simply not there)."""
    try:
        return sha256_file(film) if film.is_file() else None
    except OSError:
        return None


def keys_in_use(stories: list[Path], journal: Store, settings: Settings) -> tuple[set[str], list[str]]:
    """The content keys these storyboards, as they are now, would film from `journal` (on any
    backend it rendered with), for `gc` to keep; and a note for each that cannot be read."""
    from storyfilm.errors import StoryfilmError

    keys: set[str] = set()
    notes = []
    backends = {backend_name(settings), backend_name(Settings())} | _backends(journal)
    for story in stories:
        try:
            graph = planning.compile_plan(load_storyboard(story))
        except StoryfilmError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            notes.append(f"{story} cannot be read ({first}): only what its lock file names is kept for it")
            continue
        for backend in backends:
            keys |= {s.key for s in explain.status(graph, journal, backend).values() if s.key}
    return keys, notes


def _backends(journal: Store) -> set[str]:
    """Every backend the store rendered with (a key holds its backend: another service's is another key)."""
    found = set()
    for entry in journal.finished():
        try:
            backend = (entry.material_dict() or {}).get("backend")
        except (ValueError, AttributeError):  # a damaged row's material
            continue
        if isinstance(backend, str):
            found.add(backend)
    return found


def film_clips(graph: nx.DiGraph, jobs: list[planning.ShotJob], results: dict[str, ShotResult], settings: Settings):
    clips = [dataclasses.replace(c, last_frame=results[c.shot_id].last_frame)  # the review takes it as is
             for c in edit.clips(graph, {j.id: results[j.id].video for j in jobs})]
    if settings.uses_local_backend:  # slated at the join, so requests stay exactly what Seedance gets
        clips = slate.slated(clips, {j.id: slate.ShotFacts(n, j.shot.take, j.model.id, j.frames / 24)
                                     for n, j in enumerate(planning.jobs(graph), 1)})
    return clips


def film_key(board: storyboard.Storyboard, graph: nx.DiGraph, jobs: list[planning.ShotJob],
              results: dict[str, ShotResult], clips) -> str:
    return lockfile.film_key([results[j.id] for j in jobs], (edit.film_spec(board, graph), clips))
