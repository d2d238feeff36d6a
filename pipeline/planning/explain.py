"""Per shot, before anything is spent: cached, resumed, or will render and why, and what it costs.

A content key is the hash of its material (model, prompt, parameters, seed, the bytes of the
first frame...). The journal keeps the material of every key it rendered, so comparing a shot's
material now with its last finished render names what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import networkx as nx

from storyfilm.planning.jobs import ShotJob


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
class ShotStatus:
    shot_id: str
    state: str  # cached | resume (a task already created: paid, not paid again) | render
    reasons: tuple[str, ...]  # why it renders; empty when cached
    cost: float  # what running it now will spend (0 when cached or resumed)
    key: str | None  # None while it waits on an upstream frame that does not exist yet
    task_id: str | None = None

    def describe(self) -> str:
        if self.state == CACHED:
            return "cached"
        if self.state == RESUME:
            return f"resume task {self.task_id} (already paid)"
        return "render: " + "; ".join(self.reasons)


def changes(old: dict[str, Any] | None, new: dict[str, Any], *, chained: bool) -> list[str]:
    """Why `new` differs from `old`, in words a user acts on."""
    if old is None:
        return ["never rendered"]
    reasons: list[str] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name == "prompt":
            reasons.append("prompt changed")
        elif name == "model":
            reasons.append(f"model changed ({before} → {after})")
        elif name == "take":
            reasons.append("new take")
        elif name == "first_frame":
            reasons.append("upstream frame changed" if chained else "first-frame image changed")
        elif name == "backend":
            reasons.append("rendered by another backend before")
        elif name == "params" and isinstance(before, dict) and isinstance(after, dict):
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if "take" in changed:
                changed.remove("take")
                reasons.append("new take")
            if changed:
                reasons.append("parameter changed: " + ", ".join(changed))
        elif name != "v":
            reasons.append(f"{name} changed")
    if not reasons:
        reasons.append("inputs changed" if old != new else "not in the store")
    return reasons


def _previous(store: History, shot_id: str, backend: str) -> Record | None:
    """The last finished render of this shot on this backend (else on any)."""
    last = store.last_done(shot_id, backend=backend)
    return last if last is not None else store.last_done(shot_id)


def status(graph: nx.DiGraph, store: History, backend: str) -> dict[str, ShotStatus]:
    """Every shot of the plan (storyboard order): cached, resume or render, with reasons and cost."""
    result: dict[str, ShotStatus] = {}
    frames: dict[str, str | None] = {}  # shot → sha of its last frame, when it is known now
    for node in nx.topological_sort(graph):
        job: ShotJob = graph.nodes[node]["job"]
        ups = list(graph.predecessors(node))
        upstream = ups[0] if ups else None
        frames[node] = None
        if upstream is not None and frames[upstream] is None:
            old = _previous(store, node, backend)
            mine = changes(_without_frame(old.material_dict() if old else None),
                           _without_frame(job.key_material(None, backend)), chained=True)
            why = [f"upstream shot {upstream!r} renders first"]
            why += [r for r in mine if r not in ("never rendered", "not in the store")]
            if old is None:
                why.append("never rendered")
            result[node] = ShotStatus(node, RENDER, tuple(why), job.cost, None)
            continue
        key = job.key(frames.get(upstream) if upstream else None, backend)
        entry = store.entry(key)
        if entry and entry.status == "done" and store.has(entry.video_sha) and store.has(entry.frame_sha):
            frames[node] = entry.frame_sha
            result[node] = ShotStatus(node, CACHED, (), 0.0, key, entry.task_id)
        elif entry and entry.status == "created" and entry.task_id:
            result[node] = ShotStatus(node, RESUME, ("task created by an earlier run",), 0.0, key, entry.task_id)
        else:
            mat = job.key_material(frames.get(upstream) if upstream else None, backend)
            if entry and entry.status == "done":
                why = ["its files are missing from the store"]
            else:
                old = _previous(store, node, backend)
                why = changes(old.material_dict() if old else None, mat, chained=upstream is not None)
                if entry and entry.status in ("failed", "expired", "cancelled"):
                    why.append(f"its last task {entry.status}")
            result[node] = ShotStatus(node, RENDER, tuple(why), job.cost, key)
    return {n: result[n] for n in graph.nodes}


def _without_frame(mat: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if mat is None else {k: v for k, v in mat.items() if k != "first_frame"}
