"""PURE. The storyboard's values: a film is a title, shots, an edit and a soundtrack. Built and
checked by `build`; read by the plan and by assembly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from storyfilm.errors import Problem
from storyfilm.seedance import models
from storyfilm.seedance.media import Media

YamlPath = tuple[str | int, ...]
TransitionKind = Literal["cut", "crossfade", "fade_black"]
TRANSITIONS: tuple[str, ...] = ("cut", "crossfade", "fade_black")


@dataclass(frozen=True)
class Transition:
    """How a shot is entered from the one before it. Crossfade and fade through black overlap the
    two clips by `duration` seconds, so the film is that much shorter than the sum of its clips."""

    kind: TransitionKind = "cut"
    duration: float = 0.0


@dataclass(frozen=True)
class TrimFault:
    """What is wrong with a trim; `key` is the trim's field at fault (None: the pair)."""

    key: Literal["in", "out"] | None
    message: str


@dataclass(frozen=True)
class Trim:
    """The part of its clip a shot keeps: from `start` to `end` seconds of the clip (None: to its
    end), cut on whole frames. The one trim rule: checked against the planned length when the
    storyboard loads, and against the clip's real length when the film is assembled (a model that
    chooses the duration may return a clip shorter than planned)."""

    start: float = 0.0
    end: float | None = None

    def span(self, length: int, fps: int) -> tuple[int, int]:
        """The frames kept, [first, end), of a clip `length` frames long at `fps`."""
        return round(self.start * fps), length if self.end is None else round(self.end * fps)

    def fault(self, length: int, fps: int) -> TrimFault | None:
        """Why this trim cannot cut a clip `length` frames long at `fps`; None when it can."""
        first, end = self.span(length, fps)
        clip = f"the {round(length / fps, 2):g} s clip"
        if self.start < 0:
            return TrimFault("in", f"trim `in` ({self.start:g}) must not be negative")
        if self.end is not None and self.end <= self.start:
            return TrimFault(None, f"trim `out` ({self.end:g}) must be after `in` ({self.start:g})")
        if first >= length:
            return TrimFault("in", f"trim `in` ({self.start:g}) is not before the end of {clip}")
        if end > length:
            return TrimFault("out", f"trim `out` ({self.end:g}) is past the end of {clip}")
        if end <= first:
            return TrimFault(None, f"trim `out` ({self.end:g}) must be at least a frame (1/{fps} s) after "
                                   f"`in` ({self.start:g})")
        return None

    def kept(self, seconds: float) -> float:
        """Seconds kept of a clip `seconds` long."""
        return (seconds if self.end is None else self.end) - self.start


@dataclass(frozen=True)
class Soundtrack:
    path: Path
    volume_db: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    loop: bool = True  # loop a short track to the film's length; else pad it with silence
    sha256: str = ""  # the file's content: new music under the same name is another film (its key)


@dataclass(frozen=True)
class Shot:
    id: str
    prompt: str  # with the storyboard's style appended
    model: models.Model = field(repr=False)
    model_id: str  # what requests name: the model id or an endpoint id
    resolution: str
    ratio: str  # as written: may be "adaptive"
    duration: int  # seconds; -1: the model chooses
    frames: int | None  # instead of duration (1.0 only)
    fps: int
    seed: int | None  # None when the model takes no seed
    watermark: bool
    camera_fixed: bool | None
    generate_audio: bool | None
    service_tier: str | None
    execution_expires_after: int | None
    callback_url: str | None  # passed through: not part of the content key
    first_frame: Media | None  # the shot's own starting image
    last_frame: Media | None
    references: tuple[Media, ...]
    continues_from: str | None  # the shot whose last frame is this shot's first frame
    take: int
    caption: str | None
    trim: Trim
    transition: Transition
    line: int
    where: dict[str, YamlPath] = field(default_factory=dict, repr=False, compare=False)

    @property
    def mode(self) -> str:
        if self.references:
            return models.REFERENCE_IMAGES if models.REFERENCE_IMAGES in self.model.modes else models.MULTIMODAL
        if self.last_frame is not None:
            return models.FIRST_LAST_FRAME
        if self.first_frame is not None or self.continues_from is not None:
            return models.FIRST_FRAME
        return models.TEXT

    @property
    def seconds(self) -> float:
        """The clip's length as planned (an upper bound when the model chooses)."""
        if self.frames:
            return (self.frames - 1) / models.FPS
        return float(self.duration if self.duration > 0 else self.model.duration_range[1])


@dataclass(frozen=True)
class Assembly:
    seamless_joins: bool = True
    burn_captions: bool = False
    loudness: float = -16.0


@dataclass(frozen=True)
class Storyboard:
    path: Path
    title: str
    shots: tuple[Shot, ...]
    output: Path | None = None
    soundtrack: Soundtrack | None = None
    gateway: str | None = None  # a gateway profile's name (seedance/gateways.py); None: Ark
    assembly: Assembly = Assembly()
    warnings: tuple[Problem, ...] = ()  # located, not faults: validate prints them

    @property
    def name(self) -> str:
        return self.path.stem


def pinned_seed(title: str, shot_id: str, take: int = 1) -> int:
    """The seed a shot gets when it names none: stable across runs, never -1; a new take is a new
    seed, so a re-roll really renders something else."""
    material = f"{title}\0{shot_id}" + (f"\0{take}" if take > 1 else "")
    digest = hashlib.sha256(material.encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


