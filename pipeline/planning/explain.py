"""Per shot, before anything is spent: cached, resumed, or will render and why, and what it costs.

A content key is the hash of its material (model, prompt, parameters, seed, the bytes of the
first frame...). The journal keeps the material of every key it rendered, so comparing a shot's
material now with its last finished render names what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import networkx as nx

from storyfilm.planning.jobs import ShotJob, same_render


class Record(Protocol):
    """What the journal remembers of one content key (render.store.Entry is one)."""

    task_id: str | None
    status: str
    video_sha: str | None
    frame_sha: str | None

    def material_dict(self) -> dict[str, Any] | None: ...


class History(Protocol):
    """The journal and media store, as far as explaining needs them (render.store.Store is one)."""

    def entry(self, key: str) -> Record | None: ...

    def last_done(self, shot_id: str, *, backend: str | None = None) -> Record | None: ...

    def has(self, sha: str | None) -> bool: ...

CACHED, RESUME, RENDER = "cached", "resume", "render"


@dataclass(frozen=True)
class Reason:
    """Why a shot renders, as fields for programs (`as_dict`) and words for people (`text`). Codes:
    new_shot, prompt_changed, model_changed (before, after), new_take, parameter_changed (names),
    upstream_changed, media_changed, backend_changed, input_changed (names), upstream_renders_first
    (upstream), upstream_failed (upstream, failed, status: it was not started because the shot it
    waits on, through `upstream`, ended that way), files_missing, last_task_ended (status),
    not_in_store, same_render (upstream: the earlier shot whose render it takes, free),
    create_unanswered (a create of an earlier run whose answer never came: its task may exist); and for
    the other states `cached` and `resume` (task_id)."""

    code: str
    names: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None
    upstream: str | None = None
    status: str | None = None
    task_id: str | None = None
    failed: str | None = None

    @property
    def text(self) -> str:
        fixed = {"new_shot": "never rendered", "prompt_changed": "prompt changed", "new_take": "new take",
                 "upstream_changed": "upstream frame changed", "media_changed": "first-frame image changed",
                 "backend_changed": "rendered by another backend before", "not_in_store": "not in the store",
                 "files_missing": "its files in the store are missing or damaged", "inputs_changed": "inputs changed",
                 "cached": "cached", "resume": "task created by an earlier run",
                 "create_unanswered": "a create was sent and never answered: `film` looks for its task first (a "
                                      "gateway without a task list stops until `storyfilm cancel STORY "
                                      "--forget-unanswered`)"}
        if self.code in fixed:
            return fixed[self.code]
        if self.code == "model_changed":
            return f"model changed ({self.before} → {self.after})"
        if self.code == "parameter_changed":
            return "parameter changed: " + ", ".join(self.names)
        if self.code == "input_changed":
            return f"{', '.join(self.names)} changed"
        if self.code == "upstream_renders_first":
            return f"upstream shot {self.upstream!r} renders first"
        if self.code == "same_render":
            return f"the same render as shot {self.upstream!r}: made and paid once"
        if self.code == "upstream_failed":
            via = "" if self.failed == self.upstream else f", which waits on shot {self.failed!r}"
            return f"not started: waits on shot {self.upstream!r}{via}, whose last task {self.status}"
        if self.code == "last_task_ended":
            return f"its last task {self.status}"
        return self.code.replace("_", " ")

    def as_dict(self) -> dict[str, Any]:
        fields = {"names": list(self.names) or None, "before": self.before, "after": self.after,
                  "upstream": self.upstream, "failed": self.failed, "status": self.status, "task_id": self.task_id}
        return {"reason": self.code, **{k: v for k, v in fields.items() if v is not None}, "text": self.text}


@dataclass(frozen=True)
class ShotStatus:
    shot_id: str
    state: str  # cached | resume (a task already created: paid, not paid again) | render
    why: tuple[Reason, ...]  # why it renders; empty when cached
    cost: float  # what running it now will spend (0 when cached or resumed)
    key: str | None  # None while it waits on an upstream frame that does not exist yet
    task_id: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons in words."""
        return tuple(r.text for r in self.why)

    def structured(self) -> list[dict[str, Any]]:
        """The reasons as fields: a cached shot says `cached`, a resumed one `resume` with its task."""
        if self.state == CACHED:
            return [Reason("cached").as_dict()]
        if self.state == RESUME:
            return [Reason("resume", task_id=self.task_id).as_dict()]
        return [r.as_dict() for r in self.why]

    def describe(self) -> str:
        if self.state == CACHED:
            return "cached"
        if self.state == RESUME:
            return f"resume task {self.task_id} (already paid)"
        return "render: " + "; ".join(self.reasons)


def changes(old: dict[str, Any] | None, new: dict[str, Any], *, chained: bool) -> list[str]:
    """Why `new` differs from `old`, in words a user acts on."""
    return [r.text for r in why_changed(old, new, chained=chained)]


def why_changed(old: dict[str, Any] | None, new: dict[str, Any], *, chained: bool) -> list[Reason]:
    """Why `new` (a key's material) differs from `old`, the last finished render's."""
    if old is None:
        return [Reason("new_shot")]
    reasons: list[Reason] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after or name == "v":
            continue
        if name == "prompt":
            reasons.append(Reason("prompt_changed"))
        elif name == "model":
            reasons.append(Reason("model_changed", before=str(before), after=str(after)))
        elif name == "take":
            reasons.append(Reason("new_take"))
        elif name == "first_frame":
            reasons.append(Reason("upstream_changed" if chained else "media_changed"))
        elif name == "backend":
            reasons.append(Reason("backend_changed"))
        elif name == "params" and isinstance(before, dict) and isinstance(after, dict):
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if "take" in changed:
                changed.remove("take")
                reasons.append(Reason("new_take"))
            if changed:
                reasons.append(Reason("parameter_changed", names=tuple(changed)))
        else:
            reasons.append(Reason("input_changed", names=(name,)))
    if not reasons:
        reasons.append(Reason("inputs_changed" if old != new else "not_in_store"))
    return reasons


