"""Storyboard → dependency graph of shot jobs, with each job's request, content key and cost.

An edge u → v means "v's first frame is u's last frame": v cannot start before u is done,
and v's content key includes the bytes of the frame u actually returned.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

import networkx as nx

from storyfilm.errors import UnknownShot
from storyfilm.seedance import media, models
from storyfilm.seedance.media import Media
from storyfilm.seedance import commands
from storyfilm.storyboard.model import Shot, Storyboard

KEY_VERSION = 2
MIN_INPUT_VIDEO_SECONDS = 4.0  # input video of 2-4 s is billed as 4 s (ark-api.md §11.1)
ROLES = {media.IMAGE: ("image_url", "reference_image"), media.VIDEO: ("video_url", "reference_video"),
         media.AUDIO: ("audio_url", "reference_audio")}


@dataclass(frozen=True)
class ShotJob:
    shot: Shot
    model: models.Model
    ratio: str  # the ratio the clip will have: never "adaptive"
    width: int
    height: int
    frames: int

    @property
    def id(self) -> str:
        return self.shot.id

    @property
    def mode(self) -> str:
        return self.shot.mode

    @property
    def audio(self) -> bool:
        return bool(self.shot.generate_audio and self.model.generates_audio)

    @property
    def input_video_seconds(self) -> float:
        """Seconds of reference video billed with the output (ark-api.md §11.1: at least 4). A video
        is a URL the client never fetches, so one of unknown length counts as the longest the model
        takes: the plan is an upper bound, never an underestimate."""
        videos = [m for m in self.shot.references if m.kind == media.VIDEO]
        if not videos:
            return 0.0
        most = self.model.reference_seconds  # each video, and all of them together
        seconds = sum(m.seconds if m.seconds else most for m in videos)
        return max(MIN_INPUT_VIDEO_SECONDS, min(seconds, most))

    @property
    def cost_is_upper_bound(self) -> bool:
        """The model chooses the clip's length (`duration: -1`), or a reference video's length is
        unknown, or its shape when it sets the ratio: `cost` is the most it may cost."""
        chooses = self.shot.frames is None and self.shot.duration == -1
        videos = [m for m in self.shot.references if m.kind == media.VIDEO]
        shaped_by_video = self.shot.ratio == "adaptive" and not self.shot.continues_from and videos \
            and not videos[0].width
        return bool(chooses or shaped_by_video or any(not m.seconds for m in videos))

    @property
    def tokens(self) -> int:
        """Billed tokens: the output's frames, plus the input video's at the output's size (§11.1)."""
        input_frames = round(self.input_video_seconds * models.FPS)
        return models.tokens(self.width, self.height, self.frames + input_frames)

    @property
    def cost(self) -> float:
        return self.cost_of(self.tokens)

    def cost_of(self, tokens: int) -> float:
        """CNY for `tokens` at this shot's price (ark-api.md §11.2)."""
        video_input = any(m.kind == media.VIDEO for m in self.shot.references)
        price = self.model.price_per_million(self.shot.resolution, audio=self.audio, video_input=video_input,
                                             flex=self.shot.service_tier == "flex")
        return tokens * price / 1e6

    def params(self) -> dict[str, Any]:
        """The request parameters that determine the output (besides prompt and media)."""
        shot = self.shot
        wanted: dict[str, Any] = {"resolution": shot.resolution, "ratio": shot.ratio, "return_last_frame": True,
                                  "watermark": shot.watermark}
        if shot.frames is not None:
            wanted["frames"] = shot.frames
        else:
            wanted["duration"] = shot.duration
        optional = {"seed": shot.seed, "camera_fixed": shot.camera_fixed, "service_tier": shot.service_tier,
                    "execution_expires_after": shot.execution_expires_after,
                    "generate_audio": shot.generate_audio if self.model.generates_audio else None}
        wanted.update({k: v for k, v in optional.items() if v is not None})
        return {k: v for k, v in wanted.items() if self.model.accepts(k)}

    def key(self, upstream_frame_sha: str | None, backend: str) -> str:
        """Content key: a hash of everything that determines this shot's output, including which
        service renders it (a local preview must never stand in for a paid render)."""
        return hashlib.sha256(json.dumps(self.key_material(upstream_frame_sha, backend), sort_keys=True)
                              .encode()).hexdigest()

    def key_material(self, upstream_frame_sha: str | None, backend: str) -> dict[str, Any]:
        shot = self.shot
        first = upstream_frame_sha or (shot.first_frame.sha256 if shot.first_frame else None)
        return {"v": KEY_VERSION, "backend": backend, "model": shot.model_id, "prompt": shot.prompt,
                "params": self.params(), "first_frame": first,
                "last_frame": shot.last_frame.sha256 if shot.last_frame else None,
                "references": [m.sha256 for m in shot.references], "take": shot.take}

    def request(self, first_frame_url: str | None, url_of: Callable[[Media], str]) -> dict[str, Any]:
        """The create-task body (ark-api.md §2, §3). `first_frame_url` is the upstream shot's last
        frame as a data URL; a shot with its own first frame ignores it. `url_of` gives a media
        item's URL (the rim reads local files into data URLs)."""
        shot = self.shot
        content: list[dict[str, Any]] = [{"type": "text", "text": shot.prompt}]
        first = url_of(shot.first_frame) if shot.first_frame else first_frame_url
        if shot.mode in (models.FIRST_FRAME, models.FIRST_LAST_FRAME) and first:
            content.append({"type": "image_url", "image_url": {"url": first}, "role": "first_frame"})
        if shot.last_frame is not None:
            content.append({"type": "image_url", "image_url": {"url": url_of(shot.last_frame)},
                            "role": "last_frame"})
        for item in shot.references:
            kind, role = ROLES[item.kind]
            content.append({"type": kind, kind: {"url": url_of(item)}, "role": role})
        body = {"model": shot.model_id, "content": content, **self.params()}
        if shot.callback_url is not None and self.model.accepts("callback_url"):
            body["callback_url"] = shot.callback_url  # where the service reports, not what it renders: no key
        return commands.encode(body, self.model.parameter_style)


