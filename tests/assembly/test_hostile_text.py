"""Text a user writes (a title, captions, prompts) in the side files, handled as a hostile user
would: a caption that holds a SubRip timing line, a title with a newline, markup, quotes, RTL
text and emoji. Each file must read back as what was meant, in the reader an editor uses
(ffmpeg for SubRip, OTIO's adapters for the EDL and FCP XML)."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from browser import INSTALL, find_chromium, run_harness
from storyfilm.assembly import captions, otio_export
from storyfilm.assembly.spec import ClipIn, FilmSpec
from storyfilm.mediaio import runner

CHROMIUM = find_chromium()
TITLE = 'Evil </title><script>alert(1)</script> "q" & <b>\nsecond line * FCM: NON-DROP \u202eرتب 🎬 \x01\x1b[0m'
CAPTION = "line one --> two\n\n00:00:01,000 --> 00:00:02,000\n2\n<i>it</i> & ]]> 🍎 عربي\x01"


def test_a_caption_holding_a_timing_line_stays_one_cue(tmp_path: Path) -> None:
    srt = tmp_path / "film.srt"
    srt.write_text(captions.srt([(0.0, 2.0, CAPTION), (2.0, 4.0, "-->")]), encoding="utf-8")
    read = runner.run(["-v", "error", "-i", str(srt), "-f", "srt", "-"], what="read the captions").stdout.decode()
    # (the word joiner that keeps `<i>` from being read as markup is invisible: test_hostile2_captions.py)
    cues = [block.replace(captions.WORD_JOINER, "").splitlines() for block in read.strip().split("\n\n")]
    assert [cue[1] for cue in cues] == ["00:00:00,000 --> 00:00:02,000", "00:00:02,000 --> 00:00:04,000"]
    assert cues[0][2:] == ["line one -> two", "00:00:01,000 -> 00:00:02,000", "2", "<i>it</i> & ]]> 🍎 عربي\x01"]
    assert cues[1][2:] == ["->"]


def test_a_title_with_a_newline_and_markup_keeps_the_edl_and_xml_readable(tmp_path: Path) -> None:
    clips = [ClipIn(tmp_path / "a.mp4", "a", caption=CAPTION), ClipIn(tmp_path / "b.mp4", "b")]
    shots = {"a": {"prompt": "</script> & <img src=x onerror=alert(1)> ]]> <![CDATA[ x \n* FROM CLIP NAME: evil 🍎"}}
    cut = otio_export.build(clips, [48, 48], FilmSpec(160, 90), TITLE, shots, tmp_path)
    for suffix, adapter in otio_export.EXPORTS.items():
        otio_export._write(cut, tmp_path / f"cut{suffix}", adapter)
    edl = otio.adapters.read_from_file(str(tmp_path / "cut.edl"), rate=24)
    assert [c.name for c in edl.find_clips()] == ["a", "b"]
    one_line = 'Evil </title><script>alert(1)</script> "q" & <b> second line * FCM: NON-DROP رتب 🎬 [0m'
    assert edl.name == one_line
    xml = otio.adapters.read_from_file(str(tmp_path / "cut.xml"))
    assert [c.name for c in xml.find_clips()] == ["a", "b"] and xml.name == one_line


PROMPT = "<!--<script> a comment opened in the data, then </script><script>alert(1)</script> \u2028 🍎"


def _page(folder: Path) -> Path:
    from storyfilm.assembly import review_page

    card = review_page.ShotCard(id="a", prompt=PROMPT, model="m", size="160x90", seconds=2.0, take=1,
                                planned_tokens=1, planned_cost=0.1)
    return review_page.write(folder / "film.html", folder / "film.mp4", TITLE, [card],
                             {"shots": [{"id": "a"}]}, preview=True, thumbs={"a": (b"\xff\xd8", b"\xff\xd8")})


def test_a_prompt_with_markup_cannot_reach_out_of_the_review_pages_data(tmp_path: Path) -> None:
    prompt = PROMPT
    text = _page(tmp_path).read_text(encoding="utf-8")
    start = text.index('<script id="page-data" type="application/json">') + len('<script id="page-data" '
                                                                                  'type="application/json">')
    data = text[start:text.index("</script>", start)]
    # no `<` at all: neither `</script>` nor `<!--` (which would run the element past its end) can appear
    assert "<" not in data
    assert json.loads(data)["shots"][0]["prompt"] == prompt and json.loads(data)["title"] == TITLE
    assert text.count("<script") == 2  # the page's own two: nothing the prompt or title wrote


def test_the_review_page_links_a_film_whose_name_holds_url_characters(tmp_path: Path) -> None:
    from storyfilm.assembly import review_page

    page = review_page.write(tmp_path / "page.html", tmp_path / "take #2 ?100%.mp4", "t", [], {"shots": []},
                             preview=True, thumbs={})
    assert 'src="take%20%232%20%3F100%25.mp4"' in page.read_text(encoding="utf-8")


@pytest.mark.skipif(CHROMIUM is None, reason=f"no Chromium found; install it with: {INSTALL}")
def test_the_review_page_with_markup_in_a_prompt_shows_its_card_in_a_browser(tmp_path: Path) -> None:
    seen = run_harness(CHROMIUM, _page(tmp_path), "return {cards: doc.querySelectorAll('#cards > *').length, "
                       "text: doc.getElementById('cards').textContent};", tmp_path)
    assert seen["cards"] == 1 and PROMPT.replace("\u2028", "") in seen["text"].replace("\u2028", "")
