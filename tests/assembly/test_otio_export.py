"""The cut as OpenTimelineIO, read back: one clip per shot in order, source ranges after trims and
the dropped repeated frame, transitions, captions as markers, the soundtrack on its own track,
and a track exactly as many frames long as the film."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from helpers import four_shot_cut
from storyfilm.assembly import otio_export


def test_otio_round_trip_matches_the_film_frame_for_frame(tmp_path: Path) -> None:
    clips, spec, report = four_shot_cut(tmp_path, "Dawn.")
    build = tmp_path / "build"
    shots = {"roll": {"seed": 7, "task_id": "cgt-1", "key": "k" * 64, "prompt": "镜头向右摇"}}
    out = otio_export.write(build / "cut.otio", clips, spec, "cut", shots)

    cut = otio.adapters.read_from_file(str(out))
    video, music_track = cut.tracks
    shown = list(video.find_clips())
    assert [c.name for c in shown] == ["open", "roll", "end", "card"]
    assert video.duration() == otio.opentime.RationalTime(report.frames, 24)  # the film, frame for frame
    assert report.frames == 24 + 17 + 30 + 24 - 6 - 12
    # roll: its repeated frame 0 dropped, trimmed at 0.75 s (frame 18): frames 1-17 play
    roll = shown[1]
    assert roll.source_range == otio.opentime.TimeRange(otio.opentime.RationalTime(1, 24),
                                                        otio.opentime.RationalTime(17 - 3, 24))
    assert roll.metadata["storyfilm"]["dropped_repeated_frame"] and roll.metadata["storyfilm"]["task_id"] == "cgt-1"
    assert roll.metadata["storyfilm"]["prompt"] == "镜头向右摇"
    transitions = [t for t in video if isinstance(t, otio.schema.Transition)]
    assert [(t.name, t.in_offset.value + t.out_offset.value) for t in transitions] == [("crossfade", 6),
                                                                                       ("fade_black", 12)]
    assert [m.name for m in shown[0].markers] == ["Dawn."]
    assert music_track.kind == otio.schema.TrackKind.Audio and music_track.duration().value == report.frames
    assert shown[0].media_reference.target_url == "../a.mp4"
