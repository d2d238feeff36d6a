"""Third hostile pass on the text a storyboard carries into the side files: a NUL (YAML's "\\0")
in a prompt or caption, and the other characters that end or bend a line or a string."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio

from storyfilm.assembly import otio_export
from storyfilm.assembly.spec import ClipIn, FilmSpec

PROMPT = "dusk\0 after the NUL: </script> \u200f\u202e 🎬 \x07 \r\n" + "x" * 10_000
CAPTION = "before\0after"


def test_a_nul_in_a_prompt_or_caption_loses_nothing_after_it_in_the_timeline(tmp_path: Path) -> None:
    """OTIO's writer ended each string at its first NUL: the .otio kept "dusk" of the prompt and
    "before" of the caption, and nothing said that the rest was gone."""
    clips = [ClipIn(tmp_path / "a.mp4", "a", caption=CAPTION), ClipIn(tmp_path / "b.mp4", "b")]
    cut = otio_export.build(clips, [48, 48], FilmSpec(160, 90), "Nul", {"a": {"prompt": PROMPT}}, tmp_path)
    otio_export._write(cut, tmp_path / "cut.otio", "otio_json")

    shown = PROMPT.replace("\0", "\u2400")  # SYMBOL FOR NULL: the NUL is seen, and all after it kept
    raw = json.loads((tmp_path / "cut.otio").read_text(encoding="utf-8"))
    first = raw["tracks"]["children"][0]["children"][0]
    assert first["metadata"]["storyfilm"]["prompt"] == shown
    read = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    clip = next(iter(read.find_clips()))
    assert clip.metadata["storyfilm"]["prompt"] == shown
    assert clip.markers[0].metadata["storyfilm"]["caption"] == "before\u2400after"
    assert clip.markers[0].name == "before after"
