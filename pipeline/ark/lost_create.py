"""A create whose answer was lost: did the task land on the service?

One resolver for both places that meet the question: the client, when a create it sent got no
usable answer, and resume, when the journal holds a create intent without a task id (the process
died while the create was on its way). Both look for the task among the service's tasks by the
request's `Fingerprint`. Doubt is bounded: a create may still land up to `settle` seconds after
it was lost, so when none is found the resolver looks again every `look_every` seconds until that
window has passed, and only then says "surely none" (safe to create). Doubt costs time, never
money, and that time is bounded: the whole resolution of one lost create (every list read, its
retries and the waits between looks) shares one `deadline`, by default the settle window and
`LOOK_SLACK` seconds for the reads themselves; a service that does not answer the list within it
gets CreateUnresolved saying how long it was looked for, never a second create.

When more than one task fits, a caller with a journal (creates lost one after the other by runs
killed in turn are all its own) keeps one (the furthest along, then the oldest) and cancels the
`Lookup.extra` still queued with `cancel_extra` (DELETE on a queued task cancels it unpaid,
ark-api.md §8.2); a caller without one (`Lookup.only`) cannot tell its task from another
client's twin and raises CreateUnresolved, as it does when the list cannot be read. Only tasks
made since the create was first sent fit (`LostCreates.span`): the prompt is not echoed, so a task
of an earlier version of the shot, or of another store's copy, must be ruled out by its time."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.types import Task, TaskList
from storyfilm.errors import (ApiRefused, CreateUnresolved, NoTaskList, ServiceUnreachable, TransportFailed,
                              UsageError)

if TYPE_CHECKING:
    from storyfilm.settings import Settings

# a task that ended without a result costs nothing and is of no use: never the one to adopt
UNPAID_ENDS = frozenset({"failed", "cancelled", "expired"})

CLOCK_GRAIN = 2.0  # created_at and the Date header count whole seconds, and an answer takes its time
# beyond the settle window, the seconds a lost create's resolution may spend on the list reads
# themselves (a healthy list answers in well under a second; a slow one gets a few retries)
LOOK_SLACK = 20.0

Lister = Callable[..., Awaitable[TaskList]]
Window = tuple[float, float | None, Callable[[], float | None]]  # since, before, the clock offset


# the order in which tasks that fit one lost create are kept: the one furthest along
KEEP_FIRST = {"succeeded": 0, "running": 1, "queued": 2}


@dataclass(frozen=True)
class Lookup:
    """What the service holds for a lost create, in the order the list gave it: the task to keep
    (None: surely none) and the other tasks that fit it too."""

    found: tuple[Task, ...] = ()

    @property
    def kept(self) -> Task | None:
        return min(self.found, key=_keep_order) if self.found else None

    @property
    def extra(self) -> tuple[Task, ...]:
        kept = self.kept
        return tuple(t for t in sorted(self.found, key=_keep_order) if t is not kept)

    def only(self, why: str) -> str | None:
        """The one task, for a caller that cannot tell its own task from another's twin:
        CreateUnresolved when several fit."""
        if len(self.found) > 1:
            ids = ", ".join(t.id for t in self.found)
            raise CreateUnresolved(f"create sent but unanswered ({why}); {len(self.found)} tasks match it: {ids}. "
                                   "Check them before creating again.", tuple(t.id for t in self.found))
        return self.found[0].id if self.found else None


def clock_offset(date: str | None, received: float) -> float | None:
    """The service's clock minus ours, from the `Date` header of an answer received at `received`
    (None without a readable one): what turns our "the create was sent at t" into its created_at."""
    if not date:
        return None
    try:
        return email.utils.parsedate_to_datetime(date).timestamp() - received
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def seconds(value: float) -> str:
    """A wait for people: tenths below ten seconds (0.5 s), whole seconds above (32 s)."""
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _keep_order(task: Task) -> tuple[int, int, str]:
    return KEEP_FIRST.get(task.status, 3), task.created_at or 0, task.id


@dataclass(frozen=True)
class LostCreates:
    settle: float = 12.0  # a lost create may land this long after it was lost: look until then
    look_every: float = 2.0  # looks within the settle window
    match_slack: float = 120.0  # seconds of clock skew allowed between our clock and the service's
    pages: int = 10
    page_size: int = 100
    deadline: float | None = None  # seconds for one whole resolution (None: settle + LOOK_SLACK)

    @classmethod
    def from_settings(cls, settings: "Settings") -> "LostCreates":
        """STORYFILM_SETTLE and STORYFILM_LOST_CREATE_DEADLINE, where set. A deadline shorter than
        the settle window could never say "surely none": every lost create would stop the render."""
        given = {"settle": settings.settle, "deadline": settings.lost_create_deadline}
        made = cls(**{name: value for name, value in given.items() if value is not None})
        if made.budget < made.settle:
            raise UsageError(f"STORYFILM_LOST_CREATE_DEADLINE={made.budget:g} is shorter than the settle window "
                             f"({made.settle:g} s, STORYFILM_SETTLE): give it at least that")
        return made

    @property
    def budget(self) -> float:
        """Seconds one resolution may take in all, list reads, retries and waits together."""
        return self.settle + LOOK_SLACK if self.deadline is None else self.deadline

    @staticmethod
    def lost_by(sent_at: float, create_deadline: float) -> float:
        """When a create sent at `sent_at` by a run that stopped before its answer came is taken as
        lost: its sender would have given up on it `create_deadline` seconds after sending, and
        not later than now. The settle window runs from then."""
        return min(time.time(), sent_at + create_deadline)

    def span(self, since: float, offset: float | None, before: float | None = None) -> tuple[float, float]:
        """The created_at a task made by a create first sent at `since` (our clock) may have, and
        the one it must be below (`before`: when another create of the same fingerprint was sent;
        what came after may be that one's). A task made before the create was sent is someone
        else's: another version of the shot (the prompt is not echoed, the seed is the same), or
        another store's. With the service's clock `offset` known (its Date header) the bound is
        the sending moment, to the clock's grain; without it, `match_slack` seconds of skew."""
        if offset is None:
            return since - self.match_slack, float("inf")
        cap = float("inf") if before is None else before + offset - CLOCK_GRAIN
        return since + offset - CLOCK_GRAIN, cap

    async def resolve(self, list_tasks: Lister, fingerprint: Fingerprint, sent_at: float,
                      claimed: Callable[[], Container[str]], *, settled: bool = False, why: str = "",
                      lost_at: float | None = None, waiting: Callable[[], None] = lambda: None,
                      since: float | None = None, clock: Callable[[], float | None] = lambda: None,
                      before: float | None = None) -> Lookup:
        """The task(s) the create made, or an empty Lookup once the window after `lost_at` (default
        `sent_at`) has passed without one; CreateUnresolved when the list cannot be read, or not
        within `budget` seconds. `claimed`: ids already ours. `settled`: one look is enough (a last
        look for late duplicates, a lost journal's look back over days). Otherwise there are at
        least two looks, the last at the window's end; `waiting` is told before the first wait.
        Only tasks made in `span` (since `since`, default `sent_at`; `clock`: the service's clock
        offset, as last measured) fit."""
        window = (sent_at if since is None else since, before, clock)
        answered = [0]  # list reads answered, for the message of a look that ran out of time

        async def counted(**query: Any) -> TaskList:
            found = await list_tasks(**query)
            answered[0] += 1
            return found

        try:
            async with asyncio.timeout(self.budget) as limit:
                return await self._resolve(counted, fingerprint, sent_at, window, claimed, settled=settled,
                                           why=why, lost_at=lost_at, waiting=waiting)
        except TimeoutError:
            if not limit.expired():
                raise
            raise CreateUnresolved(self._overdue(why, answered[0])) from None

    def _overdue(self, why: str, answered: int) -> str:
        """The message of a resolution that ran out of time: how long, what the list did, what to do."""
        if answered:
            listed = (f"the task list answered {answered} time{'s' * (answered != 1)} without it, too slowly to "
                      "finish looking")
        else:
            listed = "the task list did not answer"
        waited = seconds(self.budget)
        return (f"create sent but unanswered ({why}); looked for its task on the service for {waited}, "
                f"the deadline for that (STORYFILM_LOST_CREATE_DEADLINE), and {listed}. The task may exist and be "
                "paid for: check the tasks on the service (its task list, or a gateway's console) before creating "
                "again; `storyfilm film` run again looks for it first and creates it only when the service shows "
                "none.")

    async def _resolve(self, list_tasks: Lister, fingerprint: Fingerprint, sent_at: float,
                       window: Window, claimed: Callable[[], Container[str]], *, settled: bool,
                       why: str, lost_at: float | None, waiting: Callable[[], None]) -> Lookup:
        # the window is journaled in wall time (an earlier run may have sent the create), and is
        # counted down on the monotonic clock: a wall clock stepped meanwhile must not end it early
        until = time.monotonic() + (lost_at if lost_at is not None else sent_at) + self.settle - time.time()
        found = await self._look(list_tasks, fingerprint, window, claimed(), why)
        if not found and not settled:
            waiting()
        while not found and not settled:
            left = until - time.monotonic()
            await asyncio.sleep(max(0.0, min(self.look_every, left)))
            found = await self._look(list_tasks, fingerprint, window, claimed(), why)
            if left <= self.look_every:
                break
        return Lookup(tuple(found))

    async def _look(self, list_tasks: Lister, fingerprint: Fingerprint, window: Window,
                    claimed: Container[str], why: str) -> list[Task]:
        candidates: list[Task] = []
        # a list without filter.service_tier shows the default tier only (ark-api.md §9.1): an intent
        # journaled without its tier is looked for in both
        try:
            for tier in [fingerprint.service_tier] if fingerprint.service_tier else ["default", "flex"]:
                fitting, whole = await self._listed(list_tasks, fingerprint, tier, window, claimed)
                if not whole and not any(fingerprint.matches(task) for task in fitting):
                    raise CreateUnresolved(
                        f"create sent but unanswered ({why}); the service made more than {self.pages * self.page_size} "
                        f"{tier}-tier tasks since, too many to look through for it. Check the tasks on the service "
                        "(its task list) before creating again.")
                candidates += fitting
        except ServiceUnreachable:
            raise
        except NoTaskList as exc:
            raise CreateUnresolved(f"create sent but unanswered ({why}), and {exc}: its task cannot be looked for, "
                                   "so the create is not sent again (the task may exist and be paid for). Check the "
                                   "gateway's console; if it shows no task for it, `storyfilm cancel STORY "
                                   "--forget-unanswered` lets the next film create it.") from None
        except (ApiRefused, TransportFailed) as exc:
            raise CreateUnresolved(f"create sent but unanswered ({why}); looking for the task with list "
                                   f"failed too: {str(exc).rstrip('.')}. Check the tasks on the service (its task "
                                   f"list, or a gateway's console) before creating again.") from None
        # the task that echoes our seed is ours; one that echoes another is, only by its mark, where the
        # model chose a seed of its own
        exact = [task for task in candidates if fingerprint.matches(task)]
        return exact if exact or not fingerprint.seed_may_differ else candidates

    async def _listed(self, list_tasks: Lister, fingerprint: Fingerprint, tier: str, window: Window,
                      claimed: Container[str]) -> tuple[list[Task], bool]:
        """The tasks of `tier` that fit the fingerprint (the seed aside) and were made in the window,
        page after page, newest first, until a page reaches back before it; and whether one did
        (after `pages` full pages, what lies beyond was not seen: "none" would be a guess)."""
        since, before, clock = window
        candidates: list[Task] = []
        for page in range(1, self.pages + 1):
            found = await list_tasks(page_num=page, page_size=self.page_size, model=fingerprint.endpoint,
                                     service_tier=tier)
            low, cap = self.span(since, clock(), before)  # the list's own answer measured the clock
            high = time.time() + (clock() or 0.0) + self.match_slack  # a service clock far ahead too
            candidates += [task for task in found.items
                           if task.id not in claimed and task.status not in UNPAID_ENDS
                           and task.created_at is not None and low <= task.created_at <= high
                           and task.created_at < cap
                           and fingerprint.matches(task, seed=False)]
            oldest = min((t.created_at or 0 for t in found.items), default=0)
            if len(found.items) < self.page_size or oldest < low:
                return candidates, True
        return candidates, False


async def cancel_extra(delete: Callable[[str], Awaitable[None]], kept: str, extra: tuple[Task, ...], *,
                       within: float = LOOK_SLACK) -> list[str]:
    """Cancel the extra tasks of one create that are still queued (unpaid), each DELETE with all
    its retries given `within` seconds; what became of each, as sentences for the user (the ones
    already running or done are paid for)."""
    notes: list[str] = []
    for task in extra:
        if task.status != "queued":
            notes.append(f"task {task.id} was a second task for it, already {task.status}: it is paid for; "
                         f"kept task {kept}")
            continue
        refused = await _cancel_one(delete, task.id, within)
        if refused is None:
            notes.append(f"task {task.id} was a second task for it: cancelled while queued, nothing paid; "
                         f"kept task {kept}")
        else:
            notes.append(f"task {task.id} was a second task for it and could not be cancelled ({refused}); "
                         f"it is paid for; kept task {kept}")
    return notes


async def _cancel_one(delete: Callable[[str], Awaitable[None]], task_id: str, within: float) -> Exception | None:
    """DELETE one queued task: None when done, else why not."""
    try:
        async with asyncio.timeout(within):
            await delete(task_id)
    except TimeoutError:
        return TransportFailed(f"no answer within {seconds(within)}")
    except (ApiRefused, TransportFailed) as exc:
        return exc
    return None
