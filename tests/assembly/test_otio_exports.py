"""The cut for other editors, beside the .otio: FCP XML and a CMX 3600 EDL written by OTIO's adapter
packages, read back by OTIO: the same clips in the same order with the same durations as the film,
and in the EDL one event per shot whose record timecodes are where the shot plays in the film."""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio
import pytest

from helpers import four_shot_cut
from storyfilm.assembly import otio_export

FPS = 24
# <event> <reel> V <C | D nnn> <source in> <source out> <record in> <record out>
EVENT = re.compile(r"^(\d{3})  (\S+)\s+V\s+(C|D \d{3})\s+(\S+) (\S+) (\S+) (\S+)$")


def _frames(timecode: str) -> int:
    h, m, s, f = (int(n) for n in timecode.split(":"))
    return ((h * 60 + m) * 60 + s) * FPS + f


@pytest.fixture(scope="module")
def cut(tmp_path_factory) -> tuple[Path, int]:
    """A four-shot film (a chain, a trim, a crossfade, a fade through black, music) and its cut."""
    tmp_path = tmp_path_factory.mktemp("exports")
    clips, spec, report = four_shot_cut(tmp_path, "Dawn,\nfirst light.")
    out = otio_export.write(tmp_path / "build" / "cut.otio", clips, spec, "cut", {"roll": {"seed": 7}})
    return out, report.frames


def test_the_exports_are_written_beside_the_otio(cut) -> None:
    out, _ = cut
    assert {"cut.edl", "cut.otio", "cut.xml"} <= {p.name for p in out.parent.glob("cut.*")}
    assert not list(out.parent.glob(".*partial*"))
    assert out.with_suffix(".xml").read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize("suffix", [".xml", ".edl"])
def test_an_export_reads_back_as_the_films_clips(cut, suffix: str) -> None:
    out, film_frames = cut
    exported = otio.adapters.read_from_file(str(out.with_suffix(suffix)))
    video = next(t for t in exported.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = list(video.find_clips())
    assert [c.name for c in clips] == ["open", "roll", "end", "card"]
    assert video.duration().value == film_frames == 77  # 24 + 17 + 30 + 24 − 6 (crossfade) − 12 (fade)
    if suffix == ".xml":  # FCP XML keeps OTIO's own clip ranges and the soundtrack
        original = list(otio.adapters.read_from_file(str(out)).tracks[0].find_clips())
        assert [c.source_range for c in clips] == [c.source_range for c in original]
        assert [t.kind for t in exported.tracks] == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio]


def test_the_edl_has_one_event_per_shot_at_its_place_in_the_film(cut) -> None:
    out, film_frames = cut
    events = [EVENT.match(line) for line in out.with_suffix(".edl").read_text().splitlines()]
    # a dissolve is written as the outgoing shot's zero-length cut, then the incoming shot's event
    shown = [m for m in events if m and _frames(m[6]) < _frames(m[7])]
    assert [(m[2], m[3]) for m in shown] == [("SHOT001", "C"), ("SHOT002", "C"), ("SHOT003", "D 006"),
                                            ("SHOT004", "D 012")]
    assert len({m[1] for m in shown}) == 4
    # where each shot starts in the film: open 0; roll 24 (its dropped frame 0 not shown); end where
    # the 6-frame crossfade starts, 24 + 17 − 6 = 35; card where the 12-frame fade starts, 35 + 30 − 12
    records = [(_frames(m[6]), _frames(m[7])) for m in shown]
    assert records == [(0, 24), (24, 35), (35, 53), (53, film_frames)]
    # the source side: roll from its frame 1, end from its 0.25 s trim (frame 6)
    assert [_frames(m[4]) for m in shown] == [0, 1, 6, 0]


def test_a_two_line_caption_stays_one_edl_comment(cut) -> None:
    out, _ = cut
    lines = out.with_suffix(".edl").read_text().splitlines()
    assert "* LOC: 00:00:00:00 YELLOW  DAWN, FIRST LIGHT." in lines
    assert all(not line or line.startswith(("TITLE:", "FCM:", "*")) or EVENT.match(line) for line in lines)
