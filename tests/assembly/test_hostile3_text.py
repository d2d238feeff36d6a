"""Third hostile pass on the text a storyboard carries into the side files: a NUL (YAML's "\\0")
in a prompt or caption, and the other characters that end or bend a line, a string or a URL."""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio

from helpers import colour_clip
from storyfilm.assembly import otio_export
from storyfilm.assembly.spec import ClipIn, FilmSpec, Soundtrack
from storyfilm.mediaio import runner

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


def test_media_named_with_url_characters_is_found_from_the_editors_exports(tmp_path: Path) -> None:
    """The media paths were written as bare relative paths where an editor reads a URL: FCP XML's
    pathurl for music named `mus & ic #1 %41 ü.wav` pointed at `mus & ic ` (the rest a fragment),
    and the adapter named the file so; `%41` would be read as `A`."""
    music = tmp_path / "mus & ic #1 %41 ü.wav"
    runner.run(["-f", "lavfi", "-i", "sine=d=1", "-y", str(music)], what="make music")
    store = tmp_path / "store #2"
    store.mkdir()
    clip = colour_clip(store / "a 100%.mp4", "red", 24)
    spec = FilmSpec(160, 90, review=False, soundtrack=Soundtrack(music))
    (tmp_path / "build").mkdir()
    out = otio_export.write(tmp_path / "build" / "cut.otio", [ClipIn(clip, "a")], spec, "Urls", {})

    def found(url: str) -> Path:
        parsed = urllib.parse.urlparse(url)
        assert not (parsed.fragment or parsed.query or parsed.scheme), url
        return (out.parent / urllib.parse.unquote(parsed.path)).resolve()

    xml = ET.parse(out.with_suffix(".xml"))
    assert sorted(map(found, (e.text for e in xml.iter("pathurl")))) == sorted([clip.resolve(), music.resolve()])
    assert {f.findtext("name") for f in xml.iter("file") if f.find("pathurl") is not None} == {clip.name, music.name}
    cut = otio.adapters.read_from_file(str(out))
    assert [found(c.media_reference.target_url) for c in cut.find_clips()] == [clip.resolve(), music.resolve()]


def test_control_characters_in_a_title_or_prompt_keep_the_review_page_valid_html(tmp_path: Path) -> None:
    """HTML allows no control characters but tab, newline and CR: the title went into <title> and
    <h1> as written (a NUL there is dropped by the parser without a trace), and the page's JSON left
    DEL and the C1 controls raw."""
    from storyfilm.assembly import review_page

    title, prompt = "T\0i\x07t\x7fle\x85!", "p\x7fq\x9fr\0s"
    card = review_page.ShotCard(id="a", prompt=prompt, model="m", size="160x90", seconds=2.0, take=1,
                                planned_tokens=1, planned_cost=0.1)
    page = review_page.write(tmp_path / "film.html", tmp_path / "film.mp4", title, [card], {"shots": [{"id": "a"}]},
                             preview=True, thumbs={"a": (b"\xff\xd8", b"\xff\xd8")})
    text = page.read_text(encoding="utf-8")
    assert [c for c in text if (ord(c) < 32 and c not in "\t\n\r") or 0x7f <= ord(c) <= 0x9f] == []
    assert "<h1>T\u2400i\u2407t\u2421le\ufffd!</h1>" in text  # each control shown by its picture
    start = text.index('type="application/json">') + len('type="application/json">')
    data = json.loads(text[start:text.index("</script>", start)])
    assert (data["title"], data["shots"][0]["prompt"]) == (title, prompt)  # the data keeps them exactly
