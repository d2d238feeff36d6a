"""How long a render has left: each shot's expected time (the model's typical latency per second
of video, corrected by how long this run's finished shots really took) along the longest chain of
what is left, since a chained shot starts only when its upstream shot's last frame is there.

It is a lower bound (the account's concurrency may queue shots that could run side by side) and
a guess until the first shot finishes; then it is measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storyfilm.planning import explain

if TYPE_CHECKING:
    import networkx as nx

# the local preview server, measured here (2 cores, 480p): 1.6 s for a 2 s shot, 2.5 s for a 5 s one
LOCAL_PREVIEW_LATENCY = 0.6  # seconds per second of video
FINISHED = frozenset({"cached", "done", "failed", "not_started", "cancelled", "expired"})


@dataclass
class Schedule:
    """`expected`: seconds each shot should take; `after`: the shots each one starts from."""

    expected: dict[str, float]
    after: dict[str, list[str]] = field(default_factory=dict)
    measured: dict[str, float] = field(default_factory=dict)  # finished shots: (actual seconds)

    @classmethod
    def of_plan(cls, graph: nx.DiGraph, chosen: list[str], statuses: dict[str, explain.ShotStatus], *,
                local: bool) -> Schedule:
        """Each chosen shot's expected time (the model's typical latency, or the `local` preview
        server's; none for a cached one) and the chosen shots it starts from."""
        expected = {}
        for n in chosen:
            job = graph.nodes[n]["job"]
            per_second = LOCAL_PREVIEW_LATENCY if local else job.model.typical_latency
            expected[n] = 0.0 if statuses[n].state == explain.CACHED else per_second * job.frames / 24
        return cls(expected, {n: [u for u in graph.predecessors(n) if u in expected] for n in chosen})

    def pace(self) -> float:
        """Actual over expected time of the shots finished in this run (1 until one has)."""
        expected = sum(self.expected.get(s, 0.0) for s in self.measured)
        return sum(self.measured.values()) / expected if expected > 0 and self.measured else 1.0

    def left(self, states: dict[str, str], running_for: dict[str, float]) -> float:
        """Seconds until the last shot is done, given each shot's state and how long the started
        ones have been at it."""
        pace, finish = self.pace(), {}

        def done_at(shot: str) -> float:
            if shot not in finish:
                finish[shot] = 0.0  # a cycle cannot happen in a plan; this only stops the recursion
                own = 0.0 if states.get(shot) in FINISHED else \
                    max(self.expected.get(shot, 0.0) * pace - running_for.get(shot, 0.0), 0.0)
                finish[shot] = own + max((done_at(up) for up in self.after.get(shot, ())), default=0.0)
            return finish[shot]
        return max((done_at(s) for s in self.expected), default=0.0)


def clock(seconds: float) -> str:
    """42 → '42 s'; 185 → '3 min 05 s'."""
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"
