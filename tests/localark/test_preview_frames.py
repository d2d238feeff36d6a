"""What a film maker reads on a preview: camera language, card layout and palette, CJK wrapping,
the ellipsis; and that the renderer stays byte-identical for the same request and seed."""

from __future__ import annotations

import pytest

from storyfilm.localark import camera, cards
from storyfilm.mediaio import text


@pytest.mark.parametrize(("prompt", "fixed", "expected"), [
    ("the camera pushes in on the layers", False, "push_in"),
    ("Slow dolly in on her face", False, "push_in"),
    ("The camera pulls back to reveal the bay", False, "pull_out"),
    ("Slow pan left across the skyline", False, "pan_left"),
    ("The camera tilts up to the sky", False, "tilt_up"),
    ("A drone orbits the lighthouse", False, "orbit"),
    ("Static shot of an empty room", False, "static"),
    ("镜头缓缓推进，小猫打哈欠", False, "push_in"),
    ("镜头拉远，展现城市全景", False, "pull_out"),
    ("镜头向左摇，街道", False, "pan_left"),
    ("固定镜头，窗外下雨", False, "static"),
    ("无人机环绕灯塔飞行", False, "orbit"),
    ("Pull out, then pan right", False, "pull_out"),  # the move named first
    ("the camera pushes in on the layers", True, "static"),  # camera_fixed holds the camera
    ("A paper boat drifts on a pond", False, "drift"),
])
def test_camera_language_drives_the_move(prompt: str, fixed: bool, expected: str) -> None:
    assert camera.move(prompt, fixed).name == expected


def test_every_move_starts_on_the_unmoved_picture() -> None:
    for name in ("static", "push_in", "pan_left", "pan_right", "tilt_up", "tilt_down", "orbit", "drift"):
        z = camera.Move(name).zoompan(71, 1234)["z"]
        assert eval(z.replace("min(on/71,1)", "0"), {"min": min}) == 1, name  # noqa: S307
    pull = camera.Move("pull_out", canvas=1.25).zoompan(71, 0)["z"]  # frame 0 fills the frame with the picture
    assert eval(pull.replace("min(on/71,1)", "0")) == 1.25 and eval(pull.replace("min(on/71,1)", "1")) == 1  # noqa: S307


def test_cjk_wraps_without_spaces_and_cut_text_ends_in_an_ellipsis() -> None:
    assert text.wrap("小猫对着镜头打哈欠，阳光洒在窗台上", 6, 5) == ["小猫对着镜头", "打哈欠，阳光", "洒在窗台上"]
    assert text.wrap("小猫对着镜头打哈欠，阳光洒在窗台上", 6, 2) == ["小猫对着镜头", "打哈欠，阳…"]
    assert text.wrap("Voice-over: \"Freshly cut, freshly shaken. And more\"", 10, 2) == ["Voice-over:", "\"Freshly cut…"]
    assert text.wrap("一二。三", 2, 3) == ["一", "二。", "三"]  # closing punctuation never starts a line
    assert text.wrap("", 10, 2) == []


def test_card_palette_follows_the_seed_not_the_words() -> None:
    assert cards.palette(42) == cards.palette(42 + len(cards.PALETTES))
    assert len({cards.palette(s) for s in range(len(cards.PALETTES))}) == len(cards.PALETTES)


def test_card_text_is_large_and_kept_out_of_the_caption_zone() -> None:
    size, lines = cards.card_layout("A lighthouse at dusk", 1280, 720)
    assert size == 720 // cards.CARD_SIZES[0] and lines == ["A lighthouse at dusk"]
    long = " ".join(["Freshly cut, freshly shaken."] * 40)
    size, lines = cards.card_layout(long, 1280, 720)
    assert size == 720 // cards.CARD_SIZES[-1] and lines[-1].endswith(text.ELLIPSIS)
    assert len(lines) * size * (1 + cards.CARD_LINE_GAP) <= 720 * (1 - cards.CARD_TOP - cards.CAPTION_ZONE)
    size, lines = cards.lower_third_layout(long, 1280, 720)
    assert len(lines) == 2 and lines[-1].endswith(text.ELLIPSIS) and size >= 720 // 18


def test_the_preview_font_draws_cjk() -> None:
    font = text.font_file()
    assert font is not None and "CJK" in font


def _drawn(font: str, words: str, tmp_path) -> bytes:
    """One grey frame with `words` drawn in `font`, as the preview draws prompts (drawtext)."""
    from storyfilm.mediaio import runner

    (tmp_path / "words.txt").write_text(words, encoding="utf-8")
    drawn = runner.run(["-f", "lavfi", "-i", "color=black:s=480x120", "-vf",
                        f"drawtext=fontfile={font}:textfile={tmp_path / 'words.txt'}:fontsize=64:fontcolor=white"
                        ":x=16:y=24", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
                       what="draw text").stdout
    assert len(drawn) == 480 * 120
    return drawn


def test_chinese_prompts_are_drawn_with_glyphs_not_tofu(tmp_path) -> None:
    """Two different Chinese prompts give different pixels in the preview's font; in a font without
    CJK glyphs (DejaVu Sans, from matplotlib's data) both come out as the same missing-glyph boxes."""
    import importlib.util
    from pathlib import Path

    glyphless = Path(importlib.util.find_spec("matplotlib").origin).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf"
    cat, rain = "小猫打哈欠", "窗外下大雨"
    tofu_cat, tofu_rain = _drawn(str(glyphless), cat, tmp_path), _drawn(str(glyphless), rain, tmp_path)
    assert tofu_cat == tofu_rain  # without glyphs, every character is the same box
    drawn_cat, drawn_rain = _drawn(text.font_file(), cat, tmp_path), _drawn(text.font_file(), rain, tmp_path)
    differ = sum(a != b for a, b in zip(drawn_cat, drawn_rain))
    assert differ > 2000, differ  # different characters, different strokes
    assert drawn_cat != tofu_cat and sum(p > 128 for p in drawn_cat) > 1500  # real strokes, not boxes or nothing
