"""`storyfilm film`: preflight (storyboard, plan, film path, budget) → render → join → lock file.

The CLI only parses flags and shows errors; this module holds the orchestration, so tests call it directly.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import httpx
import networkx as nx

from storyfilm import outputs, planning, preflight, storyboard
from storyfilm.ark.client import ArkClient, RetryPolicy
from storyfilm.ark.lost_create import LostCreates
from storyfilm.assembly import assemble, edit, film_lock, review_ahead, sound_ahead
from storyfilm.planning import explain
from storyfilm.rendering import eta, lockfile, progress, rebuild
from storyfilm.rendering.executor import Executor, ShotResult
from storyfilm.rendering.interruption import stopped_by_sigterm
from storyfilm.rendering.progress import Listener
from storyfilm.rendering.store import Store, sha256_file
from storyfilm.rendering.trust import disk_error
from storyfilm.seedance import gateways
from storyfilm.settings import Settings
from storyfilm.status import backend_name, film_clips, film_key

if TYPE_CHECKING:
    from storyfilm.localark.embedded import LocalServer


@dataclass
class FilmOptions:
    output: Path | None = None
    only: str | None = None
    until: str | None = None
    max_cost: float | None = None
    as_json: bool = False
    store: Path | None = None  # default: .storyfilm beside the storyboard
    concurrency: int | None = None  # per model; default: the model's account limit
    rpm: int | None = None
    task_timeout: float = 30 * 60.0  # a task still unfinished this long after its create: stop (resumable)
    poll_interval: float | None = None  # poll interval and retry base; default 1 s, 0.25 s on this machine (polled every 0.05 s)
    base_url: str | None = None  # an explicit service (tests); default: from the settings
    listener: Listener | None = None  # extra event sink (tests, benches)


@dataclass
class FilmRun:
    output: Path | None
    lock_file: Path | None
    results: dict[str, ShotResult]
    statuses: dict[str, explain.ShotStatus]
    spent: float
    warnings: list[str] = field(default_factory=list)
    preview: bool = False  # the embedded local backend: nothing was paid


def run(story: Path, settings: Settings, options: FilmOptions | None = None, out: IO[str] | None = None) -> FilmRun:
    options = options or FilmOptions()
    out = out or sys.stdout
    preflight.check_film_options(story=story, output=options.output, store=options.store, max_cost=options.max_cost,
                                 concurrency=options.concurrency)
    target = preflight.check_inputs(story, settings, output=options.output, store=options.store,
                                    only=options.only, until=options.until, service=options.base_url)
    board, graph, chosen, output, partial = target.board, target.graph, target.chosen, target.output, target.partial
    backend = backend_name(settings, options.base_url)
    with ExitStack() as stack:
        store = _open_store(stack, story, target.store_root, settings)
        statuses = explain.status(graph, store, backend)
        spend = sum(statuses[n].cost for n in chosen)
        to_render = [n for n in chosen if statuses[n].state != explain.CACHED]
        preflight.check_spending(story, settings, target, [statuses[n] for n in to_render], spend=spend,
                                 max_cost=options.max_cost)
        stack.enter_context(film_lock.output_lock(output))  # one film to a path at a time
        if to_render:  # one render to a store at a time; a busy one is told before anything is shown
            store.claim()
        local = settings.uses_local_backend and options.base_url is None
        schedule = eta.Schedule.of_plan(graph, chosen, statuses, local=local)
        show = stack.enter_context(progress.for_output(chosen, as_json=options.as_json, out=out, schedule=schedule))
        _show_plan(show, store, [statuses[n] for n in chosen], rendering=len(to_render), spend=spend)

        # each clip's review frames, and a cut-only film's sound, are taken as it lands, while the
        # other shots still render
        review_cache = store.root / "joins" / "review"
        spec = edit.film_spec(board, graph)
        ahead = stack.enter_context(review_ahead.FramesAhead.of_film(graph, chosen, spec, review_cache))
        sound = stack.enter_context(sound_ahead.SoundAhead.of_film(graph, chosen, spec, store.root / "joins"))

        def listen(event) -> None:
            show(event)
            if options.listener:
                options.listener(event)
            if event.kind in ("done", "cached") and event.shot in statuses:
                _landed((ahead, sound), store, statuses[event.shot], backend)

        warnings: list[str] = []
        if to_render:
            base_url, key, server = _service(stack, settings, options, show, target.gateway, story.parent / "assets")
            try:
                results = asyncio.run(stopped_by_sigterm(_render(graph, chosen, store, backend,
                                                                 (base_url, target.gateway), key, settings, options,
                                                                 listen, warnings)))
                if server is not None:
                    server.stop()  # its shutdown overlaps the join
            except OSError as exc:  # a full disk or a read-only store met while writing a result
                failure = disk_error(exc, store.root)
                if failure is None:
                    raise
                raise failure from exc
            finally:
                with suppress(OSError):
                    store.sweep_incoming(mine=True)  # the render has ended: its partial downloads go
            store.rendered()
        else:  # everything is cached: no server, no request
            results = asyncio.run(Executor(None, store, backend=backend, listener=listen).run(graph, set(chosen)))
        jobs = [graph.nodes[n]["job"] for n in chosen]
        lock_file = _assemble(story, board, graph, jobs, results, output, settings, partial=partial,
                              show=show, warnings=warnings, join_cache=store.root / "joins", ahead=ahead,
                              sound=sound)
        ahead.wait()  # an unchanged film is not joined: its review page still needs every clip's frames
        if lock_file is not None:
            outputs.write_review_page(board, graph, jobs, results, output, lock_file, settings, show.note,
                                      warnings, frames=review_cache)
            outputs.write_cut(board, graph, jobs, results, output, lock_file, show.note, warnings)
        # what the tasks returned (usage tokens at the model's price), the plan's figure where none came
        spent = sum(statuses[n].cost if results[n].tokens is None else results[n].job.cost_of(results[n].tokens)
                    for n in chosen if not results[n].cached)
        outcome = FilmRun(output, lock_file, results, statuses, spent, warnings, preview=local)
        if options.as_json:
            show.record(outputs.film_event(outcome, planned=spend))
    return outcome


def _open_store(stack: ExitStack, story: Path, root: Path, settings: Settings) -> Store:
    """The store, shared (cached or not, the film reads its objects: no gc under it), its journal
    rebuilt from the lock file: a lost journal costs nothing, the lock file names every finished
    shot (a damaged lock file stops the film here)."""
    store = stack.enter_context(Store(root, story=story))
    store.share()
    rebuild.from_lock(store, lockfile.read(story, preview=settings.uses_local_backend))
    with suppress(OSError):  # a lost journal's unfinished tasks were made after the last film's lock file
        store.history_since = lockfile.lock_path(story, preview=settings.uses_local_backend).stat().st_mtime
    return store


def _show_plan(show: progress.PlainProgress, store: Store, chosen: list[explain.ShotStatus], *, rendering: int,
               spend: float) -> None:
    """What will render and what it costs, each shot's plan, and what the store found damaged."""
    show.note(f"{len(chosen)} shots: {len(chosen) - rendering} cached, {rendering} to render ({spend:.2f} CNY)")
    for status in chosen:
        show.planned(status)
    for note in store.notes:  # what was found damaged and set aside
        show.note(f"warning: {note}")
    if store.history_lost and rendering:
        show.note(f"warning: the render journal {store.root / 'state.sqlite'} is not the one this store "
                  "rendered with (deleted, emptied or damaged): the shots its lock file names cost nothing, and "
                  "a task a stopped render created and had not finished is looked for on the service before "
                  "its shot is created again")


