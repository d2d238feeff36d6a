"""What assembly takes and gives: the clips in order, the film's format and sound, and the report.

These are plain values (no I/O); `assemble.assemble(clips, spec, out)` is the one function that
acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storyfilm.errors import AssemblyError
from storyfilm.storyboard.model import Soundtrack, Transition, Trim


@dataclass(frozen=True)
class ClipIn:
    """One shot's clip. `chained`: its first frame repeats the previous clip's last frame."""

    path: Path
    shot_id: str
    chained: bool = False
    trim: Trim = Trim()
    transition: Transition = Transition()
    caption: str | None = None
    slate: str | None = None  # the preview's slate text (slate.py); never set for a paid render
    # the clip's last frame as the render stored it (a PNG): the review takes it instead of decoding
    # the clip's tail. Not part of the film (outside repr and ==, so outside the film's key).
    last_frame: Path | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class FilmSpec:
    width: int
    height: int
    fps: int = 24
    drop_repeated_frame: bool = True
    burn_captions: bool = False
    soundtrack: Soundtrack | None = None
    loudness: float | None = -16.0  # integrated LUFS of the re-encoded mix; None leaves levels alone
    review: bool = True  # write the contact sheet and seam strip and score the joins
    seam_warn_below: float = 0.6  # SSIM under which a chained join is reported as broken
    seam_warn_below_db: float = 20.0  # ... or PSNR (dB) under which it is
    drift_warn_above: float = 24.0  # mean YUV distance (8-bit levels) along a chain that warns
    smart_join: bool = True  # copy what can be copied, encode only what changes; False encodes it all

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise AssemblyError(f"film size {self.width}x{self.height} must be positive and even (yuv420p)")
        if self.fps <= 0:
            raise AssemblyError(f"film fps must be positive, not {self.fps}")


@dataclass(frozen=True)
class Seam:
    """One join between consecutive shots; `score` is SSIM (1.0 = identical) and `psnr` the PSNR
    in dB (100 = identical) of the outgoing clip's last frame and the incoming clip's first frame
    (before any repeated frame is dropped); both None when review was off."""

    from_shot: str
    to_shot: str
    chained: bool
    score: float | None
    psnr: float | None = None


@dataclass
class FilmReport:
    path: Path
    duration: float  # seconds of video, transitions' overlaps already taken off
    frames: int
    fast_path: bool
    seams: list[Seam] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    srt: Path | None = None
    contact_sheet: Path | None = None
    seam_strip: Path | None = None
    chapters: list[tuple[str, float, float]] = field(default_factory=list)  # (shot, start, end) s
    loudness_normalised: bool = False  # False on the stream-copy path and for an all-silent film
    join: str = "copy"  # "copy" (whole clips, stream copy), "smart" (copy + encoded pieces), "encode"
    frames_copied: int = 0  # film frames copied from the clips (or from their cached normalised form)
    frames_encoded: int = 0  # film frames this join encoded
    frames_reused: int = 0  # encoded film frames taken from the join cache
    clips_normalised: int = 0  # clips this join normalised into its own encoding (then cached)
    # the smart join's sound work, what it did not find in the join cache (where a film run puts a
    # cut-only film's as its clips land: sound_ahead.py): shots decoded and AAC pieces encoded (a
    # cut-only film), the film's loudness measured (any film)
    sound_shots_decoded: int = 0
    sound_pieces_encoded: int = 0
    sound_measured: bool = False

    def summary(self) -> dict:
        """A JSON-ready record for the lock file or a report (paths as given, seconds rounded)."""
        return {
            "path": str(self.path), "duration": round(self.duration, 3), "frames": self.frames,
            "fast_path": self.fast_path, "loudness_normalised": self.loudness_normalised, "join": self.join,
            "frames_copied": self.frames_copied, "frames_encoded": self.frames_encoded,
            "frames_reused": self.frames_reused, "clips_normalised": self.clips_normalised,
            "sound_shots_decoded": self.sound_shots_decoded, "sound_pieces_encoded": self.sound_pieces_encoded,
            "sound_measured": self.sound_measured,
            "seams": [{"from": s.from_shot, "to": s.to_shot, "chained": s.chained,
                       "ssim": None if s.score is None else round(s.score, 4),
                       "psnr": None if s.psnr is None else round(s.psnr, 2)} for s in self.seams],
            "warnings": list(self.warnings),
            "chapters": [{"shot": shot, "start": round(a, 3), "end": round(b, 3)} for shot, a, b in self.chapters],
            "srt": self.srt and str(self.srt), "contact_sheet": self.contact_sheet and str(self.contact_sheet),
            "seam_strip": self.seam_strip and str(self.seam_strip),
        }
