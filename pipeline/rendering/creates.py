"""Creating a shot's task without ever paying for it twice.

The intent is journaled before the create is sent; the task id the moment it comes back. A create
whose answer was lost (in this run, or in one that was killed) is looked for on the service by the
one lost-create resolver, which keeps looking for the whole settle window before it says "none";
only then is the task created again. Because a create can land later still, a shot created after
such doubt is looked at once more when its task has finished: a second task found still queued is
cancelled (unpaid), and the user is told which task was kept. A create the service took (2xx) without
a task id is never sent again: its task surely exists. One create, every try, pause and look
included, ends within the creator's `create_deadline` (STORYFILM_CREATE_DEADLINE).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from storyfilm.ark import deadlines
from storyfilm.ark.client import ArkClient
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.lost_create import CLOCK_GRAIN, LostCreates, Lookup, cancel_extra
from storyfilm.ark.refusals import lasting, names_parameter
from storyfilm.ark.retry import RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import (ApiRefused, CreateUnresolved, ServiceUnreachable, TakenWithoutId, TransportFailed,
                              Unanswered)
from storyfilm.planning.jobs import ShotJob
from storyfilm.rendering.gates import ModelGate
from storyfilm.rendering.store import Entry, Store

# a create the service refused with 429, or whose answer was lost, is sent again after these pauses
CREATE_RETRY = RetryPolicy(attempts=8, base_delay=0.25, max_delay=8.0, jitter=0.0)
LIST_WINDOW = 7 * 24 * 3600.0  # the service lists the tasks of the last 7 days (ark-api.md §8.4)
THROTTLED = RetryPolicy(base_delay=0.5, max_delay=30.0, jitter=0.0)  # new creates pause after a 429

Emit = Callable[[str, str, str], None]


class Creates:
    def __init__(self, client: ArkClient, creator: ArkClient, store: Store, lost_creates: LostCreates, emit: Emit):
        self.client, self.creator, self.store, self.lost_creates, self.emit = client, creator, store, lost_creates, emit
        self.doubted: set[str] = set()  # keys created anew after a lost create was not found
        self.sending: dict[str, str] = {}  # shot → key, while its create is on its way
        self.unseeded: set[str] = set()  # keys whose model refused the seed: created without it
        self.started = time.time()  # creates journaled before it were sent by earlier runs

    async def create(self, job: ShotJob, key: str, gate: ModelGate, body: dict[str, Any],
                     material: dict[str, Any]) -> str:
        """Send the create (429: AIMD and again; lost answer: look first); the new task's id. All of
        it within `create_deadline` seconds: then CreateUnresolved when a create may have landed (its
        intent stays journaled: the next run looks for it), TransportFailed when none reached."""
        tries: list[str] = []  # what each try came to; "sent" while one is on its way
        deadline = self.creator.create_deadline
        body = self.creator.marked(body)  # as it is sent: its fingerprint holds the mark
        fingerprint = Fingerprint.of(body)
        await self.settle_rivals(job, key, json.dumps(fingerprint.as_dict(), sort_keys=True))
        recovered = await self.recover(job, key, fingerprint)
        if recovered is not None:
            return recovered
        try:
            async with asyncio.timeout(deadline) as limit:
                return await self._create(job, key, gate, body, material, tries)
        except TimeoutError:
            if not limit.expired():
                raise
            sent = any(t.startswith(("sent", "lost")) for t in tries)
            message = deadlines.create_overdue(f"shot {job.id!r}", deadline, tries, sent)
            raise (CreateUnresolved(message) if sent else TransportFailed(message)) from None

    async def _create(self, job: ShotJob, key: str, gate: ModelGate, body: dict[str, Any],
                      material: dict[str, Any], tries: list[str]) -> str:
        fingerprint = Fingerprint.of(body).as_dict()
        for attempt in range(CREATE_RETRY.attempts):
            await gate.rate_slot(lambda why: self.emit(job.id, "waiting", why))
            self.store.create_intent(key, job.id, material, fingerprint, job.cost)
            self.emit(job.id, "creating", f"{job.model.name}, {job.tokens:,} tokens")
            self.sending[job.id] = key
            tries.append("sent, no answer yet")
            try:
                task_id = await self.creator.send_create(body)
            except ApiRefused as exc:
                tries[-1] = f"refused: {exc}"
                self.store.create_abandoned(key)
                if self._seed_refused(exc, body):
                    body, fingerprint = self._without_seed(job, key, body)
                    continue
                if exc.status != 429 or lasting(exc.status, exc.code):
                    raise
                gate.throttled(pause=THROTTLED.delay(attempt, exc.retry_after))  # the service's Retry-After wins
                self.emit(job.id, "retry", f"429 Too Many Requests; concurrency now {int(gate.limit)}")
                continue
            except Unanswered as lost:  # it may have made the task: look before creating again
                tries[-1] = f"lost: {lost.detail}"
                lost_at = time.time()
                self.emit(job.id, *self._lost_told(lost))
                await CREATE_RETRY.pause(attempt, lost.retry_after)
                found = await self.resolve(job, key, lost.detail, lost_at=lost_at)
                if found is not None:
                    return found
                if isinstance(lost, TakenWithoutId):  # the task exists: creating it again could pay twice
                    raise CreateUnresolved(f"shot {job.id!r}: "
                                           + deadlines.taken_without_id(lost.detail, self.lost_creates.settle))
                tries[-1] = f"lost, and not found on the service: {lost.detail}"
                continue
            except TransportFailed as exc:  # it never reached the service
                tries[-1] = f"not sent: {exc}"
                self.store.create_abandoned(key)
                if isinstance(exc, ServiceUnreachable):
                    raise
                self.emit(job.id, "retry", f"create: {exc}")
                await CREATE_RETRY.pause(attempt)
                continue
            finally:
                self.sending.pop(job.id, None)
            self.store.task_created(key, job.id, task_id)
            gate.succeeded()
            self.emit(job.id, "created", f"task {task_id}")
            return task_id
        raise TransportFailed(f"shot {job.id!r}: could not create its task after {CREATE_RETRY.attempts} tries")

    def _lost_told(self, lost: Unanswered) -> tuple[str, str]:
        """What a lost create's answer is told as: a retry only where the create may be sent again
        (its task looked for and not found); a gateway without a task list never sends it again."""
        if not self.client.lists:
            return "warning", (f"create: {lost}; gateway {self.client.gateway.name} has no task list, so its task "
                               "cannot be looked for: it is not sent again")
        if isinstance(lost, TakenWithoutId):
            return "warning", f"create: {lost}; looking for its task (the service took it: it is not sent again)"
        return "retry", f"create: {lost}; looking for its task before sending it again"

    @staticmethod
    def _seed_refused(exc: ApiRefused, body: dict[str, Any]) -> bool:
        """The documents disagree whether 2.x takes `seed` (ark-api.md §12.6): a 400 naming it."""
        return names_parameter(exc, "seed") and "seed" in body

    def _without_seed(self, job: ShotJob, key: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The body once more without its seed (once: the seed is gone), and the user told."""
        body = {k: v for k, v in body.items() if k != "seed"}
        self.unseeded.add(key)
        self.emit(job.id, "warning", f"{job.model.name} refused the seed {job.shot.seed} (400 InvalidParameter "
                                     f"`seed`); created without it: the seed was not honoured and this shot is not "
                                     f"reproducible")
        return body, Fingerprint.of(body).as_dict()

    def seed_not_honoured(self, job: ShotJob, key: str, task: Task) -> None:
        """A finished task that did not use the pinned seed: its model refused it in a run killed
        during that create (a refusal in this run is told when the create is sent again), or took
        the field and chose a seed of its own (ark-api.md §7.1 reports the seed actually used)."""
        pinned = job.shot.seed
        if key in self.unseeded or pinned is None or task.seed is None or task.seed == pinned:
            return
        if "seed" in job.params():
            self.emit(job.id, "warning", f"task {task.id} used the seed {task.seed}, not the pinned {pinned}: "
                                         f"{job.model.name} did not honour it (refused in an earlier run, or chose "
                                         "its own), so this shot is not reproducible")

    async def resolve(self, job: ShotJob, key: str, why: str, *, lost_at: float | None = None) -> str | None:
        """A create whose answer was lost (in this run, or a killed one): the task it made, found by
        the one lost-create resolver, so it is not paid for twice; None when the service has none."""
        entry = self.store.entry(key)
        if entry is None or entry.fingerprint is None:
            return None
        await self.settle_rivals(job, key, entry.fingerprint, before=entry.doubt_since)

        def waiting() -> None:
            self.emit(job.id, "waiting", f"a create sent earlier may still land ({why}); looking for its task "
                      f"for up to {self.lost_creates.settle:g} s before creating it again")

        found = await self._lookup(entry, why, settled=False, lost_at=lost_at, waiting=waiting)
        if found.kept is None:
            self.doubted.add(key)
            return None
        self.store.task_created(key, job.id, found.kept.id)
        self.emit(job.id, "adopted", f"task {found.kept.id}, created before the answer was lost")
        await self._cancel_extra(job, found.kept.id, found.extra)
        return found.kept.id

    async def late_duplicates(self, job: ShotJob, key: str, kept: str) -> None:
        """After doubt, the shot's own task has finished: a lost create that landed after the settle
        window would be a second task; cancel it while it is queued, and say which was kept."""
        if key not in self.doubted:
            return
        self.doubted.discard(key)
        entry = self.store.entry(key)
        if entry is None or entry.fingerprint is None:
            return
        found = await self._lookup(entry, "a look for late duplicates", settled=True)
        late = tuple(t for t in (found.kept, *found.extra) if t is not None)
        if late:
            await self._cancel_extra(job, kept, late)

    async def recover(self, job: ShotJob, key: str, fingerprint: Fingerprint) -> str | None:
        """The journal was lost: a task a stopped render made for this shot and had not finished is
        looked for on the service (one list read, over its 7-day window, from the lock file's last
        write on) before it is paid for again. Exactly one that fits is adopted and told; several
        (other versions of the shot, whose prompt the service does not echo) are told, none kept."""
        if not self.store.history_lost or self.store.entry(key) is not None or not self.client.lists:
            return None
        since = max(time.time() - LIST_WINDOW, self.store.history_since or 0.0)
        found = await self.lost_creates.resolve(self.client.list, fingerprint, time.time(), self.claimed,
                                                settled=True, why="the render journal was lost", since=since,
                                                clock=self._clock, before=self.started + 2 * CLOCK_GRAIN)
        tasks = sorted(found.found, key=lambda t: (t.created_at or 0, t.id))  # oldest first; one order on ties
        if len(tasks) > 1:
            self.emit(job.id, "warning", f"the render journal was lost, and {len(tasks)} tasks on the service fit this "
                                         f"shot ({', '.join(t.id for t in tasks)}: other versions of it?): none is "
                                         f"taken for it, it is created again")
            return None
        if not tasks:
            return None
        (task,) = tasks
        self.store.task_created(key, job.id, task.id)
        made = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(task.created_at or 0))
        self.emit(job.id, "adopted", f"task {task.id}, found on the service after the journal was lost")
        self.emit(job.id, "warning", f"the render journal was lost; task {task.id} ({task.status}, made {made}) fits "
                                     "this shot and is the only one: adopted, not paid again")
        return task.id

    async def settle_rivals(self, job: ShotJob, key: str, fingerprint: str, *, before: float | None = None) -> None:
        """Creates that earlier runs left on their way for other versions of this shot (its id, or
        the same fingerprint) are settled for their own keys first: a task of theirs is recorded as
        theirs (and the user told it was paid for), never taken for this key's. `before`:
        this key's own first create, already sent: tasks made after it may be its own."""
        if not self.client.lists:  # nothing can be adopted there, so nothing taken for another version
            return
        for rival in self.store.rivals(key, job.id, fingerprint, self.started):
            why = f"a create an earlier run sent for another version of shot {rival.shot_id!r}"

            def waiting() -> None:
                self.emit(job.id, "waiting", f"{why} may still land; looking for its task for up to "
                                             f"{self.lost_creates.settle:g} s first, so it is never taken for this one")

            found = await self._lookup(rival, why, settled=False, before=before, waiting=waiting)
            if found.kept is None:
                self.store.intent_unfound(rival.key)
                continue
            self.store.task_created(rival.key, rival.shot_id, found.kept.id)
            self.emit(job.id, "warning", f"task {found.kept.id} was created by an earlier run for another version "
                                         f"of shot {rival.shot_id!r} (key {rival.key[:12]}): kept for that version, "
                                         "never used for this one")
            await self._cancel_extra(job, found.kept.id, found.extra)

    async def _lookup(self, entry: Entry, why: str, *, settled: bool, lost_at: float | None = None,
                      waiting: Callable[[], None] = lambda: None, before: float | None = None) -> Lookup:
        """`lost_at`: when this run lost the create's answer; a create a stopped run sent is taken
        as lost when its sender would have given up on it (`LostCreates.lost_by`), or now."""
        fingerprint = Fingerprint.from_dict(json.loads(entry.fingerprint or "{}"))
        sent_at = entry.sent_at or time.time()
        if lost_at is None:
            lost_at = self.lost_creates.lost_by(sent_at, self.creator.create_deadline)
        return await self.lost_creates.resolve(self.client.list, fingerprint, sent_at,
                                               self.claimed, settled=settled, why=why, lost_at=lost_at,
                                               waiting=waiting, since=entry.doubt_since, clock=self._clock,
                                               before=before)

    def _clock(self) -> float | None:
        """The service's clock minus ours, as last measured by either client."""
        return self.client.clock_offset if self.client.clock_offset is not None else self.creator.clock_offset

    async def _cancel_extra(self, job: ShotJob, kept: str, extra: tuple[Task, ...]) -> None:
        for note in await cancel_extra(self.client.delete, kept, extra, within=self.lost_creates.budget):
            self.emit(job.id, "warning", note)

    def claimed(self) -> set[str]:
        return self.store.claimed_task_ids() | self.client.known | self.creator.known