def _landed(aheads: tuple[review_ahead.FramesAhead, sound_ahead.SoundAhead], store: Store,
            status: explain.ShotStatus, backend: str) -> None:
    """A shot's clip is in the store (rendered now, or cached): hand it to `aheads`. Its key's entry
    when known (a shot that took another's render has none of its own), else its last render."""
    keyed = store.entry(status.key) if status.key else None
    entry = keyed if keyed is not None and keyed.status == "done" else store.last_done(status.shot_id, backend=backend)
    if entry is not None and entry.video_sha:
        frame = store.path(entry.frame_sha) if entry.frame_sha else None
        for ahead in aheads:
            ahead.landed(status.shot_id, store.path(entry.video_sha), frame)


async def _render(graph: nx.DiGraph, chosen: list[str], store: Store, backend: str,
                  service: tuple[str, gateways.Gateway], key: str, settings: Settings, options: FilmOptions,
                  listen: Listener, warnings: list[str]) -> dict[str, ShotResult]:
    base_url, gateway = service
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
    async with httpx.AsyncClient(timeout=httpx.Timeout(settings.request_timeout, connect=10.0), limits=limits) as http:
        doubt = LostCreates.from_settings(settings)
        deadlines = {"call_deadline": settings.call_deadline, "create_deadline": settings.create_deadline}
        client = ArkClient(base_url, key, gateway=gateway, tasks_path=settings.tasks_path, http=http,
                           lost_creates=doubt, **deadlines)
        # creates are tried once by the client: the executor decides (429 → AIMD, lost answer → adopt)
        creator = ArkClient(base_url, key, gateway=gateway, tasks_path=settings.tasks_path, http=http,
                            retry=RetryPolicy(attempts=1), lost_creates=doubt, **deadlines)
        poll = options.poll_interval
        if poll is None:  # a remote service's list API has a rate limit too: look at most once a second
            poll = 0.25 if client.on_this_machine else 1.0
        executor = Executor(client, store, backend=backend, create_client=creator, listener=listen,
                            concurrency=options.concurrency, rpm=options.rpm, poll_interval=poll,
                            task_timeout=options.task_timeout)
        try:
            return await executor.run(graph, set(chosen))
        finally:
            warnings += executor.warnings


