"""Captions handled as a hostile user would write them: text that a subtitle decoder reads as
markup (`<Enter>`, `</i>`, `{\\an8}`, `\\N`). The film's own subtitle stream, read back from its
MP4, and the .srt beside it show each caption as written (with only invisible word joiners added)."""

from __future__ import annotations

from pathlib import Path

from helpers import colour_clip
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.mediaio import runner

WORD_JOINER = "\u2060"  # invisible: what the captions may add to stop markup being read
CAPTIONS = ["Press <Enter> to start", "x < y > z, <3 and <i>not italic</i>", r"{\an8}top? back\Nslash \h"]


def _subtitle_texts(film: Path) -> list[str]:
    """The text of each mov_text sample in the film (a 16-bit length, the text, then style boxes)."""
    data = runner.run(["-i", str(film), "-map", "0:s:0", "-c", "copy", "-f", "data", "-"], what="read").stdout
    texts, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 2], "big")
        texts.append(data[at + 2:at + 2 + size].decode())
        at += 2 + size
        while data[at + 4:at + 8] in (b"styl", b"hlit", b"hclr", b"dlay", b"hrop", b"blnk", b"twrp"):
            at += int.from_bytes(data[at:at + 4], "big")
    return [t for t in texts if t]  # the empty samples between cues


def test_a_caption_that_looks_like_markup_is_shown_as_written(tmp_path: Path) -> None:
    clips = [ClipIn(colour_clip(tmp_path / f"{n}.mp4", "gray", 24), n, caption=c) for n, c in zip("abc", CAPTIONS)]
    film = tmp_path / "film.mp4"
    assemble(clips, FilmSpec(160, 90, review=False), film)
    assert [t.replace(WORD_JOINER, "") for t in _subtitle_texts(film)] == CAPTIONS
    srt = film.with_suffix(".srt").read_text(encoding="utf-8").replace(WORD_JOINER, "")
    assert all(f"\n{c}\n" in srt for c in CAPTIONS)


def test_a_blank_caption_is_none_and_a_nul_loses_no_later_caption(tmp_path: Path) -> None:
    """A NUL in a caption (YAML's "\\0") made ffmpeg's SubRip reader stop: that caption and every
    later one were missing from the film. A caption of blank lines showed an empty cue."""
    texts = ["  \n\n ", "before\0after", "the last one"]
    clips = [ClipIn(colour_clip(tmp_path / f"{n}.mp4", "gray", 24), n, caption=c) for n, c in zip("abc", texts)]
    film = tmp_path / "film.mp4"
    assemble(clips, FilmSpec(160, 90, review=False), film)
    assert _subtitle_texts(film) == ["beforeafter", "the last one"]
    assert film.with_suffix(".srt").read_text(encoding="utf-8") == (
        "1\n00:00:01,000 --> 00:00:02,000\nbeforeafter\n\n2\n00:00:02,000 --> 00:00:03,000\nthe last one\n")


def test_a_blank_caption_is_no_marker_in_the_timeline(tmp_path: Path) -> None:
    from storyfilm.assembly import otio_export

    clips = [ClipIn(tmp_path / "a.mp4", "a", caption=" \n "), ClipIn(tmp_path / "b.mp4", "b", caption="Hi")]
    cut = otio_export.build(clips, [24, 24], FilmSpec(160, 90), "Blank", {}, tmp_path)
    assert [[m.name for m in c.markers] for c in cut.find_clips()] == [[], ["Hi"]]
