"""A media file or an archive given where a storyboard goes (`validate clip.mp4`, a tab completed
to the wrong name) is told for what it is, at line 1, not as a stray byte deep inside it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from helpers import REPO, colour_clip, make_image
from storyfilm.errors import StoryboardError
from storyfilm.mediaio.inputs import load_storyboard


def _make(kind: str, folder: Path) -> Path:
    if kind == "png":
        return make_image(folder / "still.png", 64, 36)
    if kind == "jpeg":
        return make_image(folder / "still.jpg", 64, 36)
    if kind == "mp4":  # its header is UTF-8 with NULs (00 00 00 20 ftyp): it used to reach the YAML parser
        return colour_clip(folder / "clip.mp4", "red", frames=2, size=(32, 18))
    if kind == "wav":
        path = folder / "music.wav"
        path.write_bytes((REPO / "storyboards" / "assets" / "ad-music.wav").read_bytes()[:4096])
        return path
    path = folder / "ad.yaml.gz"
    path.write_bytes(gzip.compress((REPO / "storyboards" / "ad.yaml").read_bytes()))
    return path


@pytest.mark.parametrize("kind, what", [("png", "a PNG image"), ("jpeg", "a JPEG image"), ("mp4", "a video (MP4/MOV)"),
                                        ("wav", "a WAV sound"), ("gzip", "a gzip archive")])
def test_a_binary_file_is_named_for_what_it_is(tmp_path: Path, kind: str, what: str) -> None:
    path = _make(kind, tmp_path)
    with pytest.raises(StoryboardError) as caught:
        load_storyboard(path)
    assert str(caught.value) == f"{path}:1:1: this is {what}, not a storyboard (YAML text)"


def test_text_that_only_starts_like_a_bitmap_is_still_read_as_yaml(tmp_path: Path) -> None:
    """"BM" opens a BMP; a storyboard may open with it too: only bytes that are no text are sniffed."""
    story = tmp_path / "bm.yaml"
    story.write_text("BM: 1\ntitle: BM\nshots:\n  - id: one\n    prompt: A shot long enough to fill a header.\n",
                     encoding="utf-8")
    with pytest.raises(StoryboardError) as caught:
        load_storyboard(story)
    assert "BM" in str(caught.value) and "not a storyboard" not in str(caught.value)


def test_a_storyboard_name_too_long_is_located_not_raised(tmp_path: Path) -> None:
    """Through the Python API (the CLI refuses such a name first): Path.exists() raised ENAMETOOLONG."""
    story = tmp_path / ("a" * 300 + ".yaml")
    with pytest.raises(StoryboardError) as caught:
        load_storyboard(story)
    assert str(caught.value) == f"{story}:1:1: cannot read the storyboard: File name too long"
