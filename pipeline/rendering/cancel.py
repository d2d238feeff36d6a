"""`storyfilm cancel STORY`: after a mistaken render, cancel the storyboard's tasks still queued on
the service (DELETE; a queued task costs nothing, ark-api.md §8.2) and say what could not be: a
running task cannot be cancelled and will be paid for.

The tasks are the ones the render journal knows for this storyboard's shots: created and not
finished, found by the same content keys a render uses. A cancelled task is journaled `cancelled`,
so the next `film` creates the shot again (and `plan` prices it) instead of adopting it. A task
created moments ago that the service does not show yet is looked at again, as the poller does,
before it is written off. A create whose answer was lost (a render killed while creating) is looked
for on the service first, over the settle window, as a render would;
where it cannot be looked for (a gateway without the list call), `forget_unanswered` (after the user
checked the gateway's console) drops its intent, so the next `film` creates the shot again.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import networkx as nx

from storyfilm.ark.client import ArkClient
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.lost_create import LostCreates
from storyfilm.errors import ApiRefused, TransportFailed
from storyfilm.planning import explain
from storyfilm.planning.jobs import ShotJob
from storyfilm.rendering.unseen import unseen_yet
from storyfilm.rendering.store import Entry, Store
from storyfilm.seedance.gateways import Gateway

CANCELLED, RUNNING, FINISHED, ENDED, UNKNOWN, FORGOTTEN = "cancelled", "running", "finished", "ended", "unknown", "forgotten"
DEADLINE = 90.0  # seconds for the whole cancel: a silent service gets a clear message, never a hang
REQUEST_TIMEOUT = 15.0  # seconds a request may take to answer (the client retries a few times)
LOOK_AGAIN = 1.0  # seconds between looks at a task created moments ago that the service does not show yet


@dataclass(frozen=True)
class Outcome:
    shot: str
    task_id: str | None
    result: str  # cancelled | running | finished | ended | unknown | forgotten
    detail: str


def cancel_story(graph: nx.DiGraph, folder: Path, base_url: str, key: str, *, gateway: Gateway,
                 tasks_path: str | None, backend: str, lost_creates: LostCreates | None = None,
                 deadline: float = DEADLINE, forget_unanswered: bool = False,
                 story: Path | None = None) -> tuple[list[Outcome], list[str]]:
    """`cancel` with the store at `folder` (claimed: a render still running must be stopped first)
    and the service at `base_url`: what happened, and what was found wrong with the store (a
    damaged journal is set aside: its tasks are not known). A storyboard never rendered has nothing
    to cancel. `story`: the storyboard, whose links find the tasks of chained shots whose upstream
    is not finished."""
    if not (folder / "state.sqlite").is_file():
        return [], []
    outcomes: list[Outcome] = []
    with Store(folder, story=story) as store:
        store.claim()

        async def run() -> None:
            async with httpx.AsyncClient(timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=10.0)) as http:
                client = ArkClient(base_url, key, gateway=gateway, tasks_path=tasks_path, http=http)
                async with asyncio.timeout(deadline):
                    await cancel(graph, store, client, backend, lost_creates, into=outcomes,
                                 forget_unanswered=forget_unanswered)

        try:
            asyncio.run(run())
        except (TimeoutError, TransportFailed) as exc:
            why = str(exc) if isinstance(exc, TransportFailed) else f"no answer within {deadline:g} s"
            done = "; ".join(f"{o.shot}: {o.result}" for o in outcomes) or "nothing was cancelled"
            raise TransportFailed(f"cancel stopped, {done}: {why.rstrip('.')}. Run `storyfilm cancel` again "
                                  "when the service answers") from exc
        return outcomes, list(store.notes)


def open_shots(graph: nx.DiGraph, store: Store, backend: str) -> list[tuple[ShotJob, str, Entry]]:
    """The storyboard's shots whose journal entry is a task created (or being created) and not
    finished: (job, content key, entry), in film order. A chained shot's key needs its upstream's
    last frame (its frame counts even where its files are gone from the store: the task made from it
    is paid for all the same). A frame is handed on before its shot is done, so a chained shot may
    have a task while its upstream's is not finished: those are found by the storyboard's links
    (a store opened for it). Else a render that stopped on such a shot's unanswered create, on a
    gateway without a task list, could be gone on by no `cancel --forget-unanswered`."""
    def finished_frame(entry: Entry) -> str | None:
        return entry.frame_sha if entry.status == "done" else None

    steps = list(explain.walk(graph, store, backend, frame_of=finished_frame))
    found = [(graph.nodes[step.shot]["job"], step.key, step.entry) for step in steps
             if step.entry is not None and step.entry.status in ("created", "creating")]
    unreached = {step.shot for step in steps if step.key is None}
    if unreached and store.story is not None:
        links = store.links()
        found += [(graph.nodes[entry.shot_id]["job"], entry.key, entry) for entry in store.all_entries()
                  if entry.shot_id in unreached and entry.status in ("created", "creating")
                  and (store.story, entry.shot_id) in links.get(entry.key, ())
                  and (entry.material_dict() or {}).get("backend") == backend]
    order = list(graph.nodes)
    return sorted(found, key=lambda shot: order.index(shot[0].id))


async def cancel(graph: nx.DiGraph, store: Store, client: ArkClient, backend: str,
                 lost_creates: LostCreates | None = None, into: list[Outcome] | None = None,
                 forget_unanswered: bool = False) -> list[Outcome]:
    """Cancel every queued task of the storyboard; what happened to each open shot, in film order
    (added to `into` as it happens)."""
    outcomes = into if into is not None else []
    for job, key, entry in open_shots(graph, store, backend):
        task_id = entry.task_id if entry.status == "created" else await _lost_task(client, store, entry,
                                                                                    lost_creates or LostCreates())
        if task_id is None:
            outcomes.append(_unanswered(job, key, store, searchable=client.lists, forget=forget_unanswered))
            continue
        if entry.status == "creating":
            store.task_created(key, job.id, task_id)
        outcomes.append(await _cancel_task(client, store, job, key, task_id,
                                           entry.created_at or entry.sent_at))
    return outcomes


def _unanswered(job: ShotJob, key: str, store: Store, *, searchable: bool, forget: bool) -> Outcome:
    """A create whose answer never came, and no task found for it."""
    if searchable:
        return Outcome(job.id, None, UNKNOWN, "a create was on its way when its render stopped; the service "
                                              "shows no task for it")
    if forget:
        store.create_abandoned(key)
        return Outcome(job.id, None, FORGOTTEN, "its unanswered create is forgotten: the next film creates the "
                                                "shot again (if the gateway did make a task for it, that one is "
                                                "paid for too)")
    return Outcome(job.id, None, UNKNOWN, "a create was sent and never answered, and this gateway has no task "
                                          "list to look in: check the gateway's console; if it made no task, "
                                          "`storyfilm cancel STORY --forget-unanswered` lets the next film "
                                          "create the shot")


async def _lost_task(client: ArkClient, store: Store, entry: Entry, lost_creates: LostCreates) -> str | None:
    if entry.fingerprint is None or not client.lists:  # a gateway without the list call: it cannot be found
        return None
    sent_at = entry.sent_at or time.time()  # a create sent moments ago may not be listed yet: the settle window
    found = await lost_creates.resolve(client.list, Fingerprint.from_dict(json.loads(entry.fingerprint)), sent_at,
                                       store.claimed_task_ids, why="storyfilm cancel", since=entry.doubt_since,
                                       lost_at=lost_creates.lost_by(sent_at, client.create_deadline))
    return found.kept.id if found.kept is not None else None


async def _status(client: ArkClient, task_id: str, created_at: float | None) -> str:
    """The task's status. A task created moments ago that the service does not show yet (a 404
    within the poller's grace, `unseen_yet`) is looked at again until it shows or the grace ends."""
    while True:
        try:
            return (await client.get(task_id)).status
        except ApiRefused as exc:
            if not unseen_yet(exc, time.time() - created_at if created_at is not None else math.inf):
                raise
        await asyncio.sleep(LOOK_AGAIN)