def _previous(store: History, shot_id: str, backend: str) -> Record | None:
    """The last finished render of this shot on this backend (else on any)."""
    last = store.last_done(shot_id, backend=backend)
    return last if last is not None else store.last_done(shot_id)


class Step(NamedTuple):
    """One shot of a `walk`: its content key now (None while the shot it starts from has no last
    frame), the first frame's sha that key holds (a chained shot's), and the journal's entry."""

    shot: str
    key: str | None
    first_frame: str | None
    entry: Record | None


def walk(graph: nx.DiGraph, store: History, backend: str, *,
         frame_of: Callable[[Record], str | None]) -> Iterator[Step]:
    """Every shot, each after the shot it starts from; `frame_of` says which last frame an entry
    hands on to the shots that start from it (None: none yet)."""
    frames: dict[str, str | None] = {}  # shot → sha of the last frame it hands on, when there is one
    for node in nx.topological_sort(graph):
        ups = list(graph.predecessors(node))
        frames[node] = None
        if ups and frames[ups[0]] is None:
            yield Step(node, None, None, None)
            continue
        first_frame = frames[ups[0]] if ups else None
        key = graph.nodes[node]["job"].key(first_frame, backend)
        entry = store.entry(key)
        frames[node] = frame_of(entry) if entry is not None else None
        yield Step(node, key, first_frame, entry)


def status(graph: nx.DiGraph, store: History, backend: str) -> dict[str, ShotStatus]:
    """Every shot of the plan (storyboard order): cached, resume or render, with reasons and cost."""
    def cached_frame(entry: Record) -> str | None:
        whole = entry.status == "done" and store.has(entry.video_sha) and store.has(entry.frame_sha)
        return entry.frame_sha if whole else None

    result: dict[str, ShotStatus] = {}
    twins = same_render(graph)
    rendered: dict[str, str] = {}  # key → the first shot this run renders it for
    for node, key, first_frame, entry in walk(graph, store, backend, frame_of=cached_frame):
        job: ShotJob = graph.nodes[node]["job"]
        ups = list(graph.predecessors(node))
        if key is None:
            result[node] = _waiting(node, job, store, backend, _waits_on(ups[0], result[ups[0]]))
        elif entry and cached_frame(entry):
            result[node] = ShotStatus(node, CACHED, (), 0.0, key, entry.task_id)
        elif entry and entry.status == "created" and entry.task_id:
            result[node] = ShotStatus(node, RESUME, (Reason("resume", task_id=entry.task_id),), 0.0, key,
                                      entry.task_id)
        else:
            if entry and entry.status == "done":
                why = [Reason("files_missing")]
            else:
                old = _previous(store, node, backend)
                why = why_changed(old.material_dict() if old else None, job.key_material(first_frame, backend),
                                  chained=bool(ups))
                if entry and entry.status in ("failed", "expired", "cancelled"):
                    why.append(Reason("last_task_ended", status=entry.status))
                if entry and entry.status == "creating":
                    why.append(Reason("create_unanswered"))
            result[node] = ShotStatus(node, RENDER, tuple(why), job.cost, key)
        twin = twins.get(node) or (rendered.setdefault(key, node) if key is not None else node)
        if result[node].state == RENDER and twin != node:
            result[node] = ShotStatus(node, RENDER, (Reason("same_render", upstream=twin),), 0.0, key)
    return {n: result[n] for n in graph.nodes}


def spend_is_upper_bound(graph: nx.DiGraph, statuses: dict[str, ShotStatus]) -> bool:
    """Is what these shots would spend the most they may (a shot that renders lets its model choose
    its length), not what they will?"""
    return any(s.cost and graph.nodes[n]["job"].cost_is_upper_bound for n, s in statuses.items())


def _waiting(node: str, job: ShotJob, store: History, backend: str, waits: Reason) -> ShotStatus:
    """A chained shot whose upstream has no last frame yet: it renders, and why (its key is not
    known: what changed is told without the first frame)."""
    old = _previous(store, node, backend)
    mine = why_changed(_without_frame(old.material_dict() if old else None),
                       _without_frame(job.key_material(None, backend)), chained=True)
    why = [waits, *(r for r in mine if r.code not in ("new_shot", "not_in_store"))]
    if old is None:
        why.append(Reason("new_shot"))
    return ShotStatus(node, RENDER, tuple(why), job.cost, None)


def _waits_on(upstream: str, its: ShotStatus) -> Reason:
    """Why a chained shot cannot have its key yet: its upstream renders first, or its upstream's
    last task failed (or expired), so the last render could not start it."""
    ended = [r for r in its.why if r.code == "last_task_ended" and r.status in ("failed", "expired")]
    behind = [r for r in its.why if r.code == "upstream_failed"]
    if ended:
        return Reason("upstream_failed", upstream=upstream, failed=upstream, status=ended[0].status)
    if behind:
        return Reason("upstream_failed", upstream=upstream, failed=behind[0].failed, status=behind[0].status)
    return Reason("upstream_renders_first", upstream=upstream)


def _without_frame(mat: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if mat is None else {k: v for k, v in mat.items() if k != "first_frame"}