def compile_plan(board: Storyboard) -> nx.DiGraph:
    graph = nx.DiGraph(title=board.title, story=board.name)
    for shot in board.shots:
        ratio = _expected_ratio(shot, graph)
        width, height = shot.model.size(shot.resolution, ratio)
        frames = shot.frames if shot.frames is not None else models.frames_for(round(shot.seconds))
        graph.add_node(shot.id, job=ShotJob(shot=shot, model=shot.model, ratio=ratio, width=width, height=height,
                                            frames=frames))
        if shot.continues_from:
            graph.add_edge(shot.continues_from, shot.id)
    return graph


def _expected_ratio(shot: Shot, graph: nx.DiGraph) -> str:
    """The ratio the service will render: `adaptive` follows the first reference video, else the
    first image (ark-api.md §5.4)."""
    if shot.ratio != "adaptive":
        return shot.ratio
    if shot.continues_from:
        return graph.nodes[shot.continues_from]["job"].ratio
    videos = [(m.width, m.height) for m in shot.references if m.kind == media.VIDEO]
    images = [(m.width, m.height) for m in (shot.first_frame, *shot.references) if m and m.kind == media.IMAGE]
    return models.adaptive_ratio(shot.model, shot.resolution, videos, images)


def jobs(graph: nx.DiGraph) -> list[ShotJob]:
    """Jobs in storyboard order."""
    return [graph.nodes[n]["job"] for n in graph.nodes]


def same_render(graph: nx.DiGraph) -> dict[str, str]:
    """Shots that render exactly as an earlier shot (their content keys will be equal: the same
    request, and the same first frame or an upstream that is itself such a twin) → that shot. A
    render makes them once and pays once (rendering/executor.py)."""
    first: dict[str, str] = {}  # a render's identity → the first shot that makes it
    twins: dict[str, str] = {}
    for node in graph.nodes:  # storyboard order: a shot starts only from an earlier one
        ups = list(graph.predecessors(node))
        upstream = twins.get(ups[0], ups[0]) if ups else None
        identity = json.dumps([graph.nodes[node]["job"].key_material(None, ""), upstream], sort_keys=True)
        twins_with = first.setdefault(identity, node)
        if twins_with != node:
            twins[node] = twins_with
    return twins


def total_cost(graph: nx.DiGraph) -> float:
    """What rendering every shot costs, a shot that renders as an earlier one counted once."""
    twins = same_render(graph)
    return sum(job.cost for job in jobs(graph) if job.id not in twins)


def critical_path(graph: nx.DiGraph) -> list[str]:
    """The longest chain of shots by planned seconds: no render can finish sooner than it."""
    best: dict[str, tuple[float, list[str]]] = {}
    for node in nx.topological_sort(graph):
        before = max((best[p] for p in graph.predecessors(node)), default=(0.0, []))
        best[node] = (before[0] + graph.nodes[node]["job"].shot.seconds, before[1] + [node])
    return max(best.values(), default=(0.0, []))[1]


def select(graph: nx.DiGraph, story: Path, *, only: str | None, until: str | None) -> list[str]:
    """The shots to render, in storyboard order: all; `until` a shot (and everything before it); or
    `only` a shot. A shot always brings the shots whose frames it starts from."""
    names = list(graph.nodes)
    for flag, shot in (("--only", only), ("--until", until)):
        if shot is not None and shot not in graph:
            hint = difflib.get_close_matches(shot, names, n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else f" (shots: {', '.join(names)})"
            raise UnknownShot(f"{flag}: {story} has no shot {shot!r}{tip}")
    wanted = set(names)
    if until is not None:
        wanted = set(names[:names.index(until) + 1])
    if only is not None:
        wanted &= {only}
    frontier = list(wanted)  # one walk up from all of them: ancestors() per shot is quadratic on a long chain
    while frontier:
        for parent in graph.predecessors(frontier.pop()):
            if parent not in wanted:
                wanted.add(parent)
                frontier.append(parent)
    return [n for n in names if n in wanted]