async def _cancel_task(client: ArkClient, store: Store, job: ShotJob, key: str, task_id: str,
                       created_at: float | None) -> Outcome:
    try:
        status = await _status(client, task_id, created_at)
        if status == "queued":
            status, refused = await _cancel_queued(client, task_id)
            if status == "queued":
                return Outcome(job.id, task_id, RUNNING, f"queued, but the service did not cancel it ({refused}): "
                                                         "it will run and be paid for; the next film picks it up")
    except ApiRefused as exc:
        if exc.status != 404:
            raise
        store.task_failed(key, "expired", f"the service no longer knows task {task_id}")
        return Outcome(job.id, task_id, ENDED, "the service no longer knows it; the next film renders the shot again")
    if status == CANCELLED:
        store.task_failed(key, CANCELLED, "cancelled by storyfilm cancel")
        return Outcome(job.id, task_id, CANCELLED, f"cancelled while queued, nothing paid; the next film creates it "
                                                   f"again ({job.cost:.2f} CNY)")
    if status == "running":
        return Outcome(job.id, task_id, RUNNING, "running: cannot be cancelled, it will be paid for; the next film "
                                                 "picks it up")
    if status == "succeeded":
        return Outcome(job.id, task_id, FINISHED, "finished (paid for); the next film downloads it")
    store.task_failed(key, status, f"task {task_id} {status}")
    return Outcome(job.id, task_id, ENDED, f"already {status}, not paid for; the next film renders the shot again")


