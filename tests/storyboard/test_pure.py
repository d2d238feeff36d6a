"""The storyboard language is pure: `parse` turns text into a Storyboard with the media it names
resolved by a plain function over a dict. The one file it reads is its own JSON Schema, shipped in
the package and read once; it stats nothing, not even the storyboard's folder, which does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import io_watch, memory_resolver
from storyfilm import storyboard
from storyfilm.storyboard import schema
from storyfilm.errors import Problem, StoryboardError
from storyfilm.seedance.media import Media

STORY = """\
title: In memory
style: Soft morning light.
assets:
  orchard: orchard.png
soundtrack: {file: music.wav, volume_db: -6}
shots:
  - id: open
    first_frame: orchard
    prompt: An orchard at dawn.
  - id: slice
    last_frame: end.png
    prompt: A knife slices an apple.
  - id: far
    cut: true
    prompt: A hill far away.
  - id: again
    from: open
    prompt: The orchard again.
"""
NOWHERE = Path("/nowhere/in-memory")
MEDIA = {
    "orchard.png": Media(kind="image", source="orchard.png", path=NOWHERE / "orchard.png", sha256="a" * 64,
                         width=1280, height=720, size=4000),
    "end.png": Media(kind="image", source="end.png", path=NOWHERE / "end.png", sha256="b" * 64,
                     width=1280, height=720, size=3000),
    "music.wav": Media(kind="audio", source="music.wav", path=NOWHERE / "music.wav", sha256="c" * 64, size=9000),
}


SCHEMA_READ = f"open {schema.SCHEMA}"


def parse(text: str, media: dict[str, Media]):
    resolve, asked = memory_resolver(media)
    schema.schema.cache_clear()
    schema._validator.cache_clear()
    with io_watch() as io:
        try:
            return storyboard.parse(text, NOWHERE / "story.yaml", resolve), asked, io
        except StoryboardError as exc:
            return exc, asked, io


def test_parse_with_media_from_a_dict_does_no_io() -> None:
    board, asked, io = parse(STORY, MEDIA)
    assert io == [SCHEMA_READ]
    assert asked == [("orchard.png", NOWHERE), ("end.png", NOWHERE), ("music.wav", NOWHERE)]  # the asset once
    assert [(s.id, s.mode, s.continues_from, s.first_frame, s.last_frame, s.ratio, s.prompt) for s in board.shots] == [
        ("open", "first_frame", None, MEDIA["orchard.png"], None, "adaptive", "An orchard at dawn. Soft morning light."),
        ("slice", "first_last_frame", "open", None, MEDIA["end.png"], "adaptive",
         "A knife slices an apple. Soft morning light."),
        ("far", "text", None, None, None, "16:9", "A hill far away. Soft morning light."),
        ("again", "first_frame", "open", None, None, "adaptive", "The orchard again. Soft morning light."),
    ]
    assert (board.soundtrack.path, board.soundtrack.volume_db) == (NOWHERE / "music.wav", -6)
    assert [s.seed for s in board.shots] == [storyboard.pinned_seed("In memory", s) for s in
                                             ("open", "slice", "far", "again")]


@pytest.mark.parametrize("missing, line, col", [("orchard.png", 4, 12), ("end.png", 11, 17), ("music.wav", 5, 20)])
def test_a_fault_from_the_resolver_is_placed_without_io(missing: str, line: int, col: int) -> None:
    media = {k: v for k, v in MEDIA.items() if k != missing}
    label = {"orchard.png": "asset `orchard`", "end.png": "last_frame", "music.wav": "soundtrack"}[missing]
    error, _, io = parse(STORY, media)
    assert io == [SCHEMA_READ]
    assert error.problems == [Problem(str(NOWHERE / "story.yaml"), line, col, f"{label}: file not found: {missing}")]