def _service(stack: ExitStack, settings: Settings, options: FilmOptions, show, gateway: gateways.Gateway,
             assets: Path) -> tuple[str, str, LocalServer | None]:
    """The service's URL, the key to send it, and the embedded local server when it is the service."""
    if options.base_url:
        return options.base_url, settings.api_key or "local-preview", None
    if settings.uses_local_backend:
        from storyfilm.localark.embedded import LOCAL_KEY, LocalServer

        # the storyboard's gateway profile, over real HTTP; asset:// URIs read from assets/ beside it
        server = stack.enter_context(LocalServer(faults=settings.faults, gateway=gateway,
                                                 assets=assets if assets.is_dir() else None))
        show.note(f"No ARK_API_KEY: local preview render (animatic) on {server.root_url}, nothing is spent.")
        return server.base_url, LOCAL_KEY, server
    base_url = gateways.base_url(gateway, settings.base_url)
    via = f" (gateway {gateway.name})" if gateway.name != "ark" else ""
    show.note(f"Rendering with Seedance at {base_url}{via}")
    return base_url, settings.api_key, None


def _assemble(story: Path, board: storyboard.Storyboard, graph: nx.DiGraph, jobs: list[planning.ShotJob],
              results: dict[str, ShotResult], output: Path, settings: Settings, *, partial: bool,
              show: progress.PlainProgress, warnings: list[str], join_cache: Path | None = None,
              ahead: review_ahead.FramesAhead | None = None,
              sound: sound_ahead.SoundAhead | None = None) -> Path | None:
    note = show.note
    clips = film_clips(graph, jobs, results, settings)
    spec = edit.film_spec(board, graph)
    key = film_key(board, graph, jobs, results, clips)
    preview = settings.uses_local_backend
    previous = None if partial else lockfile.read(story, preview=preview)
    film_entry = (previous or {}).get("film", {})
    if (film_entry.get("key") == key and output.is_file() and sha256_file(output) == film_entry.get("sha256")
            and assemble.side_files_present(output, clips, film_entry)):
        note(f"{output}: unchanged (film key {key[:12]})")
        if sound:
            sound.cancel()
        film_sha, report = film_entry["sha256"], {k: v for k, v in film_entry.items() if k not in ("key", "sha256")}
        warnings += report.get("warnings", [])
    else:
        note(f"joining {len(clips)} clips into {output}")
        if sound:
            sound.finish()  # the sound made ahead of the join is in its cache
        # the last clips' review frames are still being taken while the join runs: they are waited
        # for before the review, which must not take them a second time
        made = assemble.assemble(clips, spec, output, cache_dir=join_cache, join_progress=show.join_progress,
                                 before_review=ahead.wait if ahead else None)
        film_sha, report = sha256_file(output), made.summary()
        warnings += made.warnings
    if partial:
        return None
    return lockfile.write(story, jobs, results, output, film_sha, preview=preview, key=key, report=report,
                          previous=previous)
