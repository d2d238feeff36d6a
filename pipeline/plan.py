"""Storyboard → dependency graph of shot jobs, with each job's request, content key and cost.

An edge u → v means "v's first frame is u's last frame": v cannot start before u is done,
and v's content key includes the bytes of the frame u actually returned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from pipeline import images, models
from pipeline.storyboard import Shot, Storyboard

KEY_VERSION = 1


@dataclass(frozen=True)
class ShotJob:
    shot: Shot
    model: models.Model
    ratio: str  # resolved: never "adaptive"
    width: int
    height: int
    frames: int
    image_sha: str | None  # sha256 of the shot's own first-frame image file

    @property
    def id(self) -> str:
        return self.shot.id

    @property
    def tokens(self) -> int:
        return models.tokens(self.width, self.height, self.frames)

    @property
    def cost(self) -> float:
        return self.tokens * self.model.price_per_million(self.shot.resolution) / 1e6

    def params(self) -> dict[str, Any]:
        """The request parameters that determine the output (besides prompt and images)."""
        wanted = {"resolution": self.shot.resolution, "ratio": self.ratio, "duration": self.shot.duration,
                  "seed": self.shot.seed, "return_last_frame": True, "watermark": False}
        return {k: v for k, v in wanted.items() if self.model.accepts(k)}

    def key(self, upstream_frame_sha: str | None, backend: str) -> str:
        """Content key: a hash of everything that determines this shot's output, including which
        service renders it (a local preview must never stand in for a paid render)."""
        material = {"v": KEY_VERSION, "backend": backend, "model": self.model.id, "prompt": self.shot.prompt,
                    "params": self.params(), "first_frame": upstream_frame_sha or self.image_sha}
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def request(self, first_frame_url: str | None) -> dict[str, Any]:
        """The create-task body (ark-api.md §2, §3), with the first frame as given."""
        content: list[dict[str, Any]] = [{"type": "text", "text": self.shot.prompt}]
        if first_frame_url:
            content.append({"type": "image_url", "image_url": {"url": first_frame_url}, "role": "first_frame"})
        return {"model": self.model.id, "content": content, **self.params()}


def compile_plan(board: Storyboard) -> nx.DiGraph:
    graph = nx.DiGraph(title=board.title, story=board.name)
    for shot in board.shots:
        model = models.MODELS[shot.model]
        image_sha, ratio = None, shot.ratio
        if shot.first_frame is not None:
            data = Path(shot.first_frame).read_bytes()
            image_sha = hashlib.sha256(data).hexdigest()
            if ratio == "adaptive" and (info := images.sniff(data)):
                ratio = models.closest_ratio(info.width, info.height)
        if ratio == "adaptive" and shot.continues_from:
            ratio = graph.nodes[shot.continues_from]["job"].ratio
        if ratio == "adaptive":
            ratio = "16:9"
        width, height = model.size(shot.resolution, ratio)
        duration = shot.duration if shot.duration > 0 else model.duration_range[1]
        job = ShotJob(shot=shot, model=model, ratio=ratio, width=width, height=height,
                      frames=models.frames_for(duration), image_sha=image_sha)
        graph.add_node(shot.id, job=job)
        if shot.continues_from:
            graph.add_edge(shot.continues_from, shot.id)
    return graph


def jobs(graph: nx.DiGraph) -> list[ShotJob]:
    """Jobs in storyboard order."""
    return [graph.nodes[n]["job"] for n in graph.nodes]


def total_cost(graph: nx.DiGraph) -> float:
    return sum(job.cost for job in jobs(graph))