async def _cancel_queued(client: ArkClient, task_id: str) -> tuple[str, str]:
    """DELETE a queued task, then look at it: CANCELLED only when the service shows it cancelled or
    no longer knows it. A gateway without DELETE (404, 405, 501: neither seed documents one), or one
    that answers it and does nothing, leaves the task queued: it runs and is paid for, so it must
    never be journaled cancelled (the next film would create the shot again and pay twice). With
    the status, what the DELETE answered."""
    answered = "DELETE answered, yet it is still queued"
    try:
        await client.delete(task_id)
    except ApiRefused as exc:  # 400: it started between the look and the DELETE
        if exc.status not in (400, 404, 405, 501):
            raise
        answered = f"DELETE answered HTTP {exc.status}"
        answered += ": this gateway may offer no cancel" if exc.status != 400 else ""
    try:
        status = (await client.get(task_id)).status
    except ApiRefused as exc:
        if exc.status != 404:
            raise
        return CANCELLED, answered  # deleted: it will never run
    return status, answered


def report(outcomes: list[Outcome], notes: list[str] = ()) -> str:
    """The store's notes, one line per open shot, then a count."""
    lines = [f"warning: {note}" for note in notes]
    if not outcomes:
        known = "no task of this storyboard is waiting on the service" if not notes else \
            "no task of this storyboard is known (the journal that named them was set aside)"
        return "\n".join([*lines, f"{known}: nothing to cancel"])
    lines += [f"{o.shot}: task {o.task_id} {o.detail}" if o.task_id else f"{o.shot}: {o.detail}" for o in outcomes]
    cancelled = sum(o.result == CANCELLED for o in outcomes)
    running = sum(o.result == RUNNING for o in outcomes)
    forgotten = sum(o.result == FORGOTTEN for o in outcomes)
    lines.append(f"{cancelled} cancelled, {running} still running (cannot be cancelled)"
                 + (f", {forgotten} unanswered create{'s' * (forgotten != 1)} forgotten" if forgotten else ""))
    return "\n".join(lines)
