"""Text commands at the end of a storyboard prompt (seeds 000 and 002) are read into the shot's
parameters, not sent twice: the plan, the content key, the cost and the request body see them."""

from __future__ import annotations

from pathlib import Path

from helpers import memory_resolver
from storyfilm import cli, planning, storyboard

STORY = """\
title: 小猫
shots:
  - id: cat
    prompt: 小猫对着镜头打哈欠 --rs 720p --rt 4:3 --dur 6 --seed 11 --wm true --cf false --zoom 2
  - id: plain
    cut: true
    resolution: 720p
    ratio: "4:3"
    duration: 6
    seed: 11
    watermark: true
    camera_fixed: false
    prompt: 小猫对着镜头打哈欠 --zoom 2
"""


def _jobs():
    board = storyboard.parse(STORY, Path("/nowhere/cat.yaml"), memory_resolver({})[0])
    return board, planning.jobs(planning.compile_plan(board))


def test_commands_become_parameters_and_leave_the_text() -> None:
    board, (cat, plain) = _jobs()
    body = cat.request(None, lambda m: "")
    assert body["content"] == [{"type": "text", "text": "小猫对着镜头打哈欠 --zoom 2"}]
    assert {k: body[k] for k in ("resolution", "ratio", "duration", "seed", "watermark", "camera_fixed")} == \
        {"resolution": "720p", "ratio": "4:3", "duration": 6, "seed": 11, "watermark": True, "camera_fixed": False}
    # the same shot written with keys: the same request, key and cost
    assert body == plain.request(None, lambda m: "")
    assert cat.key(None, "local") == plain.key(None, "local")
    assert cat.cost == plain.cost and cat.frames == 6 * 24 + 1


def test_unknown_word_is_a_located_warning(tmp_path: Path, capsys) -> None:
    board, _ = _jobs()
    assert [str(w) for w in board.warnings] == [
        "/nowhere/cat.yaml:4:13: warning: `--zoom` is not a Seedance text command; it is sent as part of the prompt",
        "/nowhere/cat.yaml:13:13: warning: `--zoom` is not a Seedance text command; it is sent as part of the prompt"]
    story = tmp_path / "cat.yaml"
    story.write_text(STORY, encoding="utf-8")
    assert cli.main(["validate", str(story)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{story}: ok (2 shots, 12 s)\n"
    assert err.splitlines()[0] == f"{story}:4:13: warning: `--zoom` is not a Seedance text command; it is sent " \
                                  f"as part of the prompt"


def test_a_command_agreeing_with_a_key_is_fine_and_defaults_yield() -> None:
    text = "title: T\ndefaults: {duration: 8}\nshots:\n  - id: a\n    duration: 5\n    prompt: A cat --dur 5\n" \
           "  - id: b\n    prompt: A dog --dur 4\n"
    board = storyboard.parse(text, Path("/nowhere/t.yaml"), memory_resolver({})[0])
    assert [(s.prompt, s.duration) for s in board.shots] == [("A cat", 5), ("A dog", 4)]


def test_callback_url_is_passed_through_and_not_keyed() -> None:
    """`callback_url` (per film or per shot) reaches the body as written; it changes where the
    service reports, not what it renders, so the shot's content key stays the same."""
    text = "title: T\ndefaults: {callback_url: https://hooks.example.com/film}\nshots:\n  - id: a\n    prompt: A cat\n" \
           "  - id: b\n    cut: true\n    callback_url: https://hooks.example.com/b\n    prompt: A cat\n"
    plain = "title: T\nshots:\n  - id: a\n    prompt: A cat\n"
    a, b = planning.jobs(planning.compile_plan(storyboard.parse(text, Path("/nowhere/t.yaml"), memory_resolver({})[0])))
    (bare,) = planning.jobs(planning.compile_plan(storyboard.parse(plain, Path("/nowhere/t.yaml"), memory_resolver({})[0])))
    assert a.request(None, lambda m: "")["callback_url"] == "https://hooks.example.com/film"
    assert b.request(None, lambda m: "")["callback_url"] == "https://hooks.example.com/b"
    assert "callback_url" not in bare.request(None, lambda m: "")
    assert a.key(None, "local") == bare.key(None, "local")
