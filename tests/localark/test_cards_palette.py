"""A text-only card's palette belongs to its scene: measured in pixels of films rendered end to end.

A scene is a shot that starts fresh and the shots continuing from it (storyboard/continuity.py);
only its first shot can be a card, and the shots after it start on its last frame, so they carry
its background on. The card's colours come from its seed, which storyfilm pins from the title,
shot id and take, never the prompt: rewording keeps them, another scene gets its own (one of six
palettes: two scenes share one by chance one time in six; this title's two scenes do not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import render_story
from storyfilm.localark import cards
from storyfilm.localark.embedded import LocalServer
from storyfilm.mediaio import runner

STORY = """version: 1
title: Palette per scene
defaults: {{model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}}
shots:
  - id: hall
    prompt: "{first}"
  - id: stairs
    prompt: A wholly different sentence about the staircase and the rain outside.
  - id: pier
    cut: true
    prompt: A new scene begins on a wooden pier at noon.
"""


def colour(video: Path, frame: int) -> tuple[int, int, int]:
    """The mean colour of a patch at the left edge, mid height: no text, tag or grid line there."""
    raw = runner.run(["-i", str(video), "-vf", f"select=eq(n\\,{frame}),crop=iw/25:ih/5:iw/100:ih*2/5,scale=1:1:flags=area",
                      "-fps_mode", "passthrough", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                     what="read a colour").stdout
    return raw[0], raw[1], raw[2]


def distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return max(abs(x - y) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    """The storyboard rendered twice, the second time with a word of the first prompt changed."""
    folder = tmp_path_factory.mktemp("palette")
    out = {}
    with LocalServer() as server:
        for name, first in (("before", "A quiet hall at dawn, dust in the light."),
                            ("after", "A quiet hall at dusk, dust in the light.")):
            story = folder / f"{name}.yaml"
            story.write_text(STORY.format(first=first))
            out[name] = render_story(story, server).results
    return out


def test_shots_of_one_scene_share_the_cards_colours(films) -> None:
    shots = films["before"]
    hall, stairs = shots["hall"].video, shots["stairs"].video
    assert distance(colour(hall, 0), colour(stairs, 0)) <= 12  # the next shot starts on the card
    assert distance(colour(hall, 0), colour(stairs, 47)) <= 24  # and its camera moves over the same colours


def test_another_scene_gets_other_colours(films) -> None:
    shots = films["before"]
    assert cards.palette(shots["hall"].seed) != cards.palette(shots["pier"].seed)
    assert distance(colour(shots["hall"].video, 0), colour(shots["pier"].video, 0)) > 60


def test_rewording_a_card_keeps_its_colours(films) -> None:
    before, after = films["before"]["hall"], films["after"]["hall"]
    assert before.key != after.key and not after.cached  # really rendered again
    assert colour(before.video, 0) == colour(after.video, 0)
