"""Faults on demand for the local Ark server: the failures a real service and network produce.

A spec is a comma-separated list of `kind[@op]=value[#times]`:

    429=0.1,5xx=0.05,drop=0.02,slow=0.1,fail=0.1,truncate=0.1,queue=0.2-0.5,run=1.0

* `429`, `400`, `401`, `5xx`, `drop`, `crash`, `slow`: probability per API request (create, get,
  list, delete). `429` answers the service's rate-limit error; `400` a parameter it will not take
  (that request's fault); `401` a key it does not accept (the account's); `5xx` one of 500/502/503/504 with the service's
  error body, before the request takes effect; `drop` lets the request take effect, then closes
  the connection without a body (the answer is lost: for a create, the task exists); `crash` lets
  the request take effect, then answers 500 `InternalServiceError` (a service that failed after
  its work was done); `slow` answers after `delay` seconds.
* `fail`: probability per task of ending `failed` with a service error code.
* `nolast`: probability per task of succeeding without `content.last_frame_url`, as models and
  services that return no last frame do (ark-api.md §12.3).
* `noseed`: probability per task of rendering with a seed of its own, not the one asked for (and
  reporting that seed), as a model that takes the field but not the seed would (ark-api.md §12.6).
* `truncate`: probability per file download of a body cut short of its Content-Length.
* `garble`: probability per video download of a body of the right length with every byte zero (a
  file damaged where the service stores it: it comes whole and does not decode).
* `queue`, `run`: seconds a task waits in the queue / runs at least; a value or a range `a-b`
  (uniform).
* `delay` (seconds of a slow answer, default 2), `retry_after` (seconds sent in the Retry-After
  header of an injected 429; none by default), `seed` (makes the dice repeatable).
* `lag`: seconds a new task stays unseen by GET (404) and the list after its create was answered,
  as a service whose reads lag its writes would show it (ark-api.md §7.3 leaves this open).
* `@op` limits a fault to one operation (create, get, list, delete, download); `#n` to its first
  n hits. `drop@create=1#1` loses the answer of the first create only.

Set at start with `LocalArk(faults=...)` or the environment variable STORYFILM_FAULTS, or per
test by assigning `server.ark.faults = Faults.parse(...)` (which also resets the `#n` counters).
"""

from __future__ import annotations

import collections
import random
import re
from dataclasses import dataclass, field

from storyfilm.errors import FaultSpecError

API_OPS = ("create", "get", "list", "delete")
OPS = (*API_OPS, "download")
REQUEST_KINDS = ("429", "400", "401", "5xx", "drop", "crash", "slow")
TASK_KINDS = ("fail", "nolast", "noseed")  # rolled once per task
KINDS = (*REQUEST_KINDS, *TASK_KINDS, "truncate", "garble")

_ITEM = re.compile(r"^(?P<kind>[a-z0-9_]+)(?:@(?P<op>[a-z]+))?=(?P<value>[^#]+)(?:#(?P<times>\d+))?$")


@dataclass(frozen=True)
class Rule:
    kind: str
    probability: float
    op: str | None = None  # None: every operation the kind applies to
    times: int | None = None  # None: no limit

    def applies(self, kind: str, op: str) -> bool:
        if kind != self.kind:
            return False
        if self.op is not None:
            return op == self.op
        if kind in ("truncate", "garble"):
            return op == "download"
        if kind in TASK_KINDS:
            return op == "task"
        return op in API_OPS


@dataclass(frozen=True)
class Faults:
    rules: tuple[Rule, ...] = ()
    queue: tuple[float, float] = (0.0, 0.0)
    run: tuple[float, float] = (0.0, 0.0)
    delay: float = 2.0
    retry_after: float | None = None
    seed: int | None = None
    lag: float = 0.0

    @classmethod
    def parse(cls, spec: str | None) -> "Faults":
        rules: list[Rule] = []
        extra: dict[str, object] = {}
        for item in (spec or "").replace(" ", "").split(","):
            if not item:
                continue
            m = _ITEM.match(item)
            if not m:
                raise FaultSpecError(f"fault spec: {item!r} is not kind[@op]=value[#times]")
            kind, op, value, times = m["kind"], m["op"], m["value"], m["times"]
            if op is not None and op not in OPS:
                raise FaultSpecError(f"fault spec: {item!r}: unknown operation {op!r} (one of {', '.join(OPS)})")
            if kind in KINDS:
                p = _number(item, value)
                if not 0.0 <= p <= 1.0:
                    raise FaultSpecError(f"fault spec: {item!r}: a probability is within [0, 1]")
                rules.append(Rule(kind, p, op, int(times) if times is not None else None))
            elif op is not None or times is not None:
                raise FaultSpecError(f"fault spec: {item!r}: only {', '.join(KINDS)} take @op or #times")
            elif kind in ("queue", "run"):
                extra[kind] = _span(item, value)
            elif kind in ("delay", "retry_after", "lag"):
                extra[kind] = _number(item, value)
                if extra[kind] < 0:  # type: ignore[operator]
                    raise FaultSpecError(f"fault spec: {item!r}: seconds are never negative")
            elif kind == "seed":
                extra["seed"] = int(_number(item, value))
            else:
                known = ", ".join((*KINDS, "queue", "run", "delay", "retry_after", "lag", "seed"))
                raise FaultSpecError(f"fault spec: {item!r}: unknown fault {kind!r} (one of {known})")
        return cls(rules=tuple(rules), **extra)  # type: ignore[arg-type]


@dataclass
class Dice:
    """The server's rolls against one Faults value; `#times` budgets are counted here."""

    faults: Faults
    rng: random.Random = field(init=False)
    used: collections.Counter[int] = field(default_factory=collections.Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.faults.seed)

    def hit(self, kind: str, op: str) -> bool:
        for n, rule in enumerate(self.faults.rules):
            if not rule.applies(kind, op) or (rule.times is not None and self.used[n] >= rule.times):
                continue
            if rule.probability >= 1.0 or self.rng.random() < rule.probability:
                self.used[n] += 1
                return True
        return False

    def seconds(self, span: tuple[float, float]) -> float:
        lo, hi = span
        return lo if lo == hi else self.rng.uniform(lo, hi)

    def choice(self, options: tuple):
        return options[self.rng.randrange(len(options))]


def _number(item: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise FaultSpecError(f"fault spec: {item!r}: {value!r} is not a number") from None


def _span(item: str, value: str) -> tuple[float, float]:
    lo, sep, hi = value.partition("-")
    low = _number(item, lo)
    high = _number(item, hi) if sep else low
    if low < 0 or high < low:
        raise FaultSpecError(f"fault spec: {item!r}: a range is a-b with 0 ≤ a ≤ b")
    return (low, high)
